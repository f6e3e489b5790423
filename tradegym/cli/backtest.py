"""``tradegym backtest``: a run, a baseline or a user's policy next to the baselines.

::

    tradegym backtest RUN_DIR_OR_POLICY [--split test] [--data SPEC] [--baselines default|a,b|none]
        [--benchmark BASELINE|SERIES_SPEC] [--static]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tradegym.cli.common import add_benchmark, baseline_list, benchmark_name


def _cmd_backtest(args: argparse.Namespace) -> int:
    target = Path(args.target)
    baselines = baseline_list(args.baselines)
    benchmark = benchmark_name(args.benchmark, series=True)
    if (target / "run.json").is_file():
        from agents.evaluate import evaluate_run

        evaluate_run(target, split=args.split, baselines=baselines, out=args.out,
                     best=not args.final, data=args.data, benchmark=benchmark, static=args.static)
        return 0
    if target.is_dir():
        from tradegym.errors import ConfigError

        raise ConfigError(f"{target} is not a tradegym run directory (no run.json)")
    from tradegym.backtest.baselines import baseline_names
    from tradegym.backtest.compare import compare, period, resolve_policy
    from tradegym.data import load_spec

    if args.target.endswith(".zip"):
        policy, name = _load_archive(args.target, args.trust, args.algo)
    else:
        policy, name = resolve_policy(args.target)
    market = load_spec(args.data or "sp500_stocks")
    env_kwargs = {"cost_rate": args.cost_rate, "window_bars": args.window,
                  "execution": args.execution}
    history, start = period(market, args.split, min_rows=args.window + 2)  # the default split
    names = baseline_names(market) if baselines is None else baselines
    names = [b for b in names if b != name]
    out = args.out or Path("results") / f"backtest-{name}-{args.split}"
    print(f"{args.split} split of {market.describe()}")
    compare([(policy, name)], history, start=start, baselines=names, env_kwargs=env_kwargs,
            out=out, title=f"Backtest of {name} on the {args.split} split of {market.name}",
            benchmark=benchmark, static=args.static,
            provenance={"data spec": args.data or "sp500_stocks", "policy": args.target,
                        "split": f"{args.split} (default train/val/test fractions)"})
    return 0


def _load_archive(path: str, trust: bool, algo: str | None) -> tuple[Any, str]:
    """An SB3 ``.zip`` outside a run directory: only with ``--trust`` and ``--algo``."""
    from tradegym.errors import ConfigError

    if not Path(path).is_file():
        raise ConfigError(f"model archive {path} does not exist")
    if not trust:
        raise ConfigError(
            f"{path} is an SB3 archive outside a run directory: loading it unpickles objects "
            "that can run code. Pass --trust if you know where it came from (a run directory "
            "is checked against its manifest instead and needs no --trust)"
        )
    if not algo:
        raise ConfigError(f"say which algorithm saved {path} with --algo (ppo, dqn, a2c, ...)")
    from agents.factory import load_model

    return load_model(algo, path), Path(path).stem


def add_backtest_parser(commands: Any) -> None:
    """Register ``backtest`` on the ``tradegym`` sub-command parser."""
    bt = commands.add_parser(
        "backtest", help="backtest a run, a baseline or your policy against the baselines",
        description="Backtest TARGET on a split it never trained on, next to the baselines, in "
                    "the same environment: prints the table and writes charts, metrics.csv/json "
                    "and a self-contained report.html.")
    bt.add_argument("target", metavar="RUN_DIR_OR_POLICY",
                    help="a run directory from 'tradegym train', a baseline name (min_variance), "
                         "'module:attr' (a function obs -> action or a policy), or an SB3 .zip "
                         "with --trust --algo")
    bt.add_argument("--split", default="test", help="train, val, test or all (default: %(default)s)")
    bt.add_argument("--data", default=None,
                    help="market spec (default: the run's own; sp500_stocks for a policy)")
    bt.add_argument("--baselines", default="default",
                    help="comma-separated baseline names, 'default' (all standard ones, plus "
                         "oracle on planted markets) or 'none'; the --benchmark is backtested "
                         "too unless it is 'none' (default: %(default)s)")
    add_benchmark(bt, series=True)
    bt.add_argument("--static", action="store_true",
                    help="also write PNG charts and report_static.html (for papers); report.html "
                         "is interactive either way")
    bt.add_argument("--out", default=None,
                    help="report folder (default: RUN/backtest-SPLIT or results/backtest-NAME-SPLIT)")
    bt.add_argument("--final", action="store_true",
                    help="use the final model instead of the best on validation")
    bt.add_argument("--cost-rate", type=float, default=0.001,
                    help="for a policy: cost per unit turnover (default: %(default)s = 10 bps)")
    bt.add_argument("--window", type=int, default=30, help="for a policy: window bars (default: 30)")
    bt.add_argument("--execution", default=None, choices=["next_open", "next_close", "close"],
                    help="for a policy: fill timing (default: next_open if the data has opens)")
    bt.add_argument("--trust", action="store_true",
                    help="allow loading a .zip archive (it is a pickle: it can run code)")
    bt.add_argument("--algo", default=None, help="algorithm of a .zip archive (ppo, dqn, ...)")
    bt.set_defaults(func=_cmd_backtest)
