"""The training config: typed dataclasses; shipped YAML files in ``agents/configs`` hold data only.

A config has four sections. Every default has its reason next to it. Load one with
:func:`load_run_config` (a shipped name such as ``"ppo_lstm"`` or a YAML path) plus
``section.key=value`` overrides; unknown keys are errors with a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradegym.config import from_dict, load_config, to_dict
from tradegym.data.config import DataConfig

CONFIG_DIR = Path(__file__).parent / "configs"
"""The shipped configs (package data: installed with the package)."""


@dataclass
class EnvConfig:
    """The environment the agent trains in, and in which it is evaluated and backtested."""

    id: str = "tradegym/Portfolio-v0"
    """A registered Gymnasium id or ``module:Class``; DQN needs ``tradegym/PortfolioDiscrete-v0``."""
    window_bars: int = 30
    cost_rate: float = 0.001
    """10 bps per unit of turnover: a realistic all-in cost for liquid US stocks."""
    execution: str | None = None
    """None = next_open where the data has opens, else next_close (the honest defaults)."""
    reward: str = "log_return"
    max_steps: int | None = 252
    """Training episodes of one trading year from random starts decorrelate the samples."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Any other keyword of the env (features, normalize, temperature, ...)."""

    def env_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by training, evaluation and backtests (no start/max_steps)."""
        out = {"window_bars": self.window_bars, "cost_rate": self.cost_rate,
               "reward": self.reward, **self.kwargs}
        if self.execution is not None:
            out["execution"] = self.execution
        return out


@dataclass
class AgentConfig:
    """The algorithm, its policy and features extractor, and its hyperparameters."""

    algo: str = "ppo"
    """ppo, dqn, a2c, sac, recurrent_ppo (sb3-contrib), or module:Class."""
    policy: str | None = None
    """None picks MultiInputPolicy (MultiInputLstmPolicy for recurrent_ppo)."""
    extractor: str = "lstm"
    """An encoder name (lstm, gru, transformer, tcn, mlp), 'default' for SB3's, or module:Class."""
    extractor_kwargs: dict[str, Any] = field(default_factory=lambda: {"hidden_size": 32, "features_dim": 64})
    net_arch: Any = None
    """SB3's net_arch for the heads after the extractor (None keeps SB3's default)."""
    policy_kwargs: dict[str, Any] = field(default_factory=dict)
    """Other policy keywords (log_std_init, ortho_init, ...), merged after the extractor's."""
    hyperparams: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the SB3 algorithm (learning_rate, n_steps, batch_size, gamma...)."""


@dataclass
class TrainConfig:
    """Budget, parallelism, evaluation, checkpoints."""

    total_timesteps: int = 20_000
    n_envs: int = 4
    vec_env: str = "auto"
    """'vector' (the built-in envs as one batched step: fastest), 'dummy' (one by one in this
    process), 'subproc' (one process per env: for a heavy custom env); 'auto' picks 'vector'
    for a built-in env with n_envs > 1, else 'dummy'."""
    seed: int = 0
    device: str = "auto"
    """'auto' uses CUDA when present (:func:`feature_nets.runtime.resolve_device`)."""
    torch_threads: int = 0
    """CPU threads of torch; 0 (auto) is the number of cores free when the process starts
    training (:func:`feature_nets.runtime.choose_threads`): all of them on an idle machine, one
    beside a busy process, where torch's spinning threads would thrash. The count used is in
    ``run.json``; set it here to repeat a run bit for bit (another count rounds differently)."""
    eval_freq: int = 4_096
    """Timesteps between validation backtests (the best model by validation Sharpe is kept)."""
    checkpoint_freq: int = 4_096
    keep_checkpoints: int = 3
    progress_bar: bool = True
    tensorboard: bool = True


@dataclass
class RunConfig:
    """A whole training run."""

    name: str = "run"
    data: DataConfig = field(default_factory=DataConfig)
    env: EnvConfig = field(default_factory=EnvConfig)
    agent: AgentConfig = field(default_factory=AgentConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``config.yaml`` in the run directory."""
        return to_dict(self)


def shipped_configs() -> list[str]:
    """Names of the YAML configs shipped in ``agents/configs``."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def load_run_config(source: RunConfig | str | Path | dict[str, Any], overrides: list[str] | tuple = ()
                    ) -> RunConfig:
    """Load a :class:`RunConfig` from a config, a shipped name, a YAML path or a mapping, plus overrides.

    Raises:
        ConfigError: unknown shipped name or path (with a suggestion), invalid YAML,
            unknown keys, wrong types.
    """
    return load_config(RunConfig, source, overrides, shipped=CONFIG_DIR)


__all__ = ["AgentConfig", "DataConfig", "EnvConfig", "RunConfig", "TrainConfig",
           "from_dict", "load_run_config", "shipped_configs"]
