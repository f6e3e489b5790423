"""The ``tradegym`` command line; each sub-command imports its layer only when it runs.

::

    tradegym demo [--data sp500_stocks] [--out results/demo] [--split test] [--no-train]
                  [--cost-rate 0.001] [--window 30] [--timesteps N] [--config ppo_lstm]
    tradegym train --config ppo_lstm [--set train.total_timesteps=50000 ...] | --resume RUN_DIR
    tradegym backtest RUN_DIR_OR_POLICY [--split test] [--data SPEC] [--baselines default|a,b|none]
    tradegym walkforward --config ppo_lstm [--folds 3] [--seeds 2] [--set KEY=VALUE ...]
    tradegym sweep --config SWEEP [--set KEY=VALUE ...] [--out DIR] [--address auto|ray://HOST:10001]
    tradegym configs
    tradegym data list
    tradegym data show NAME
    tradegym forecast train|evaluate ...   (see tradegym.cli_forecast)
    tradegym autoencoder train|evaluate ...   (see tradegym.cli_autoencoder)
    tradegym gan train|sample|evaluate ...   (see tradegym.cli_gan)

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
DEMO_TIMESTEPS = 12_288
"""Per seed: three seeds of PPO + LSTM train in about two minutes on two CPU cores."""
DEMO_SEEDS = 3


def run_demo(
    data: str = "sp500_stocks",
    out: str | Path = "results/demo",
    *,
    split: str = "test",
    cost_rate: float = 0.001,
    window_bars: int = 30,
    train: bool = True,
    timesteps: int = DEMO_TIMESTEPS,
    config: str = "ppo_lstm",
    seeds: int = DEMO_SEEDS,
    echo: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Train the default agent, then backtest it on the test split against the baselines.

    Args:
        data: a source spec for :func:`tradegym.data.load_spec`.
        out: parent of the new run directory (training; the report goes to
            ``RUN/backtest-<split>``), or the report folder (``train=False``).
        split: the part to backtest: ``"test"`` (default), ``"val"``, ``"train"``, or
            ``"all"`` (baselines only).
        cost_rate: proportional cost per unit of turnover (a fraction: 0.001 = 10 bps).
        window_bars: observation window ``W``.
        train: ``False`` backtests the baselines only (seconds, no torch).
        timesteps: training budget in env steps.
        config: the shipped agent config to train.
        seeds: how many seeds (0, 1, ...) to train; each is backtested and all are reported.
        echo: where the report lines go.

    Returns:
        ``{"results": [BacktestResult, ...], "runs": [run directories]}``.

    Raises:
        ValueError: unknown source, config or split, or data too short for the window.
    """
    from tradegym.errors import ConfigError
    from tradegym.registry import suggest

    if split not in SPLITS:
        raise ConfigError(
            f"unknown split {split!r}.{suggest(split, list(SPLITS))} Use one of {list(SPLITS)}"
        )
    if train and split != "all":
        from agents.evaluate import evaluate_run, seed_summary
        from agents.train import train as train_agent
        from tradegym.backtest.report import report

        results, runs = [], []
        for seed in range(seeds):
            overrides = [f"data.source={data}", f"env.cost_rate={cost_rate}",
                         f"env.window_bars={window_bars}", f"train.total_timesteps={timesteps}",
                         f"train.seed={seed}", f"name=demo_{config}_s{seed}"]
            run = train_agent(config, overrides=overrides, runs_root=out, echo=echo).run
            runs.append(run)
            results += evaluate_run(run.path, split=split, baselines=None if seed == 0 else (),
                                    label=f"{config}_s{seed}", write_report=False)
        # Agents first (by seed), then the baselines in their usual order.
        results.sort(key=lambda r: (0, r.name) if r.name.startswith(config) else (1, ""))
        echo(f"{split} split of {data}, {seeds} seed(s) of {config}, {timesteps} steps each:")
        report(results, Path(out) / f"backtest-{split}", echo,
               title=f"{config}, {seeds} seed(s) x {timesteps} steps, on the {split} split of {data}")
        echo(seed_summary(results, config))
        return {"results": results, "runs": runs}
    return {"results": _baseline_demo(data, out, split, cost_rate, window_bars, echo), "runs": []}


def _baseline_demo(data: str, out: str | Path, split: str, cost_rate: float, window_bars: int,
                   echo: Callable[[str], Any]) -> list[Any]:
    from tradegym.backtest.baselines import baseline_names
    from tradegym.backtest.compare import compare, period
    from tradegym.data import load_spec

    market = load_spec(data)
    echo(f"data: {market.describe()}")
    history, start = period(market, split, TRAIN_FRACTION, VAL_FRACTION, min_rows=window_bars + 2)
    if split != "all":
        echo(f"split: {split} ({TRAIN_FRACTION:.0%}/{VAL_FRACTION:.0%}/"
             f"{1 - TRAIN_FRACTION - VAL_FRACTION:.0%} train/val/test)")
    env_kwargs = {"cost_rate": cost_rate, "window_bars": window_bars}
    return compare([], history, start=start, baselines=baseline_names(market), env_kwargs=env_kwargs,
                   out=out, echo=echo, title=f"Baselines on the {split} split of {data}")


def _cmd_demo(args: argparse.Namespace) -> int:
    run_demo(args.data, args.out, split=args.split, cost_rate=args.cost_rate,
             window_bars=args.window, train=not args.no_train, timesteps=args.timesteps,
             config=args.config, seeds=args.seeds)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from agents.train import train

    result = train(None if args.resume else args.config, overrides=args.set or [],
                   runs_root=args.runs, run_dir=args.run_dir, resume=args.resume)
    return 130 if result.interrupted else 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    target = Path(args.target)
    baselines = _baseline_list(args.baselines)
    if (target / "run.json").is_file():
        from agents.evaluate import evaluate_run

        evaluate_run(target, split=args.split, baselines=baselines, out=args.out,
                     best=not args.final, data=args.data)
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
    history, start = period(market, args.split, TRAIN_FRACTION, VAL_FRACTION, min_rows=args.window + 2)
    if baselines is None:
        baselines = baseline_names(market)
    baselines = [b for b in baselines if b != name]
    out = args.out or Path("results") / f"backtest-{name}-{args.split}"
    print(f"{args.split} split of {market.describe()}")
    compare([(policy, name)], history, start=start, baselines=baselines, env_kwargs=env_kwargs,
            out=out, title=f"Backtest of {name} on the {args.split} split of {market.name}")
    return 0


def _baseline_list(spec: str) -> list[str] | None:
    """``default`` -> None (every default baseline), ``none`` -> [], else the names."""
    if spec == "default":
        return None
    return [] if spec == "none" else [b.strip() for b in spec.split(",") if b.strip()]


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


def _cmd_walkforward(args: argparse.Namespace) -> int:
    from agents.walkforward import walk_forward

    walk_forward(args.config, folds=args.folds, seeds=list(range(args.seeds)),
                 overrides=args.set or [], out=args.out, baselines=_baseline_list(args.baselines),
                 initial_fraction=args.initial, expanding=not args.sliding)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from agents.sweep import sweep

    sweep(args.config, overrides=args.set or [], out=args.out, address=args.address,
          num_cpus=args.num_cpus, backtest=not args.no_backtest)
    return 0


def _cmd_configs(args: argparse.Namespace) -> int:
    from agents.config import shipped_configs

    print("\n".join(shipped_configs()))
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
        "demo", help="train the default agent and backtest it against cash, buy-and-hold and "
                     "equal weight on the test split"
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
    demo.add_argument("--timesteps", type=int, default=DEMO_TIMESTEPS,
                      help="training budget in env steps (default: %(default)s)")
    demo.add_argument("--config", default="ppo_lstm", help="agent config (default: %(default)s)")
    demo.add_argument("--seeds", type=int, default=DEMO_SEEDS,
                      help="number of training seeds (default: %(default)s)")
    demo.add_argument("--no-train", action="store_true", help="backtest the baselines only")
    demo.set_defaults(func=_cmd_demo)

    train = commands.add_parser("train", help="train an agent into a run directory")
    train.add_argument("--config", default="ppo_lstm",
                       help="shipped config name (see 'tradegym configs') or YAML path "
                            "(default: %(default)s)")
    train.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override, e.g. --set train.total_timesteps=50000 (repeatable)")
    train.add_argument("--runs", default="runs", help="parent of new run directories (default: %(default)s)")
    train.add_argument("--run-dir", default=None, help="exact new run directory")
    train.add_argument("--resume", default=None, metavar="RUN_DIR",
                       help="continue RUN_DIR from its last checkpoint")
    train.set_defaults(func=_cmd_train)

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
                         "oracle on planted markets) or 'none' (default: %(default)s)")
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

    wf = commands.add_parser(
        "walkforward", help="retrain per fold, test on the block after it, aggregate over folds and seeds",
        description="Walk-forward evaluation: the data is cut into an initial block and FOLDS test "
                    "blocks; each fold trains SEEDS runs on everything before its test block (the "
                    "last 15%% for model selection) and backtests them on the block next to the "
                    "baselines. Prints per-fold and summary tables; writes OUT/report/report.html.")
    wf.add_argument("--config", default="ppo_lstm",
                    help="agent config name or YAML path (default: %(default)s)")
    wf.add_argument("--folds", type=int, default=3, help="test blocks (default: %(default)s)")
    wf.add_argument("--seeds", type=int, default=2, help="seeds per fold (default: %(default)s)")
    wf.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="config override, e.g. --set train.total_timesteps=8192 (repeatable)")
    wf.add_argument("--out", default="results/walkforward", help="output folder (default: %(default)s)")
    wf.add_argument("--baselines", default="default", help="as for 'backtest' (default: %(default)s)")
    wf.add_argument("--initial", type=float, default=0.5,
                    help="share of the data before the first test block (default: %(default)s)")
    wf.add_argument("--sliding", action="store_true",
                    help="sliding training windows (default: expanding)")
    wf.set_defaults(func=_cmd_walkforward)

    sw = commands.add_parser(
        "sweep", help="hyperparameter and seed sweep on Ray Tune (pip install 'tradegym[distributed]')",
        description="Run a sweep file on Ray Tune: every trial is an ordinary training run in "
                    "OUT/trial-XXXX-sSEED reporting each validation (ASHA stops trailing ones). "
                    "Writes OUT/trials.csv and OUT/best_config.yaml and backtests the best run.")
    sw.add_argument("--config", required=True,
                    help="sweep YAML path or shipped sweep name (tiny, ppo_lstm_small)")
    sw.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override of the sweep file, e.g. --set num_samples=4 (repeatable)")
    sw.add_argument("--out", default=None, help="output folder (default: results/sweeps/NAME)")
    sw.add_argument("--address", default=None,
                    help="an existing Ray cluster: auto or ray://HOST:10001 (default: start Ray here)")
    sw.add_argument("--num-cpus", type=int, default=None,
                    help="CPUs of the Ray started here (default: all of this machine's)")
    sw.add_argument("--no-backtest", action="store_true", help="do not backtest the best run")
    sw.set_defaults(func=_cmd_sweep)

    commands.add_parser("configs", help="list the shipped agent configs").set_defaults(
        func=_cmd_configs)

    data = commands.add_parser("data", help="list or describe data sources")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    data_commands.add_parser("list", help="names of the data sources").set_defaults(
        func=_cmd_data_list
    )
    show = data_commands.add_parser("show", help="load a source and describe it")
    show.add_argument("name", help="source name, e.g. sp500_stocks")
    show.set_defaults(func=_cmd_data_show)

    from tradegym.cli_forecast import add_forecast_parser

    add_forecast_parser(commands)
    from tradegym.cli_autoencoder import add_autoencoder_parser

    add_autoencoder_parser(commands)
    from tradegym.cli_gan import add_gan_parser

    add_gan_parser(commands)
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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["build_parser", "main", "run_demo"]
