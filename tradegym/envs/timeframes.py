"""Multi-timeframe observations: coarser bars resampled causally from the data's own bars.

``timeframes=("1D", "1W", "1M")`` on :class:`~tradegym.envs.portfolio.PortfolioEnv` adds
one observation key per coarse timeframe, ``window_1W`` and ``window_1M``, each
``(W_tf, N, K)``: the same causal features as ``window``, computed on coarse bars. ``"1D"``
names the data's own bars, which ``window`` always holds; the coarse units are calendar
periods of the bars' dates: ``W`` (weeks starting on Monday), ``M`` (months), ``Q``
(quarters) and ``Y`` (years), with a multiple (``"2W"``: two-week periods counted from
Monday 1970-01-05).

No look-ahead: at bar ``t`` the coarse series holds the completed periods before ``t``'s
and, as its last row, the *partial* current one built from bars ``<= t`` only: open = the
period's first open, high / low = running max / min, close = the close at ``t``, volume =
running sum (other fields: the value at ``t``). A weekly window seen on a Wednesday ends
with the Monday-to-Wednesday bar. Features of the completed rows are those of the series of
all completed periods (features are causal, so later periods do not change them); the
partial row's features are computed, per ``t``, on the completed periods before it plus
that partial bar (the last ``norm_bars + 2 * 20`` of them for rolling normalisation, which
is all the statistic reads). Coarse features are 0 until their own warm-up (e.g. 20 weeks
plus the normalisation's minimum), which the first decision bar does not wait for.

Everything is precomputed once per env: ``values`` ``(P + T + 1, N, K)`` stacks the ``P``
completed-bar rows, the ``T`` partial rows and one zero row (before the first period), and
``rows`` ``(T, W_tf)`` indexes the window of each bar, so a step is one fancy index (single
env) or one ``np.take`` (vector env).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError
from tradegym.features import _LOOKBACK, FeatureScaler, compute_features

BASE = "1D"
"""The data's own bars: the ``window`` key."""
UNIT_MONTHS = {"M": 1, "Q": 3, "Y": 12}
_PATTERN = re.compile(r"^([1-9][0-9]*)([DWMQY])$")
_NORM_BARS = 252  # compute_features' default rolling window, which the env uses


@dataclass(frozen=True)
class TimeframeWindows:
    """Precomputed windows of one coarse timeframe.

    Attributes:
        name: the timeframe, e.g. ``"1W"``.
        key: its observation key, ``"window_" + name``.
        values: float32 ``(P + T + 1, N, K)``, read-only: completed-period features, then the
            partial-period features of each bar, then a zero row.
        rows: ``(T, W_tf)`` intp: ``values[rows[t]]`` is the window seen at bar ``t``.
    """

    name: str
    key: str
    values: np.ndarray
    rows: np.ndarray

    @property
    def window_bars(self) -> int:
        """``W_tf``, the coarse bars per window."""
        return int(self.rows.shape[1])

    def window(self, t: int) -> np.ndarray:
        """The window ``(W_tf, N, K)`` seen at bar ``t`` (a new array)."""
        return self.values[self.rows[t]]  # (W_tf, N, K)


def parse_timeframes(timeframes: Sequence[str] | None) -> tuple[str, ...]:
    """The coarse timeframes of ``timeframes``, in order, without ``"1D"``.

    Raises:
        ConfigError: a name not of the form ``<n><W|M|Q|Y>`` (or ``"1D"``), or a duplicate.
    """
    if timeframes is None:
        return ()
    if isinstance(timeframes, str):
        timeframes = (timeframes,)
    names = [str(name).upper() for name in timeframes]
    for name in names:
        match = _PATTERN.match(name)
        if match is None or (match.group(2) == "D" and name != BASE):
            raise ConfigError(
                f"unknown timeframe {name!r} in timeframes={tuple(timeframes)!r}; use '1D' (the "
                "data's own bars) and calendar periods like '1W', '2W', '1M', '1Q', '1Y'"
            )
    dup = sorted({name for name in names if names.count(name) > 1})
    if dup:
        raise ConfigError(f"timeframes={tuple(timeframes)!r} repeats {dup}; list each once")
    return tuple(name for name in names if name != BASE)


def period_ids(dates: pd.DatetimeIndex, name: str) -> np.ndarray:
    """``(T,)`` int64 calendar period of each date for timeframe ``name``, non-decreasing."""
    match = _PATTERN.match(name)
    if match is None:
        raise ConfigError(f"unknown timeframe {name!r}")
    n, unit = int(match.group(1)), match.group(2)
    if unit == "W":  # days since a Monday, in blocks of n weeks
        days = (dates.values.astype("datetime64[D]") - np.datetime64("1970-01-05")).astype(np.int64)
        return days // (7 * n)
    months = np.asarray(dates.year, dtype=np.int64) * 12 + np.asarray(dates.month, dtype=np.int64) - 1
    return months // (UNIT_MONTHS[unit] * n)


def partial_bars(data: MarketData, period: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The partial coarse bar at every row, from rows of its period up to that row only.

    Args:
        data: the market ``(T, N, F)``.
        period: ``(T,)`` non-decreasing period ids (:func:`period_ids`).

    Returns:
        ``bars`` float64 ``(T, N, F)`` (row ``t``: the period's bar built from its rows
        ``<= t``), ``index`` ``(T,)`` the period number ``0..P-1`` of each row, and ``ends``
        ``(P,)`` the last row of each period (``bars[ends]`` are the completed bars).
    """
    t_all = data.n_bars
    starts = np.flatnonzero(np.r_[True, period[1:] != period[:-1]])  # (P,)
    ends = np.r_[starts[1:], t_all] - 1  # (P,)
    index = np.repeat(np.arange(starts.size), ends - starts + 1)  # (T,)
    bars = np.array(data.prices, dtype=np.float64)  # (T, N, F): close and others = value at t
    running: dict[str, Callable[..., np.ndarray]] = {
        "high": np.maximum.accumulate, "low": np.minimum.accumulate, "volume": np.cumsum}
    for f, field_name in enumerate(data.fields):
        x = data.prices[..., f]  # (T, N)
        if field_name == "open":
            bars[..., f] = x[starts[index]]
        elif field_name in running:
            for s, e in zip(starts, ends + 1, strict=True):  # one period at a time: no float drift
                bars[s:e, :, f] = running[field_name](x[s:e], axis=0)
    return bars, index, ends


def _market(data: MarketData, prices: np.ndarray, dates: pd.DatetimeIndex) -> MarketData:
    return MarketData(prices, dates, data.symbols, data.fields, data.name, data.meta)


def timeframe_windows(
    data: MarketData, name: str, features: Sequence[str], normalize: str | FeatureScaler,
    window_bars: int,
) -> TimeframeWindows:
    """Precompute the windows of one coarse timeframe (see the module docstring).

    A :class:`~tradegym.features.FeatureScaler` fitted on daily features does not describe
    coarse bars: coarse features are then normalised ``"rolling"``.
    """
    norm = "rolling" if isinstance(normalize, FeatureScaler) else normalize
    bars, index, ends = partial_bars(data, period_ids(data.dates, name))
    completed, end_dates = bars[ends], data.dates[ends]  # (P, N, F), (P,)
    done = compute_features(_market(data, completed, end_dates), features, normalize=norm).values
    history = {"rolling": _NORM_BARS + 2 * _LOOKBACK, "expanding": None}.get(norm, 2 * _LOOKBACK)
    t_all, p_all = data.n_bars, ends.size
    partial = np.empty((t_all, *done.shape[1:]), dtype=np.float32)  # (T, N, K)
    for t in range(t_all):
        p = int(index[t])
        lo = 0 if history is None else max(0, p - history)
        prices = np.concatenate([completed[lo:p], bars[t : t + 1]])  # (p - lo + 1, N, F)
        dates = end_dates[lo:p].append(data.dates[t : t + 1])
        partial[t] = compute_features(_market(data, prices, dates), features, normalize=norm).values[-1]
    values = np.concatenate([done, partial, np.zeros_like(partial[:1])])  # (P + T + 1, N, K)
    if data.dynamic:  # as the daily window: 0 where the asset is not tradable at the row's bar
        life = np.concatenate([data.tradable[ends], data.tradable, np.zeros_like(data.tradable[:1])])
        values = values * life[:, :, None]
    coarse = index[:, None] + np.arange(1 - window_bars, 1)  # (T, W_tf) coarse rows p-W+1..p
    rows = np.where(coarse < 0, p_all + t_all, coarse)  # before the first period: the zero row
    rows[:, -1] = p_all + np.arange(t_all)  # the last row is the partial bar of t
    values = np.ascontiguousarray(values, dtype=np.float32)
    values.flags.writeable = False
    return TimeframeWindows(name, f"window_{name}", values, rows.astype(np.intp))


def build_timeframes(
    data: MarketData, timeframes: Sequence[str] | None, features: Sequence[str],
    normalize: str | FeatureScaler, window_bars: int | Mapping[str, int],
) -> tuple[TimeframeWindows, ...]:
    """The precomputed windows of every coarse timeframe in ``timeframes`` (``()`` for none).

    Args:
        data: the market.
        timeframes: e.g. ``("1D", "1W", "1M")``; ``None`` or ``("1D",)`` adds nothing.
        features: the feature names of the daily window (so ``K`` is the same).
        normalize: the env's normalisation.
        window_bars: ``W_tf``, one for all or ``{timeframe: W_tf}``.

    Raises:
        ConfigError: an unknown or repeated timeframe, or a ``W_tf`` below 1 or missing.
    """
    out = []
    for name in parse_timeframes(timeframes):
        bars = window_bars.get(name) if isinstance(window_bars, Mapping) else window_bars
        if bars is None or int(bars) < 1:
            raise ConfigError(f"timeframe_bars for {name!r} must be an integer >= 1, got {bars!r}")
        out.append(timeframe_windows(data, name, features, normalize, int(bars)))
    return tuple(out)
