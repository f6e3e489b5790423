"""A GAN run's configuration: data, model and training sections, loaded from YAML and checked.

The data section is the one data contract of every run (:class:`tradegym.data.config.DataConfig`),
with the GAN's own default market.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from tradegym.config import from_dict, load_config, read_yaml
from tradegym.data.config import DataConfig, load_market
from tradegym.errors import ConfigError
from tradegym.runs import RunDir

BARS = ("auto", "close", "ohlcv")
SELECT = ("facts", "judge", "last")


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
    held-out blocks of the training split: :mod:`feature_nets.gan.select`; minutes more)."""
    snapshot_every: int = 250
    """Iterations between generator snapshots (``snapshots/``), the candidates of ``select: judge``."""
    select_from: float = 0.4
    """Share of the iterations after which snapshots are kept (earlier ones are not candidates)."""
    select_judge_steps: int = 2000
    """Adam steps of each snapshot's judge."""
    checkpoint_every: int = 500
    """Iterations between resumable checkpoints; the last 3 are kept."""
    seed: int = 0
    torch_threads: int = 0
    """torch CPU threads (restored after); 0 is the auto policy, the cores free
    (:func:`feature_nets.runtime.choose_threads`). Was ``num_threads``, which configs may still say."""
    progress_bar: bool = True
    device: str = "auto"
    """``auto``: CUDA when present, else CPU (:func:`feature_nets.runtime.resolve_device`)."""

    RENAMED: ClassVar[dict[str, str]] = {"num_threads": "torch_threads"}


@dataclass
class GanDataConfig(DataConfig):
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
    source: GanConfig | str | Path | dict[str, Any] | None = None, overrides: Sequence[str] = ()
) -> GanConfig:
    """A :class:`GanConfig` from a config, a YAML path or a mapping, plus ``a.b=value`` overrides.

    Raises:
        ConfigError: unknown key (with a suggestion) or value out of range.
    """
    return load_config(GanConfig, source, overrides)



def run_config(run_path: str | Path) -> GanConfig:
    """The resolved config of a GAN run.

    Raises:
        ConfigError: not a GAN run directory.
    """
    run = RunDir.open(run_path, kind="gan")
    return from_dict(GanConfig, read_yaml(run.file("config.yaml")))


__all__ = [
    "BARS",
    "SELECT",
    "GanConfig",
    "GanDataConfig",
    "GanModelConfig",
    "GanTrainConfig",
    "load_gan_config",
    "load_market",
    "run_config",
]
