"""The ``tradegym`` command line; each sub-command imports its layer only when it runs.

::

    tradegym demo [--data sp500_stocks] [--out results/demo] [--split test] [--no-train]
                  [--cost-rate 0.001] [--window 30] [--timesteps N] [--config ppo_lstm]
    tradegym train --config ppo_lstm [--set train.total_timesteps=50000 ...] | --resume RUN_DIR
    tradegym backtest RUN_DIR [--split test] [--baselines cash,buy_and_hold,equal_weight]
    tradegym configs
    tradegym data list
    tradegym data show NAME
    tradegym forecast train|evaluate ...   (see tradegym.cli_forecast)
    tradegym autoencoder train|evaluate ...   (see tradegym.cli_autoencoder)

Bad input (any ``ValueError``, which every tradegym error is) prints ``error: ...`` to
stderr and exits with code 2, as argparse does for bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SPLITS = ("train", "val", "test", "all")
TRAIN_FRACTION, VAL_FRACTION = 0.7, 0.15
DEMO_BASELINES = ("cash", "buy_and_hold", "equal_weight")
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
        from agents.evaluate import BASELINES, evaluate_run, seed_summary
        from agents.train import train as train_agent
        from tradegym.backtest.report import report

        results, runs = [], []
        for seed in range(seeds):
            overrides = [f"data.source={data}", f"env.cost_rate={cost_rate}",
                         f"env.window_bars={window_bars}", f"train.total_timesteps={timesteps}",
                         f"train.seed={seed}", f"name=demo_{config}_s{seed}"]
            run = train_agent(config, overrides=overrides, runs_root=out, echo=echo).run
            runs.append(run)
            results += evaluate_run(run.path, split=split, baselines=BASELINES if seed == 0 else (),
                                    label=f"{config}_s{seed}", write_report=False)
        results.sort(key=lambda r: (not r.name.startswith(config), r.name))
        echo(f"{split} split of {data}, {seeds} seed(s) of {config}, {timesteps} steps each:")
        report(results, Path(out) / f"backtest-{split}", echo)
        echo(seed_summary(results, config))
        return {"results": results, "runs": runs}
    return {"results": _baseline_demo(data, out, split, cost_rate, window_bars, echo), "runs": []}


def _baseline_demo(data: str, out: str | Path, split: str, cost_rate: float, window_bars: int,
                   echo: Callable[[str], Any]) -> list[Any]:
    from tradegym.backtest import backtest
    from tradegym.backtest.report import report
    from tradegym.data import load_spec

    market = load_spec(data)
    echo(f"data: {market.describe()}")
    if split != "all":
        parts = market.split(TRAIN_FRACTION, VAL_FRACTION, min_rows=window_bars + 2)
        market = getattr(parts, split)
        echo(f"split: {split} ({TRAIN_FRACTION:.0%}/{VAL_FRACTION:.0%}/"
             f"{1 - TRAIN_FRACTION - VAL_FRACTION:.0%} train/val/test), {market.n_bars} bars, "
             f"{market.dates[0].date()} to {market.dates[-1].date()}")
    env_kwargs = {"cost_rate": cost_rate, "window_bars": window_bars}
    results = [backtest(name, market, env_kwargs=env_kwargs) for name in DEMO_BASELINES]
    report(results, out, echo)
    return results


def _cmd_demo(args: argparse.Namespace) -> int:
    run_demo(args.data, args.out, split=args.split, cost_rate=args.cost_rate,
             window_bars=args.window, train=not args.no_train, timesteps=args.timesteps,
             config=args.config, seeds=args.seeds)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from agents.train import train

    result = train(None if args.resume else args.config, overrides=args.set or [],
                   runs_root=args.runs, run_dir=args.run_dir, resume=args.resume)
    return 130 if result.interrupted else 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from agents.evaluate import evaluate_run

    evaluate_run(args.run, split=args.split, baselines=args.baselines.split(","), out=args.out,
                 best=not args.final)
    return 0


def _cmd_configs(args: argparse.Namespace) -> int:
    from agents.config import shipped_configs

    print("\n".join(shipped_configs()))
    return 0


def _cmd_data_list(args: argparse.Namespace) -> int:
    from tradegym.data import SOURCES

    names = SOURCES.names()
    width = max(len(n) for n in names)
    for name in names:
        try:
            doc = (SOURCES.resolve(name).__doc__ or "").strip().splitlines()
            line = doc[0] if doc else ""
        except ValueError as exc:  # a source module not installed or not importable
            line = f"(unavailable: {exc})"
        print(f"{name:<{width}}  {line}")
    return 0


def _cmd_data_show(args: argparse.Namespace) -> int:
    import inspect

    from tradegym.data import SOURCES, load
    from tradegym.errors import ConfigError

    params = inspect.signature(SOURCES.resolve(args.name)).parameters.values()
    needed = [p.name for p in params if p.default is p.empty
              and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if needed:
        raise ConfigError(
            f"source {args.name!r} needs {', '.join(needed)}; load it from Python with "
            f"tradegym.data.load({args.name!r}, {', '.join(f'{n}=...' for n in needed)})"
        )
    market = load(args.name)
    print(market.describe())
    print(f"symbols: {', '.join(market.symbols)}")
    for key, value in market.meta.items():
        if isinstance(value, (str, int, float, bool)):
            print(f"{key}: {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        prog="tradegym", description="Reinforcement-learning trading research."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="train the default agent and backtest it against cash, buy-and-hold and "
                     "equal weight on the test split"
    )
    demo.add_argument("--data", default="sp500_stocks",
                      help="NAME, csv:PATH, parquet:PATH, yahoo:TICKER[,TICKER] or "
                           "module:function (default: %(default)s)")
    demo.add_argument("--out", default="results/demo", help="output folder (default: %(default)s)")
    demo.add_argument("--split", default="test", choices=SPLITS,
                      help="chronological 70/15/15 part to backtest (default: %(default)s)")
    demo.add_argument("--cost-rate", type=float, default=0.001,
                      help="cost per unit turnover, a fraction: 0.001 = 10 bps "
                      "(default: %(default)s)")
    demo.add_argument("--window", type=int, default=30,
                      help="observation window in bars (default: %(default)s)")
    demo.add_argument("--timesteps", type=int, default=DEMO_TIMESTEPS,
                      help="training budget in env steps (default: %(default)s)")
    demo.add_argument("--config", default="ppo_lstm", help="agent config (default: %(default)s)")
    demo.add_argument("--seeds", type=int, default=DEMO_SEEDS,
                      help="number of training seeds (default: %(default)s)")
    demo.add_argument("--no-train", action="store_true", help="backtest the baselines only")
    demo.set_defaults(func=_cmd_demo)

    train = commands.add_parser("train", help="train an agent into a run directory")
    train.add_argument("--config", default="ppo_lstm",
                       help="shipped config name (see 'tradegym configs') or YAML path "
                            "(default: %(default)s)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override, e.g. --set train.total_timesteps=50000 (repeatable)")
    train.add_argument("--runs", default="runs", help="parent of new run directories (default: %(default)s)")
    train.add_argument("--run-dir", default=None, help="exact new run directory")
    train.add_argument("--resume", default=None, metavar="RUN_DIR",
                       help="continue RUN_DIR from its last checkpoint")
    train.set_defaults(func=_cmd_train)

    bt = commands.add_parser("backtest", help="backtest a trained run against the baselines")
    bt.add_argument("run", help="run directory written by 'tradegym train'")
    bt.add_argument("--split", default="test", help="train, val or test (default: %(default)s)")
    bt.add_argument("--baselines", default="cash,buy_and_hold,equal_weight",
                    help="comma-separated baseline names (default: %(default)s)")
    bt.add_argument("--out", default=None, help="report folder (default: RUN/backtest-SPLIT)")
    bt.add_argument("--final", action="store_true",
                    help="use the final model instead of the best on validation")
    bt.set_defaults(func=_cmd_backtest)

    commands.add_parser("configs", help="list the shipped agent configs").set_defaults(
        func=_cmd_configs)

    data = commands.add_parser("data", help="list or describe data sources")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    data_commands.add_parser("list", help="names of the data sources").set_defaults(
        func=_cmd_data_list
    )
    show = data_commands.add_parser("show", help="load a source and describe it")
    show.add_argument("name", help="source name, e.g. sp500_stocks")
    show.set_defaults(func=_cmd_data_show)

    from tradegym.cli_forecast import add_forecast_parser

    add_forecast_parser(commands)
    from tradegym.cli_autoencoder import add_autoencoder_parser

    add_autoencoder_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad arguments or bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 after --help
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["build_parser", "main", "run_demo"]
