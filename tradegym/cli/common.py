"""What every ``tradegym`` sub-command shares: run arguments, overrides, threads, exit codes.

The trainers (``train``, ``forecast train``, ``autoencoder train``, ``gan train``) all start
a run directory the same way, so ``--config/--set/--runs/--run-dir/--resume`` are declared
here once; each command passes only the help text that differs (its default config and its
override examples). Nothing here imports a learning layer.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

RUNS_HELP = "parent of new run directories (default: %(default)s)"


def add_overrides(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``--set KEY=VALUE`` (repeatable; ``args.set`` is ``None`` or a list of strings)."""
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help=help_text)


def add_split_evaluation(parser: argparse.ArgumentParser, writer: str) -> None:
    """Add ``RUN``, ``--split``, ``--out`` and ``--no-plot``: a model run judged on one split.

    ``writer`` is the command that writes such runs (``forecast train``), named in the help.
    """
    parser.add_argument("run", help=f"run directory written by 'tradegym {writer}'")
    parser.add_argument("--split", default="test", help="train, val or test (default: %(default)s)")
    parser.add_argument("--out", default=None, help="output folder (default: RUN/eval-SPLIT)")
    parser.add_argument("--no-plot", action="store_true", help="write the table only")


def add_run_arguments(
    parser: argparse.ArgumentParser,
    *,
    config_help: str,
    set_help: str,
    config_default: str | None = None,
    resume_help: str | None = None,
) -> None:
    """Add ``--config``, ``--set``, ``--runs``, ``--run-dir`` and, with ``resume_help``, ``--resume``.

    Args:
        parser: the sub-command's parser.
        config_help: help of ``--config`` (what it names: a shipped config, a YAML file).
        set_help: help of ``--set`` (with examples of that trainer's keys).
        config_default: ``--config``'s default (``None``: the trainer's own defaults).
        resume_help: help of ``--resume RUN_DIR``; ``None`` for trainers that cannot resume.
    """
    parser.add_argument("--config", default=config_default, help=config_help)
    add_overrides(parser, set_help)
    parser.add_argument("--runs", default="runs", help=RUNS_HELP)
    parser.add_argument("--run-dir", default=None, help="exact new run directory")
    if resume_help is not None:
        parser.add_argument("--resume", default=None, metavar="RUN_DIR", help=resume_help)


def add_ray_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--address`` and ``--num-cpus``: where the Ray tasks of ``what`` (trials, trainings) run."""
    parser.add_argument(
        "--address", default=None, metavar="HOST:PORT",
        help=f"run the {what} on a running Ray cluster: its head's HOST:PORT (6379 by default), auto, "
             "or ray://HOST:10001 (default: start Ray here); a token-authenticated cluster needs "
             "RAY_AUTH_MODE=token and RAY_AUTH_TOKEN set here")
    parser.add_argument("--num-cpus", type=int, default=None,
                        help="CPUs of the Ray started here (default: all of this machine's)")


def add_threads(parser: argparse.ArgumentParser) -> None:
    """Add ``--threads N`` (torch CPU threads; ``None`` is the auto policy, one thread)."""
    parser.add_argument(
        "--threads", type=int, default=None,
        help="torch CPU threads (default: 1, which survives other jobs on the machine; more is faster "
             "only on idle cores)",
    )


def threads(count: int | None) -> Any:
    """The torch runtime for ``--threads`` (``None``: the auto policy), restored when the block ends.

    Raises:
        ValueError: ``count`` < 1.
    """
    if count is not None and count < 1:
        raise ValueError(f"--threads must be >= 1, got {count}")
    from feature_nets.runtime import torch_runtime

    return torch_runtime(count or 0, "cpu")


def baseline_list(spec: str) -> list[str] | None:
    """``default`` -> None (every default baseline), ``none`` -> [], else the names.

    >>> baseline_list("cash, equal_weight"), baseline_list("none"), baseline_list("default")
    (['cash', 'equal_weight'], [], None)
    """
    if spec == "default":
        return None
    return [] if spec == "none" else [b.strip() for b in spec.split(",") if b.strip()]


def benchmark_name(value: str, *, series: bool = False) -> str | None:
    """``--benchmark``: a baseline name, ``none``, or (``series=True``) a one-series data spec.

    ``none`` leaves the evidence columns out; a data spec such as ``sp500_index`` becomes a
    row of its returns on the backtest's bars (:func:`tradegym.backtest.report.report`).

    Raises:
        ConfigError: not a baseline (with a suggestion) nor, with ``series``, a loadable
            single-series spec: one line and exit code 2.
    """
    from tradegym.backtest.baselines import BASELINES
    from tradegym.errors import ConfigError
    from tradegym.registry import suggest

    if value == "none":
        return None
    if value in BASELINES:
        return value
    if series and (value in _data_sources() or ":" in value):
        from tradegym.data import load_spec

        n_assets = load_spec(value).n_assets  # fails here, before any backtest, if it cannot load
        if n_assets != 1:
            raise ConfigError(f"--benchmark {value}: a benchmark series needs one symbol, {value} "
                              f"has {n_assets}; pick one (e.g. yahoo:SPY) or a baseline")
        return value
    also = " or a data spec of one series (sp500_index)" if series else ""
    raise ConfigError(
        f"--benchmark {value}: not a baseline.{suggest(value, BASELINES.names())} "
        f"Use one of {', '.join(BASELINES.names())}{also}, or none")


def env_settings(items: Sequence[str] | None) -> dict[str, Any]:
    """``--env KEY=VALUE`` arguments as env keywords; each value is read as YAML (``2``, ``[0, 0]``).

    Raises:
        ConfigError: an item without ``=``, or a value that is not YAML.
    """
    import yaml

    from tradegym.errors import ConfigError

    settings: dict[str, Any] = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--env {item!r} is not KEY=VALUE; e.g. --env action_mapping=long_short "
                              "--env max_gross=2 --env 'net_exposure=[0, 0]'")
        try:
            settings[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"--env {item!r}: the value is not YAML ({exc.__class__.__name__})") from None
    return settings


def _data_sources() -> list[str]:
    from tradegym.data import SOURCES

    return list(SOURCES.names())


def add_benchmark(parser: argparse.ArgumentParser, *, series: bool = False) -> None:
    """``--benchmark NAME``: the row every other is tested against (Sharpe CI, p-values, SPA)."""
    what = ("baseline, or data spec of one series (sp500_index: its returns on the same bars),"
            if series else "baseline")
    parser.add_argument("--benchmark", default="equal_weight",
                        help=f"{what} every row is tested against: Sharpe difference p-values, "
                             "alpha/beta, SPA; 'none' leaves the evidence out (default: %(default)s)")


@contextlib.contextmanager
def data_warnings_as_lines() -> Iterator[None]:
    """Print each :class:`~tradegym.errors.DataWarning` as ``warning: ...`` on stderr.

    Python's default adds the file and line of the call that loaded the data, which says
    nothing to someone at a shell; other warnings keep their usual form.
    """
    from tradegym.errors import DataWarning

    previous = warnings.showwarning
    shown: set[str] = set()  # a command loads its data several times (seeds, folds): say it once

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: str | None = None) -> None:
        if issubclass(category, DataWarning):
            if str(message) not in shown:
                shown.add(str(message))
                print(f"warning: {message}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse ``argv`` and run the chosen command's ``func``; return the exit code.

    0 ok (and after ``--help``), 2 bad arguments or bad input (any ``ValueError``, which every
    tradegym error is, printed as ``error: ...`` on stderr), 130 interrupted.
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 after --help
        return exc.code if isinstance(exc.code, int) else 2
    try:
        with data_warnings_as_lines():
            return int(args.func(args))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


__all__ = ["add_overrides", "add_ray_arguments", "add_run_arguments", "add_split_evaluation", "add_threads",
           "baseline_list", "run", "threads"]
