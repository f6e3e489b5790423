"""``tradegym predict``: the weights a trained run chooses for the next bar.

::

    tradegym predict RUN_DIR --data SPEC [--as-of DATE] [--weights CURRENT.csv] [--out DIR]
        [--map-symbols RUN=DATA,...] [--final]

Prints the target weights for the bar after ``--as-of`` (default: the data's last bar) with
the as-of date, the symbols, the model's sha256 and the execution it assumes, and writes
``weights.csv`` and ``prediction.json`` (default folder ``RUN/predict-DATE``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _cmd_predict(args: argparse.Namespace) -> int:
    from tradegym.errors import ConfigError

    run = Path(args.run)
    if not (run / "run.json").is_file():
        raise ConfigError(f"{run} is not a tradegym run directory (no run.json); pass a run "
                          "written by 'tradegym train'")
    from agents.predict import predict_weights, read_weights, write_prediction
    from tradegym.cli.backtest import parse_symbol_map

    current = read_weights(args.weights) if args.weights else None
    prediction = predict_weights(run, args.data, as_of=args.as_of, current=current,
                                 best=not args.final, map_symbols=parse_symbol_map(args.map_symbols))
    for line in prediction.lines():
        print(line)
    out = args.out or run / f"predict-{prediction.as_of.date()}"
    for path in write_prediction(prediction, out):
        print(f"wrote {path}")
    return 0


def add_predict_parser(commands: Any) -> None:
    """Register ``predict`` on the ``tradegym`` sub-command parser."""
    pr = commands.add_parser(
        "predict", help="the target weights a trained run chooses for the next bar",
        description="Build the observation the run's env would show at the close of --as-of "
                    "(nothing later is read), let the model act deterministically and map the "
                    "action to target weights; print them and write weights.csv and prediction.json.")
    pr.add_argument("run", metavar="RUN_DIR", help="a run directory from 'tradegym train'")
    pr.add_argument("--data", required=True,
                    help="market spec with the run's symbols, up to date (another order is fine)")
    pr.add_argument("--as-of", default=None, metavar="DATE",
                    help="decide at the close of this date (the last bar on or before it; "
                         "default: the data's last bar)")
    pr.add_argument("--weights", default=None, metavar="CURRENT.csv",
                    help="current holdings, CSV symbol,weight (cash row optional, else the rest; "
                         "sums to 1); a previous weights.csv works as it is (default: all cash)")
    pr.add_argument("--out", default=None, help="output folder (default: RUN/predict-DATE)")
    pr.add_argument("--map-symbols", default=None, metavar="RUN=DATA,...",
                    help="which data symbol plays each run symbol whose name differs (e.g. FB=META)")
    pr.add_argument("--final", action="store_true",
                    help="use the final model instead of the best on validation")
    pr.set_defaults(func=_cmd_predict)
