"""``tradegym demo``: parses the flags and hands them to :func:`agents.demo.run_demo`.

::

    tradegym demo [--data sp500_stocks] [--out results/demo] [--split test] [--no-train]
                  [--cost-rate 0.001] [--window 30] [--timesteps N] [--seeds 3] [--config ppo_lstm]
"""

from __future__ import annotations

import argparse
from typing import Any


def _cmd_demo(args: argparse.Namespace) -> int:
    from agents.demo import run_demo

    run_demo(args.data, args.out, split=args.split, cost_rate=args.cost_rate,
             window_bars=args.window, train=not args.no_train, timesteps=args.timesteps,
             config=args.config, seeds=args.seeds)
    return 0


def add_demo_parser(commands: Any) -> None:
    """Register ``demo`` on the ``tradegym`` sub-command parser."""
    # The defaults are the demo's own, read from its module: agents.demo imports no torch
    # (tests/test_layers.py checks that ``tradegym --help`` stays torch-free).
    from agents.demo import DEMO_SEEDS, DEMO_TIMESTEPS, SPLITS
    from tradegym.data.market import DEFAULT_SPLIT

    train, val = DEFAULT_SPLIT
    cut = f"{train:.0%}/{val:.0%}/{1 - train - val:.0%}".replace("%", "")

    demo = commands.add_parser(
        "demo", help="train the default agent and backtest it against cash, buy-and-hold and "
                     "equal weight on the test split"
    )
    demo.add_argument("--data", default="sp500_stocks",
                      help="NAME, csv:PATH, parquet:PATH, yahoo:TICKER[,TICKER] or "
                           "module:function (default: %(default)s)")
    demo.add_argument("--out", default="results/demo", help="output folder (default: %(default)s)")
    demo.add_argument("--split", default="test", choices=SPLITS,
                      help=f"chronological {cut} part to backtest (default: %(default)s)")
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
