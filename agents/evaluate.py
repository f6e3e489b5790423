"""Backtest a trained run on a split it never trained on, next to the baselines.

The agent and every baseline go through the same environment the agent trained in
(same env id, costs, execution timing, window), on the run's own date split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agents.inference import Predictor
from agents.train import load_data, load_trained
from feature_nets.runtime import apply_runtime, restores_threads
from tradegym.errors import ConfigError
from tradegym.runs import RunDir


@restores_threads
def evaluate_run(
    run_path: str | Path,
    *,
    split: str = "test",
    baselines: Sequence[str] | None = None,
    out: str | Path | None = None,
    best: bool = True,
    label: str | None = None,
    data: str | None = None,
    write_report: bool = True,
    echo: Callable[[str], Any] = print,
    benchmark: str | None = "equal_weight",
    static: bool = False,
) -> list[Any]:
    """Backtest a run's model on ``split`` next to ``baselines``; print and write the report.

    The split is the run's own (its config's dates and fractions); rows before it are
    history for the features and the baselines' estimates, so the whole split is traded.

    Args:
        run_path: a run directory written by :func:`agents.train.train`.
        split: ``"test"`` (default: never seen in training or model selection), ``"val"``,
            ``"train"`` or ``"all"``.
        baselines: baseline names (default
            :func:`~tradegym.backtest.baselines.baseline_names` of the market).
        out: report folder (default: ``RUN/backtest-<split>``).
        best: use ``best_model.zip`` (chosen on validation) when present, else ``model.zip``.
        label: the agent's row name (default ``<algo>_<extractor>``).
        data: another market (a source spec) with the same number of assets, split with
            the run's fractions, instead of the run's own.
        write_report: print the table and write charts and metrics (else only return them).
        echo: where report lines go.
        benchmark: the row the report tests the others against (a baseline name, added
            to ``baselines`` when missing, or a data spec of one series such as
            ``"sp500_index"``); ``None`` for no evidence.
        static: also write the PNG charts and ``report_static.html``.

    Returns:
        ``[agent result, *baseline results]``.

    Raises:
        ConfigError: not a run directory, unknown split, or a market of another width.
        CacheError: the model file does not match the run's manifest.
    """
    from tradegym.backtest.baselines import BASELINES, baseline_names
    from tradegym.backtest.compare import compare, period
    from tradegym.data import load_spec

    model, cfg = load_trained(run_path, best=best)
    apply_runtime(cfg.train.torch_threads, "cpu", "train.")  # the run's threads, restored on return
    if data is None:
        market, _ = load_data(cfg)
    else:
        market = load_spec(data)
        trained_on = len(RunDir.open(run_path).read_json("data.json")["symbols"])
        if market.n_assets != trained_on:
            raise ConfigError(
                f"{run_path} was trained on {trained_on} assets; {data} has {market.n_assets}"
            )
    history, start = period(market, split, cfg.data.train, cfg.data.val,
                            min_rows=cfg.env.window_bars + 2)
    label = label or f"{cfg.agent.algo}_{cfg.agent.extractor}"
    if baselines is None:
        baselines = baseline_names(market)
    if write_report and benchmark in BASELINES and benchmark not in baselines:
        baselines = [*baselines, benchmark]
    results = compare([(Predictor(model), label)], history, start=start, baselines=baselines,
                      env_kwargs=cfg.env.env_kwargs(), env_id=cfg.env.id)
    if write_report:
        from tradegym.backtest.report import report

        echo(f"{split} split of {market.describe()}")
        report(results, out or Path(run_path) / f"backtest-{split}", echo,
               title=f"Backtest of {label} ({Path(run_path).name}) on the {split} split",
               benchmark=benchmark, market=history, static=static,
               provenance=run_provenance(run_path, cfg, split, best, data),
               in_sample=split != "test")
    return results


def run_provenance(run_path: str | Path, cfg: Any, split: str, best: bool, data: str | None
                   ) -> dict[str, Any]:
    """What a report says about the run: directory, model and its hash, config, data, split."""
    run = RunDir.open(run_path)
    model = "best_model.zip" if best and run.file("best_model.zip").is_file() else "model.zip"
    manifest = run.read_json("manifest.json") if run.file("manifest.json").is_file() else {}
    recorded = run.read_json("data.json") if run.file("data.json").is_file() else {}
    digest = manifest.get(model)
    splits = recorded.get("splits", {})
    return {
        "run directory": str(Path(run_path).resolve()),
        "model": f"{model}, sha256 {digest}" if isinstance(digest, str) else model,
        "agent": f"{cfg.agent.algo} with the {cfg.agent.extractor} extractor, seed {cfg.train.seed}",
        "env": f"{cfg.env.id} {cfg.env.env_kwargs()}",
        "data spec": data or cfg.data.source,
        "trained on": recorded.get("description", "-"),
        "split": f"{split} (the run's train {cfg.data.train} / val {cfg.data.val} cut)",
        **{f"{part} rows": f"{info['start']} to {info['end']} ({info['rows']} rows)"
           for part, info in splits.items() if isinstance(info, dict) and "start" in info},
    }


def seed_summary(results: Sequence[Any], agent_prefix: str, benchmark: str | None = "equal_weight",
                 n_resamples: int = 1000) -> str:
    """``"<agent> Sharpe over n seeds: mean ± sd (min..max); baselines: ...; SPA ..."``.

    With ``benchmark`` among the results, the line ends with Hansen's SPA over the seeds
    (does any seed beat the benchmark, allowing for having tried several?).
    """
    import numpy as np
    import pandas as pd

    from tradegym.backtest.evidence import spa

    agents = [r.metrics["sharpe"] for r in results if r.name.startswith(agent_prefix)]
    others = ", ".join(f"{r.name} {r.metrics['sharpe']:.2f}" for r in results
                       if not r.name.startswith(agent_prefix) and r.metrics["sharpe"] is not None
                       and np.isfinite(r.metrics["sharpe"]))
    values = np.array([a for a in agents if a is not None], dtype=float)
    spread = f" ± {values.std(ddof=1):.2f}" if len(values) > 1 else ""
    line = (f"{agent_prefix} Sharpe over {len(values)} seed(s): {values.mean():.2f}{spread} "
            f"(min {values.min():.2f}, max {values.max():.2f}); {others}")
    bench = next((r for r in results if r.name == benchmark), None)
    seeds = [r for r in results if r.name.startswith(agent_prefix)]
    if bench is None or not seeds:
        return line
    frame = pd.concat({r.name: r.returns for r in [*seeds, bench]}, axis=1, join="inner")
    if len(frame) < 30:
        return line
    test = spa(frame[[r.name for r in seeds]], frame[benchmark], n_resamples=n_resamples)
    answer = (f"at least one seed beats {benchmark}" if test.p_value < 0.05
              else f"no seed is distinguishable from {benchmark}")
    return f"{line}; SPA over the {len(seeds)} seed(s) vs {benchmark}: p = {test.p_value:.2f}, {answer}"
