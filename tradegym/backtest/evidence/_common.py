"""What every evidence function shares: input checks, the Sharpe ratio, the result base class."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from tradegym.errors import ConfigError, DataError, describe_more

ArrayLike: TypeAlias = Sequence[float] | np.ndarray | pd.Series

MIN_BARS = 30
"""Fewest bars (shared bars, for a pair) any evidence function accepts: below it no
asymptotic or bootstrap argument says anything."""


class EvidenceResult:
    """Base of the result dataclasses: :meth:`to_dict` for ``metrics.json``."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: floats, ints, strings, lists and dicts; NaN and inf become ``None``."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


def _jsonable(value: Any) -> Any:
    if isinstance(value, EvidenceResult):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def as_returns(returns: ArrayLike, what: str = "returns", min_bars: int = MIN_BARS) -> np.ndarray:
    """``(T,)`` float64 copy of simple per-bar returns, checked finite and long enough.

    Raises:
        DataError: a NaN/inf return (the first bad bar is named) or fewer than ``min_bars`` bars.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 1:
        raise DataError(f"{what} must be one series of per-bar returns, got shape {r.shape}")
    bad = np.flatnonzero(~np.isfinite(r))
    if len(bad):
        where = returns.index[bad[0]] if isinstance(returns, pd.Series) else f"bar {bad[0]}"
        if isinstance(where, pd.Timestamp) and where == where.normalize():
            where = str(where.date())
        raise DataError(
            f"{what} has a non-finite return at {where} ({float(r[bad[0]])}){describe_more(len(bad))}; "
            "drop or fill those bars before testing"
        )
    if len(r) < min_bars:
        raise DataError(
            f"{what} has {len(r)} bars, fewer than the {min_bars} needed for any evidence; "
            "backtest a longer period"
        )
    return r


def as_pair(
    returns: ArrayLike, benchmark: ArrayLike, min_bars: int = MIN_BARS
) -> tuple[np.ndarray, np.ndarray]:
    """Paired ``(T,)`` returns of the same bars: two Series are aligned on their shared index.

    Raises:
        DataError: different lengths (arrays), too few shared dates (Series), or NaN/inf.
    """
    if isinstance(returns, pd.Series) and isinstance(benchmark, pd.Series):
        shared = returns.index.intersection(benchmark.index)
        if len(shared) < min_bars:
            raise DataError(
                f"returns and benchmark share {len(shared)} dates (of {len(returns)} and "
                f"{len(benchmark)}), fewer than the {min_bars} a paired test needs; backtest "
                "both over the same period"
            )
        returns, benchmark = returns.loc[shared], benchmark.loc[shared]
    elif len(returns) != len(benchmark):
        raise DataError(
            f"returns has {len(returns)} bars but benchmark has {len(benchmark)}; paired tests "
            "need the same bars: pass both as date-indexed Series to align them"
        )
    return (as_returns(returns, "returns", min_bars), as_returns(benchmark, "benchmark", min_bars))


def check_level(level: float, what: str = "level") -> None:
    """Raise ConfigError unless ``0 < level < 1``."""
    if not 0.0 < level < 1.0:
        raise ConfigError(f"{what} must be in (0, 1), e.g. 0.95; got {level!r}")


def check_positive(value: float, what: str) -> None:
    """Raise ConfigError unless ``value > 0`` (periods_per_year, n_resamples...)."""
    if not value > 0:
        raise ConfigError(f"{what} must be > 0, got {value!r}")


def sharpe_per_bar(r: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean over ``std(ddof=1)`` along ``axis``: the Sharpe ratio per bar, risk-free 0.

    A zero standard deviation gives NaN (as :func:`~tradegym.backtest.metrics.compute_metrics`).
    """
    mean = r.mean(axis=axis)
    std = r.std(axis=axis, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std > 1e-15, mean / np.where(std > 1e-15, std, 1.0), np.nan)


def annual_sharpe(r: np.ndarray, periods_per_year: float) -> float:
    """Annualised Sharpe ratio of ``(T,)`` returns: per-bar Sharpe times ``sqrt(periods_per_year)``."""
    return float(sharpe_per_bar(r)) * math.sqrt(periods_per_year)


def newey_west_lags(n_bars: int) -> int:
    """Newey & West (1994) rule of thumb for the HAC lag: ``floor(4 (T/100)^(2/9))``.

    >>> newey_west_lags(100), newey_west_lags(1000), newey_west_lags(2500)
    (4, 6, 8)
    """
    return int(math.floor(4.0 * (n_bars / 100.0) ** (2.0 / 9.0)))


def stationary_block_length(x: np.ndarray) -> float:
    """Politis & White (2004) optimal mean block length of the stationary bootstrap, at least 1.

    ``x`` is ``(T,)`` or ``(T, K)``; for several columns the longest is used, so the
    blocks keep the most persistent column's dependence.
    """
    return max(1.0, _optimal_block_length(x, "stationary"))


def circular_block_length(x: np.ndarray) -> int:
    """Politis & White (2004) optimal block length of the circular block bootstrap, rounded up, >= 1.

    ``x`` is ``(T,)`` or ``(T, K)``; the longest column's length is used.
    """
    return max(1, math.ceil(_optimal_block_length(x, "circular")))


def _optimal_block_length(x: np.ndarray, column: str) -> float:
    """Longest ``arch.bootstrap.optimal_block_length`` over the non-constant columns (0 if none)."""
    from arch.bootstrap import optimal_block_length

    x = x.reshape(len(x), -1)  # (T, K)
    varying = x[:, np.ptp(x, axis=0) > 0]  # constant columns have no dependence to estimate
    if varying.shape[1] == 0:
        return 0.0
    lengths = optimal_block_length(varying)[column].to_numpy()
    lengths = lengths[np.isfinite(lengths)]
    return float(lengths.max()) if len(lengths) else 0.0


def resample_indices(bootstrap: Any, n_resamples: int) -> np.ndarray:
    """``(R, T)`` index matrix of ``n_resamples`` draws of an ``arch.bootstrap`` object."""
    return np.stack([bootstrap.update_indices() for _ in range(n_resamples)])
