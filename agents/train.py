"""One training run, top to bottom: config -> data -> envs -> model -> learn -> save.

:func:`train` is what ``tradegym train`` and ``scripts/train_agent.py`` call. It writes
one run directory (see :mod:`tradegym.runs`); ``resume=RUN_DIR`` continues from the last
checkpoint with the run's own config and checks that the data has not changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.config import RunConfig, load_run_config
from feature_nets.runtime import apply_runtime, follow_cores, keep_heap, restores_threads
from tradegym.data import MarketData
from tradegym.data.config import describe_data
from tradegym.data.config import load_data as load_configured_data
from tradegym.data.market import Split
from tradegym.errors import ConfigError
from tradegym.runs import RunDir, finish_run, open_run, start_run


@dataclass
class TrainResult:
    """What a finished (or interrupted) run produced."""

    run: RunDir
    model: Any
    timesteps: int
    interrupted: bool
    metrics: dict[str, Any]


def load_data(config: RunConfig) -> tuple[MarketData, Split]:
    """The run's market split by date into train / val / test, each part long enough for its window."""
    return load_configured_data(config.data, min_rows=config.env.window_bars + 2)


VEC_ENVS = ("auto", "vector", "dummy", "subproc")
"""Values of ``train.vec_env``; see :class:`agents.config.TrainConfig`."""
BATCHABLE_ENVS = {
    "tradegym/Portfolio-v0": False, "tradegym.envs.portfolio:PortfolioEnv": False,
    "tradegym/PortfolioDiscrete-v0": True, "tradegym.envs.discrete:PortfolioDiscreteEnv": True,
}
"""Env ids :class:`~tradegym.envs.vector.PortfolioVectorEnv` batches, each with its ``discrete`` flag."""


def make_vec_env(config: RunConfig, data: MarketData) -> Any:
    """``n_envs`` copies of the configured env on ``data``, random starts, in a VecEnv.

    ``train.vec_env``: ``vector`` steps them as one batch (:mod:`tradegym.envs.vector`),
    ``dummy`` one by one in this process, ``subproc`` one process each; ``auto`` (default)
    is ``vector`` for a built-in env and ``n_envs > 1``, else ``dummy``. Env ``i`` is
    seeded ``train.seed + i`` in every case, so the kinds give the same episodes.

    Raises:
        ConfigError: an unknown kind, or ``vector`` with an env it cannot batch.
    """
    from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecMonitor

    kind, env_id, n_envs = config.train.vec_env, config.env.id, config.train.n_envs
    if kind not in VEC_ENVS:
        raise ConfigError(f"train.vec_env must be one of {list(VEC_ENVS)}, got {kind!r}")
    if kind == "vector" and env_id not in BATCHABLE_ENVS:
        raise ConfigError(
            f"train.vec_env='vector' batches only the built-in envs {list(BATCHABLE_ENVS)}, not "
            f"{env_id!r}; use train.vec_env=auto, dummy or subproc for it"
        )
    if kind == "auto":
        kind = "vector" if env_id in BATCHABLE_ENVS and n_envs > 1 else "dummy"
    if kind == "vector":
        from agents.vec_env import PortfolioSB3VecEnv
        from tradegym.envs.vector import PortfolioVectorEnv

        venv = PortfolioVectorEnv(n_envs, data, discrete=BATCHABLE_ENVS[env_id], start="random",
                                  max_steps=config.env.max_steps, **config.env.env_kwargs())
        vec_env = VecMonitor(PortfolioSB3VecEnv(venv))  # episode stats, as make_vec_env's Monitor
        vec_env.seed(config.train.seed)
        return vec_env
    kinds = {"dummy": DummyVecEnv, "subproc": SubprocVecEnv}
    return sb3_make_vec_env(
        _EnvFactory(env_id, data, config.env.max_steps, config.env.env_kwargs()),
        n_envs=n_envs, seed=config.train.seed, vec_env_cls=kinds[kind],
    )


class _EnvFactory:
    """A picklable env constructor (subprocess envs need one)."""

    def __init__(self, env_id: str, data: MarketData, max_steps: int | None, kwargs: dict) -> None:
        self.env_id, self.data, self.max_steps, self.kwargs = env_id, data, max_steps, kwargs

    def __call__(self) -> Any:
        from tradegym.envs import make

        return make(self.env_id, data=self.data, start="random", max_steps=self.max_steps,
                    **self.kwargs)


@restores_threads
def train(
    config: RunConfig | str | Path | None = None,
    *,
    overrides: list[str] | tuple = (),
    runs_root: str | Path = "runs",
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    echo: Callable[[str], Any] = print,
    report: Callable[[dict[str, float]], Any] | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Train an agent into a run directory (or resume one); see the module docstring.

    Args:
        config: a :class:`RunConfig`, a shipped config name or a YAML path (not with ``resume``).
        overrides: ``section.key=value`` strings applied to the config (also on resume:
            ``train.total_timesteps`` extends a finished run).
        runs_root: where new run directories are made.
        run_dir: an exact new run directory instead of ``runs_root/name-timestamp``.
        resume: an existing run directory to continue from its last checkpoint.
        echo: where progress lines go.
        report: called with each validation row (timesteps, sharpe, ...) once it is
            recorded; a sweep reports it to Ray Tune.
        callbacks: more SB3 callbacks, run after the checkpoint and validation ones (they
            can read ``validation.rows``; ``benchmarks/learning_curves.py`` adds diagnostics).

    Raises:
        ConfigError: bad config, a resume directory that is not a tradegym run or has no
            checkpoint, or data that changed since the run began.
    """
    from stable_baselines3.common.utils import set_random_seed

    from agents.callbacks import CheckpointCallback, FollowCoresCallback, ValidationCallback, save_model

    # 1. config (a resumed run's own) and data, split by date; the test split is never touched
    #    here. Nothing is written until both are known good.
    cfg, resumed = _resolve_config(config, overrides, resume)
    set_random_seed(cfg.train.seed)
    runtime = apply_runtime(cfg.train.torch_threads, cfg.train.device, "train.")  # restored on return
    data, split = load_data(cfg)

    # 2. environments: training on the train split (validation backtests use the val split);
    #    built before the run directory, so bad env settings leave no folder behind
    vec_env = make_vec_env(cfg, split.train)

    # 3. the run directory: new, or the resumed one after checking its data
    run = start_run("agent", cfg.name, config=cfg.to_dict(), data=describe_data(data, split),
                    runs_root=runs_root, run_dir=run_dir, resume=resumed, echo=echo)

    # 4. model: new, or the last checkpoint
    model = _model(cfg, run, vec_env, resuming=resumed is not None, echo=echo)
    run.update_marker(status="training", device=str(model.device), torch_threads=runtime.threads,
                      algo=cfg.agent.algo, loader="agents.train:load_policy")
    echo(f"run {run.path}: {cfg.agent.algo} + {cfg.agent.extractor} on {data.describe()}; "
         f"{cfg.train.n_envs} envs, device {model.device} ({runtime.describe()})")

    # 5. learn, with checkpoints and validation; Ctrl-C saves and stops cleanly
    checkpoint = CheckpointCallback(run, cfg.train.checkpoint_freq, cfg.train.keep_checkpoints)
    # Validation trades the whole val split; the train rows before it are only history.
    validation = ValidationCallback(run, data.between(None, split.val.dates[-1]), cfg.env.id,
                                    cfg.env.env_kwargs(), cfg.train.eval_freq, start=split.val.dates[0],
                                    report=report)
    # torch_threads 0: the thread count follows the cores other processes leave free
    follower = follow_cores(runtime)
    following = [FollowCoresCallback(follower, echo)] if follower is not None else []
    remaining = max(cfg.train.total_timesteps - model.num_timesteps, 0)
    interrupted, started = False, time.perf_counter()
    start_steps = model.num_timesteps
    try:
        if remaining:
            model.learn(remaining, callback=[checkpoint, validation, *following, *callbacks],
                        tb_log_name="agent", reset_num_timesteps=resume is None,
                        progress_bar=cfg.train.progress_bar)
    except KeyboardInterrupt:
        interrupted = True
        echo(f"interrupted at step {model.num_timesteps}: saving a checkpoint")
    wall_s = time.perf_counter() - started

    # 6. save: final checkpoint, model, a last validation, metrics
    checkpoint.save()
    save_model(run, "model.zip", model)
    metrics = _metrics(model, validation, interrupted, wall_s, start_steps)
    metrics["torch_threads"] = follower.summary() if follower is not None else runtime.threads
    finish_run(run, metrics, interrupted=interrupted)
    vec_env.close()
    if interrupted:
        echo(f"stopped at step {model.num_timesteps}; resume with: tradegym train --resume {run.path}")
    else:
        echo(f"finished {model.num_timesteps} steps in {wall_s:.0f} s; run directory {run.path}")
    return TrainResult(run, model, int(model.num_timesteps), interrupted, metrics)


def _resolve_config(config: RunConfig | str | Path | None, overrides: list[str] | tuple,
                    resume: str | Path | None) -> tuple[RunConfig, RunDir | None]:
    """The run's config (a resumed run's own ``config.yaml`` plus overrides) and the run to resume."""
    if resume is None:  # a RunConfig given with overrides gets them too
        return load_run_config(config or "ppo_lstm", overrides), None
    if config is not None:
        raise ConfigError("pass either a config or --resume RUN_DIR, not both")
    resumed = open_run(resume, "agent")
    return load_run_config(resumed.file("config.yaml"), overrides), resumed


def _model(cfg: RunConfig, run: RunDir, vec_env: Any, *, resuming: bool, echo: Callable[[str], Any]) -> Any:
    """A new SB3 model, or the run's newest checkpoint that verifies.

    Raises:
        ConfigError: resuming a run that has no checkpoint.
    """
    from agents.factory import load_model, make_model

    tb = run.file("tb") if cfg.train.tensorboard else None
    if not resuming:
        return make_model(cfg.agent, vec_env, seed=cfg.train.seed, device=cfg.train.device,
                          tensorboard_log=tb)
    if not run.checkpoints():
        raise ConfigError(f"{run.path} has no checkpoint to resume from")
    step, path = run.latest_valid_checkpoint(echo)
    model = load_model(cfg.agent.algo, path, env=vec_env, device=cfg.train.device)
    if tb is not None:
        model.tensorboard_log = str(tb)
    echo(f"resuming {run.path} from step {step}")
    return model


def _metrics(model: Any, validation: Any, interrupted: bool, wall_s: float, start_steps: int
             ) -> dict[str, Any]:
    """``metrics.json``: steps, speed, the best and the final validation (none when interrupted)."""
    if interrupted:
        final: dict[str, Any] = {}
    elif validation.rows and validation.rows[-1]["timesteps"] == model.num_timesteps:
        final = dict(validation.rows[-1])  # just evaluated at this very step
    else:
        final = validation.evaluate()
    return {
        "timesteps": int(model.num_timesteps), "wall_s": round(wall_s, 2),
        "steps_per_s": round((model.num_timesteps - start_steps) / wall_s, 1) if wall_s > 0 else None,
        "best_val_sharpe": validation.best_sharpe if validation.rows else None,
        "final_val": final, "device": str(model.device),
    }


def load_policy(run_path: str | Path) -> tuple[Any, dict[str, Any]]:
    """The best model of a run and its env: the loader behind ``tradegym.backtest(RUN_DIR, ...)``.

    Keeps the heap (:func:`~feature_nets.runtime.keep_heap`) but leaves torch's threads as
    they are: the caller uses the model after this returns.

    Returns:
        ``(policy, {"env_id", "env_kwargs", "name"})``: the model as an
        :class:`~agents.inference.Predictor` (``.model`` is the SB3 model).
    """
    from agents.inference import Predictor

    keep_heap()
    model, cfg = load_trained(run_path)
    return Predictor(model), {"env_id": cfg.env.id, "env_kwargs": cfg.env.env_kwargs(),
                   "name": f"{cfg.agent.algo}_{cfg.agent.extractor}"}


def load_trained(run_path: str | Path, *, best: bool = True, device: str = "auto") -> tuple[Any, RunConfig]:
    """Load the model (``best_model.zip`` if present) and config of a run, hashes verified.

    Raises:
        ConfigError: not a tradegym agent run.
        CacheError: the model file does not match its manifest hash.
    """
    from agents.factory import load_model

    run = RunDir.open(run_path, kind="agent")
    cfg = load_run_config(run.file("config.yaml"))
    name = "best_model.zip" if best and run.file("best_model.zip").is_file() else "model.zip"
    return load_model(cfg.agent.algo, run.verify(name), device=device), cfg
