"""What every synthetic generator shares: the checks, the calendar, the meta and the bars.

A generator draws log returns; :func:`to_market` turns log closes (and, for OHLCV, the
intraday part of each bar's return with its variance) into :class:`MarketData` by the bar
model in :mod:`tradegym.data.synthetic`'s docstring. Private: the generators in
:mod:`tradegym.data.synthetic` and :mod:`tradegym.data.planted` are the public face.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError

INITIAL_PRICE = 100.0
OVERNIGHT_VAR_SHARE = 0.2  # share of a bar's variance arriving overnight (gbm, regime)
VOLUME_MEDIAN = 1e6  # shares per bar
VOLUME_LOG_SD = 0.4
OHLCV = ("open", "high", "low", "close", "volume")


def split_bars(r: np.ndarray, var: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Bridge split of ``r`` ``(T, N)`` with conditional variance ``var`` ``(T, N)``: ``(r_id, var_id)``."""
    f = OVERNIGHT_VAR_SHARE
    r_on = f * r + np.sqrt(f * (1 - f) * var) * rng.standard_normal(r.shape)
    return r - r_on, (1 - f) * var


def to_market(
    name: str, log_close: np.ndarray, dates: pd.DatetimeIndex, meta: dict[str, Any],
    bars: tuple[np.ndarray, ...] | None, rng: np.random.Generator,
) -> MarketData:
    """Close-only or OHLCV MarketData from log closes ``(T, N)`` (up to a constant).

    ``bars`` is ``(r_id, var_id)`` ``(T, N)`` each for OHLCV, or ``None`` for closes only.
    """
    log_rel = log_close - log_close[0]  # (T, N), 0 on row 0 so close[0] is exactly 100
    close = INITIAL_PRICE * np.exp(log_rel)
    symbols = [f"S{i:02d}" for i in range(close.shape[1])]
    if bars is None:
        return MarketData.from_array(close, dates, symbols, ("close",), name=name, meta=meta)
    r_id, var_id = bars
    open_ = INITIAL_PRICE * np.exp(log_rel - r_id)

    def extreme(x: np.ndarray) -> np.ndarray:  # max of a Brownian bridge from 0 to x
        return (x + np.sqrt(x**2 - 2 * var_id * np.log1p(-rng.random(x.shape)))) / 2

    # Clamping guards the bounds against the last bit of float rounding.
    high = np.maximum(open_ * np.exp(extreme(r_id)), np.maximum(open_, close))
    low = np.minimum(open_ * np.exp(-extreme(-r_id)), np.minimum(open_, close))
    volume = VOLUME_MEDIAN * np.exp(VOLUME_LOG_SD * rng.standard_normal(close.shape))
    prices = np.stack([open_, high, low, close, volume], axis=-1)  # (T, N, 5)
    return MarketData.from_array(prices, dates, symbols, OHLCV, name=name, meta=meta)


def synthetic_meta(name: str, seed: int | None, params: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` of a generated market: source, seed, initial price and parameters.

    A generator that de-annualises with ``periods_per_year`` declares it at the top level,
    where backtests read it (:func:`tradegym.data.frequency.resolve_periods_per_year`): its
    business-day dates would otherwise say 252 whatever the value.
    """
    meta = {"source": name, "synthetic": True, "seed": seed,
            "initial_price": INITIAL_PRICE, "params": params}
    if "periods_per_year" in params:
        meta["periods_per_year"] = float(params["periods_per_year"])
    return meta


def business_days(n_assets: int, n_bars: int, start: str) -> pd.DatetimeIndex:
    """Check the arguments every generator shares and return the ``T`` business days.

    Raises:
        ConfigError: ``n_assets``, ``n_bars`` or ``start`` is out of range.
    """
    check("n_assets", n_assets, is_int(n_assets) and n_assets >= 1, "an integer >= 1")
    check("n_bars", n_bars, is_int(n_bars) and n_bars >= 2, "an integer >= 2")
    try:
        return pd.bdate_range(start, periods=n_bars)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"start must be a date like '2000-01-03', got {start!r} ({exc})") from exc


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (numpy's included), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check(name: str, value: Any, ok: bool, allowed: str) -> None:
    """Raise ``ConfigError("{name} must be {allowed}, got {value!r}")`` unless ``ok``."""
    if not ok:
        raise ConfigError(f"{name} must be {allowed}, got {value!r}")
