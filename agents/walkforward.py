"""Walk-forward evaluation: retrain per fold, test on the block after it, aggregate honestly.

A single train/test split answers "did it work once?". Walk-forward asks it ``k`` times:
the data is cut into an initial training block and ``k`` consecutive test blocks; fold
``i`` trains on everything before test block ``i`` (expanding window, or a sliding one of
fixed length), keeps its last ``val_fraction`` for model selection, and is tested on
block ``i``, which no model of that fold has seen. Every fold and seed is an ordinary
run directory made by :func:`agents.train.train`, and every test is an ordinary
:func:`agents.evaluate.evaluate_run` next to the baselines.

The folds x seeds trainings are independent: each (training, then its test backtest) is a
Ray task, on a Ray started here with this machine's cores or on a cluster (``address``, as
for sweeps: :mod:`agents.remote`), and only the backtest results travel back. Each trains
with ``train.torch_threads`` threads (1 unless the config sets more), so N tasks fill N
cores without oversubscribing them; ``parallel=False`` (or no Ray installed) runs them one
after another in this process, with the same configs and so the same numbers.

Results:

* per fold: test period, the agent's Sharpe as mean ± sd over seeds, and each baseline's;
* over folds and seeds: mean ± sd of the agent's Sharpe, total return and max drawdown,
  next to the same numbers of each baseline over folds;
* a stitched out-of-sample equity curve per seed (the test blocks chained, each fold
  starting from cash, so its first trade's cost is counted every fold), reported with
  the usual charts and ``report.html`` including the per-fold table.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agents import remote
from agents.config import RunConfig, load_run_config
from agents.evaluate import evaluate_run
from agents.multiple_testing import record_walkforward_evidence
from agents.train import load_data, train
from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.metrics import compute_metrics
from tradegym.data.market import DEFAULT_SPLIT
from tradegym.errors import ConfigError


@dataclass(frozen=True)
class Fold:
    """Dates of one fold: train (incl. validation) ``[train_start, val_end]``, test after it."""

    index: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    val_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp


@dataclass
class WalkForwardResult:
    """Everything a walk-forward produced.

    Attributes:
        folds: the fold dates.
        results: ``results[fold][seed]`` = ``[agent, *baselines]`` backtests of that fold.
        per_fold: the per-fold table (one row per fold).
        summary: mean ± sd over folds (and seeds for the agent), one row per policy.
        stitched: out-of-sample results chained over folds: one per seed, then baselines.
        runs: the run directories, ``runs[fold][seed]``.
        evidence: per-block and pooled evidence, SPA, DSR and PBO over the seeds.
    """

    folds: list[Fold]
    results: list[list[list[BacktestResult]]]
    per_fold: pd.DataFrame
    summary: pd.DataFrame
    stitched: list[BacktestResult]
    runs: list[list[Path]]
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)
    """:func:`agents.multiple_testing.walkforward_evidence` (empty without a benchmark)."""
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    """The report's tables: per fold, over folds, and the evidence's per block and pooled."""
    title: str = "Walk-forward"
    benchmark: str | None = "equal_weight"
    provenance: dict[str, Any] = dataclasses.field(default_factory=dict)

    def report(self, out_dir: str | Path, **kwargs: Any) -> Path:
        """Write the report of the chained out-of-sample results; return ``report.html``'s path.

        The per-fold and evidence tables come along and the fold starts are marked on the
        equity chart. Keyword arguments go to :func:`tradegym.backtest.report.report`
        (``echo``, ``static``...).
        """
        from tradegym.backtest.report import report

        events = [(fold.test_start, f"fold {fold.index}") for fold in self.folds]
        options = {"title": self.title, "tables": self.tables, "benchmark": self.benchmark,
                   "events": events, "provenance": self.provenance, **kwargs}
        return report(self.stitched, out_dir, **options)[-1]


def plan_folds(dates: pd.DatetimeIndex, n_folds: int, *, initial_fraction: float = 0.5,
               val_fraction: float = DEFAULT_SPLIT[1], expanding: bool = True, min_rows: int = 2
               ) -> list[Fold]:
    """Cut ``dates`` into an initial block and ``n_folds`` equal test blocks after it.

    Args:
        dates: the market's dates ``(T,)``.
        n_folds: number of folds, ``>= 1``.
        initial_fraction: share of rows before the first test block, in ``(0, 1)``.
        val_fraction: share of each fold's training rows kept for validation.
        expanding: train on everything before the test block (else a sliding block as
            long as the initial one).
        min_rows: every train, validation and test part keeps at least this many rows.

    Raises:
        ConfigError: bad counts or fractions, or parts shorter than ``min_rows``.
    """
    if n_folds < 1:
        raise ConfigError(f"folds must be >= 1, got {n_folds}")
    if not 0 < initial_fraction < 1 or not 0 < val_fraction < 1:
        raise ConfigError("initial_fraction and val_fraction must be in (0, 1)")
    t = len(dates)
    first_test = int(round(t * initial_fraction))
    test_rows = (t - first_test) // n_folds
    folds = []
    for i in range(n_folds):
        lo_test = first_test + i * test_rows
        hi_test = t if i == n_folds - 1 else lo_test + test_rows  # last fold takes the remainder
        lo_train = 0 if expanding else lo_test - first_test
        val_rows = int(round((lo_test - lo_train) * val_fraction))
        train_rows = lo_test - lo_train - val_rows
        if min(train_rows, val_rows, hi_test - lo_test) < min_rows:
            raise ConfigError(
                f"fold {i}: {train_rows} train, {val_rows} validation and {hi_test - lo_test} test "
                f"rows; each needs >= {min_rows} (window + 2). Use fewer folds or more data"
            )
        folds.append(Fold(i, dates[lo_train], dates[lo_train + train_rows - 1], dates[lo_test - 1],
                          dates[lo_test], dates[hi_test - 1]))
    return folds


def walk_forward(
    config: RunConfig | str = "ppo_lstm",
    *,
    folds: int = 3,
    seeds: Sequence[int] = (0, 1),
    overrides: Sequence[str] = (),
    out: str | Path = "results/walkforward",
    baselines: Sequence[str] | None = None,
    initial_fraction: float = 0.5,
    expanding: bool = True,
    address: str | None = None,
    num_cpus: int | None = None,
    parallel: bool = True,
    benchmark: str | None = "equal_weight",
    n_configs: int = 1,
    echo: Callable[[str], Any] = print,
) -> WalkForwardResult:
    """Train a policy per fold and seed, backtest each on its fold's test block, aggregate.

    Args:
        config: a :class:`RunConfig` or shipped config name / YAML path.
        folds: number of test blocks.
        seeds: training seeds, each fold trains one run per seed.
        overrides: ``section.key=value`` overrides of the config (budget, data...).
        out: folder of the fold run directories ``out/foldI-sS`` and of the report
            (``out/report``); on a multi-node cluster, a path every node can write.
        baselines: baseline names (default: every default baseline of the market).
        initial_fraction: share of the data before the first test block.
        expanding: expanding (default) or sliding training windows.
        address: None starts Ray here with ``num_cpus``; ``"HOST:PORT"``, ``"auto"`` or
            ``"ray://HOST:10001"`` runs the trainings on that cluster.
        num_cpus: CPUs of the Ray started here (default: this machine's cores).
        parallel: False trains one run after another in this process, without Ray.
        benchmark: the baseline every row is tested against (per block and pooled: Sharpe
            intervals, p-values; over the seeds: SPA, DSR, PBO; see
            :mod:`agents.multiple_testing`); added to ``baselines`` when missing; ``None``
            for none.
        n_configs: configurations tried before settling on this one: with the seeds, the
            trial count of the deflated Sharpe ratio.
        echo: where progress and the report go.

    Raises:
        ConfigError: bad fold plan or config, run directories that already hold runs, Ray
            missing or a cluster that cannot be joined (with ``address``); errors of
            training and backtesting propagate.
    """
    cfg = config if isinstance(config, RunConfig) else load_run_config(config, overrides)
    if isinstance(config, RunConfig) and overrides:
        raise ConfigError("pass overrides with a config name or path, not with a RunConfig")
    if not seeds:
        raise ConfigError("walk-forward needs at least one seed")
    market, _ = load_data(cfg)
    plan = plan_folds(market.dates, folds, initial_fraction=initial_fraction,
                      val_fraction=cfg.data.val if isinstance(cfg.data.val, float) else DEFAULT_SPLIT[1],
                      expanding=expanding, min_rows=cfg.env.window_bars + 2)
    out = Path(out).resolve()  # absolute: Ray workers do not share the driver's directory
    label = f"{cfg.agent.algo}_{cfg.agent.extractor}"
    jobs = [_job(cfg, fold, int(seed), out) for fold in plan for seed in seeds]
    for fold in plan:
        echo(f"fold {fold.index}: train {fold.train_start.date()}..{fold.train_end.date()}, "
             f"val ..{fold.val_end.date()}, test {fold.test_start.date()}..{fold.test_end.date()}")
    if benchmark is not None and baselines is not None and benchmark not in baselines:
        baselines = [*baselines, benchmark]
    kwargs = {"baselines": baselines, "label": label}
    if parallel and (address or importlib.util.find_spec("ray") is not None):
        done = _run_on_ray(jobs, address, num_cpus, echo, **kwargs)
    else:
        if parallel:
            echo(f"{remote.INSTALL_HINT} (now: one training after another, here)")
        elif address:
            raise ConfigError("parallel=False (--sequential) trains here; leave out the address")
        done = {}
        for job in jobs:
            done[job.key], wall = train_and_test(job.cfg, job.run_dir, echo=echo, **kwargs)
            _progress(job, done[job.key], wall, len(done), len(jobs), echo)
    all_results = [[done[(fold.index, int(seed))] for seed in seeds] for fold in plan]
    runs = [[out / f"fold{fold.index}-s{seed}" for seed in seeds] for fold in plan]
    per_fold = per_fold_table(plan, all_results)
    summary = summary_table(all_results)
    stitched = stitch(all_results)
    tables = {"Per fold (Sharpe on each test block; agent mean ± sd over seeds)": per_fold,
              "Over folds (mean ± sd; the agent over folds and seeds)": summary}
    evidence = record_walkforward_evidence(all_results, benchmark, n_configs, out / "report", tables)
    echo(f"walk-forward of {label}: {len(plan)} folds x {len(seeds)} seeds on {market.describe()}")
    provenance = {"config": cfg.name, "data spec": cfg.data.source, "market": market.describe(),
                  "folds": f"{len(plan)} ({'expanding' if expanding else 'sliding'} training windows)",
                  "seeds": ", ".join(str(s) for s in seeds), "run directories": str(out),
                  "out of sample": "every test block follows its fold's training and validation"}
    result = WalkForwardResult(
        plan, all_results, per_fold, summary, stitched, runs, evidence, tables,
        title=f"Walk-forward of {label}: {len(plan)} folds x {len(seeds)} seeds, out-of-sample "
              "blocks chained", benchmark=benchmark, provenance=provenance)
    result.report(out / "report", echo=echo)
    for line in evidence.get("lines", []):
        echo(line)
    return result


@dataclass(frozen=True)
class _Job:
    """One training of a walk-forward: fold ``key[0]``, seed ``key[1]``."""

    key: tuple[int, int]
    cfg: RunConfig
    run_dir: Path


def _job(cfg: RunConfig, fold: Fold, seed: int, out: Path) -> _Job:
    """The fold's dates as the run's split, the seed, one torch thread unless the config says more.

    Raises:
        ConfigError: the run directory already holds a run.
    """
    data = dataclasses.replace(cfg.data, start=str(fold.train_start.date()), end=str(fold.test_end.date()),
                               train=str(fold.train_end.date()), val=str(fold.val_end.date()))
    train_cfg = dataclasses.replace(cfg.train, seed=seed, torch_threads=cfg.train.torch_threads or 1)
    run_dir = out / f"fold{fold.index}-s{seed}"
    if run_dir.is_dir() and any(run_dir.iterdir()):  # caught here, before any training starts
        raise ConfigError(f"run directory {run_dir} exists and is not empty; choose another --out "
                          "or remove it")
    return _Job((fold.index, seed), dataclasses.replace(
        cfg, data=data, train=train_cfg, name=f"{cfg.name}-fold{fold.index}-s{seed}"), run_dir)


def train_and_test(cfg: RunConfig, run_dir: Path, *, baselines: Sequence[str] | None, label: str,
                   echo: Callable[[str], Any] = print) -> tuple[list[BacktestResult], float]:
    """One fold and seed: train into ``run_dir``, backtest on the test split; a Ray task's body.

    Returns:
        ``[agent, *baselines]`` test results (the agent named ``LABEL_sSEED``) and the wall
        seconds of both steps.
    """
    start = time.perf_counter()
    run = train(cfg, run_dir=run_dir, echo=echo).run
    results = evaluate_run(run.path, split="test", baselines=baselines, label=f"{label}_s{cfg.train.seed}",
                           write_report=False)
    return results, time.perf_counter() - start


def _run_on_ray(jobs: Sequence[_Job], address: str | None, num_cpus: int | None,
                echo: Callable[[str], Any], **kwargs: Any) -> dict[tuple[int, int], list[BacktestResult]]:
    """Every job as a Ray task holding its torch threads' CPUs; results as they finish."""
    done: dict[tuple[int, int], list[BacktestResult]] = {}
    with remote.ray_session(address, num_cpus) as ray:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        echo(f"walk-forward: {len(jobs)} trainings as Ray {ray.__version__} tasks on {cpus} CPUs")
        task = ray.remote(max_retries=0)(train_and_test)  # a retry would find its run directory taken
        pending = {task.options(num_cpus=min(job.cfg.train.torch_threads, cpus), name=job.run_dir.name)
                   .remote(job.cfg, job.run_dir, echo=_quiet, **kwargs): job for job in jobs}
        try:
            while pending:
                ready, _ = ray.wait(list(pending), num_returns=1)
                job = pending.pop(ready[0])
                try:
                    done[job.key], wall = ray.get(ready[0])
                except ray.exceptions.RayTaskError as exc:
                    remote.raise_task_error(exc)
                _progress(job, done[job.key], wall, len(done), len(jobs), echo)
        finally:
            for ref in pending:  # after an error or Ctrl-C: a cluster would train them on
                ray.cancel(ref, force=True)
    return done


def _quiet(_: str) -> None:
    pass


def _progress(job: _Job, results: Sequence[BacktestResult], wall: float, n_done: int, n_jobs: int,
              echo: Callable[[str], Any]) -> None:
    echo(f"[{n_done}/{n_jobs}] fold {job.key[0]} seed {job.key[1]}: test Sharpe "
         f"{results[0].metrics['sharpe']:.2f} in {wall:.1f} s ({job.run_dir})")


def _mean_sd(values: Sequence[float]) -> str:
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if not len(arr):
        return "-"
    return f"{arr.mean():.2f} ± {arr.std(ddof=1):.2f}" if len(arr) > 1 else f"{arr.mean():.2f}"


Nested = Sequence[Sequence[Sequence[BacktestResult]]]
"""``results[fold][seed]`` = ``[agent, *baselines]``."""


def per_fold_table(plan: Sequence[Fold], results: Nested) -> pd.DataFrame:
    """One row per fold: test period, agent Sharpe (mean ± sd over seeds), baselines' Sharpe."""
    rows = []
    for fold, fold_results in zip(plan, results, strict=True):
        row: dict[str, Any] = {"fold": fold.index,
                               "test": f"{fold.test_start.date()}..{fold.test_end.date()}",
                               "agent Sharpe": _mean_sd([s[0].metrics["sharpe"] for s in fold_results])}
        for baseline in fold_results[0][1:]:
            sharpe = baseline.metrics["sharpe"]
            row[baseline.name] = f"{sharpe:.2f}" if np.isfinite(sharpe) else "-"
        rows.append(row)
    return pd.DataFrame(rows)


def summary_table(results: Nested) -> pd.DataFrame:
    """Per policy: mean ± sd of Sharpe, total return and max drawdown over folds (and seeds)."""
    agent = [seed[0] for fold in results for seed in fold]
    rows = [_summary_row("agent (all seeds)", agent)]
    for i, baseline in enumerate(results[0][0][1:], start=1):
        rows.append(_summary_row(baseline.name, [fold[0][i] for fold in results]))
    return pd.DataFrame(rows)


def _summary_row(name: str, results: Sequence[BacktestResult]) -> dict[str, Any]:
    return {
        "policy": name, "n": len(results),
        "Sharpe": _mean_sd([r.metrics["sharpe"] for r in results]),
        "total return %": _mean_sd([100 * r.metrics["total_return"] for r in results]),
        "max drawdown %": _mean_sd([100 * r.metrics["max_drawdown"] for r in results]),
    }


def stitch(results: Nested) -> list[BacktestResult]:
    """Chain the test blocks of each seed (and of each baseline, from seed 0) into one result."""
    n_seeds = len(results[0])
    rows = [[fold[s][0] for fold in results] for s in range(n_seeds)]
    rows += [[fold[0][i] for fold in results] for i in range(1, len(results[0][0]))]
    return [_chain(parts) for parts in rows]


def _chain(parts: Sequence[BacktestResult]) -> BacktestResult:
    first = parts[0]
    returns = pd.concat([p.returns for p in parts])
    turnover = pd.concat([p.turnover for p in parts])
    # Each fold starts at value 1: scale its costs by the chained value at its start.
    growth = np.cumprod([1.0, *((1.0 + p.returns).prod() for p in parts[:-1])])
    costs = pd.concat([p.costs / p.equity.iloc[0] * g for p, g in zip(parts, growth, strict=True)])
    start = first.equity.iloc[:1] / first.equity.iloc[0]  # value 1 at the first decision
    equity = pd.concat([start, (1.0 + returns).cumprod()])
    equity.name = first.name
    weights = pd.concat([first.weights.iloc[:1], *(p.weights.iloc[1:] for p in parts)])
    metrics = compute_metrics(returns, periods_per_year=first.periods_per_year,
                              risk_free_rate=first.risk_free_rate, turnover=turnover, costs=costs)
    return dataclasses.replace(first, equity=equity, returns=returns, turnover=turnover, costs=costs,
                               weights=weights, metrics=metrics)


__all__ = ["Fold", "WalkForwardResult", "per_fold_table", "plan_folds", "stitch", "summary_table",
           "train_and_test", "walk_forward"]
