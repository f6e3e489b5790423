"""What a tear sheet is built from: the results, their evidence, and where they came from."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from tradegym.backtest.baselines import is_baseline
from tradegym.backtest.engine import BacktestResult

if TYPE_CHECKING:
    from tradegym.backtest.evidence import ComparisonEvidence
    from tradegym.data.market import MarketData

SEED_NAME = re.compile(r"^(?P<group>.+)_s(?P<seed>\d+)$")
"""A seed's row name, ``LABEL_sSEED`` (what evaluation and walk-forward name them)."""

MAX_FOCUS = 3
"""Policies that get the per-policy sections (monthly returns, weights, contributions...)."""


@dataclass
class Context:
    """Inputs of every section.

    Attributes:
        results: every row of the comparison, policies under test first.
        policies: names of the rows under test (the rest are baselines or the benchmark series).
        evidence: the comparison's evidence, or ``None``.
        verdicts: the verdict lines (or the line saying why there is no evidence).
        methods: ``{number: method}`` of the evidence.
        benchmark: the benchmark's name (a row, or a data spec's series), or ``None``.
        benchmark_returns: the benchmark's simple returns on the backtest's bars, or ``None``.
        market: the market the backtests ran on (needed for per-asset contributions).
        tables: extra titled tables (walk-forward folds, seed summaries).
        provenance: ``{label: value}`` the caller knows (split, run directory, model hash...).
        in_sample: the period overlaps the data the policy was trained or selected on.
        events: ``(date, label)`` marked on the equity chart (walk-forward fold starts).
        notes: closing paragraphs (metric conventions).
        columns: ``(metric key, header)`` of the metrics table.
        extra_columns: evidence columns of the metrics table, ``{header: {policy: text}}``.
        setup: lines under the heading.
        series_rows: names of rows that are a benchmark series, not a backtest.
    """

    results: Sequence[BacktestResult]
    policies: Sequence[str]
    evidence: ComparisonEvidence | None = None
    verdicts: Sequence[str] = ()
    methods: Mapping[str, str] = field(default_factory=dict)
    benchmark: str | None = None
    benchmark_returns: pd.Series | None = None
    market: MarketData | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    in_sample: bool = False
    events: Sequence[tuple[Any, str]] = ()
    notes: Sequence[str] = ()
    columns: Sequence[tuple[str, str]] = ()
    extra_columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    setup: Sequence[str] = ()
    series_rows: Sequence[str] = ()

    @property
    def traded(self) -> list[BacktestResult]:
        """The backtests (the benchmark series left out: it has no weights or costs)."""
        return [r for r in self.results if r.name not in self.series_rows]

    @property
    def focus(self) -> list[BacktestResult]:
        """Rows with per-policy sections (monthly returns, weights, contributions...).

        The policies under test (one per seed group, at most :data:`MAX_FOCUS`), else the
        first row (the CLI's target comes first).
        """
        chosen: list[BacktestResult] = []
        groups: set[str] = set()
        for r in self.traded:
            match = SEED_NAME.match(r.name)
            if r.name not in self.policies or (match and match["group"] in groups):
                continue
            if match:
                groups.add(match["group"])
            chosen.append(r)
        return (chosen or self.traded[:1])[:MAX_FOCUS]

    @property
    def seed_groups(self) -> dict[str, list[BacktestResult]]:
        """``{label: [results]}`` of policies backtested with two seeds or more."""
        groups: dict[str, list[BacktestResult]] = {}
        for r in self.traded:
            match = SEED_NAME.match(r.name)
            if match and not is_baseline(r.name):
                groups.setdefault(match["group"], []).append(r)
        return {g: rs for g, rs in groups.items() if len(rs) > 1}


__all__ = ["MAX_FOCUS", "SEED_NAME", "Context"]
