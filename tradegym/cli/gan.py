"""The ``tradegym gan`` sub-commands; ``feature_nets`` (torch) is imported only when they run.

::

    tradegym gan train [--data us_indices] [--config YAML] [--set train.iterations=3000 ...]
                       [--runs runs] [--run-dir DIR] [--resume RUN_DIR]
    tradegym gan sample RUN_DIR [--bars 2520] [--seed 0] [--out prices.csv] [--plot]
    tradegym gan evaluate RUN_DIR [--seeds 0 1 2] [--controls all|none|a,b] [--out DIR] [--quick]
                          [--threads N]
    tradegym gan select RUN_DIR RUN_DIR ... [--steps 2000] [--seed 0] [--out selection.csv] [--threads N]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tradegym.cli.common import add_run_arguments, add_threads, threads


def _cmd_train(args: argparse.Namespace) -> int:
    from feature_nets.gan import train_gan

    overrides = [f"data.source={args.data}"] if args.data else []
    overrides += list(args.set or [])
    if args.resume:
        train_gan(resume=args.resume, overrides=overrides)
    else:
        train_gan(args.config, overrides=overrides, runs_root=args.runs, run_dir=args.run_dir)
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from feature_nets.gan import load_gan
    from tradegym.io import atomic_write

    model = load_gan(args.run, args.which)
    market = model.sample_market(args.bars, args.seed, args.start)
    out = Path(args.out) if args.out else Path(args.run) / f"sample_seed{args.seed}.csv"
    # Long format (date, symbol, fields): what ``tradegym.data.load("csv", path=...)`` reads back.
    frame = market.to_frame().stack("symbol", future_stack=True).rename_axis(["date", "symbol"])
    atomic_write(out, frame.reset_index().to_csv(index=False))
    print(f"{market.describe()} (seed {args.seed}) -> {out}")
    print(
        f"load it with: tradegym.data.load('csv', path='{out}') or data: {{source: gan, run: {args.run}, "
        f"kwargs: {{n_bars: {args.bars}, seed: {args.seed}}}}}"
    )
    if args.plot:
        from feature_nets.gan.report import plot_sample_paths

        png = plot_sample_paths(model, out.with_suffix(".png"), seed=args.seed)
        print(f"paths: {png}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from feature_nets.gan.report import evaluate_gan_run

    controls = None if args.controls == "all" else [] if args.controls == "none" else [
        c.strip() for c in args.controls.split(",") if c.strip()]
    with threads(args.threads):
        evaluate_gan_run(args.run, seeds=tuple(args.seeds), out=args.out, quick=args.quick, controls=controls)
    return 0


def _cmd_select(args: argparse.Namespace) -> int:
    from feature_nets.gan.select import select_runs

    with threads(args.threads):
        rows = select_runs(args.runs, steps=args.steps, seed=args.seed, out=args.out)
    print("| run | best.pt iteration | judge (training split) |\n|---|---|---|")
    for row in rows:
        print(f"| {row['run']} | {row['best_iteration']} | {row['judge']:.3f} |")
    print(f"chosen: {rows[0]['run']} (lowest judge score on held-out blocks of the training split)")
    if args.out:
        print(f"table: {args.out}")
    return 0


def add_gan_parser(commands: Any) -> None:
    """Register ``gan train|sample|evaluate|select`` on the ``tradegym`` sub-command parser."""
    gan = commands.add_parser("gan", help="train GAN market generators, sample markets, evaluate them")
    actions = gan.add_subparsers(dest="gan_command", required=True, metavar="ACTION")

    train = actions.add_parser("train", help="train a WGAN-GP generator into a run directory (or resume one)")
    train.add_argument("--data", default=None, help="source spec (default: us_indices)")
    add_run_arguments(
        train, config_help="YAML file with data/model/train sections",
        set_help="override, e.g. --set train.iterations=500 --set model.bars=close",
        resume_help="continue a run from its last checkpoint",
    )
    train.set_defaults(func=_cmd_train)

    sample = actions.add_parser("sample", help="sample one synthetic market to a CSV file")
    sample.add_argument("run", help="run directory written by 'tradegym gan train'")
    sample.add_argument("--bars", type=int, default=2520, help="bars to sample (default: %(default)s)")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--start", default="2000-01-03", help="first date (business days follow)")
    sample.add_argument("--which", default="best", choices=("best", "last"), help="generator weights to use")
    sample.add_argument("--out", default=None, help="CSV path (default: RUN/sample_seedS.csv)")
    sample.add_argument("--plot", action="store_true", help="also draw sample paths next to the CSV")
    sample.set_defaults(func=_cmd_sample)

    evaluate = actions.add_parser("evaluate", help="stylized facts, distances and judges vs controls")
    evaluate.add_argument("run", help="run directory written by 'tradegym gan train'")
    evaluate.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    evaluate.add_argument("--out", default=None, help="output folder (default: RUN/eval)")
    evaluate.add_argument("--controls", default="all",
                          help="all (default), none, or names: replay,time_shuffled,iid_days,gbm,garch_t,"
                               "block_bootstrap")
    evaluate.add_argument(
        "--quick", action="store_true", help="small judge budgets (a smoke test, not a result)"
    )
    add_threads(evaluate)
    evaluate.set_defaults(func=_cmd_evaluate)

    select = actions.add_parser(
        "select", help="choose among runs (e.g. training seeds) with a judge on their training split"
    )
    select.add_argument("runs", nargs="+", help="run directories trained on the same data")
    select.add_argument("--steps", type=int, default=2000, help="Adam steps per judge (default: %(default)s)")
    select.add_argument("--seed", type=int, default=0, help="judge seed, the same for every run")
    select.add_argument("--out", default=None, help="CSV path for the table")
    add_threads(select)
    select.set_defaults(func=_cmd_select)
