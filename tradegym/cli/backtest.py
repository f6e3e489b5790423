"""``tradegym backtest``: a run, a baseline or a user's policy next to the baselines.

::

    tradegym backtest RUN_DIR_OR_POLICY [--split test] [--data SPEC] [--baselines default|a,b|none]
        [--benchmark BASELINE|SERIES_SPEC] [--static] [--execution X] [--cost-rate R]
        [--window W] [--split-fractions TRAIN,VAL] [--map-symbols RUN=DATA,...]
        [--periods-per-year N] [--env KEY=VALUE ...]

On a run directory the run's env settings are the defaults: ``--execution`` and
``--cost-rate`` override them (the header says ``overrides: ...``), ``--window`` other than
the run's is refused (the model's input shape is fixed), and so is ``--split-fractions`` (a
run is tested on its own split, the one it never trained on). For a baseline or a policy
the defaults are 10 bps, 30 bars and the 70/15/15 split. Metrics annualise with the bars
per year the data's calendar shows (252 for daily weekday bars; see
:mod:`tradegym.data.frequency`) unless ``--periods-per-year`` says otherwise. ``--env
KEY=VALUE`` sets any env keyword for a baseline or a policy (``--env action_mapping=long_short
--env max_gross=2``: a long/short book); on a run only those that act on fills and accounting
(costs, interest, margin: ``agents.evaluate.OVERRIDABLE``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tradegym.cli.common import add_benchmark, baseline_list, benchmark_name, env_settings

POLICY_COST_RATE = 0.001
"""``--cost-rate`` of a baseline or policy when not given (10 bps)."""
POLICY_WINDOW = 30
"""``--window`` of a baseline or policy when not given."""


def parse_symbol_map(text: str | None) -> dict[str, str]:
    """``"OLD=NEW,A=B"`` -> ``{"OLD": "NEW", "A": "B"}`` (run symbol = data symbol).

    >>> parse_symbol_map("AAA=XXX, BBB=YYY")
    {'AAA': 'XXX', 'BBB': 'YYY'}

    Raises:
        ConfigError: an entry that is not ``RUN_SYMBOL=DATA_SYMBOL``, or a symbol mapped twice.
    """
    from tradegym.errors import ConfigError

    mapping: dict[str, str] = {}
    for entry in (text or "").split(","):
        if not entry.strip():
            continue
        old, sep, new = (part.strip() for part in entry.partition("="))
        if not sep or not old or not new:
            raise ConfigError(f"--map-symbols entry {entry.strip()!r} is not RUN_SYMBOL=DATA_SYMBOL; "
                              "write e.g. --map-symbols FB=META,GOOG=GOOGL")
        if old in mapping:
            raise ConfigError(f"--map-symbols maps {old} twice; give each run symbol once")
        mapping[old] = new
    return mapping


def parse_fractions(text: str) -> tuple[float, float]:
    """``"0.6,0.2"`` -> ``(0.6, 0.2)``: the train and validation fractions (test is the rest).

    Raises:
        ConfigError: not two numbers, or not ``0 < train``, ``0 < val``, ``train + val < 1``.
    """
    from tradegym.errors import ConfigError

    parts = [p.strip() for p in text.split(",")]
    try:
        train, val = (float(p) for p in parts)
    except ValueError:
        raise ConfigError(f"--split-fractions {text!r} must be two numbers TRAIN,VAL such as "
                          "0.6,0.2 (the test part is the rest)") from None
    if not (train > 0 and val > 0 and train + val < 1):
        raise ConfigError(f"--split-fractions {text!r}: need train > 0, val > 0 and train + val < 1 "
                          "so the test part is not empty; e.g. 0.6,0.2")
    return train, val


def _cmd_backtest(args: argparse.Namespace) -> int:
    target = Path(args.target)
    baselines = baseline_list(args.baselines)
    benchmark = benchmark_name(args.benchmark, series=True)
    if (target / "run.json").is_file():
        return _backtest_run(args, target, baselines, benchmark)
    from tradegym.errors import ConfigError

    if target.is_dir():
        raise ConfigError(f"{target} is not a tradegym run directory (no run.json)")
    if args.map_symbols:
        raise ConfigError("--map-symbols matches data to a run's symbols; a baseline or a policy "
                          "takes the data's symbols as they are: drop --map-symbols")
    from tradegym.backtest.baselines import baseline_names
    from tradegym.backtest.compare import compare, period, resolve_policy
    from tradegym.data import load_spec
    from tradegym.data.market import DEFAULT_SPLIT

    if args.target.endswith(".zip"):
        policy, name = _load_archive(args.target, args.trust, args.algo)
    else:
        policy, name = resolve_policy(args.target)
    market = load_spec(args.data or "sp500_stocks")
    window = POLICY_WINDOW if args.window is None else args.window
    env_kwargs = {"cost_rate": POLICY_COST_RATE if args.cost_rate is None else args.cost_rate,
                  "window_bars": window, "execution": args.execution, **env_settings(args.env)}
    fractions = parse_fractions(args.split_fractions) if args.split_fractions else None
    train, val = fractions or DEFAULT_SPLIT[:2]
    history, start = period(market, args.split, train, val, min_rows=window + 2)
    cut = (f"train {fractions[0]:g} / val {fractions[1]:g} fractions" if fractions
           else "default train/val/test fractions")
    names = baseline_names(market, env_kwargs) if baselines is None else baselines
    names = [b for b in names if b != name]
    out = args.out or Path("results") / f"backtest-{name}-{args.split}"
    print(f"{args.split} split of {market.describe()}")
    compare([(policy, name)], history, start=start, baselines=names, env_kwargs=env_kwargs,
            out=out, title=f"Backtest of {name} on the {args.split} split of {market.name}",
            benchmark=benchmark, static=args.static, periods_per_year=args.periods_per_year,
            provenance={"data spec": args.data or "sp500_stocks", "policy": args.target,
                        "split": f"{args.split} ({cut})"})
    return 0


def _backtest_run(args: argparse.Namespace, target: Path, baselines: list[str] | None,
                  benchmark: str | None) -> int:
    """A run directory: its own split; ``--execution``/``--cost-rate`` override, the rest is refused."""
    from tradegym.errors import ConfigError

    if args.split_fractions:
        raise ConfigError(
            f"--split-fractions: {target} is backtested on its own train/val/test cut (its config's "
            "data.train and data.val), so the test split is one it never trained or was selected "
            "on; drop --split-fractions (or use --split all / val / train)")
    if args.map_symbols and not args.data:
        raise ConfigError("--map-symbols needs --data: the run's own data has the run's symbols")
    from agents.evaluate import evaluate_run

    evaluate_run(target, split=args.split, baselines=baselines, out=args.out,
                 best=not args.final, data=args.data, benchmark=benchmark, static=args.static,
                 map_symbols=parse_symbol_map(args.map_symbols), periods_per_year=args.periods_per_year,
                 env_overrides={"execution": args.execution, "cost_rate": args.cost_rate,
                                "window_bars": args.window, **env_settings(args.env)})
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
    bt.add_argument("--cost-rate", type=float, default=None,
                    help="cost per unit turnover, a fraction (default: the run's; 0.001 = 10 bps "
                         "for a policy); on a run it overrides the run's, said in the header")
    bt.add_argument("--window", type=int, default=None,
                    help="window bars (default: the run's; 30 for a policy); a run refuses another "
                         "window than its own: its model's input shape is fixed")
    bt.add_argument("--execution", default=None, choices=["next_open", "next_close", "close"],
                    help="fill timing (default: the run's; for a policy next_open if the data has "
                         "opens); on a run it overrides the run's, said in the header")
    bt.add_argument("--split-fractions", default=None, metavar="TRAIN,VAL",
                    help="for a baseline or policy: train and validation fractions of the split, "
                         "test the rest (default: 0.7,0.15); refused with a run, which uses its own")
    bt.add_argument("--map-symbols", default=None, metavar="RUN=DATA,...",
                    help="with a run and --data: which data symbol plays each run symbol whose "
                         "name differs (e.g. FB=META); same symbols in another order need nothing")
    bt.add_argument("--periods-per-year", type=float, default=None, metavar="N",
                    help="bars per year for annualising the metrics (default: the run's "
                         "data.periods_per_year, else inferred from the data's dates: 252 for "
                         "daily weekday bars, 365 daily 24/7, 52 weekly, 12 monthly, 8760 "
                         "hourly 24/7); the report says which")
    bt.add_argument("--env", action="append", default=None, metavar="KEY=VALUE",
                    help="an env keyword, repeatable, value as YAML: --env action_mapping=long_short "
                         "--env max_gross=2 backtests on a long/short book; a run takes only costs, "
                         "interest and margin settings")
    bt.add_argument("--trust", action="store_true",
                    help="allow loading a .zip archive (it is a pickle: it can run code)")
    bt.add_argument("--algo", default=None, help="algorithm of a .zip archive (ppo, dqn, ...)")
    bt.set_defaults(func=_cmd_backtest)
