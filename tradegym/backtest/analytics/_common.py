"""Input checks shared by the analytics: date-indexed, finite simple returns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tradegym.errors import ConfigError, DataError, describe_more


def dated_series(values: Any, what: str) -> pd.Series:
    """``values`` as a float64 Series on a ``DatetimeIndex``, NaN/inf rejected.

    Raises:
        DataError: not a Series with a ``DatetimeIndex``, or a NaN/inf value (the message
            names the first date and how many more).
    """
    if not isinstance(values, pd.Series) or not isinstance(values.index, pd.DatetimeIndex):
        raise DataError(
            f"{what} must be a pandas Series indexed by dates, got {type(values).__name__}"
            f"{'' if not isinstance(values, pd.Series) else ' on a ' + type(values.index).__name__}"
            "; pass a BacktestResult's returns or equity (or set a DatetimeIndex)"
        )
    series = values.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(series.to_numpy()))
    if len(bad):
        raise DataError(
            f"{what} is NaN/inf on {series.index[bad[0]].date()}{describe_more(len(bad))}; "
            "drop or fill those bars first"
        )
    return series


def return_series(returns: Any, what: str = "returns") -> pd.Series:
    """Simple returns as :func:`dated_series`, also rejecting returns below -1.

    Raises:
        DataError: as :func:`dated_series`, or a return ``< -1`` (more than a total loss).
    """
    series = dated_series(returns, what)
    bad = np.flatnonzero(series.to_numpy() < -1.0)
    if len(bad):
        raise DataError(
            f"{what} has a simple return below -1 on {series.index[bad[0]].date()} "
            f"({float(series.iloc[bad[0]])!r}){describe_more(len(bad))}; these must be simple returns "
            "V_t / V_(t-1) - 1, not log returns or percentages"
        )
    return series


def aligned_benchmark(returns: pd.Series, benchmark: Any) -> pd.Series:
    """``benchmark`` on exactly the dates of ``returns``.

    Raises:
        DataError: ``benchmark`` is not dated, is NaN/inf, or lacks some of the dates (the
            message names the first missing ones).
    """
    bench = return_series(benchmark, "benchmark")
    missing = returns.index.difference(bench.index)
    if len(missing):
        first = ", ".join(str(d.date()) for d in missing[:3])
        raise DataError(
            f"benchmark lacks {len(missing)} of the {len(returns)} dates of the returns "
            f"(first: {first}); align it with benchmark_series(spec_or_result, equity dates)"
        )
    return bench.reindex(returns.index)


def check_count(value: Any, what: str, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum``.

    Raises:
        ConfigError: not an integer, or below ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)
