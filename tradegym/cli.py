"""The ``tradegym`` command line; each sub-command imports its layer only when it runs.

::

    tradegym demo [--data sp500_stocks] [--out results/demo] [--split test]
                  [--cost-rate 0.001] [--window 30]
    tradegym data list
    tradegym data show NAME

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
EXECUTION_NOTES = {
    "next_open": "decided at the close of t, filled at the open of t+1",
    "next_close": "decided at the close of t, filled at the close of t+1",
    "close": "filled at the close just observed (optimistic)",
}


def run_demo(
    data: str = "sp500_stocks",
    out: str | Path = "results/demo",
    *,
    split: str = "test",
    cost_rate: float = 0.001,
    window_bars: int = 30,
    echo: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Backtest cash, buy-and-hold and equal weight on one split of a market; report them.

    Args:
        data: a source name for :func:`tradegym.data.load` (or ``"module:function"``).
        out: folder for ``equity.png``, ``metrics.csv`` and ``metrics.json``.
        split: ``"train"``, ``"val"``, ``"test"`` (chronological 70/15/15) or ``"all"``.
        cost_rate: proportional cost per unit of turnover (a fraction: 0.001 = 10 bps).
        window_bars: observation window ``W`` (it sets the first decision bar).
        echo: where the report lines go.

    Returns:
        ``{"results": [BacktestResult, ...], "paths": [png, csv, json]}``.

    Raises:
        ValueError: unknown source or split, or data too short for the window.
    """
    from tradegym.backtest import backtest, format_table, plot_equity, write_metrics
    from tradegym.backtest.plots import describe_setup
    from tradegym.data import load_spec
    from tradegym.errors import ConfigError
    from tradegym.registry import suggest

    if split not in SPLITS:
        raise ConfigError(
            f"unknown split {split!r}.{suggest(split, list(SPLITS))} Use one of {list(SPLITS)}"
        )
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
    first = results[0]
    echo(f"backtest: {first.equity.index[0].date()} to {first.equity.index[-1].date()} "
         f"({len(first.returns)} bars) · {describe_setup(results)}")
    echo(f"execution: {first.execution} ({EXECUTION_NOTES.get(first.execution, 'custom')})")
    echo("")
    echo(format_table(results))
    echo("")
    out_dir = Path(out)
    paths = [plot_equity(results, out_dir / "equity.png"), *write_metrics(results, out_dir)]
    for path in paths:
        echo(f"wrote {path}")
    return {"results": results, "paths": paths}


def _cmd_demo(args: argparse.Namespace) -> int:
    run_demo(args.data, args.out, split=args.split, cost_rate=args.cost_rate,
             window_bars=args.window)
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
        "demo", help="backtest cash, buy-and-hold and equal weight; write a chart and metrics"
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
    demo.set_defaults(func=_cmd_demo)

    data = commands.add_parser("data", help="list or describe data sources")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    data_commands.add_parser("list", help="names of the data sources").set_defaults(
        func=_cmd_data_list
    )
    show = data_commands.add_parser("show", help="load a source and describe it")
    show.add_argument("name", help="source name, e.g. sp500_stocks")
    show.set_defaults(func=_cmd_data_show)
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


__all__ = ["build_parser", "main", "run_demo"]
