"""Results by period: drawdown episodes, calendar returns, turnover and costs per month.

Conventions are those of :mod:`tradegym.backtest.metrics`: simple returns, drawdown
``1 - V_t / max_{s<=t} V_s`` as a positive fraction, and "recovered" meaning back at (``>=``)
the peak.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tradegym.backtest.analytics._common import check_count, dated_series, return_series
from tradegym.errors import ConfigError, DataError

DRAWDOWN_COLUMNS = ("start", "trough", "recovery", "depth", "bars_to_trough", "bars_to_recovery",
                    "length")
"""Columns of :func:`drawdown_table`, in order."""


def drawdown_table(equity: pd.Series, top: int = 5) -> pd.DataFrame:
    """The ``top`` deepest drawdown episodes of an equity curve, deepest first.

    An episode runs from a peak (the last bar at the running maximum before the curve falls
    below it) to the first bar back at that peak; episodes never overlap. The deepest
    episode's ``depth`` and ``length`` are :func:`~tradegym.backtest.metrics.max_drawdown`'s.

    Args:
        equity: ``(S+1,)`` positive portfolio values on a ``DatetimeIndex`` (a
            :class:`~tradegym.backtest.engine.BacktestResult`'s ``equity``).
        top: how many episodes to keep, ``>= 1``.

    Returns:
        One row per episode (index ``rank`` 1, 2, ...; empty if the curve never falls):
        ``start`` (peak date), ``trough`` (date of the lowest value, the first if tied),
        ``recovery`` (first date back at the peak, ``NaT`` if never), ``depth`` (``1 -
        trough / peak``, a positive fraction), ``bars_to_trough``, ``bars_to_recovery``
        (bars from peak to recovery, NaN if never), ``length`` (bars from the peak to the
        recovery, or to the last bar if never recovered).

    Raises:
        DataError: ``equity`` is not a dated Series, or has a NaN/inf or non-positive value.
        ConfigError: ``top < 1``.

    >>> dates = pd.bdate_range("2024-01-01", periods=7)
    >>> table = drawdown_table(pd.Series([1, 1.1, 0.99, 1.05, 1.2, 0.9, 1.0], dates))
    >>> table[["depth", "bars_to_trough", "length"]].round(4).values.tolist()
    [[0.25, 1.0, 2.0], [0.1, 1.0, 3.0]]
    """
    top = check_count(top, "top")
    series = dated_series(equity, "equity")
    v = series.to_numpy()  # (S+1,)
    if (v <= 0).any():
        bad = int(np.flatnonzero(v <= 0)[0])
        raise DataError(f"equity must be positive, got {float(v[bad])!r} on {series.index[bad].date()}")
    peak_value = np.maximum.accumulate(v)
    under = v < peak_value  # (S+1,) below the running peak
    # Episode boundaries: where "under" switches on (the bar after a peak) and off (recovery).
    edges = np.diff(np.concatenate([[False], under, [False]]).astype(np.int8))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # stop: first bar back
    rows: list[dict[str, Any]] = []
    dates, last = series.index, len(v) - 1
    for first, stop in zip(starts, stops, strict=True):
        peak = first - 1  # bar 0 is always at its own peak, so first >= 1
        trough = first + int(np.argmin(v[first:stop]))
        recovered = stop <= last
        rows.append({
            "start": dates[peak],
            "trough": dates[trough],
            "recovery": dates[stop] if recovered else pd.NaT,
            "depth": 1.0 - v[trough] / v[peak],
            "bars_to_trough": trough - peak,
            "bars_to_recovery": float(stop - peak) if recovered else np.nan,
            "length": (stop if recovered else last) - peak,
        })
    table = pd.DataFrame(rows, columns=list(DRAWDOWN_COLUMNS))
    # Stable sort: equal depths keep their chronological order.
    table = table.sort_values("depth", ascending=False, kind="stable").head(top)
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    table["recovery"] = pd.to_datetime(table["recovery"])
    return table.astype({"bars_to_trough": np.int64, "length": np.int64,
                         "bars_to_recovery": np.float64, "depth": np.float64})


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Returns compounded per calendar month: ``prod(1 + r) - 1`` over the month's bars.

    Args:
        returns: ``(S,)`` simple returns on a ``DatetimeIndex`` (each at its bar's end date).

    Returns:
        Index ``year`` (int), columns ``month`` 1..12; NaN where a month has no bars.

    Raises:
        DataError: not a dated Series, NaN/inf, or a return below -1.

    >>> r = pd.Series([0.1, 0.1, -0.5], pd.to_datetime(["2024-01-02", "2024-01-03", "2024-03-01"]))
    >>> monthly_returns(r).loc[2024, [1, 2, 3]].round(4).tolist()
    [0.21, nan, -0.5]
    """
    r = return_series(returns)
    growth = (1.0 + r).groupby([r.index.year, r.index.month]).prod() - 1.0
    table = growth.unstack().reindex(columns=range(1, 13))
    table.index.name, table.columns.name = "year", "month"
    return table.astype(np.float64)


def yearly_returns(returns: pd.Series) -> pd.Series:
    """Returns compounded per calendar year (index ``year``, int), over the year's bars.

    Raises:
        DataError: not a dated Series, NaN/inf, or a return below -1.

    >>> r = pd.Series([0.1, 0.1, -0.5], pd.to_datetime(["2023-12-29", "2024-01-02", "2024-03-01"]))
    >>> yearly_returns(r).round(4).to_dict()
    {2023: 0.1, 2024: -0.45}
    """
    r = return_series(returns)
    growth = (1.0 + r).groupby(r.index.year).prod() - 1.0
    growth.index.name = "year"
    return growth.rename("return").astype(np.float64)


def turnover_costs(result: Any, freq: str = "ME") -> pd.DataFrame:
    """Turnover and costs summed per calendar period (default: per month, labelled at its end).

    Args:
        result: a :class:`~tradegym.backtest.engine.BacktestResult`.
        freq: a pandas resampling frequency (``"ME"`` month end, ``"W"``, ``"QE"``, ``"YE"``).

    Returns:
        Per period: ``turnover`` (sum of the per-bar risky turnover, fractions of value
        traded), ``costs`` (currency), ``cost_drag`` (sum of ``cost_t / V_{t-1}``: the
        return lost to costs, a fraction) and ``bars``. Periods inside the backtest with no
        bars show zeros.

    Raises:
        ConfigError: ``freq`` is not a frequency pandas knows.
    """
    value_before = result.equity.to_numpy()[:-1]  # (S,) value at the start of each bar
    frame = pd.DataFrame({
        "turnover": result.turnover.to_numpy(dtype=np.float64),
        "costs": result.costs.to_numpy(dtype=np.float64),
        "cost_drag": result.costs.to_numpy(dtype=np.float64) / value_before,
        "bars": np.ones(len(value_before), dtype=np.int64),
    }, index=result.returns.index)
    try:
        return frame.resample(freq).sum()
    except ValueError as exc:
        raise ConfigError(f"unknown resampling frequency {freq!r} ({exc}); use e.g. 'ME', 'W', 'YE'") \
            from None
