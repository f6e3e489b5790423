r"""GAN synthetic markets: a recurrent WGAN-GP generator of multi-asset bars, as MarketData.

**What is generated.** A market's bars are turned into per-asset *channels* by a
:class:`BarCodec`, fitted on the training split and standardised with its statistics:

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

**Architecture, and why.** Financial returns are close to unpredictable in the mean but
strongly structured in scale: fat tails, volatility clustering that decays over weeks, the
leverage effect, and cross-asset correlation. The generator builds that structure in:

* a 2-layer GRU reads i.i.d. Gaussian noise ``z[t]`` and carries a hidden state ``h[t]``
  (the latent volatility/regime state: it persists, so scale clusters in time);
* each bar is ``x[t] = m(h[t]) + exp(s(h[t])) * f(h[t], e[t])`` with fresh noise ``e[t]``:
  a state-dependent location and scale times a learned, state-dependent shape — a
  neural stochastic-volatility model. All assets' channels come out together, so their
  correlation (and its dependence on the state) is learned too;
* the recurrence runs for ``burn_in`` bars before the output starts, so windows start
  from the generator's stationary regime, and it runs for any length: a 10-year path
  is one call, with no stitching of fixed-size windows.

It is trained as a Wasserstein GAN with gradient penalty (Gulrajani et al., 2017), the
stable choice for continuous sequences that Quant GANs (Wiese et al., 2020) and most
financial GANs since use: the critic is a non-causal dilated temporal-convolution network
(receptive field 63 bars) over ``x`` and ``|x|`` — the absolute value as an input makes
volatility clustering visible to it at once — pooled by the mean and the standard deviation
over time. TimeGAN's supervised embedding was the alternative; its published scores on
Google data are matched by simple controls (see the evaluation), and its three extra
networks cost CPU that the critic uses better here.

**Honesty.** The generator learns from windows of the training split only; the codec's
statistics come from it too. Model selection reads stylized facts of the training split
(never validation or test): every ``monitor_every`` iterations a sample's kurtosis, ACF of
``|r|`` (lags 1-10) and one-bar Wasserstein distance are compared with the real training
windows, and the closest generator is kept as ``best.pt``.

A run directory (``kind="gan"``)::

    config.yaml  data.json  codec.json  history.csv  metrics.json
    checkpoints/step_000001000.zip ...   (generator, critic, optimisers, RNG: resumable)
    generator.pt   (last)   best.pt   (best monitored)

Shape letters: ``B`` batch, ``L`` window bars, ``N`` assets, ``Cb`` channels per asset,
``C = N * Cb``, ``F`` price fields, ``T`` bars.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from feature_nets.fit import seed_everything, torch_threads
from feature_nets.forecasters import ForecastDataConfig, load_market
from feature_nets.gan_facts import log_returns
from feature_nets.gan_judges import GruJudge
from tradegym.config import from_dict, load_config, read_yaml, to_dict
from tradegym.data import MarketData
from tradegym.errors import ConfigError, DataError
from tradegym.io import write_csv
from tradegym.runs import RunDir

BARS = ("auto", "close", "ohlcv")
SELECT = ("facts", "judge", "last")
VOLUME_LOOKBACK = 20
"""Bars of the trailing mean that the ``lvol`` channel measures volume against."""
SOFT_CLIP = 12.0
"""Generated channels are squashed into ``(-12, 12)`` training standard deviations."""


# ---------------------------------------------------------------------- config
@dataclass
class GanModelConfig:
    """Generator and critic sizes, and what a bar holds."""

    bars: str = "auto"
    """``close`` (log returns only), ``ohlcv`` (every field the data has) or ``auto`` (ohlcv
    where the data has open, high and low)."""
    window_bars: int = 64
    """``L``: length of the training windows the critic judges."""
    burn_in: int = 32
    """Generator steps run and discarded before a window starts."""
    noise_dim: int = 8
    hidden_size: int = 64
    """GRU hidden size of the generator."""
    critic_size: int = 32
    """Channels of the critic's convolutions."""
    vol_timescales: list[float] = field(default_factory=lambda: [2.0, 8.0, 32.0, 128.0])
    """Timescales (bars) of the generator's AR(1) volatility factors; ``[]`` for none."""
    critic_pairs: bool = False
    """Also feed the critic, for each pair of assets, the products ``r_i r_j`` and ``|r_i r_j|``
    of their return channels. Cross-asset correlation and co-moving volatility are second
    moments that the critic's first, linear layer over ``x`` and ``|x|`` cannot form; a GRU
    judge sees them (``benchmarks/GAN.md``). No effect with one asset."""
    feedback: bool = False
    """Feed the generator's GRU the previous bar's shape noise ``e[t-1]``, so that its state
    knows the size of the bar it just drew. Without it the next bar's scale can depend on
    today's draw only through the volatility factors, and the lag-1 autocorrelation of ``|r|``
    comes out smooth and positive where real daily indices show a dip (``benchmarks/GAN.md``)."""


@dataclass
class GanTrainConfig:
    """The adversarial training budget; defaults fit 2 CPU cores in about 10 minutes."""

    iterations: int = 3000
    """Generator updates."""
    n_critic: int = 3
    """Critic updates per generator update."""
    batch_size: int = 64
    lr_generator: float = 1e-4
    lr_critic: float = 1e-4
    gp_weight: float = 10.0
    """Gradient-penalty weight (WGAN-GP's lambda)."""
    seq_weight: float = 0.0
    """Weight of a second, recurrent discriminator in the generator's loss (0: none). A GRU
    reading whole windows step by step, trained as a classifier (no gradient penalty, so no
    slow double backward through the GRU); it sees order-dependent dynamics that the pooled
    convolutional critic can average away."""
    ema: float = 0.0
    """Decay of an exponential moving average of the generator's weights (0: off; e.g. 0.995,
    a horizon of about 200 iterations). When on, the average is what is monitored, chosen
    and saved: it smooths the iteration-to-iteration swings of adversarial training."""
    facts_weight: float = 0.0
    """Weight of a stylized-facts term in the generator's loss (0: off): the Wasserstein-1
    distance between the per-window :func:`window_statistics` of the generated batch and of
    all training windows (each asset's scale, lag-1 autocorrelation, clustering and tails;
    each pair's correlations, relative scale, spread and lead-lag), averaged over the
    statistics. The critic lets these drift from iteration to iteration and from seed to
    seed, and a GRU judge separates a generator by whichever one is off (``benchmarks/GAN.md``)."""
    seq_hidden: int = 32
    """Hidden size of the recurrent discriminator (2 GRU layers)."""
    lr_seq: float = 1e-3
    monitor_every: int = 100
    """Iterations between stylized-fact checks (``history.csv``, ``best.pt``)."""
    select: str = "facts"
    """How ``best.pt`` is chosen: ``facts`` (best monitored stylized-fact score), ``last`` (the
    final generator) or ``judge`` (after training, a GRU judge scores every snapshot on
    held-out blocks of the training split: :mod:`feature_nets.gan_select`; minutes more)."""
    snapshot_every: int = 250
    """Iterations between generator snapshots (``snapshots/``), the candidates of ``select: judge``."""
    select_from: float = 0.4
    """Share of the iterations after which snapshots are kept (earlier ones are not candidates)."""
    select_judge_steps: int = 2000
    """Adam steps of each snapshot's judge."""
    checkpoint_every: int = 500
    """Iterations between resumable checkpoints; the last 3 are kept."""
    seed: int = 0
    num_threads: int | None = None
    """torch CPU threads (``None``: torch's default; 1 on a busy machine)."""
    progress_bar: bool = True
    device: str = "cpu"


@dataclass
class GanDataConfig(ForecastDataConfig):
    """Which market, and its chronological split (the generator learns from the training split)."""

    source: str = "us_indices"
    """Two long, correlated indices with OHLCV: the universe the GAN benchmarks use."""


@dataclass
class GanConfig:
    """A GAN run: data, model, training."""

    name: str | None = None
    """Run name; defaults to ``gan_<source>``."""
    data: GanDataConfig = field(default_factory=GanDataConfig)
    model: GanModelConfig = field(default_factory=GanModelConfig)
    train: GanTrainConfig = field(default_factory=GanTrainConfig)

    @property
    def run_name(self) -> str:
        """The run directory's name stem."""
        return self.name or f"gan_{self.data.source.split(':')[0]}"

    def check(self) -> None:
        """Raise ConfigError naming the first value that is unknown or out of range."""
        m, t = self.model, self.train
        if m.bars not in BARS:
            raise ConfigError(f"unknown model.bars {m.bars!r}; known: {', '.join(BARS)}")
        for where, value, low in (
            ("model.window_bars", m.window_bars, 8),
            ("model.burn_in", m.burn_in, 0),
            ("model.noise_dim", m.noise_dim, 1),
            ("model.hidden_size", m.hidden_size, 1),
            ("model.critic_size", m.critic_size, 1),
            ("train.iterations", t.iterations, 1),
            ("train.n_critic", t.n_critic, 1),
            ("train.batch_size", t.batch_size, 2),
            ("train.monitor_every", t.monitor_every, 1),
            ("train.checkpoint_every", t.checkpoint_every, 1),
            ("train.seq_hidden", t.seq_hidden, 1),
            ("train.snapshot_every", t.snapshot_every, 1),
            ("train.select_judge_steps", t.select_judge_steps, 1),
        ):
            if not isinstance(value, int) or value < low:
                raise ConfigError(f"{where} must be an integer >= {low}, got {value!r}")
        for where, value in (
            ("train.lr_generator", t.lr_generator),
            ("train.lr_critic", t.lr_critic),
            ("train.lr_seq", t.lr_seq),
        ):
            if not (isinstance(value, (int, float)) and 0 < value < 1):
                raise ConfigError(f"{where} must be in (0, 1), got {value!r}")
        bad = [x for x in m.vol_timescales if not (isinstance(x, (int, float)) and x > 1)]
        if bad:
            raise ConfigError(f"model.vol_timescales must be bar counts > 1, got {bad}")
        if not (isinstance(t.gp_weight, (int, float)) and t.gp_weight >= 0):
            raise ConfigError(f"train.gp_weight must be >= 0, got {t.gp_weight!r}")
        if not (isinstance(t.ema, (int, float)) and 0 <= t.ema < 1):
            raise ConfigError(f"train.ema must be in [0, 1), got {t.ema!r}")
        if t.select not in SELECT:
            raise ConfigError(f"unknown train.select {t.select!r}; known: {', '.join(SELECT)}")
        if not (isinstance(t.select_from, (int, float)) and 0 <= t.select_from < 1):
            raise ConfigError(f"train.select_from must be in [0, 1), got {t.select_from!r}")
        if not (isinstance(t.facts_weight, (int, float)) and t.facts_weight >= 0):
            raise ConfigError(f"train.facts_weight must be >= 0, got {t.facts_weight!r}")
        if not (isinstance(t.seq_weight, (int, float)) and t.seq_weight >= 0):
            raise ConfigError(f"train.seq_weight must be >= 0, got {t.seq_weight!r}")


def load_gan_config(
    source: str | Path | dict[str, Any] | None = None, overrides: Sequence[str] = ()
) -> GanConfig:
    """A :class:`GanConfig` from a YAML path or mapping plus ``a.b=value`` overrides.

    Raises:
        ConfigError: unknown key (with a suggestion) or value out of range.
    """
    cfg = load_config(GanConfig, source if source is not None else {}, overrides)
    cfg.check()
    return cfg


# ---------------------------------------------------------------------- bars <-> channels
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
        out = [np.diff(np.log(close), axis=0)]
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


# ---------------------------------------------------------------------- networks
class Generator(nn.Module):
    """Noise -> channels ``(B, L, C)``: volatility factors, a GRU state, a state-dependent law.

    * volatility factors ``v[t, k] = a_k v[t-1, k] + sqrt(1 - a_k^2) u[t, k]`` with fixed
      persistences ``a_k = 1 - 1/tau_k`` (timescales ``tau`` in bars), started from their
      stationary law ``N(0, 1)``: slow, multi-scale memory that a GRU trained on short
      windows does not find by itself (the long decay of the ACF of ``|r|``);
    * ``h[t] = GRU(z[t], v[t-1])``: the latent state reads the factors up to the previous bar
      (and, with ``feedback``, the previous bar's shape noise ``e[t-1]``);
    * ``x[t] = m(h[t]) + exp(s(h[t])) * f(h[t], e[t], u[t])``, squashed softly into ``(-12, 12)``.
      The shape reads the factors' innovation ``u[t]``, so today's shock can move tomorrow's
      scale (the leverage effect) when training finds that it should.
    """

    def __init__(
        self,
        channels: int,
        noise_dim: int = 8,
        hidden_size: int = 64,
        vol_timescales: Sequence[float] = (),
        feedback: bool = False,
    ) -> None:
        super().__init__()
        self.channels, self.noise_dim, self.hidden_size = channels, noise_dim, hidden_size
        self.feedback = bool(feedback)
        self.vol_timescales = tuple(float(t) for t in vol_timescales)
        k = len(self.vol_timescales)
        self.register_buffer(
            "persistence", torch.tensor([1 - 1 / t for t in self.vol_timescales], dtype=torch.float32)
        )
        self.rnn = nn.GRU(noise_dim * (2 if feedback else 1) + k, hidden_size, num_layers=2, batch_first=True)
        self.loc = nn.Linear(hidden_size, channels)
        self.log_scale = nn.Linear(hidden_size, channels)
        self.shape = nn.Sequential(
            nn.Linear(hidden_size + noise_dim + k, hidden_size),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden_size, channels),
        )

    def _factors(self, u: Tensor, v0: Tensor) -> Tensor:
        """Lagged factors ``v[t-1]`` ``(B, T, K)`` from innovations ``u (B, T, K)``, ``v[-1] = v0``."""
        a = self.persistence
        b = torch.sqrt(1 - a**2)
        lagged, v = [], v0
        for t in range(u.shape[1]):
            lagged.append(v)
            v = a * v + b * u[:, t]
        return torch.stack(lagged, dim=1)

    def forward(
        self, batch: int, length: int, burn_in: int = 32, generator: torch.Generator | None = None
    ) -> Tensor:
        """Sample ``(batch, length, C)`` standardised channels (after ``burn_in`` discarded steps)."""
        device = self.loc.weight.device
        k, nz = len(self.vol_timescales), self.noise_dim
        noise = torch.randn(batch, burn_in + length, 2 * nz + k, generator=generator, device=device)
        z, e, u = noise[..., :nz], noise[..., nz : 2 * nz], noise[..., 2 * nz :]
        if k:
            v0 = torch.randn(batch, k, generator=generator, device=device)
            z = torch.cat([z, self._factors(u, v0)], dim=2)
        if self.feedback:  # e[t-1]: the previous bar's draw (zero before the first)
            z = torch.cat([z, nn.functional.pad(e[:, :-1], (0, 0, 1, 0))], dim=2)
        h, _ = self.rnn(z)
        h, e, u = h[:, burn_in:], e[:, burn_in:], u[:, burn_in:]
        x = self.loc(h) + torch.exp(self.log_scale(h).clamp(-4.0, 3.0)) * self.shape(
            torch.cat([h, e, u], dim=2)
        )
        return SOFT_CLIP * torch.tanh(x / SOFT_CLIP)


class Critic(nn.Module):
    """``(B, L, C) -> (B,)``: dilated residual convolutions, mean and sd pooled over time.

    Reads ``x``, ``|x|`` and, when ``pairs`` are given, the products ``x_i x_j`` and
    ``|x_i x_j|`` of those channel pairs.
    """

    def __init__(
        self,
        channels: int,
        size: int = 32,
        dilations: Sequence[int] = (1, 2, 4, 8, 16),
        pairs: Sequence[tuple[int, int]] = (),
    ) -> None:
        super().__init__()
        self.pairs = [tuple(p) for p in pairs]
        self.inp = nn.Conv1d(2 * channels + 2 * len(self.pairs), size, 1)
        self.convs = nn.ModuleList([nn.Conv1d(size, size, 3, dilation=d, padding=d) for d in dilations])
        self.act = nn.LeakyReLU(0.2)
        self.head = nn.Sequential(nn.Linear(2 * size, size), nn.LeakyReLU(0.2), nn.Linear(size, 1))

    def features(self, x: Tensor) -> Tensor:
        """``(B, L, C) -> (B, L, 2C + 2P)``: ``x``, ``|x|``, then each pair's product and its size."""
        feats = _with_abs(x)
        if self.pairs:
            prod = torch.stack([x[..., i] * x[..., j] for i, j in self.pairs], dim=2)
            feats = torch.cat([feats, prod, prod.abs()], dim=2)
        return feats

    def forward(self, x: Tensor) -> Tensor:
        """Critic scores ``(B,)`` of windows ``(B, L, C)`` (higher: more real)."""
        h = self.inp(self.features(x).transpose(1, 2))  # (B, size, L)
        for conv in self.convs:
            h = h + self.act(conv(h))
        return self.head(torch.cat([h.mean(dim=2), h.std(dim=2)], dim=1)).squeeze(1)


def _with_abs(x: Tensor) -> Tensor:
    """``(B, L, C) -> (B, L, 2C)``: the channels, then their absolute values (clustering made visible)."""
    return torch.cat([x, x.abs()], dim=2)


def row_corr(a: Tensor, b: Tensor) -> Tensor:
    """Correlation over dim 1 of ``(B, L)`` tensors: ``(B,)``."""
    a, b = a - a.mean(dim=1, keepdim=True), b - b.mean(dim=1, keepdim=True)
    return (a * b).mean(dim=1) / torch.sqrt((a**2).mean(dim=1) * (b**2).mean(dim=1) + 1e-12)


WINDOW_STATISTICS = (
    "log_sd", "acf1", "acf_abs_1", "acf_abs_2_5", "log_kurt",  # per asset
    "corr", "corr_abs", "log_sd_ratio", "log_sd_spread",  # per pair
    "lead_lag", "lag_lead", "lead_lag_abs", "lag_lead_abs",
)


def window_statistics(x: Tensor, cols: Sequence[int]) -> Tensor:
    """Per-window summary statistics ``(B, 5N + 8P)`` of the channels ``cols`` of ``(B, L, C)``.

    For each of the ``N`` channels: log sd, lag-1 autocorrelation, lag-1 autocorrelation of
    ``|x|``, mean autocorrelation of ``|x|`` at lags 2-5 and log of the fourth standardised
    moment. Lag 1 of ``|x|`` stands apart because daily index returns have a dip there
    (within 64-day windows of S&P 500 and NASDAQ, -0.07 at lag 1 against +0.04 at lag 2)
    that a smooth volatility process misses. For each of the ``P`` pairs ``(i, j)``:
    correlation of ``x``, of ``|x|``, ``log(sd_i / sd_j)``, log sd of ``x_j - x_i``, and the
    lag-1 cross-correlations of ``x`` and of ``|x|``, both ways (``WINDOW_STATISTICS``).
    Differentiable; windows are in standardised units.
    """
    stats = []
    for c in cols:
        a = x[..., c]
        dev = a - a.mean(dim=1, keepdim=True)
        var = (dev**2).mean(dim=1) + 1e-12
        stats += [
            0.5 * torch.log(var),
            row_corr(a[:, 1:], a[:, :-1]),
            row_corr(a[:, 1:].abs(), a[:, :-1].abs()),
            torch.stack([row_corr(a[:, k:].abs(), a[:, :-k].abs()) for k in range(2, 6)]).mean(dim=0),
            torch.log((dev**4).mean(dim=1) / var**2),
        ]
    for i, j in itertools.combinations(cols, 2):
        a, b = x[..., i], x[..., j]
        stats += [
            row_corr(a, b),
            row_corr(a.abs(), b.abs()),
            0.5 * torch.log((a.var(dim=1) + 1e-12) / (b.var(dim=1) + 1e-12)),
            0.5 * torch.log((b - a).var(dim=1) + 1e-12),
            row_corr(a[:, :-1], b[:, 1:]),
            row_corr(b[:, :-1], a[:, 1:]),
            row_corr(a[:, :-1].abs(), b[:, 1:].abs()),
            row_corr(b[:, :-1].abs(), a[:, 1:].abs()),
        ]
    return torch.stack(stats, dim=1)


def statistics_quantiles(windows: np.ndarray, cols: Sequence[int], n: int) -> Tensor:
    """The :func:`window_statistics` of ``windows`` at levels ``(k + 0.5) / n``: ``(n, S)``."""
    levels = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return torch.quantile(window_statistics(torch.tensor(windows, dtype=torch.float64), cols), levels, dim=0)


def facts_loss(fake: Tensor, real_quantiles: Tensor, cols: Sequence[int]) -> Tensor:
    """Mean over statistics of the Wasserstein-1 between the batch's and the real windows'.

    Args:
        fake: ``(B, L, C)`` generated windows.
        real_quantiles: ``(B, S)`` from :func:`statistics_quantiles` with ``n = B``; each
            column of the sorted batch statistics is compared with it.
        cols: the return channels.
    """
    return (torch.sort(window_statistics(fake, cols), dim=0).values - real_quantiles).abs().mean()


def gradient_penalty(critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    """WGAN-GP's ``E[(||grad critic(x_hat)|| - 1)^2]`` on random interpolates of real and fake."""
    eps = torch.rand(real.shape[0], 1, 1, device=real.device)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


# ---------------------------------------------------------------------- monitoring
def _acf_abs(x: np.ndarray, lags: int = 10) -> np.ndarray:
    """Pooled within-window ACF of ``|x|`` at lags ``1..lags``: ``(B, L, C) -> (lags,)``."""
    a = np.abs(x) - np.abs(x).mean(axis=1, keepdims=True)
    var = (a**2).mean(axis=1).sum()
    return np.array([(a[:, k:] * a[:, :-k]).mean(axis=1).sum() / var for k in range(1, lags + 1)])


def _kurtosis(x: np.ndarray) -> np.ndarray:
    z = x.reshape(-1, x.shape[-1])
    z = (z - z.mean(axis=0)) / np.maximum(z.std(axis=0), 1e-12)
    return (z**4).mean(axis=0) - 3.0


def _w1(a: np.ndarray, b: np.ndarray) -> float:
    """Wasserstein-1 of two equal-size 1-D samples (sorted difference)."""
    n = min(len(a), len(b))
    return float(np.abs(np.sort(a[:n]) - np.sort(b[:n])).mean())


def stylized_gap(real: np.ndarray, fake: np.ndarray, returns: Sequence[int]) -> dict[str, float]:
    """Distances in stylized facts of the return channels ``returns`` of ``(B, L, C)`` windows.

    Returns ``w1`` (mean one-bar Wasserstein-1, standardised units), ``kurt`` (mean absolute
    excess-kurtosis gap, on a log scale), ``acf_abs`` (mean absolute gap of the ACF of
    ``|r|`` at lags 1-10), ``window`` (the Wasserstein-1 between real and synthetic
    :func:`window_statistics`, averaged over the statistics: per window and asset scale, lag-1
    autocorrelation, clustering and tails; per pair of assets correlation of ``r`` and
    ``|r|``, relative scale, spread and lead-lag) and ``score = w1 + kurt + 10 acf_abs +
    10 window`` (lower is better).
    """
    cols = list(returns)
    r, f = real[..., cols], fake[..., cols]
    w1 = float(np.mean([_w1(r[..., j].ravel(), f[..., j].ravel()) for j in range(len(cols))]))
    kurt = float(
        np.mean(np.abs(np.log1p(np.maximum(_kurtosis(r), 0)) - np.log1p(np.maximum(_kurtosis(f), 0))))
    )
    acf = float(np.mean(np.abs(_acf_abs(r) - _acf_abs(f))))
    stat_r = window_statistics(torch.from_numpy(np.ascontiguousarray(real, dtype=np.float64)), cols).numpy()
    stat_f = window_statistics(torch.from_numpy(np.ascontiguousarray(fake, dtype=np.float64)), cols).numpy()
    window = float(np.mean([_w1(stat_r[:, k], stat_f[:, k]) for k in range(stat_r.shape[1])]))
    score = w1 + kurt + 10 * acf + 10 * window
    return {"w1": w1, "kurt": kurt, "acf_abs": acf, "window": window, "score": score}


# ---------------------------------------------------------------------- the trained model
class GanModel:
    """A trained generator with its codec: samples channels, returns, prices and markets."""

    def __init__(
        self,
        generator: Generator,
        codec: BarCodec,
        symbols: Sequence[str],
        burn_in: int,
        source: str = "gan",
        mean_offset: Sequence[float] | None = None,
    ) -> None:
        self.generator = generator.eval()
        self.codec = codec
        self.symbols = tuple(symbols)
        self.burn_in = burn_in
        self.source = source
        n_channels = len(self.symbols) * len(codec.channels)
        self.mean_offset = np.zeros(n_channels) if mean_offset is None else np.asarray(mean_offset, float)
        """``(N*Cb,)`` subtracted from every generated bar: see :func:`calibrate_mean`."""

    @property
    def n_assets(self) -> int:
        """``N``, the training market's number of assets."""
        return len(self.symbols)

    def sample_channels(self, n: int, length: int, seed: int = 0) -> np.ndarray:
        """Standardised channels ``(n, length, N, Cb)``, deterministic in ``seed``.

        Raises:
            ValueError: ``n`` or ``length`` below 1.
        """
        if int(n) < 1 or int(length) < 1:
            raise ValueError(f"n and length must be >= 1, got n={n}, length={length}")
        g = torch.Generator().manual_seed(int(seed))
        out = []
        with torch.inference_mode():
            for start in range(0, int(n), 512):
                b = min(512, int(n) - start)
                out.append(self.generator(b, int(length), self.burn_in, generator=g).numpy())
        x = np.concatenate(out).astype(np.float64) - self.mean_offset
        return x.reshape(int(n), int(length), self.n_assets, len(self.codec.channels))

    def calibrate(self, n: int = 1024, length: int = 256, seed: int = 20261124) -> np.ndarray:
        """Set :attr:`mean_offset` to the generator's own mean bar over ``n`` windows of ``length``.

        Returns:
            the offset ``(N*Cb,)`` in standardised units (see :func:`calibrate_mean`).
        """
        self.mean_offset[:] = 0.0
        x = self.sample_channels(n, length, seed)  # (n, L, N, Cb)
        self.mean_offset[:] = x.reshape(-1, x.shape[2] * x.shape[3]).mean(axis=0)
        return self.mean_offset.copy()

    def sample_returns(self, n: int, length: int, seed: int = 0) -> np.ndarray:
        """Log close-to-close returns ``(n, length, N)`` (the evaluation's generator interface)."""
        return self.codec.destandardize(self.sample_channels(n, length, seed))[..., 0]

    def default_start(self) -> np.ndarray:
        """``(N, F)`` start row: prices of 100 and volume 1e6 (so the adj/close ratio is 1)."""
        return np.array([[1e6 if f == "volume" else 100.0 for f in self.codec.fields]] * self.n_assets)

    def sample_prices(
        self, n: int, length: int, seed: int = 0, start: np.ndarray | None = None
    ) -> np.ndarray:
        """Prices ``(n, length, N, F)`` of the bars after ``start``.

        ``start`` is ``(n, N, F)`` or ``(N, F)`` in :attr:`BarCodec.fields` order; by default
        prices of 100, volume 1e6 and an adj/close ratio of 1.
        """
        if start is None:
            start = self.default_start()
        return self.codec.decode(self.sample_channels(n, length, seed), start)

    def sample_market(
        self,
        n_bars: int = 2520,
        seed: int = 0,
        start_date: str = "2000-01-03",
        start: np.ndarray | None = None,
    ) -> MarketData:
        """One synthetic market of ``n_bars`` business days, the training symbols and fields.

        Raises:
            DataError: ``n_bars`` < 2.
        """
        if int(n_bars) < 2:
            raise DataError(f"a GAN market needs n_bars >= 2, got {n_bars}")
        prices = self.sample_prices(1, int(n_bars) - 1, seed, start)[0]  # (T-1, N, F)
        first = np.asarray(start if start is not None else self.default_start())
        values = np.concatenate([first[None].astype(np.float64), prices], axis=0)
        if "volume" in self.codec.fields:  # volume may round to 0; prices stay positive by construction
            values[..., self.codec.fields.index("volume")] = np.maximum(
                values[..., self.codec.fields.index("volume")], 1.0
            )
        dates = pd.bdate_range(start_date, periods=int(n_bars))
        return MarketData.from_array(
            values,
            dates,
            list(self.symbols),
            list(self.codec.fields),
            name="gan",
            meta={"source": "gan", "run": self.source, "seed": int(seed)},
            adjust=False,
        )


# ---------------------------------------------------------------------- training
@dataclass
class GanRun:
    """What :func:`train_gan` returns."""

    run: RunDir
    model: GanModel
    history: list[dict[str, float]]
    metrics: dict[str, Any]


def _windows(x: np.ndarray, length: int) -> np.ndarray:
    """All windows ``(M, length, C)`` of a ``(T, C)`` array (a strided view)."""
    if len(x) < length:
        raise DataError(
            f"the training split has {len(x)} bars of channels; model.window_bars = {length} "
            "needs at least that many"
        )
    return np.lib.stride_tricks.sliding_window_view(x, length, axis=0).transpose(0, 2, 1)


def snapshot_name(iteration: int) -> str:
    """Run-relative path of the generator weights saved at ``iteration`` (``select: judge``)."""
    return f"snapshots/gen_{iteration:09d}.pt"


def _save_state(run: RunDir, name: str, state: dict[str, Any]) -> None:
    run.save_artifact(name, lambda handle: torch.save(state, handle))


def _write_history(run: RunDir, history: list[dict[str, float]]) -> None:
    # Columns are every key of any row: a run resumed across versions may have gained one.
    write_csv(run.file("history.csv"), history)


def train_gan(
    config: GanConfig | str | Path | dict[str, Any] | None = None,
    *,
    overrides: Sequence[str] = (),
    runs_root: str | Path = "runs",
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    data: MarketData | None = None,
    echo: Callable[[str], Any] = print,
) -> GanRun:
    """Train a WGAN-GP generator on the training split into a run directory (or resume one).

    Args:
        config: a :class:`GanConfig`, a YAML path or a mapping (defaults if ``None``).
        overrides: ``section.key=value`` strings, e.g. ``train.iterations=200``.
        runs_root: parent of the new run directory.
        run_dir: an exact new run directory instead.
        resume: an existing GAN run directory to continue from its newest valid checkpoint
            (its own config; ``overrides`` may raise ``train.iterations``).
        data: a market to use instead of loading ``config.data``.
        echo: where progress lines go.

    Raises:
        ConfigError: bad config; a resume directory that is not a GAN run, has no valid
            checkpoint, or whose data changed.
        DataError: a training split shorter than a window.
    """
    if resume is not None:
        if config is not None:
            raise ConfigError("pass either a config or resume=RUN_DIR, not both")
        run = RunDir.open(resume, kind="gan")
        cfg = load_gan_config(read_yaml(run.file("config.yaml")), overrides)
    else:
        cfg = config if isinstance(config, GanConfig) else load_gan_config(config, overrides)
        if isinstance(config, GanConfig) and overrides:
            cfg = load_gan_config(to_dict(config), overrides)
    cfg.check()
    m, t = cfg.model, cfg.train
    seed_everything(t.seed)

    market = data if data is not None else load_market(cfg.data)
    split = market.split(cfg.data.train, cfg.data.val)
    train = split.train
    codec = BarCodec.fit(train, m.bars)
    x = codec.encode(train).reshape(train.n_bars - 1, -1).astype(np.float32)  # (T-1, C)
    windows = _windows(x, m.window_bars)  # (M, L, C)
    n_ch = x.shape[1]
    cb = len(codec.channels)
    return_cols = list(range(0, n_ch, cb))  # the r channel of each asset
    described = {
        "description": train.describe(),
        "symbols": list(train.symbols),
        "fingerprint": train.fingerprint(),
        "splits": {
            p: {"start": str(d.dates[0].date()), "end": str(d.dates[-1].date()), "rows": d.n_bars}
            for p, d in zip(("train", "val", "test"), split, strict=True)
        },
    }

    device = torch.device(t.device)
    gen = Generator(n_ch, m.noise_dim, m.hidden_size, m.vol_timescales, m.feedback).to(device)
    pairs = list(itertools.combinations(return_cols, 2)) if m.critic_pairs else []
    critic = Critic(n_ch, m.critic_size, pairs=pairs).to(device)
    facts_target = None
    if t.facts_weight > 0:  # from the training windows only
        facts_target = statistics_quantiles(windows, return_cols, t.batch_size).float().to(device)
    ema = copy.deepcopy(gen).requires_grad_(False) if t.ema > 0 else None
    shown = ema if ema is not None else gen  # the generator monitored, chosen and saved
    opt_g = torch.optim.Adam(gen.parameters(), lr=t.lr_generator, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(critic.parameters(), lr=t.lr_critic, betas=(0.5, 0.9))
    # The judge's own kind of model over x and |x|: a 2-layer GRU, one logit from its last state.
    seq = GruJudge(2 * n_ch, t.seq_hidden, layers=2).to(device) if t.seq_weight > 0 else None
    opt_s = torch.optim.Adam(seq.parameters(), lr=t.lr_seq, betas=(0.5, 0.9)) if seq is not None else None
    bce = nn.functional.binary_cross_entropy_with_logits
    history: list[dict[str, float]] = []
    start_it, best = 0, math.inf

    if resume is None:
        run = RunDir.create(runs_root, cfg.run_name, kind="gan", path=run_dir)
        run.write_yaml("config.yaml", to_dict(cfg))
        run.write_json("data.json", described)
        run.write_json(
            "codec.json",
            {
                **codec.to_json(),
                "symbols": list(train.symbols),
                "noise_dim": m.noise_dim,
                "hidden_size": m.hidden_size,
                "burn_in": m.burn_in,
                "vol_timescales": [float(x) for x in m.vol_timescales],
                "feedback": bool(m.feedback),
            },
        )
    else:
        if run.read_json("data.json")["fingerprint"] != described["fingerprint"]:
            raise ConfigError(
                f"the training data of {run.path} changed since the run started; "
                "start a new run instead of resuming"
            )
        for stale in run.remove_stale_temps():
            echo(f"removed a temporary file a killed writer left: {stale}")
        step, path = run.latest_valid_checkpoint(echo)
        state = torch.load(path, map_location=device, weights_only=False)
        gen.load_state_dict(state["generator"])
        if ema is not None:
            ema.load_state_dict(state.get("ema", state["generator"]))
        critic.load_state_dict(state["critic"])
        opt_g.load_state_dict(state["opt_generator"])
        opt_c.load_state_dict(state["opt_critic"])
        if seq is not None and opt_s is not None:
            if "seq" not in state:
                raise ConfigError(f"{path} has no recurrent discriminator; resume with train.seq_weight=0")
            seq.load_state_dict(state["seq"])
            opt_s.load_state_dict(state["opt_seq"])
        torch.set_rng_state(state["torch_rng"])
        history = [h for h in state["history"] if h["iteration"] <= step]
        start_it, best = step, state["best"]
        echo(f"resuming {run.path} from iteration {step}")
    run.update_marker(status="training")
    echo(
        f"run {run.path}: WGAN-GP on {train.describe()}; channels {list(codec.channels)} x {train.n_assets} "
        f"assets; {len(windows)} training windows of {m.window_bars} bars"
    )

    rng = np.random.default_rng(t.seed + start_it)
    real_sample = windows[rng.choice(len(windows), size=min(len(windows), 1024), replace=False)]
    started = time.perf_counter()

    def real_batch() -> Tensor:
        idx = rng.integers(0, len(windows), size=t.batch_size)
        return torch.from_numpy(np.ascontiguousarray(windows[idx])).to(device)

    def checkpoint(it: int) -> None:
        name = f"checkpoints/step_{it:09d}.zip"
        _save_state(
            run,
            name,
            {
                "generator": gen.state_dict(),
                **({"ema": ema.state_dict()} if ema is not None else {}),
                "critic": critic.state_dict(),
                "opt_generator": opt_g.state_dict(),
                "opt_critic": opt_c.state_dict(),
                **(
                    {"seq": seq.state_dict(), "opt_seq": opt_s.state_dict()}
                    if seq is not None and opt_s is not None
                    else {}
                ),
                "torch_rng": torch.get_rng_state(),
                "history": history,
                "best": best,
                "iteration": it,
            },
        )
        for _, old in run.checkpoints()[:-3]:
            run.remove_artifact(old)

    from tqdm.auto import tqdm

    with torch_threads(t.num_threads):
        bar = tqdm(
            range(start_it + 1, t.iterations + 1),
            desc="gan",
            disable=not t.progress_bar,
            initial=start_it,
            total=t.iterations,
        )
        loss_c = loss_g = gp = seq_acc = torch.tensor(0.0)
        for it in bar:
            for _ in range(t.n_critic):
                real = real_batch()
                with torch.no_grad():
                    fake = gen(t.batch_size, m.window_bars, m.burn_in)
                gp = gradient_penalty(critic, real, fake)
                scores = critic(torch.cat([real, fake]))
                wdist = scores[: t.batch_size].mean() - scores[t.batch_size :].mean()
                loss_c = -wdist + t.gp_weight * gp
                opt_c.zero_grad(set_to_none=True)
                loss_c.backward()
                opt_c.step()
            if seq is not None and opt_s is not None:
                real = real_batch()
                with torch.no_grad():
                    fake = gen(t.batch_size, m.window_bars, m.burn_in)
                logits = seq(_with_abs(torch.cat([real, fake])))
                labels = torch.cat([torch.ones(t.batch_size), torch.zeros(t.batch_size)]).to(device)
                loss_s = bce(logits, labels)
                opt_s.zero_grad(set_to_none=True)
                loss_s.backward()
                opt_s.step()
                seq_acc = ((logits > 0).float() == labels).float().mean()
            fake = gen(t.batch_size, m.window_bars, m.burn_in)
            loss_g = -critic(fake).mean()
            if facts_target is not None:
                loss_g = loss_g + t.facts_weight * facts_loss(fake, facts_target, return_cols)
            if seq is not None:
                # non-saturating: the generator maximises log D(fake)
                ones = torch.ones(t.batch_size, device=device)
                loss_g = loss_g + t.seq_weight * bce(seq(_with_abs(fake)), ones)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            if ema is not None:
                with torch.no_grad():
                    for averaged, current in zip(ema.parameters(), gen.parameters(), strict=True):
                        averaged.lerp_(current, 1 - t.ema)
            if not all(math.isfinite(v.item()) for v in (loss_c, loss_g)):
                raise FloatingPointError(
                    f"GAN training diverged at iteration {it} (loss not finite); "
                    "lower train.lr_* or raise train.gp_weight"
                )
            if it % t.monitor_every == 0 or it == t.iterations:
                shown.eval()
                with torch.no_grad():
                    sample = shown(len(real_sample), m.window_bars, m.burn_in).cpu().numpy()
                shown.train()
                gap = stylized_gap(real_sample, sample, return_cols)
                row = {
                    "iteration": it,
                    "critic_loss": round(loss_c.item(), 5),
                    "wasserstein": round(wdist.item(), 5),
                    "gp": round(gp.item(), 5),
                    "generator_loss": round(loss_g.item(), 5),
                    **({"seq_accuracy": round(seq_acc.item(), 3)} if seq is not None else {}),
                    **{k: round(v, 5) for k, v in gap.items()},
                    "elapsed_s": round(time.perf_counter() - started, 1),
                }
                history.append(row)
                _write_history(run, history)  # readable while training runs
                bar.set_postfix(W=f"{row['wasserstein']:.3f}", score=f"{gap['score']:.3f}")
                if gap["score"] < best:
                    best = gap["score"]
                    _save_state(
                        run, "best.pt", {"generator": shown.state_dict(), "iteration": it, "score": best}
                    )
            if t.select == "judge" and (it % t.snapshot_every == 0 or it == t.iterations) and (
                it >= t.select_from * t.iterations
            ):
                _save_state(run, snapshot_name(it), shown.state_dict())
            if it % t.checkpoint_every == 0 and it != t.iterations:
                checkpoint(it)
        bar.close()
    run.save_artifact("generator.pt", lambda handle: torch.save(shown.state_dict(), handle))
    checkpoint(t.iterations)
    _write_history(run, history)
    best_row = min(history, key=lambda h: h["score"]) if history else {}
    metrics: dict[str, Any] = {
        "iterations": t.iterations,
        "selected_by": t.select,
        "best_iteration": best_row.get("iteration"),  # the iteration in best.pt
        "facts_best_iteration": best_row.get("iteration"),
        "facts_best_score": best_row.get("score"),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if t.select == "last":
        _save_state(run, "best.pt", {"generator": shown.state_dict(), "iteration": t.iterations})
        metrics["best_iteration"] = t.iterations
    if t.select == "judge":
        from feature_nets.gan_select import select_snapshot

        echo("choosing best.pt among the snapshots with a judge on the training split")
        r_train = log_returns(train.close)
        with torch_threads(t.num_threads):
            rows = select_snapshot(run.path, r_train, window=m.window_bars, steps=t.select_judge_steps,
                                   seed=t.seed, echo=echo, progress=t.progress_bar)
        chosen = min(rows, key=lambda row: row["judge"])
        metrics.update(best_iteration=int(chosen["iteration"]), best_judge=chosen["judge"],
                       wall_s=round(time.perf_counter() - started, 1))
    run.write_json("metrics.json", metrics)
    run.update_marker(status="finished")
    echo(
        f"done: best.pt is iteration {metrics['best_iteration']} (selected by {t.select}); "
        f"run directory {run.path}"
    )
    model = _calibrated(run.path)  # best.pt, its mean offset measured and stored
    echo(
        "mean offset of the bars (training sds), removed when sampling: "
        f"{np.round(model.mean_offset, 3).tolist()}"
    )
    return GanRun(run, model, history, metrics)


# ---------------------------------------------------------------------- load, and the data source
def load_gan(run_path: str | Path, which: str = "best") -> GanModel:
    """Load a trained generator (CPU, eval mode) from its run directory, hashes checked.

    Args:
        run_path: a directory written by :func:`train_gan`.
        which: ``best`` (best monitored stylized facts; the default) or ``last``.

    Raises:
        ConfigError: not a GAN run directory, or an unknown ``which``.
        CacheError: the weights are missing or do not match the manifest.
    """
    if which not in ("best", "last"):
        raise ConfigError(f"which must be 'best' or 'last', got {which!r}")
    run = RunDir.open(run_path, kind="gan")
    meta = run.read_json("codec.json")
    codec = BarCodec.from_json(meta)
    gen = Generator(
        len(meta["symbols"]) * len(codec.channels),
        meta["noise_dim"],
        meta["hidden_size"],
        meta.get("vol_timescales", ()),
        meta.get("feedback", False),
    )
    if which == "best" and run.file("best.pt").exists():
        state = torch.load(run.verify("best.pt"), map_location="cpu", weights_only=True)["generator"]
    else:
        state = torch.load(run.verify("generator.pt"), map_location="cpu", weights_only=True)
    gen.load_state_dict(state)
    return GanModel(
        gen,
        codec,
        meta["symbols"],
        meta["burn_in"],
        source=str(run.path),
        mean_offset=meta.get("mean_offset"),
    )


def calibrate_mean(
    run_path: str | Path, n: int = 1024, length: int = 256, seed: int = 20261124
) -> np.ndarray:
    """Measure the generator's mean bar and store it as ``mean_offset`` in ``codec.json``.

    The Wasserstein critic barely sees a drift of a few hundredths of a standard deviation
    per bar, yet over a year it decides the paths' trend: an uncalibrated generator on
    us_indices drifted up about 25 % a year. The training channels have mean 0 (standardised
    on the training split), so the generator's own mean over ``n`` windows of ``length``
    bars is subtracted from every bar it makes. Only the mean moves; scale and dynamics stay.

    Returns:
        the offset ``(N*Cb,)`` in standardised units.

    Raises:
        ConfigError: not a GAN run directory.
    """
    return _calibrated(run_path, n, length, seed).mean_offset.copy()


def _calibrated(run_path: str | Path, n: int = 1024, length: int = 256, seed: int = 20261124) -> GanModel:
    """:func:`calibrate_mean`, returning the loaded model with its offset set."""
    run = RunDir.open(run_path, kind="gan")
    meta = run.read_json("codec.json")
    meta.pop("mean_offset", None)
    model = load_gan(run_path)
    offset = model.calibrate(n, length, seed)
    run.write_json("codec.json", {**meta, "mean_offset": offset.tolist()})
    return model


def run_config(run_path: str | Path) -> GanConfig:
    """The resolved config of a GAN run."""
    run = RunDir.open(run_path, kind="gan")
    return from_dict(GanConfig, read_yaml(run.file("config.yaml")))


def gan_market(
    run: str, n_bars: int = 2520, seed: int = 0, start_date: str = "2000-01-03", which: str = "best"
) -> MarketData:
    """The ``gan`` data source: one market sampled from a trained GAN run.

    ``data: {source: gan, run: runs/gan_us_indices-..., kwargs: {n_bars: 2520, seed: 0}}``
    in a training config trains an agent on synthetic paths; different seeds give
    different markets. Prices start at 100 (volume at 1e6) on ``start_date``.

    Raises:
        ConfigError: ``run`` is not a GAN run directory.
        CacheError: its weights fail their hash check.
        DataError: ``n_bars`` < 2.
    """
    return load_gan(run, which).sample_market(n_bars, seed, start_date)


__all__ = [
    "BarCodec",
    "Critic",
    "GanConfig",
    "GanModel",
    "Generator",
    "gan_market",
    "load_gan",
    "load_gan_config",
    "train_gan",
]
