"""Causal features: ``MarketData (T, N, F) -> FeatureSet (T, N, K)``.

Every value at row ``t`` is computed from rows ``<= t`` only, and so are the
normalisation statistics (a rolling or expanding window of the past) — or they come
from a :class:`FeatureScaler` fitted on the training split. Changing prices after
``t`` never changes a feature at or before ``t``; ``tests/test_features.py`` checks
this as a property.

The feature set adapts to the fields a market has (``"auto"``):

=============  =====================================================  ===========
name           value at row t (log = natural log)                     needs
=============  =====================================================  ===========
log_return     log(close_t / close_{t-1})                             close
open_gap       log(open_t / close_{t-1})                              open
high_rel       log(high_t / close_{t-1})                              high
low_rel        log(low_t / close_{t-1})                               low
volume_z       z-score of log(1 + volume_t) over the last 20 rows     volume
volatility_20  std of the last 20 log returns                         close
momentum_20    log(close_t / close_{t-20})                            close
ma_ratio_20    log(close_t / mean(close_{t-19..t}))                   close
rsi_14         RSI over 14 rows, rescaled to [-1, 1]                  close
=============  =====================================================  ===========

Rows before a feature has its full history hold 0; :attr:`FeatureSet.warmup_bars`
says how many rows that is, and the environment starts its episodes after them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError
from tradegym.registry import suggest

_LOOKBACK = 20
_RSI_BARS = 14
CLIP = 10.0
"""Normalised features are clipped to ``[-CLIP, CLIP]`` (as SB3's ``VecNormalize`` does)."""


def _log_close(data: MarketData) -> np.ndarray:
    return np.log(data.close)  # (T, N)


def _prev(x: np.ndarray) -> np.ndarray:
    """Row t holds row t-1; row 0 repeats row 0 (so differences there are 0)."""
    return np.concatenate([x[:1], x[:-1]], axis=0)


def _lag_diff(x: np.ndarray, lag: int) -> np.ndarray:
    out = np.zeros_like(x)
    out[lag:] = x[lag:] - x[:-lag]
    return out


def _rolling_mean(x: np.ndarray, bars: int) -> np.ndarray:
    """Mean of rows ``t-bars+1..t`` (fewer at the start), via cumulative sums. ``(T, ...)``."""
    csum = np.cumsum(x, axis=0)
    out = csum.copy()
    out[bars:] = csum[bars:] - csum[:-bars]
    count = np.minimum(np.arange(1, len(x) + 1), bars).reshape((-1,) + (1,) * (x.ndim - 1))
    return out / count


def _rolling_std(x: np.ndarray, bars: int) -> np.ndarray:
    mean = _rolling_mean(x, bars)
    var = _rolling_mean(x * x, bars) - mean * mean
    return np.sqrt(np.maximum(var, 0.0))


def f_log_return(data: MarketData) -> np.ndarray:
    """``log(close_t / close_{t-1})``, 0 at row 0."""
    return _lag_diff(_log_close(data), 1)


def _rel_to_prev_close(field_name: str) -> Callable[[MarketData], np.ndarray]:
    def feature(data: MarketData) -> np.ndarray:
        out = np.log(data.field(field_name)) - _prev(_log_close(data))
        out[0] = 0.0
        return out

    return feature


def f_volume_z(data: MarketData) -> np.ndarray:
    """z-score of ``log(1 + volume)`` against the last 20 rows including ``t``."""
    lv = np.log1p(data.field("volume"))
    std = _rolling_std(lv, _LOOKBACK)
    return np.where(std > 1e-12, (lv - _rolling_mean(lv, _LOOKBACK)) / np.where(std > 0, std, 1), 0.0)


def f_volatility(data: MarketData) -> np.ndarray:
    """Standard deviation of the last 20 log returns (per bar, not annualised)."""
    return _rolling_std(f_log_return(data), _LOOKBACK)


def f_momentum(data: MarketData) -> np.ndarray:
    """``log(close_t / close_{t-20})``; 0 for the first 20 rows."""
    return _lag_diff(_log_close(data), _LOOKBACK)


def f_ma_ratio(data: MarketData) -> np.ndarray:
    """``log(close_t / SMA20_t)`` with the moving average over rows ``t-19..t``."""
    return np.log(data.close / _rolling_mean(data.close, _LOOKBACK))


def f_rsi(data: MarketData) -> np.ndarray:
    """Relative strength index over 14 rows (simple averages), mapped from [0, 100] to [-1, 1]."""
    r = f_log_return(data)
    up = _rolling_mean(np.maximum(r, 0.0), _RSI_BARS)
    down = _rolling_mean(np.maximum(-r, 0.0), _RSI_BARS)
    total = up + down
    return np.where(total > 0, (up - down) / np.where(total > 0, total, 1.0), 0.0)


@dataclass(frozen=True)
class FeatureDef:
    """A named causal feature: the fields it needs and the rows before it is defined."""

    fn: Callable[[MarketData], np.ndarray]
    needs: tuple[str, ...]
    warmup_bars: int


FEATURES: dict[str, FeatureDef] = {
    "log_return": FeatureDef(f_log_return, ("close",), 1),
    "open_gap": FeatureDef(_rel_to_prev_close("open"), ("open", "close"), 1),
    "high_rel": FeatureDef(_rel_to_prev_close("high"), ("high", "close"), 1),
    "low_rel": FeatureDef(_rel_to_prev_close("low"), ("low", "close"), 1),
    "volume_z": FeatureDef(f_volume_z, ("volume",), _LOOKBACK - 1),
    "volatility_20": FeatureDef(f_volatility, ("close",), _LOOKBACK),
    "momentum_20": FeatureDef(f_momentum, ("close",), _LOOKBACK),
    "ma_ratio_20": FeatureDef(f_ma_ratio, ("close",), _LOOKBACK - 1),
    "rsi_14": FeatureDef(f_rsi, ("close",), _RSI_BARS),
}

AUTO_ORDER = ("log_return", "open_gap", "high_rel", "low_rel", "volume_z",
              "volatility_20", "momentum_20")


def auto_features(data: MarketData) -> tuple[str, ...]:
    """The default feature names for the fields ``data`` has."""
    return tuple(n for n in AUTO_ORDER if all(data.has(f) for f in FEATURES[n].needs))


@dataclass(frozen=True)
class FeatureScaler:
    """Per-(asset, feature) mean and std fitted on one market (the training split).

    Attributes:
        mean: ``(N, K)``; std: ``(N, K)``, never 0.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, raw: np.ndarray, warmup_bars: int = 0) -> FeatureScaler:
        """Fit on raw features ``(T, N, K)``, ignoring the first ``warmup_bars`` rows."""
        body = raw[warmup_bars:]
        std = body.std(axis=0)
        return cls(body.mean(axis=0), np.where(std > 1e-12, std, 1.0))

    def transform(self, raw: np.ndarray) -> np.ndarray:
        """``(raw - mean) / std`` for ``(T, N, K)``; raises if ``N, K`` differ from the fit."""
        if raw.shape[1:] != self.mean.shape:
            raise ConfigError(
                f"scaler fitted on (N, K) = {self.mean.shape}, features are {raw.shape[1:]}"
            )
        return (raw - self.mean) / self.std


@dataclass(frozen=True)
class FeatureSet:
    """Causal features of one market.

    Attributes:
        values: float32 ``(T, N, K)``, read-only.
        names: the ``K`` feature names.
        warmup_bars: rows at the start whose features lack full history (held at 0).
        normalize: how values were normalised (``"rolling"``, ``"expanding"``, ``"none"``,
            ``"scaler"``).
    """

    values: np.ndarray
    names: tuple[str, ...]
    warmup_bars: int
    normalize: str


def raw_features(data: MarketData, names: Sequence[str]) -> tuple[np.ndarray, int]:
    """Unnormalised features ``(T, N, K)`` float64 and their warm-up rows.

    Raises:
        ConfigError: an unknown feature name, or one needing a field the market lacks.
    """
    cols, warmup = [], 0
    for name in names:
        if name not in FEATURES:
            raise ConfigError(
                f"unknown feature {name!r}.{suggest(name, list(FEATURES))} Known: {', '.join(FEATURES)}"
            )
        fdef = FEATURES[name]
        missing = [f for f in fdef.needs if not data.has(f)]
        if missing:
            raise ConfigError(
                f"feature {name!r} needs field(s) {missing} but {data.name!r} has {list(data.fields)}; "
                f"use features='auto' or some of {list(auto_features(data))}"
            )
        cols.append(fdef.fn(data))
        warmup = max(warmup, fdef.warmup_bars)
    return np.stack(cols, axis=-1), warmup  # (T, N, K)


def compute_features(
    data: MarketData,
    names: Sequence[str] | str = "auto",
    *,
    normalize: str | FeatureScaler = "rolling",
    norm_bars: int = 252,
    min_norm_bars: int = 20,
) -> FeatureSet:
    """Compute causal, normalised features.

    Args:
        data: the market.
        names: feature names, or ``"auto"`` for those the market's fields allow.
        normalize: ``"rolling"`` (z-score against the last ``norm_bars`` rows up to ``t``),
            ``"expanding"`` (against all rows up to ``t``), ``"none"``, or a
            :class:`FeatureScaler` fitted on the training split.
        norm_bars: rolling window of the normalisation statistics, in rows.
        min_norm_bars: rows of statistics needed before values count as warmed up.

    Returns:
        A :class:`FeatureSet` whose ``values`` is float32 ``(T, N, K)``, clipped to
        ``[-CLIP, CLIP]`` when normalised.

    Raises:
        ConfigError: unknown feature or normalisation.
    """
    chosen = auto_features(data) if names == "auto" else tuple(names)
    raw, warmup = raw_features(data, chosen)
    raw[:warmup] = 0.0
    if isinstance(normalize, FeatureScaler):
        values, label = normalize.transform(raw), "scaler"
        values[:warmup] = 0.0
    elif normalize == "none":
        values, label = raw, "none"
    elif normalize in ("rolling", "expanding"):
        body = raw[warmup:]
        bars = norm_bars if normalize == "rolling" else len(body)
        std = _rolling_std(body, bars)
        z = np.where(std > 1e-12, (body - _rolling_mean(body, bars)) / np.where(std > 0, std, 1), 0.0)
        values = np.zeros_like(raw)
        values[warmup:] = z
        warmup, label = warmup + min_norm_bars - 1, normalize
        values[:warmup] = 0.0
    else:
        raise ConfigError(
            f"unknown normalize {normalize!r}; use 'rolling', 'expanding', 'none' or a FeatureScaler"
        )
    if label != "none":
        values = np.clip(values, -CLIP, CLIP)
    out = np.ascontiguousarray(values, dtype=np.float32)
    out.flags.writeable = False
    return FeatureSet(out, chosen, int(warmup), label)
