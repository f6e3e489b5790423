"""The sweep file: a base training config, a search space over its keys, seeds, resources.

Typed like every tradegym config (unknown keys are errors with a suggestion); YAML holds
data only. :func:`trial_config` turns a point of the space and a seed into the ordinary
:class:`~agents.config.RunConfig` of one trial. Nothing here imports Ray.

>>> cfg = load_sweep_config("tiny")
>>> cfg.space, cfg.seeds
({'agent.hyperparams.learning_rate': {'grid': [0.0003, 0.001]}}, [0])
>>> trial_config(cfg, {"agent.hyperparams.learning_rate": 0.001}, seed=3).train.seed
3
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.config import CONFIG_DIR, RunConfig, load_run_config
from tradegym.config import load_config
from tradegym.errors import ConfigError
from tradegym.registry import suggest

SWEEP_DIR = CONFIG_DIR / "sweeps"
"""The shipped sweep files (package data)."""
SPACE_KINDS = ("grid", "choice", "uniform", "loguniform", "randint")
SEARCHES = ("random", "grid", "optuna")
METRICS = ("val_sharpe", "val_total_return", "val_max_drawdown", "val_turnover")
"""Reported after every validation backtest; the columns of ``eval.csv`` with ``val_``."""
SEED = "seed"
"""The key of the seed in a trial's Tune config (``__trial_index__`` with Optuna)."""


@dataclass
class AshaConfig:
    """Asynchronous successive halving: at each rung, stop the trials that trail."""

    grace_period: int = 4_096
    """Timesteps before a trial can be stopped: it gets at least this many validations' worth."""
    reduction_factor: int = 2
    """Keep roughly the best ``1 / reduction_factor`` of the trials at each rung."""
    max_t: int | None = None
    """Timesteps of the last rung; None = the base config's ``train.total_timesteps``."""


@dataclass
class SchedulerConfig:
    """How trials are stopped early."""

    asha: AshaConfig | None = None
    """None runs every trial to its full budget."""


@dataclass
class SweepConfig:
    """A sweep: a base training config, a search space over its keys, seeds and resources."""

    name: str = "sweep"
    base: str = "ppo_lstm"
    """A shipped training config name or a YAML path (relative to the sweep file)."""
    overrides: list[str] = field(default_factory=list)
    """``section.key=value`` overrides of the base config, shared by every trial."""
    space: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Dotted config key -> ``{grid|choice: [values]}`` or ``{uniform|loguniform|randint: [lo, hi]}``."""
    seeds: list[int] = field(default_factory=lambda: [0])
    """Every point of the space trains once per seed; the best config is the best seed mean."""
    num_samples: int = 1
    """Points drawn from the space (random/optuna); with grid dimensions, repeats of the grid."""
    metric: str = "val_sharpe"
    mode: str = "max"
    search: str = "random"
    """random (grid dimensions expanded, the rest sampled), grid (choices become grid
    dimensions too) or optuna (needs ``pip install optuna``)."""
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    resources_per_trial: dict[str, float] = field(default_factory=lambda: {"cpu": 1})
    """Ray resources of one trial; its torch threads follow ``cpu`` so trials do not oversubscribe."""
    max_concurrent: int | None = None
    """At most this many trials at once (None: as many as the resources allow)."""

    def __post_init__(self) -> None:
        checks = [("mode", self.mode, ("max", "min")), ("search", self.search, SEARCHES),
                  ("metric", self.metric, METRICS)]
        for key, value, allowed in checks:
            if value not in allowed:
                raise ConfigError(f"sweep {self.name}: {key} {value!r} is not one of "
                                  f"{', '.join(allowed)}.{suggest(str(value), list(allowed))}")
        if not self.seeds or self.num_samples < 1:
            raise ConfigError(f"sweep {self.name}: needs at least one seed and num_samples >= 1")
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise ConfigError(f"sweep {self.name}: max_concurrent must be >= 1 or null")
        for key, spec in self.space.items():
            kind, values = parse_dimension(key, spec)
            if self.search == "grid" and kind not in ("grid", "choice"):
                raise ConfigError(f"sweep {self.name}: space.{key} is a {kind} range; search: grid "
                                  "needs listed values (grid/choice), or use search: random")
            if self.search == "optuna" and kind == "grid":
                raise ConfigError(f"sweep {self.name}: space.{key}: Optuna cannot search a grid; "
                                  "use choice")

    @property
    def cpus_per_trial(self) -> int:
        """Whole CPUs of one trial (at least 1): its torch thread count."""
        return max(1, int(self.resources_per_trial.get("cpu", 1)))


def parse_dimension(key: str, spec: Any) -> tuple[str, list[Any]]:
    """Check one entry of ``space`` and return ``(kind, values)``, range bounds as numbers.

    >>> parse_dimension("agent.hyperparams.learning_rate", {"loguniform": ["1e-5", 1e-3]})
    ('loguniform', [1e-05, 0.001])

    Raises:
        ConfigError: not one known kind, an empty list, bounds that are not two numbers
            with ``lo < hi`` (``lo > 0`` for loguniform, integers for randint).
    """
    where = f"space.{key}"
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ConfigError(f"{where}: expected one of {{{'|'.join(SPACE_KINDS)}: [...]}}, got {spec!r}")
    kind, values = next(iter(spec.items()))
    if kind not in SPACE_KINDS:
        raise ConfigError(f"{where}: unknown kind {kind!r}.{suggest(str(kind), list(SPACE_KINDS))} "
                          f"Known: {', '.join(SPACE_KINDS)}")
    if not isinstance(values, list) or not values:
        raise ConfigError(f"{where}: {kind} needs a non-empty list, got {values!r}")
    if kind in ("grid", "choice"):
        return kind, list(values)
    try:
        # YAML 1.1 reads 1e-5 (no dot) as a string: accept it as the number it means.
        bounds = [int(v) if kind == "randint" else float(v) for v in values]
    except (TypeError, ValueError):
        bounds = []
    if (len(bounds) != 2 or bounds[0] >= bounds[1] or (kind == "loguniform" and bounds[0] <= 0)
            or (kind == "randint" and any(isinstance(v, float) and not v.is_integer() for v in values))):
        raise ConfigError(f"{where}: {kind} needs [lo, hi] with lo < hi"
                          f"{' and lo > 0' if kind == 'loguniform' else ''}, got {values!r}")
    return kind, bounds


def load_sweep_config(source: str | Path | Mapping[str, Any],
                      overrides: list[str] | tuple = ()) -> SweepConfig:
    """Load a :class:`SweepConfig` from a shipped sweep name, a YAML path or a mapping.

    A relative ``base`` path is read next to the sweep file. Overrides address the sweep's
    own keys (``num_samples=4``, ``seeds=[0,1,2]``, ``max_concurrent=1``).

    Raises:
        ConfigError: unknown name or key (with a suggestion), bad space, search or metric.
    """
    cfg = load_config(SweepConfig, source, overrides, shipped=SWEEP_DIR, what="sweep")
    if not isinstance(source, Mapping):
        # A relative base path is read next to the sweep file that names it.
        path = Path(source) if Path(source).suffix else SWEEP_DIR / f"{source}.yaml"
        if Path(cfg.base).suffix and (path.parent / cfg.base).is_file():
            cfg.base = str(path.parent / cfg.base)
    return cfg


def trial_config(cfg: SweepConfig, params: Mapping[str, Any], seed: int,
                 name: str | None = None) -> RunConfig:
    """The training config of one trial: base + overrides + the trial's values + seed.

    Raises:
        ConfigError: a space key that is not a key of the training config (with a suggestion).
    """
    data = load_run_config(cfg.base, cfg.overrides).to_dict()
    for key, value in params.items():
        node = data
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"sweep {cfg.name}: space.{key}: {part!r} is not a section")
        node[last] = value
    data["train"]["seed"] = int(seed)
    if "torch_threads" in data["train"]:  # where train() sets torch's threads itself
        data["train"]["torch_threads"] = cfg.cpus_per_trial
    data["name"] = name or data["name"]
    try:
        return load_run_config(data)
    except ConfigError as exc:
        raise ConfigError(f"sweep {cfg.name}: {exc}") from None


def check_trials(cfg: SweepConfig) -> RunConfig:
    """Build the trial configs of every listed value and bound, to catch bad keys before Ray starts.

    Returns the config of the first trial (first values, low bounds, first seed).

    Raises:
        ConfigError: a space key that is not a config key, or a value of the wrong type.
    """
    first = {key: parse_dimension(key, spec)[1][0] for key, spec in cfg.space.items()}
    for key, spec in cfg.space.items():
        for value in parse_dimension(key, spec)[1][1:]:
            trial_config(cfg, {**first, key: value}, cfg.seeds[0])
    return trial_config(cfg, first, cfg.seeds[0])


__all__ = ["METRICS", "SEED", "SEARCHES", "SPACE_KINDS", "AshaConfig", "SchedulerConfig", "SweepConfig",
           "check_trials", "load_sweep_config", "parse_dimension", "trial_config"]
