"""Compare policies with baselines on one period: what ``tradegym backtest`` runs.

A comparison trades every policy and baseline through the same env (same costs, execution
timing and window) over the same period, starting each from cash at the period's first
bar. The rows before the period are passed along as *history*: they feed the causal
features and the baselines' trailing estimates, so the whole period is traded — never
data after a decision bar.

Policies come from :func:`resolve_policy`: a baseline name or a ``module:attr`` object
(function ``obs -> action``, policy object or class). The CLI adds trained run
directories and SB3 ``.zip`` archives (the latter only with ``--trust``: an archive is a
pickle and can run code when loaded).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tradegym.backtest.baselines import BASELINES
from tradegym.backtest.engine import BacktestResult, backtest
from tradegym.data.market import DEFAULT_SPLIT, MarketData
from tradegym.errors import ConfigError
from tradegym.registry import import_object, suggest

SPLITS = ("train", "val", "test", "all")


def resolve_policy(spec: str) -> tuple[Any, str]:
    """Turn a command-line policy spec into ``(policy, display name)``.

    Args:
        spec: a baseline name (``"min_variance"``), or ``"module:attr"`` naming a function
            ``obs -> action``, a :class:`~tradegym.policy.Policy` object or a class built
            with no arguments. (SB3 archives and run directories need the learning layer:
            the CLI loads those.)

    Raises:
        ConfigError: unknown name (with a suggestion) or an import that fails.
    """
    if ":" in spec:
        obj = import_object(spec)
        if isinstance(obj, type):
            obj = obj()
        return obj, spec.partition(":")[2].split(".")[-1]
    if spec in BASELINES:
        return spec, spec
    raise ConfigError(
        f"{spec!r} is neither a run directory, a baseline, 'module:attr' nor a .zip archive."
        f"{suggest(spec, BASELINES.names())} Baselines: {', '.join(BASELINES.names())}"
    )


def period(data: MarketData, split: str, train: float | str = DEFAULT_SPLIT[0],
           val: float | str = DEFAULT_SPLIT[1], min_rows: int = 2) -> tuple[MarketData, Any]:
    """The market to backtest on for ``split``, with its history, and the first decision date.

    Returns ``(history + period, start date)``; for ``"train"`` and ``"all"`` the start is
    ``None`` (the first bar with a full window).

    Raises:
        ConfigError: unknown split.
        DataError: a part of the split is empty or too short (``min_rows``).
    """
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}.{suggest(split, list(SPLITS))} Use one of {list(SPLITS)}")
    if split == "all":
        return data, None
    parts = data.split(train, val, min_rows=min_rows)
    part = getattr(parts, split)
    if split == "train":
        return part, None
    return data.between(None, part.dates[-1]), part.dates[0]


def compare(
    policies: Sequence[tuple[Any, str]],
    market: MarketData,
    *,
    start: Any = None,
    baselines: Sequence[str] = (),
    env_kwargs: Mapping[str, Any] | None = None,
    env_id: str | None = None,
    out: str | os.PathLike[str] | None = None,
    title: str | None = None,
    tables: Mapping[str, Any] | None = None,
    echo: Callable[[str], Any] = print,
    benchmark: str | None = "equal_weight",
    periods_per_year: float | None = None,
    **report_options: Any,
) -> list[BacktestResult]:
    """Backtest ``policies`` and ``baselines`` on ``market`` from ``start``; report if ``out``.

    Args:
        policies: ``(policy, name)`` pairs (see :func:`resolve_policy`).
        market: the market, history included.
        start: first decision date (see :func:`tradegym.backtest.backtest`).
        baselines: baseline names to add; a baseline that cannot run on this market (the
            oracle off a planted market) is an error.
        env_kwargs: keyword arguments of the env, the same for every row.
        env_id: the environment, a registered id or ``module:Class``.
        out: report folder (table printed, charts, metrics and ``report.html`` written);
            ``None`` only returns the results.
        title: report heading.
        tables: extra titled tables for the report.
        echo: where report lines go.
        benchmark: the row the report tests every other against (see
            :func:`tradegym.backtest.report.report`); a baseline name missing from
            ``baselines`` is backtested too; a data spec of one series is its own row.
        periods_per_year: bars per year for every row's metrics; ``None`` (default) reads
            them from ``market`` (see :func:`tradegym.backtest.backtest`).
        **report_options: more arguments of the report (``static``, ``provenance``,
            ``in_sample``, ``events``, ``market``; the market defaults to ``market``).

    Returns:
        The results: policies first, then baselines.

    Raises:
        ValueError: from the backtests (bad actions name the step and date) or the data.
    """
    names = {n for _, n in policies}
    if (out is not None and benchmark is not None and benchmark in BASELINES and benchmark not in baselines
            and benchmark not in names):
        baselines = [*baselines, benchmark]
    common = dict(env_kwargs=env_kwargs, env_id=env_id, start=start, periods_per_year=periods_per_year)
    results = [backtest(p, market, name=n, **common) for p, n in policies]
    results += [backtest(b, market, name=b, **common) for b in baselines]
    if not results:
        raise ConfigError("nothing to backtest: no policy and no baseline given")
    if out is not None:
        from tradegym.backtest.report import report

        report_options.setdefault("market", market)
        report(results, out, echo, title=title, tables=dict(tables or {}), benchmark=benchmark,
               **report_options)
    return results


__all__ = ["SPLITS", "compare", "period", "resolve_policy"]
