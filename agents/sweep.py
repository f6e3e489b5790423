"""Hyperparameter and seed sweeps on Ray Tune, where every trial is an ordinary training run.

A sweep file (:class:`SweepConfig`) names a base training config, a search space over its
dotted keys and the seeds. :func:`sweep` runs it as a Ray Tune experiment:

* one trial per point of the space and seed calls :func:`agents.train.train` into an
  ordinary run directory ``OUT/trial-XXXX-sSEED`` (Ray's own files go to ``OUT/ray``);
* every validation backtest is reported to Tune (``val_sharpe`` at ``timesteps``), so the
  ASHA scheduler can stop trials that trail early;
* ``OUT/trials.csv`` lists the trials; ``OUT/best_config.yaml`` is the config with the best
  mean validation score over seeds, ready for ``tradegym train --config``; the best run of
  that config is backtested on the test split next to the baselines.

Ray is an optional extra (``pip install 'tradegym[distributed]'``), imported only when a
sweep runs. Ray starts embedded on this machine with its cores, or ``address="HOST:6379"``,
``"auto"`` or ``"ray://host:10001"`` sends the same sweep to an existing cluster
(:mod:`agents.remote` starts or joins it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from agents import remote
from agents.config import RunConfig
from agents.remote import INSTALL_HINT
from agents.sweep_config import (
    METRICS,
    SEED,
    SweepConfig,
    check_trials,
    load_sweep_config,
    parse_dimension,
    trial_config,
)
from tradegym.errors import ConfigError


def require_ray() -> Any:
    """Import and return ``ray.tune``.

    Raises:
        ConfigError: Ray is not installed (the message says how to install it).
    """
    remote.require_ray()
    try:
        from ray import tune
    except ImportError:  # Ray without its tune extra
        raise ConfigError(INSTALL_HINT) from None
    return tune


def search_space(cfg: SweepConfig) -> dict[str, Any]:
    """The Tune ``param_space``: one Tune domain per space key, plus the seeds as a grid."""
    tune = require_ray()
    domains: dict[str, Any] = {}
    for key, spec in cfg.space.items():
        kind, values = parse_dimension(key, spec)
        if kind == "grid" or (kind == "choice" and cfg.search == "grid"):
            domains[key] = tune.grid_search(values)
        elif kind == "choice":
            domains[key] = tune.choice(values)
        elif kind == "randint":
            domains[key] = tune.randint(values[0], values[1] + 1)  # Tune's upper bound is exclusive
        else:
            domains[key] = getattr(tune, kind)(*values)
    if cfg.search != "optuna":  # Optuna cannot search a grid: a Repeater runs each point per seed
        domains[SEED] = tune.grid_search(list(cfg.seeds))
    return domains


def _trial(params: dict[str, Any], *, cfg: SweepConfig, out: str) -> None:
    """One Tune trial: an ordinary :func:`agents.train.train` run that reports each validation."""
    import torch
    from ray import tune

    from agents.train import train

    # N trials on N cores: one thread each, else torch's default pool oversubscribes the machine.
    torch.set_num_threads(cfg.cpus_per_trial)
    params = dict(params)
    if "__trial_index__" in params:  # set by the Repeater that runs Optuna's points per seed
        seed = cfg.seeds[params.pop("__trial_index__")]
    else:
        seed = params.pop(SEED)
    name = _trial_name(tune.get_context().get_trial_id(), seed)
    run_cfg = trial_config(cfg, params, seed, name=f"{cfg.name}-{name}")
    # train() sets torch's threads from its config: give it the trial's CPUs.
    run_cfg = dataclasses.replace(run_cfg, train=dataclasses.replace(
        run_cfg.train, torch_threads=max(1, int(cfg.cpus_per_trial))))
    total = run_cfg.train.total_timesteps

    def report(row: Mapping[str, float]) -> None:
        # Evaluations before the end only: a stop decision there must not kill the trial
        # before train() has saved the model and metrics (the last one is reported below).
        if row["timesteps"] < total:
            tune.report(_metrics(row, name))

    result = train(run_cfg, run_dir=Path(out) / name, echo=lambda _: None, report=report)
    final = {"timesteps": result.timesteps, **(result.metrics["final_val"] or {})}
    # Reported after train() returned, so Ray's time_total_s covers the whole trial.
    tune.report({**_metrics(final, name), "finished": True})


def _metrics(row: Mapping[str, Any], name: str) -> dict[str, Any]:
    out = {f"val_{key}": float(row.get(key, float("nan"))) for key in (m[4:] for m in METRICS)}
    return {**out, "timesteps": int(row["timesteps"]), "trial": name}


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes:
        trials: one row per trial (see :data:`TABLE_COLUMNS`), also ``OUT/trials.csv``.
        best_config: the config with the best mean score over seeds (None if no trial finished).
        best_run: that config's best run directory (backtested on the test split).
        out: the sweep's output folder.
    """

    trials: pd.DataFrame
    best_config: RunConfig | None
    best_run: Path | None
    out: Path


TABLE_COLUMNS = ("trial", "overrides", "seed", "best_val_sharpe", "timesteps", "wall_s", "status")
"""``status``: finished, stopped (by ASHA: its run directory holds the evaluations so far) or error."""


def sweep(
    config: SweepConfig | str | Path,
    *,
    overrides: list[str] | tuple = (),
    out: str | Path | None = None,
    address: str | None = None,
    num_cpus: int | None = None,
    backtest: bool = True,
    echo: Callable[[str], Any] = print,
) -> SweepResult:
    """Run a sweep on Ray Tune; write the trials table, the best config, its backtest.

    Args:
        config: a :class:`SweepConfig`, a shipped sweep name or a sweep YAML path.
        overrides: ``key=value`` overrides of the sweep file (not with a SweepConfig).
        out: output folder (default ``results/sweeps/NAME``); on a multi-node cluster it
            must be a path every node can write (a shared file system).
        address: None starts Ray here with ``num_cpus`` (default: this machine's cores);
            ``"HOST:PORT"``, ``"auto"`` or ``"ray://host:10001"`` joins an existing cluster.
        num_cpus: CPUs of the embedded Ray (ignored with ``address``).
        backtest: backtest the best run on its test split next to the baselines.
        echo: where the table and progress lines go.

    Raises:
        ConfigError: bad sweep file, Ray not installed (with the install command), a
            cluster that cannot be joined, an output folder that already holds trials, or
            every trial failed.
    """
    if isinstance(config, SweepConfig) and overrides:
        raise ConfigError("pass overrides with a sweep name or path, not with a SweepConfig")
    cfg = config if isinstance(config, SweepConfig) else load_sweep_config(config, overrides)
    base = check_trials(cfg)
    tune = require_ray()
    out = Path(out or Path("results/sweeps") / cfg.name).resolve()
    if out.is_dir() and any(out.glob("trial-*")):
        raise ConfigError(f"{out} already holds trials of a sweep; choose another --out or remove them")
    with remote.ray_session(address, num_cpus) as ray:
        trainable = tune.with_resources(tune.with_parameters(_trial, cfg=cfg, out=str(out)),
                                        dict(cfg.resources_per_trial))
        seeds_inside = len(cfg.seeds) if cfg.search == "optuna" else 1
        tuner = tune.Tuner(
            trainable, param_space=search_space(cfg),
            tune_config=tune.TuneConfig(
                metric=cfg.metric, mode=cfg.mode, search_alg=_searcher(cfg), scheduler=_scheduler(cfg, base),
                num_samples=cfg.num_samples * seeds_inside,
                max_concurrent_trials=cfg.max_concurrent if cfg.search == "optuna" else None,
                # A finished trial's worker takes the next trial: no new process importing torch
                # per trial (Ray starts a fresh one after a trial stopped early).
                reuse_actors=True),
            # Ray's own files stay in the output folder, not in ~/ray_results.
            run_config=tune.RunConfig(name=cfg.name, storage_path=str(out / "ray"), verbose=0),
        )
        echo(f"sweep {cfg.name}: {cfg.search} search over {', '.join(cfg.space) or 'nothing'}, "
             f"seeds {list(cfg.seeds)}, on Ray {ray.__version__} with "
             f"{int(ray.cluster_resources().get('CPU', 0))} CPUs; runs in {out}")
        grid = tuner.fit()
    records = [_record(result, cfg, out) for result in grid]
    table = pd.DataFrame([{k: r[k] for k in TABLE_COLUMNS} for r in records])
    from tradegym.io import atomic_write

    atomic_write(out / "trials.csv", table.to_csv(index=False))
    echo(table.to_string(index=False, formatters={"best_val_sharpe": "{:.3f}".format,
                                                  "wall_s": "{:.1f}".format}))
    echo(f"trials table: {out / 'trials.csv'}")
    errors = [r for r in records if r["status"] == "error"]
    for r in errors[:1]:
        echo(f"{len(errors)} trial(s) failed; the first ({r['trial']}): {r['error']}")
    if len(errors) == len(records):
        raise ConfigError(f"every trial of sweep {cfg.name} failed; the first: {errors[0]['error']}")
    _multiple_testing(records, base, out, echo)
    best = _best(records, cfg)
    if best is None:
        echo("no trial finished its budget: no best config")
        return SweepResult(table, None, None, out)
    best_cfg, best_run, line = best
    import yaml

    atomic_write(out / "best_config.yaml", f"# {line}\n# tradegym train --config {out / 'best_config.yaml'}\n"
                 + yaml.safe_dump(best_cfg.to_dict(), sort_keys=False))
    echo(line)
    echo(f"best config: {out / 'best_config.yaml'}")
    if backtest:
        from agents.evaluate import evaluate_run

        evaluate_run(best_run, split="test", echo=echo)
    return SweepResult(table, best_cfg, best_run, out)


def _multiple_testing(records: list[dict[str, Any]], base: RunConfig, out: Path,
                      echo: Callable[[str], Any]) -> None:
    """Print and save PBO, DSR and SPA over every trial run (early-stopped ones included)."""
    import json

    from agents.multiple_testing import sweep_evidence, validation_benchmark
    from tradegym.io import atomic_write

    view = sweep_evidence(records, validation_benchmark(base))
    for line in view["lines"]:
        echo(line)
    atomic_write(out / "multiple_testing.json", json.dumps(view["payload"], indent=2, default=str) + "\n")


def _searcher(cfg: SweepConfig) -> Any:
    if cfg.search != "optuna":
        from ray.tune.search.basic_variant import BasicVariantGenerator

        # Keep each random sample constant over the grid dimensions (the seeds among them),
        # so that every seed of a point trains the same values. Tune ignores
        # max_concurrent_trials when given a generator: it takes the limit itself.
        return BasicVariantGenerator(constant_grid_search=True, max_concurrent=cfg.max_concurrent or 0)
    try:
        import optuna  # noqa: F401
        from ray.tune.search import Repeater
        from ray.tune.search.optuna import OptunaSearch
    except ImportError:
        raise ConfigError("search: optuna needs Optuna: pip install optuna") from None
    # Repeater runs each of Optuna's points once per seed and reports their mean to it.
    return Repeater(OptunaSearch(), repeat=len(cfg.seeds), set_index=True)


def _scheduler(cfg: SweepConfig, base: RunConfig) -> Any:
    asha = cfg.scheduler.asha
    if asha is None:
        return None
    from ray.tune.schedulers import ASHAScheduler

    max_t = asha.max_t or base.train.total_timesteps
    if not 0 < asha.grace_period <= max_t or asha.reduction_factor < 2:
        raise ConfigError(f"sweep {cfg.name}: scheduler.asha needs 0 < grace_period <= max_t ({max_t}) "
                          f"and reduction_factor >= 2, got {dataclasses.asdict(asha)}")
    return ASHAScheduler(time_attr="timesteps", max_t=max_t, grace_period=asha.grace_period,
                         reduction_factor=asha.reduction_factor)


def _record(result: Any, cfg: SweepConfig, out: Path) -> dict[str, Any]:
    """One trial's row from its Tune result (every report is in ``metrics_dataframe``)."""
    params = {k: v for k, v in result.config.items() if k != SEED and k != "__trial_index__"}
    seed = result.config[SEED] if SEED in result.config else cfg.seeds[result.config["__trial_index__"]]
    last = result.metrics or {}
    history = result.metrics_dataframe if result.metrics_dataframe is not None else pd.DataFrame()

    def best(column: str, mode: str) -> float:
        if column not in history or history[column].isna().all():
            return float("nan")
        return float(history[column].max() if mode == "max" else history[column].min())

    status = "error" if result.error else "finished" if last.get("finished") else "stopped"
    name = last.get("trial") or _trial_name(str(last.get("trial_id", "")) or Path(result.path).name, seed)
    return {
        "trial": name, "overrides": " ".join(f"{k}={_short(v)}" for k, v in params.items()),
        "seed": seed, "best_val_sharpe": best("val_sharpe", "max"), "score": best(cfg.metric, cfg.mode),
        "timesteps": int(last.get("timesteps", 0)),
        "wall_s": round(float(last.get("time_total_s", float("nan"))), 1),  # the whole trial, as Ray timed it
        "status": status, "error": str(result.error).strip().splitlines()[-1] if result.error else "",
        "params": params, "key": repr(sorted(params.items())), "run_dir": out / name,
    }


def _best(records: list[dict[str, Any]], cfg: SweepConfig) -> tuple[RunConfig, Path, str] | None:
    """Best config = best mean score over its finished seeds; its run = the best of those seeds."""
    done = pd.DataFrame([r for r in records if r["status"] == "finished"])
    if done.empty:
        return None
    means = done.groupby("key")["score"].mean().dropna()
    if means.empty:
        return None
    key = means.idxmax() if cfg.mode == "max" else means.idxmin()
    group = done[done["key"] == key]
    row = group.loc[group["score"].idxmax() if cfg.mode == "max" else group["score"].idxmin()]
    best_cfg = trial_config(cfg, row["params"], int(row["seed"]), name=f"{cfg.name}-best")
    line = (f"best of sweep {cfg.name}: {row['overrides'] or '(the base config)'}: mean best "
            f"{cfg.metric} {means[key]:.3f} over {len(group)} seed(s); best run {row['trial']}")
    return best_cfg, row["run_dir"], line


def _trial_name(trial_id: str, seed: int) -> str:
    """``trial-0003-s1`` from Tune's trial id ``1a2b3_00003`` (or a trial folder named after it).

    >>> _trial_name("1a2b3_00003", 1), _trial_name("_trial_1a2b3_00012_12_lr=0.001_2026-01-01", 0)
    ('trial-0003-s1', 'trial-0012-s0')
    """
    match = re.search(r"[0-9a-f]{5}_(\d{5})", trial_id)
    return f"trial-{int(match.group(1)) if match else 0:04d}-s{seed}"


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


__all__ = ["INSTALL_HINT", "TABLE_COLUMNS", "SweepConfig", "SweepResult", "load_sweep_config",
           "require_ray", "search_space", "sweep"]
