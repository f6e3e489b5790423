"""``tradegym sweep``: a hyperparameter and seed sweep on Ray Tune, imported only when it runs.

::

    tradegym sweep --config SWEEP [--set KEY=VALUE ...] [--out DIR] [--address HOST:PORT|auto|ray://HOST:10001]
"""

from __future__ import annotations

import argparse
from typing import Any

from tradegym.cli.common import add_overrides, add_ray_arguments


def _cmd_sweep(args: argparse.Namespace) -> int:
    from agents.sweep import sweep

    sweep(args.config, overrides=args.set or [], out=args.out, address=args.address,
          num_cpus=args.num_cpus, backtest=not args.no_backtest)
    return 0


def add_sweep_parser(commands: Any) -> None:
    """Register ``sweep`` on the ``tradegym`` sub-command parser."""
    sw = commands.add_parser(
        "sweep", help="hyperparameter and seed sweep on Ray Tune (pip install 'tradegym[distributed]')",
        description="Run a sweep file on Ray Tune: every trial is an ordinary training run in "
                    "OUT/trial-XXXX-sSEED reporting each validation (ASHA stops trailing ones). "
                    "Writes OUT/trials.csv and OUT/best_config.yaml and backtests the best run.")
    sw.add_argument("--config", required=True,
                    help="sweep YAML path or shipped sweep name (tiny, ppo_lstm_small)")
    add_overrides(sw, "override of the sweep file, e.g. --set num_samples=4 (repeatable)")
    sw.add_argument("--out", default=None, help="output folder (default: results/sweeps/NAME)")
    add_ray_arguments(sw, "trials")
    sw.add_argument("--no-backtest", action="store_true", help="do not backtest the best run")
    sw.set_defaults(func=_cmd_sweep)
