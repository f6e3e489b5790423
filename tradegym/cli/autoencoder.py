"""The ``tradegym autoencoder`` sub-commands; ``feature_nets`` (torch) is imported only when they run.

::

    tradegym autoencoder train [--kind mlp] [--code-size 16] [--data sp500_stocks] [--config YAML]
                               [--set model.noise_std=0.1 ...] [--runs runs] [--run-dir DIR]
    tradegym autoencoder evaluate RUN_DIR [--split test] [--out DIR] [--no-plot]
"""

from __future__ import annotations

import argparse
from typing import Any

from tradegym.cli.common import add_run_arguments, add_split_evaluation


def _cmd_train(args: argparse.Namespace) -> int:
    from feature_nets.autoencoder.train import train_autoencoder

    overrides = [f"model.kind={args.kind}"] if args.kind else []
    overrides += [f"model.code_size={args.code_size}"] if args.code_size is not None else []
    overrides += [f"data.source={args.data}"] if args.data else []
    overrides += list(args.set or [])
    train_autoencoder(args.config, overrides=overrides, runs_root=args.runs, run_dir=args.run_dir)
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from feature_nets.autoencoder.evaluate import evaluate_autoencoder

    evaluate_autoencoder(args.run, split=args.split, out=args.out, plot=not args.no_plot)
    return 0


def add_autoencoder_parser(commands: Any) -> None:
    """Register ``autoencoder train|evaluate`` on the ``tradegym`` sub-command parser."""
    ae = commands.add_parser("autoencoder", help="train and evaluate window autoencoders (vs PCA)")
    actions = ae.add_subparsers(dest="autoencoder_command", required=True, metavar="ACTION")

    train = actions.add_parser("train", help="train an autoencoder into a run directory")
    train.add_argument("--kind", default=None, help="mlp, lstm or conv (default: mlp)")
    train.add_argument("--code-size", type=int, default=None, help="total code size C (default: 16)")
    train.add_argument("--data", default=None, help="source spec (default: sp500_stocks)")
    add_run_arguments(train, config_help="YAML file with data/model/fit sections",
                      set_help="override, e.g. --set model.window_bars=10 --set model.noise_std=0.1")
    train.set_defaults(func=_cmd_train)

    evaluate = actions.add_parser("evaluate", help="reconstruction MSE against PCA, and charts")
    add_split_evaluation(evaluate, "autoencoder train")
    evaluate.set_defaults(func=_cmd_evaluate)
