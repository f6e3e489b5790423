"""Interest and borrow rates as per-bar arrays, read as of each bar (causal).

Rates are annual fractions (0.05 = 5 %), divided by the bars per year of the market
(:func:`tradegym.data.frequency.resolve_periods_per_year`). A rate is a number, a
date-indexed ``pd.Series`` (the last value dated at or before each bar), or one value per
bar; a borrow rate may also be ``{symbol: rate}`` (the rest at :data:`DEFAULT_BORROW`).
The long/short book (:mod:`tradegym.envs.longshort`) reads them at the decision bar.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError

DEFAULT_BORROW = 0.005
"""A general-collateral borrow fee (annual): the rate of a short not named in a per-asset map."""
FINANCING_SPREAD = 0.01
"""Borrowed cash pays ``cash_rate`` plus this (a broker's typical spread) unless given."""


def borrow_per_bar(rate: Any, data: MarketData, ppy: float) -> np.ndarray:
    """The borrow fee ``(T, N)`` per bar: one rate for every asset, or ``{symbol: rate}``.

    Raises:
        ConfigError: a symbol the market does not have, or a rate out of range.
    """
    if not isinstance(rate, Mapping):
        return np.ascontiguousarray(np.repeat(per_bar(rate, data, ppy, "borrow_rate")[:, None],
                                              data.n_assets, axis=1))  # (T, N)
    unknown = [s for s in rate if s not in data.symbols]
    if unknown:
        raise ConfigError(f"borrow_rate names {unknown}, not symbols of {data.name!r} "
                          f"({list(data.symbols)}); give a rate per symbol the market has (the rest pay "
                          "the default)")
    columns = [per_bar(rate.get(s, DEFAULT_BORROW), data, ppy, f"borrow_rate of {s}") for s in data.symbols]
    return np.ascontiguousarray(np.stack(columns, axis=1))  # (T, N)


def per_bar(rate: Any, data: MarketData, ppy: float, name: str) -> np.ndarray:
    """An annual rate (number, date-indexed series, or ``(T,)`` array) as ``(T,)`` per-bar fractions.

    A series is read as of each bar (the last value dated at or before it): causal.

    Raises:
        ConfigError: not numbers, a series not indexed by dates or starting after the data,
            dates with a time zone where the data's have none (or the reverse), the wrong
            length, or a rate outside ``[-0.1, 1]`` (naming the date).
    """
    what = (f"{name} must be an annual fraction (0.05 = 5 %): a number, a date-indexed series or one "
            f"value per bar ({data.n_bars})")
    if isinstance(rate, pd.Series):
        index_type = rate.index.dtype
        if not (pd.api.types.is_datetime64_any_dtype(index_type) or pd.api.types.is_string_dtype(index_type)
                or pd.api.types.is_object_dtype(index_type)):  # dates, or text read as dates; not bar numbers
            raise ConfigError(f"{what}; this series is indexed by {rate.index.dtype} "
                              f"(first {rate.index[0]!r}), not dates")
        try:
            index = pd.DatetimeIndex(pd.to_datetime(rate.index))
            numbers = rate.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{what}; this series does not read as dates and numbers: {exc}") from None
        data_tz = getattr(data.dates, "tz", None)
        if (index.tz is None) != (data_tz is None):  # pandas cannot compare the two
            where = f"in {index.tz}" if index.tz is not None else "without a time zone"
            fix = f".tz_localize({str(data_tz)!r})" if data_tz is not None else ".tz_localize(None)"
            raise ConfigError(f"{name} series dates are {where}, the data's "
                              f"{'in ' + str(data_tz) if data_tz is not None else 'are not'}; "
                              f"pass the series as {name}=series{fix}")
        if len(index) == 0 or index.min() > data.dates[0]:
            first = "empty" if len(index) == 0 else f"starts {index.min().date()}"
            raise ConfigError(f"{name} series {first}, after the data's first bar {data.dates[0].date()}; "
                              "extend it back or cut the data")
        values = pd.Series(numbers, index=index).sort_index()
        annual = values.reindex(data.dates, method="ffill").to_numpy()  # (T,)
    else:
        try:
            given = np.asarray(rate, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError(f"{what}, got {rate!r}") from None
        if given.ndim != 0 and given.shape != (data.n_bars,):
            raise ConfigError(f"{what}, got shape {given.shape}")
        annual = np.broadcast_to(given, (data.n_bars,)).copy()
    bad = ~np.isfinite(annual) | (annual < -0.1) | (annual > 1.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"{name} must be an annual fraction in [-0.1, 1] (0.05 = 5 %), got {annual[i]} "
                          f"on {data.dates[i].date()}")
    return np.ascontiguousarray(annual / ppy)
