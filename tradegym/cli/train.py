"""Agent training sub-commands; ``agents`` (torch) is imported only when they run.

::

    tradegym train --config ppo_lstm [--set train.total_timesteps=50000 ...] | --resume RUN_DIR
    tradegym walkforward --config ppo_lstm [--folds 3] [--seeds 2] [--set KEY=VALUE ...] [--address HOST:PORT]
    tradegym configs
"""

from __future__ import annotations

import argparse
from typing import Any

from tradegym.cli.common import (
    add_benchmark,
    add_overrides,
    add_ray_arguments,
    add_run_arguments,
    baseline_list,
    benchmark_name,
)


def _cmd_train(args: argparse.Namespace) -> int:
    from agents.train import train

    result = train(None if args.resume else args.config, overrides=args.set or [],
                   runs_root=args.runs, run_dir=args.run_dir, resume=args.resume)
    return 130 if result.interrupted else 0


def _cmd_walkforward(args: argparse.Namespace) -> int:
    from agents.walkforward import walk_forward

    walk_forward(args.config, folds=args.folds, seeds=list(range(args.seeds)),
                 overrides=args.set or [], out=args.out, baselines=baseline_list(args.baselines),
                 initial_fraction=args.initial, expanding=not args.sliding, address=args.address,
                 num_cpus=args.num_cpus, parallel=not args.sequential,
                 benchmark=benchmark_name(args.benchmark), n_configs=args.configs_tried)
    return 0


def _cmd_configs(args: argparse.Namespace) -> int:
    from agents.config import shipped_configs

    print("\n".join(shipped_configs()))
    return 0


def add_train_parser(commands: Any) -> None:
    """Register ``train`` on the ``tradegym`` sub-command parser."""
    train = commands.add_parser("train", help="train an agent into a run directory")
    add_run_arguments(
        train, config_default="ppo_lstm",
        config_help="shipped config name (see 'tradegym configs') or YAML path (default: %(default)s)",
        set_help="override, e.g. --set train.total_timesteps=50000 (repeatable)",
        resume_help="continue RUN_DIR from its last checkpoint",
    )
    train.set_defaults(func=_cmd_train)


def add_walkforward_parser(commands: Any) -> None:
    """Register ``walkforward`` on the ``tradegym`` sub-command parser."""
    wf = commands.add_parser(
        "walkforward", help="retrain per fold, test on the block after it, aggregate over folds and seeds",
        description="Walk-forward evaluation: the data is cut into an initial block and FOLDS test "
                    "blocks; each fold trains SEEDS runs on everything before its test block (the "
                    "last 15%% for model selection) and backtests them on the block next to the "
                    "baselines. The FOLDS x SEEDS trainings run as Ray tasks, here or on a cluster "
                    "(--address). Prints per-fold and summary tables; writes OUT/report/report.html.")
    wf.add_argument("--config", default="ppo_lstm",
                    help="agent config name or YAML path (default: %(default)s)")
    wf.add_argument("--folds", type=int, default=3, help="test blocks (default: %(default)s)")
    wf.add_argument("--seeds", type=int, default=2, help="seeds per fold (default: %(default)s)")
    add_overrides(wf, "config override, e.g. --set train.total_timesteps=8192 (repeatable)")
    wf.add_argument("--out", default="results/walkforward", help="output folder (default: %(default)s)")
    wf.add_argument("--baselines", default="default", help="as for 'backtest' (default: %(default)s)")
    add_benchmark(wf)
    wf.add_argument("--configs-tried", type=int, default=1, metavar="N",
                    help="configurations tried before this one (all of them, discarded ones "
                         "included): with the seeds, the trial count of the deflated Sharpe "
                         "ratio (default: %(default)s)")
    wf.add_argument("--initial", type=float, default=0.5,
                    help="share of the data before the first test block (default: %(default)s)")
    wf.add_argument("--sliding", action="store_true",
                    help="sliding training windows (default: expanding)")
    add_ray_arguments(wf, "trainings")
    wf.add_argument("--sequential", action="store_true",
                    help="train one run after another in this process, without Ray")
    wf.set_defaults(func=_cmd_walkforward)


def add_configs_parser(commands: Any) -> None:
    """Register ``configs`` on the ``tradegym`` sub-command parser."""
    commands.add_parser("configs", help="list the shipped agent configs").set_defaults(func=_cmd_configs)
