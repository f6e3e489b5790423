"""The shape of a return series: histogram and tail risk, rolling risk, up/down capture.

Conventions are those of :mod:`tradegym.backtest.metrics`: simple returns per bar,
``std(ddof=1)``, annualised by ``sqrt(periods_per_year)``, an annual ``risk_free_rate``
turned into a per-bar rate geometrically.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from tradegym.backtest.analytics._common import aligned_benchmark, check_count, return_series
from tradegym.errors import ConfigError, DataError

_CHUNK_ROWS = 4096
"""Windows evaluated at once by :func:`rolling_stats`: bounds memory to ``chunk x window`` floats."""


def return_distribution(returns: pd.Series, bins: int = 50) -> dict[str, Any]:
    """Histogram, moments and historical tail risk of per-bar returns.

    Skewness and excess kurtosis are the bias-corrected sample estimates (adjusted
    Fisher-Pearson, as ``pandas.Series.skew`` / ``kurt``). VaR and CVaR at 95 % are
    historical and reported as positive losses: ``var_95 = -q`` with ``q`` the 5 % quantile
    of the returns (linear interpolation), ``cvar_95`` the mean loss of the bars with
    ``r <= q`` (expected shortfall).

    Args:
        returns: ``(S,)`` simple returns on a ``DatetimeIndex``, ``S >= 2``.
        bins: histogram bins, ``>= 1``.

    Returns:
        ``edges`` ``(bins+1,)``, ``counts`` ``(bins,)`` int, ``centres`` ``(bins,)``,
        ``mean``, ``sd`` (``ddof=1``, per bar), ``skew``, ``excess_kurtosis``, ``var_95``,
        ``cvar_95``, ``normal_pdf`` ``(bins,)``: the normal density with the same mean and
        sd at the centres, scaled to counts (``S x bin width x pdf``) so it overlays the
        histogram (NaN if ``sd`` is 0), and ``bars``.

    Raises:
        DataError: not a dated Series, NaN/inf, a return below -1, or fewer than 2 bars.
        ConfigError: ``bins < 1``.
    """
    from scipy import stats

    bins = check_count(bins, "bins")
    r = return_series(returns).to_numpy()  # (S,)
    if len(r) < 2:
        raise DataError(f"return_distribution needs at least 2 returns, got {len(r)}; backtest longer")
    counts, edges = np.histogram(r, bins=bins)
    centres = 0.5 * (edges[:-1] + edges[1:])  # (bins,)
    mean, sd = float(r.mean()), float(r.std(ddof=1))
    if sd > 0:
        normal = len(r) * np.diff(edges) * stats.norm.pdf(centres, loc=mean, scale=sd)
        skew = float(stats.skew(r, bias=False))
        kurt = float(stats.kurtosis(r, fisher=True, bias=False))
    else:
        normal, skew, kurt = np.full(bins, np.nan), math.nan, math.nan
    q = float(np.quantile(r, 0.05))
    return {
        "edges": edges, "counts": counts, "centres": centres, "mean": mean, "sd": sd,
        "skew": skew, "excess_kurtosis": kurt, "var_95": -q, "cvar_95": -float(r[r <= q].mean()),
        "normal_pdf": normal, "bars": len(r),
    }


def rolling_stats(
    returns: pd.Series,
    benchmark: pd.Series | None = None,
    window: int = 63,
    *,
    periods_per_year: float = 252,
    risk_free_rate: float = 0.0,
) -> pd.DataFrame:
    """Rolling annualised Sharpe, volatility and beta, each from the ``window`` bars ending there.

    Causal: the row at bar ``t`` reads bars ``t-window+1 .. t`` only, and rows before the
    window fills are NaN. Each window is computed on its own (no running sums), so a value
    never depends on bars outside its window, not even through rounding.

    Args:
        returns: ``(S,)`` simple returns on a ``DatetimeIndex``.
        benchmark: optional simple returns covering every date of ``returns`` (see
            :func:`benchmark_series`); adds ``beta``.
        window: bars per window, ``>= 2``.
        periods_per_year: bars per year, ``> 0``.
        risk_free_rate: annual risk-free rate (a fraction) subtracted for the Sharpe ratio.

    Returns:
        Index the dates of ``returns``; ``sharpe`` (mean excess over ``std(ddof=1)`` times
        ``sqrt(periods_per_year)``, NaN for a flat window), ``volatility`` (``std(ddof=1)``
        times ``sqrt(periods_per_year)``), and ``beta`` (``cov(r, b) / var(b)``, NaN for a
        flat benchmark window) when a benchmark is given.

    Raises:
        DataError: a series is not dated, NaN/inf, below -1, or the benchmark lacks dates.
        ConfigError: ``window < 2`` or ``periods_per_year <= 0``.
    """
    window = check_count(window, "window", minimum=2)
    if not periods_per_year > 0:
        raise ConfigError(f"periods_per_year must be > 0, got {periods_per_year!r}")
    r = return_series(returns)
    b = None if benchmark is None else aligned_benchmark(r, benchmark).to_numpy()
    rf_bar = (1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0
    n = len(r)
    columns = ["sharpe", "volatility"] + ([] if b is None else ["beta"])
    out = np.full((n, len(columns)), np.nan)  # (S, C)
    values = r.to_numpy()
    scale = math.sqrt(periods_per_year)
    for lo in range(0, max(n - window + 1, 0), _CHUNK_ROWS):
        hi = min(lo + _CHUNK_ROWS, n - window + 1)  # windows lo..hi-1 end at bars lo+window-1..
        rows = slice(lo + window - 1, hi + window - 1)
        x = sliding_window_view(values, window)[lo:hi]  # (chunk, window)
        sd = x.std(axis=1, ddof=1)  # (chunk,)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[rows, 0] = np.where(sd > 1e-15, (x.mean(axis=1) - rf_bar) / sd, np.nan) * scale
        out[rows, 1] = sd * scale
        if b is not None:
            y = sliding_window_view(b, window)[lo:hi]  # (chunk, window)
            yc = y - y.mean(axis=1, keepdims=True)
            var_b = (yc * yc).sum(axis=1)
            cov = ((x - x.mean(axis=1, keepdims=True)) * yc).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[rows, 2] = np.where(var_b > 1e-30, cov / var_b, np.nan)
    return pd.DataFrame(out, index=r.index, columns=columns)


def capture_ratios(returns: pd.Series, benchmark: pd.Series) -> dict[str, float]:
    """Up and down capture: mean return on the benchmark's up (down) bars over the benchmark's.

    Mean-based (as pyfolio's tear sheet reads them, not empyrical's annualised variant):
    ``up = mean(r_t | b_t > 0) / mean(b_t | b_t > 0)`` and ``down`` likewise over ``b_t < 0``;
    bars with ``b_t = 0`` count in neither. ``up > 1`` gains more than the benchmark when
    it rises; ``down < 1`` loses less when it falls.

    Args:
        returns: ``(S,)`` simple returns on a ``DatetimeIndex``.
        benchmark: simple returns covering every date of ``returns``.

    Returns:
        ``{"up": ..., "down": ...}``; NaN where the benchmark has no up (down) bar.

    Raises:
        DataError: a series is not dated, NaN/inf, below -1, or the benchmark lacks dates.

    >>> dates = pd.bdate_range("2024-01-01", periods=4)
    >>> b = pd.Series([0.02, -0.01, 0.04, -0.03], dates)
    >>> capture_ratios(pd.Series([0.01, -0.02, 0.02, -0.04], dates), b)
    {'up': 0.5, 'down': 1.5}
    """
    r = return_series(returns)
    b = aligned_benchmark(r, benchmark).to_numpy()
    x = r.to_numpy()

    def ratio(mask: np.ndarray) -> float:
        return float(x[mask].mean() / b[mask].mean()) if mask.any() else math.nan

    return {"up": ratio(b > 0), "down": ratio(b < 0)}
