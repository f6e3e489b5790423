"""The demo behind ``tradegym demo``: train the default agent, backtest it next to the baselines.

Torch-free at import (everything heavy is imported inside the functions), so the command
line can read the defaults below while building its ``--help``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tradegym.data.market import DEFAULT_SPLIT

SPLITS = ("train", "val", "test", "all")
TRAIN_FRACTION, VAL_FRACTION = DEFAULT_SPLIT
"""The chronological train/val/test cut of the demo and of command-line backtests (the rest is test)."""
DEMO_TIMESTEPS = 12_288
"""Per seed: three seeds of PPO + LSTM train in about two minutes on two CPU cores."""
DEMO_SEEDS = 3


def run_demo(
    data: str = "sp500_stocks",
    out: str | Path = "results/demo",
    *,
    split: str = "test",
    cost_rate: float = 0.001,
    window_bars: int = 30,
    train: bool = True,
    timesteps: int = DEMO_TIMESTEPS,
    config: str = "ppo_lstm",
    seeds: int = DEMO_SEEDS,
    echo: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Train the default agent, then backtest it on the test split against the baselines.

    Args:
        data: a source spec for :func:`tradegym.data.load_spec`.
        out: parent of the new run directory (training; the report goes to
            ``RUN/backtest-<split>``), or the report folder (``train=False``).
        split: the part to backtest: ``"test"`` (default), ``"val"``, ``"train"``, or
            ``"all"`` (baselines only).
        cost_rate: proportional cost per unit of turnover (a fraction: 0.001 = 10 bps).
        window_bars: observation window ``W``.
        train: ``False`` backtests the baselines only (seconds, no torch).
        timesteps: training budget in env steps.
        config: the shipped agent config to train.
        seeds: how many seeds (0, 1, ...) to train; each is backtested and all are reported.
        echo: where the report lines go.

    Returns:
        ``{"results": [BacktestResult, ...], "runs": [run directories]}``.

    Raises:
        ValueError: unknown source, config or split, or data too short for the window.
    """
    from tradegym.errors import ConfigError
    from tradegym.registry import suggest

    if split not in SPLITS:
        raise ConfigError(
            f"unknown split {split!r}.{suggest(split, list(SPLITS))} Use one of {list(SPLITS)}"
        )
    if train and split != "all":
        return _trained_demo(data, out, split, cost_rate, window_bars, timesteps, config, seeds, echo)
    return {"results": _baseline_demo(data, out, split, cost_rate, window_bars, echo), "runs": []}


def _trained_demo(data: str, out: str | Path, split: str, cost_rate: float, window_bars: int,
                  timesteps: int, config: str, seeds: int, echo: Callable[[str], Any]) -> dict[str, Any]:
    from agents.evaluate import evaluate_run, seed_summary
    from agents.train import train as train_agent
    from tradegym.backtest.report import report

    results, runs = [], []
    for seed in range(seeds):
        overrides = [f"data.source={data}", f"env.cost_rate={cost_rate}",
                     f"env.window_bars={window_bars}", f"train.total_timesteps={timesteps}",
                     f"train.seed={seed}", f"name=demo_{config}_s{seed}"]
        run = train_agent(config, overrides=overrides, runs_root=out, echo=echo).run
        runs.append(run)
        results += evaluate_run(run.path, split=split, baselines=None if seed == 0 else (),
                                label=f"{config}_s{seed}", write_report=False)
    # Agents first (by seed), then the baselines in their usual order.
    results.sort(key=lambda r: (0, r.name) if r.name.startswith(config) else (1, ""))
    echo(f"{split} split of {data}, {seeds} seed(s) of {config}, {timesteps} steps each:")
    report(results, Path(out) / f"backtest-{split}", echo,
           title=f"{config}, {seeds} seed(s) x {timesteps} steps, on the {split} split of {data}",
           static=True, in_sample=split != "test")
    echo(seed_summary(results, config))
    return {"results": results, "runs": runs}


def _baseline_demo(data: str, out: str | Path, split: str, cost_rate: float, window_bars: int,
                   echo: Callable[[str], Any]) -> list[Any]:
    from tradegym.backtest.baselines import baseline_names
    from tradegym.backtest.compare import compare, period
    from tradegym.data import load_spec

    market = load_spec(data)
    echo(f"data: {market.describe()}")
    history, start = period(market, split, TRAIN_FRACTION, VAL_FRACTION, min_rows=window_bars + 2)
    if split != "all":
        echo(f"split: {split} ({TRAIN_FRACTION:.0%}/{VAL_FRACTION:.0%}/"
             f"{1 - TRAIN_FRACTION - VAL_FRACTION:.0%} train/val/test)")
    env_kwargs = {"cost_rate": cost_rate, "window_bars": window_bars}
    return compare([], history, start=start, baselines=baseline_names(market, env_kwargs),
                   env_kwargs=env_kwargs, out=out, echo=echo,
                   title=f"Baselines on the {split} split of {data}", static=True)


__all__ = ["DEMO_SEEDS", "DEMO_TIMESTEPS", "SPLITS", "TRAIN_FRACTION", "VAL_FRACTION", "run_demo"]
