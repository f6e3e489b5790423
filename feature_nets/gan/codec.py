r"""Bars <-> channels: how a market's bars become what the generator draws, and back.

A market's bars are turned into per-asset *channels* by a :class:`BarCodec`, fitted on the
training split and standardised with its statistics:

===========  =====================================  ===================================
channel      value at bar ``t``                     needs
===========  =====================================  ===================================
``r``        ``log(close[t] / close[t-1])``         always
``gap``      ``log(open[t] / close[t-1])``          open, high, low (``bars="ohlcv"``)
``up``       ``log(high[t] / max(open, close)[t])`` (``>= 0``)
``down``     ``log(min(open, close)[t] / low[t])``  (``>= 0``)
``lvol``     ``log(1 + vol[t])`` minus its mean     volume
             over the previous 20 bars
===========  =====================================  ===================================

Volume is generated as a deviation from its own recent level (a stationary channel), so a
long synthetic path cannot wander off into volumes the market never had; a daily change of
log volume, tried first, made it a random walk. An adjusted close (unadjusted data) keeps
the start row's ``adj_close / close`` ratio: corporate actions are not generated.

The generator draws sequences of these channels, ``(B, L, N*Cb)``; :meth:`BarCodec.decode`
turns them back into prices from a starting row, so a sample is a :class:`MarketData` that
plugs into the env like any other (``data: {source: gan, run: DIR}``).

Shape letters: ``B`` batch, ``L`` window bars, ``N`` assets, ``Cb`` channels per asset,
``F`` price fields, ``T`` bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from feature_nets.gan.facts import closes_to_log_returns
from tradegym.data import MarketData
from tradegym.errors import ConfigError, DataError

VOLUME_LOOKBACK = 20
"""Bars of the trailing mean that the ``lvol`` channel measures volume against."""
_OHLC = ("open", "high", "low")


@dataclass(frozen=True)
class BarCodec:
    """Bars <-> standardised channels (see the module docstring's table).

    Attributes:
        channels: channel names per asset, ``("r", ...)``.
        fields: the price fields a decoded market has, in MarketData order.
        mean, std: ``(N, Cb)`` training-split statistics of the raw channels.
    """

    channels: tuple[str, ...]
    fields: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, train: MarketData, bars: str = "auto") -> BarCodec:
        """Choose the channels for ``bars`` and fit their statistics on ``train``.

        Raises:
            ConfigError: ``bars="ohlcv"`` on data without open, high and low.
            DataError: fewer than 3 bars.
        """
        has_ohlc = all(train.has(f) for f in _OHLC)
        if bars == "ohlcv" and not has_ohlc:
            raise ConfigError(
                f"model.bars='ohlcv' needs open, high and low; {train.name} has "
                f"{list(train.fields)}. Use bars: close"
            )
        use_ohlc = has_ohlc and bars in ("auto", "ohlcv")
        channels = ["r"]
        fields = ["close"]
        if use_ohlc:
            channels += ["gap", "up", "down"]
            fields = ["open", "high", "low", "close"]
            if train.has("volume"):
                channels.append("lvol")
                fields.append("volume")
            if train.has("adj_close"):
                fields.append("adj_close")  # no channel: the ratio to close stays the start row's
        fields = [f for f in train.fields if f in fields]
        probe = cls(
            tuple(channels),
            tuple(fields),
            np.zeros((train.n_assets, len(channels))),
            np.ones((train.n_assets, len(channels))),
        )
        raw = probe.raw(train)  # (T-1, N, Cb)
        std = raw.std(axis=0)
        return cls(tuple(channels), tuple(fields), raw.mean(axis=0), np.where(std > 1e-12, std, 1.0))

    def raw(self, data: MarketData) -> np.ndarray:
        """Unstandardised channels ``(T-1, N, Cb)`` of ``data`` (bar ``t`` vs bar ``t-1``).

        Raises:
            DataError: fewer than 2 bars, or a field the codec needs is missing.
        """
        if data.n_bars < 2:
            raise DataError(f"{data.name} has {data.n_bars} bars; channels need at least 2")
        missing = [f for f in self.fields if not data.has(f)]
        if missing:
            raise DataError(f"{data.name} lacks the fields {missing} this GAN generates")
        close = data.close
        out = [closes_to_log_returns(close)]  # the r channel: (T-1, N)
        if "gap" in self.channels:
            o, h, lo = (data.field(f)[1:] for f in _OHLC)
            c = close[1:]
            out += [np.log(o / close[:-1]), np.log(h / np.maximum(o, c)), np.log(np.minimum(o, c) / lo)]
        if "lvol" in self.channels:
            lv = np.log1p(data.field("volume"))  # (T, N)
            # Bars before the first count as the first (as decode() starts from one bar).
            padded = np.concatenate([np.repeat(lv[:1], VOLUME_LOOKBACK, axis=0), lv])
            csum = np.concatenate([np.zeros((1, lv.shape[1])), np.cumsum(padded, axis=0)])
            t = np.arange(1, len(lv))  # padded[t : t + lookback] are the lookback bars before lv[t]
            past_mean = (csum[t + VOLUME_LOOKBACK] - csum[t]) / VOLUME_LOOKBACK
            out.append(lv[1:] - past_mean)
        return np.stack(out, axis=-1)

    def encode(self, data: MarketData) -> np.ndarray:
        """Standardised channels ``(T-1, N, Cb)``."""
        return (self.raw(data) - self.mean) / self.std

    def destandardize(self, x: np.ndarray) -> np.ndarray:
        """``(..., N, Cb)`` standardised -> raw channel values."""
        return x * self.std + self.mean

    def decode(self, x: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Prices ``(B, L, N, F)`` from standardised channels ``(B, L, N, Cb)`` and start rows.

        Args:
            x: standardised channels of bars ``1..L``.
            start: ``(B, N, F)`` or ``(N, F)`` prices of bar 0 in :attr:`fields` order (only
                its close, volume and adj/close ratio are used).

        Returns:
            float64 prices of bars ``1..L``; ``high >= max(open, close)`` and
            ``0 < low <= min(open, close)`` by construction.
        """
        raw = self.destandardize(np.asarray(x, dtype=np.float64))
        start = np.broadcast_to(np.asarray(start, dtype=np.float64), (raw.shape[0], *start.shape[-2:]))
        ix = {f: i for i, f in enumerate(self.fields)}
        ch = {c: raw[..., j] for j, c in enumerate(self.channels)}
        prev_close = start[:, None, :, ix["close"]] * np.exp(
            np.concatenate([np.zeros_like(ch["r"][:, :1]), np.cumsum(ch["r"][:, :-1], axis=1)], axis=1)
        )
        close = prev_close * np.exp(ch["r"])
        out = {"close": close}
        if "gap" in ch:
            o = prev_close * np.exp(ch["gap"])
            out["open"] = o
            out["high"] = np.maximum(o, close) * np.exp(np.abs(ch["up"]))
            out["low"] = np.minimum(o, close) * np.exp(-np.abs(ch["down"]))
        if "lvol" in ch:
            out["volume"] = np.maximum(np.expm1(_volume_levels(ch["lvol"], start[:, :, ix["volume"]])), 0.0)
        if "adj_close" in ix:
            out["adj_close"] = close * (start[:, None, :, ix["adj_close"]] / start[:, None, :, ix["close"]])
        return np.stack([out[f] for f in self.fields], axis=-1)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``codec.json`` of a run)."""
        return {
            "channels": list(self.channels),
            "fields": list(self.fields),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BarCodec:
        """The inverse of :meth:`to_json`."""
        return cls(tuple(d["channels"]), tuple(d["fields"]), np.asarray(d["mean"]), np.asarray(d["std"]))


def _volume_levels(deviation: np.ndarray, start_volume: np.ndarray) -> np.ndarray:
    """``log(1 + vol)`` ``(B, L, N)`` from deviations from the trailing mean (history: the start bar)."""
    history = np.repeat(np.log1p(start_volume)[:, None, :], VOLUME_LOOKBACK, axis=1)  # (B, lookback, N)
    out = np.empty_like(deviation)
    for t in range(deviation.shape[1]):
        out[:, t] = history.mean(axis=1) + deviation[:, t]
        history = np.concatenate([history[:, 1:], out[:, t : t + 1]], axis=1)
    return out


__all__ = ["VOLUME_LOOKBACK", "BarCodec"]
