"""Bar frequency: how many bars make a year, read from a market's calendar.

Metrics annualise with ``periods_per_year`` (volatility and Sharpe by its square root,
growth over ``bars / periods_per_year`` years), so a weekly file annualised as daily
overstates volatility by ``sqrt(252 / 52)``. :func:`infer_periods_per_year` reads the value
from the dates alone, by one rule:

1. **Spacing**: the median gap between consecutive bars. Weekends, holidays and missing
   stretches are rarer than the ordinary gap, so they do not move it.
2. **Days a year**: 365 when both Saturday and Sunday carry bars (each at least 1/14 of
   them, half the share of a day on a seven-day calendar: a stray weekend bar in stock
   data does not count), else 252, the usual count of trading days (holidays included).
   Needs about a week of data to see a weekend.
3. **Frequency** by spacing:

   ==================  ==================================================================
   spacing             periods per year
   ==================  ==================================================================
   under 18 hours      intraday: bars a day (the median count of bars on a calendar day
                       that has any, so half-days and a partial first day do not count)
                       times the days a year: hourly 9:30-16:00 is ``7 x 252 = 1764``,
                       hourly 24/7 is ``24 x 365 = 8760``
   18 h to 3.5 days    daily: the days a year (252 for weekdays, 365 for 24/7)
   3.5 to 10 days      weekly: 52
   25 to 35 days       monthly: 12
   80 to 100 days      quarterly: 4
   350 to 380 days     yearly: 1
   anything else       ``365.25 / spacing in days``
   ==================  ==================================================================

The days a year are a convention rather than a count of the data's days, which vary from
year to year (250 to 253 on US exchanges) and would give every market its own number.

:func:`resolve_periods_per_year` is what the backtester uses: a value given by the caller
wins, then one the market declares (``meta["periods_per_year"]``: the synthetic generators
set the value they de-annualised with, and ``data.periods_per_year`` in a config sets it),
then the inferred one.

>>> import pandas as pd
>>> infer_periods_per_year(pd.bdate_range("2024-01-01", periods=60))
(252.0, 'daily, weekdays')
>>> infer_periods_per_year(pd.date_range("2024-01-05", periods=60, freq="W-FRI"))
(52.0, 'weekly')
>>> infer_periods_per_year(pd.date_range("2024-01-01", periods=24 * 30, freq="h"))
(8760.0, 'hourly, 24 bars a day, every day')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from tradegym.errors import ConfigError, DataError

TRADING_DAYS = 252.0
"""Trading days a year on a calendar without weekends (US convention, holidays included)."""
CALENDAR_DAYS = 365.0
"""Days a year on a calendar that trades every day (crypto)."""
WEEKEND_SHARE = 1 / 14
"""Share of the bars Saturday and Sunday must each hold for the calendar to count as 24/7."""

_DAY = 86_400.0  # seconds
_COARSE = (  # (lowest spacing in days, highest, periods per year, label)
    (3.5, 10.0, 52.0, "weekly"),
    (25.0, 35.0, 12.0, "monthly"),
    (80.0, 100.0, 4.0, "quarterly"),
    (350.0, 380.0, 1.0, "yearly"),
)


def infer_periods_per_year(dates: Sequence[Any] | pd.DatetimeIndex) -> tuple[float, str]:
    """Bars per year of a calendar, and how it was read (see the module's rule).

    Args:
        dates: the bars' timestamps, ``T >= 2``, increasing (duplicates are ignored).

    Returns:
        ``(periods_per_year, description)``, e.g. ``(252.0, "daily, weekdays")`` or
        ``(1764.0, "hourly, 7 bars a day, weekdays")``.

    Raises:
        DataError: fewer than two distinct dates (no spacing to read).
    """
    index = pd.DatetimeIndex(dates).unique().sort_values()
    if len(index) < 2:
        raise DataError(
            f"cannot infer the bar frequency from {len(index)} date(s): it needs two or more; "
            "pass periods_per_year (the CLI's --periods-per-year) instead")
    gaps = np.asarray((index[1:] - index[:-1]).total_seconds())  # (T-1,) seconds
    spacing = float(np.median(gaps))  # seconds
    every_day = _trades_weekends(index)
    days, days_label = (CALENDAR_DAYS, "every day") if every_day else (TRADING_DAYS, "weekdays")
    if spacing < 0.75 * _DAY:
        per_day = float(np.median(pd.Series(1, index=index).groupby(index.normalize()).size()))
        return per_day * days, f"{_intraday_label(spacing)}, {per_day:g} bars a day, {days_label}"
    spacing_days = spacing / _DAY
    if spacing_days < 3.5:
        return days, f"daily, {days_label}"
    for low, high, periods, label in _COARSE:
        if low <= spacing_days < high:
            return periods, label
    return 365.25 / spacing_days, f"every {spacing_days:g} days"


def resolve_periods_per_year(dates: Sequence[Any] | pd.DatetimeIndex, meta: Any = None,
                             periods_per_year: float | None = None) -> tuple[float, str]:
    """The periods per year a backtest uses, and where it came from, for the report.

    Args:
        dates: the market's dates (:attr:`MarketData.dates`).
        meta: the market's ``meta``; a ``"periods_per_year"`` entry is the data's own value.
        periods_per_year: the caller's value, ``> 0``; ``None`` reads the data.

    Returns:
        ``(value, source)``: source is ``"given"``, ``"declared by the data"`` or
        ``"inferred: <description>"`` (see :func:`infer_periods_per_year`).

    Raises:
        ConfigError: a given or declared value that is not a number ``> 0``.
        DataError: nothing given or declared and too few dates to infer from.
    """
    if periods_per_year is not None:
        return check_periods_per_year(periods_per_year, "periods_per_year"), "given"
    declared = (meta or {}).get("periods_per_year")
    if declared is not None:
        return check_periods_per_year(declared, "the data's meta['periods_per_year']"), "declared by the data"
    value, description = infer_periods_per_year(dates)
    return value, f"inferred: {description}"


def check_periods_per_year(value: Any, where: str) -> float:
    """``value`` as a float, or a ConfigError naming ``where`` unless it is a finite number ``> 0``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise ConfigError(f"{where} must be a number > 0 (bars per year: 252 daily, 52 weekly, "
                          f"12 monthly, 8760 hourly 24/7), got {value!r}")
    return number


def _trades_weekends(index: pd.DatetimeIndex) -> bool:
    """Whether Saturday and Sunday each hold at least :data:`WEEKEND_SHARE` of the bars."""
    share = np.bincount(index.day_of_week, minlength=7) / len(index)  # (7,) Monday first
    return bool(share[5] >= WEEKEND_SHARE and share[6] >= WEEKEND_SHARE)


def _intraday_label(seconds: float) -> str:
    """``"hourly"``, ``"4-hourly"``, ``"15-minute"`` or ``"30-second"`` for a bar spacing."""
    if seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return "hourly" if hours == 1 else f"{hours}-hourly"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)}-minute"
    return f"{seconds:g}-second"


__all__ = ["CALENDAR_DAYS", "TRADING_DAYS", "WEEKEND_SHARE", "check_periods_per_year",
           "infer_periods_per_year", "resolve_periods_per_year"]
