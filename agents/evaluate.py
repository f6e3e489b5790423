"""Backtest a trained run on a split it never trained on, next to the baselines.

The agent and every baseline go through the same environment the agent trained in
(same env id, costs, execution timing, window), on the run's own date split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agents.train import load_data, load_trained
from tradegym.errors import ConfigError
from tradegym.registry import suggest

BASELINES = ("cash", "buy_and_hold", "equal_weight")


def evaluate_run(
    run_path: str | Path,
    *,
    split: str = "test",
    baselines: Sequence[str] = BASELINES,
    out: str | Path | None = None,
    best: bool = True,
    label: str | None = None,
    write_report: bool = True,
    echo: Callable[[str], Any] = print,
) -> list[Any]:
    """Backtest a run's model on ``split`` next to ``baselines``; print and write the report.

    Args:
        run_path: a run directory written by :func:`agents.train.train`.
        split: ``"test"`` (default: never seen in training or model selection), ``"val"``
            or ``"train"``.
        baselines: baseline names (see ``tradegym.backtest.baselines.BASELINES``).
        out: report folder (default: ``RUN/backtest-<split>``).
        best: use ``best_model.zip`` (chosen on validation) when present, else ``model.zip``.
        label: the agent's row name (default ``<algo>_<extractor>``).
        write_report: print the table and write charts and metrics (else only return them).
        echo: where report lines go.

    Returns:
        ``[agent result, *baseline results]``.

    Raises:
        ConfigError: not a run directory, unknown split.
        CacheError: the model file does not match the run's manifest.
    """
    from tradegym.backtest import backtest
    from tradegym.backtest.report import report

    parts = ("train", "val", "test")
    if split not in parts:
        raise ConfigError(f"unknown split {split!r}.{suggest(split, list(parts))} Use one of {list(parts)}")
    model, cfg = load_trained(run_path, best=best)
    _, data_split = load_data(cfg)
    market = getattr(data_split, split)
    env_kwargs = cfg.env.env_kwargs()
    label = label or f"{cfg.agent.algo}_{cfg.agent.extractor}"
    results = [backtest(model, market, env_kwargs=env_kwargs, env_id=cfg.env.id, name=label)]
    results += [backtest(b, market, env_kwargs=env_kwargs, env_id=cfg.env.id) for b in baselines]
    if write_report:
        echo(f"{split} split: {market.describe()}")
        report(results, out or Path(run_path) / f"backtest-{split}", echo)
    return results


def seed_summary(results: Sequence[Any], agent_prefix: str) -> str:
    """``"<agent> Sharpe over n seeds: mean ± sd (min..max); baselines: ..."``."""
    import numpy as np

    agents = [r.metrics["sharpe"] for r in results if r.name.startswith(agent_prefix)]
    others = ", ".join(f"{r.name} {r.metrics['sharpe']:.2f}" for r in results
                       if not r.name.startswith(agent_prefix) and r.metrics["sharpe"] is not None
                       and np.isfinite(r.metrics["sharpe"]))
    values = np.array([a for a in agents if a is not None], dtype=float)
    spread = f" ± {values.std(ddof=1):.2f}" if len(values) > 1 else ""
    return (f"{agent_prefix} Sharpe over {len(values)} seed(s): {values.mean():.2f}{spread} "
            f"(min {values.min():.2f}, max {values.max():.2f}); {others}")
