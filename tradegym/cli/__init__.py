"""The ``tradegym`` command line; each sub-command imports its layer only when it runs.

::

    tradegym demo [--data sp500_stocks] [--out results/demo] [--split test] [--no-train]
                  [--cost-rate 0.001] [--window 30] [--timesteps N] [--config ppo_lstm]
    tradegym train --config ppo_lstm [--set train.total_timesteps=50000 ...] | --resume RUN_DIR
    tradegym backtest RUN_DIR_OR_POLICY [--split test] [--data SPEC] [--baselines default|a,b|none]
    tradegym predict RUN_DIR --data SPEC [--as-of DATE] [--weights CURRENT.csv] [--out DIR]
    tradegym walkforward --config ppo_lstm [--folds 3] [--seeds 2] [--set KEY=VALUE ...]
    tradegym sweep --config SWEEP [--set KEY=VALUE ...] [--out DIR] [--address auto|ray://HOST:10001]
    tradegym configs
    tradegym data list
    tradegym data show NAME
    tradegym forecast train|evaluate ...   (see tradegym.cli.forecast)
    tradegym autoencoder train|evaluate ...   (see tradegym.cli.autoencoder)
    tradegym gan train|sample|evaluate|select ...   (see tradegym.cli.gan)

One module per command group (``demo``, ``train``, ``backtest``, ``predict``, ``sweep``, ``data``,
``forecast``, ``autoencoder``, ``gan``); the arguments and exit codes they share are in
:mod:`tradegym.cli.common`. The CLI only parses and prints: the work is done by the layers
below, imported inside the command functions, so ``tradegym --help`` loads no torch.

Bad input (any ``ValueError``, which every tradegym error is) prints ``error: ...`` to
stderr and exits with code 2, as argparse does for bad arguments.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from tradegym.cli import autoencoder, backtest, common, data, demo, forecast, gan, predict, sweep, train


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        prog="tradegym", description="Reinforcement-learning trading research."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.add_demo_parser(commands)
    train.add_train_parser(commands)
    backtest.add_backtest_parser(commands)
    predict.add_predict_parser(commands)
    train.add_walkforward_parser(commands)
    sweep.add_sweep_parser(commands)
    train.add_configs_parser(commands)
    data.add_data_parser(commands)
    forecast.add_forecast_parser(commands)
    autoencoder.add_autoencoder_parser(commands)
    gan.add_gan_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad arguments or bad input, 130 interrupted)."""
    return common.run(build_parser(), argv)


def __getattr__(name: str) -> Any:
    # ``tradegym.cli.run_demo`` and the demo's constants lived here before the demo moved to
    # layer 3; resolved on first use so importing the CLI stays light.
    if name in ("run_demo", "DEMO_SEEDS", "DEMO_TIMESTEPS", "SPLITS", "TRAIN_FRACTION", "VAL_FRACTION"):
        import agents.demo

        return getattr(agents.demo, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["build_parser", "main", "run_demo"]
