"""The ``tradegym forecast`` sub-commands; ``feature_nets`` (torch) is imported only when they run.

::

    tradegym forecast train [--model lstm] [--data sp500_stocks] [--config YAML]
                            [--set fit.max_epochs=20 ...] [--runs runs] [--run-dir DIR]
    tradegym forecast evaluate RUN_DIR [--split test] [--out DIR] [--no-plot]
"""

from __future__ import annotations

import argparse
from typing import Any

from tradegym.cli.common import add_run_arguments, add_split_evaluation


def _cmd_train(args: argparse.Namespace) -> int:
    from feature_nets.forecast.train import train_forecaster

    overrides = [f"model.encoder={args.model}"] if args.model else []
    overrides += [f"data.source={args.data}"] if args.data else []
    overrides += list(args.set or [])
    train_forecaster(args.config, overrides=overrides, runs_root=args.runs, run_dir=args.run_dir)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from feature_nets.forecast.evaluate import evaluate_forecaster

    evaluate_forecaster(args.run, split=args.split, out=args.out, plot=not args.no_plot)
    return 0


def add_forecast_parser(commands: Any) -> None:
    """Register ``forecast train|evaluate`` on the ``tradegym`` sub-command parser."""
    forecast = commands.add_parser("forecast", help="train and evaluate supervised next-bar forecasters")
    actions = forecast.add_subparsers(dest="forecast_command", required=True, metavar="ACTION")

    train = actions.add_parser("train", help="train a forecaster into a run directory")
    train.add_argument("--model", default=None,
                       help="encoder: lstm, gru, transformer, tcn, mlp or module:Class (default: lstm)")
    train.add_argument("--data", default=None, help="source spec (default: sp500_stocks)")
    add_run_arguments(train, config_help="YAML file with data/model/fit sections",
                      set_help="override, e.g. --set fit.max_epochs=20 --set model.task=classification")
    train.set_defaults(func=_cmd_train)

    evaluate = actions.add_parser("evaluate", help="evaluate a forecaster against naive baselines")
    add_split_evaluation(evaluate, "forecast train")
    evaluate.set_defaults(func=_cmd_evaluate)
