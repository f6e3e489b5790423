"""All the evidence for a set of backtests at once, and the words to say it in.

:func:`compare_evidence` takes the results of one comparison (policies and baselines
backtested over the same period) and, for each, the Sharpe ratio with its bootstrap
interval, its difference from the benchmark's with the Ledoit-Wolf p-value, alpha, beta,
tracking error, information ratio and the probabilistic Sharpe ratio; then Hansen's SPA
over every row but the benchmark ("does the best of these beat it, allowing for the
search?"). :func:`verdict` turns a difference and its p-value into a sentence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from tradegym.backtest.evidence._common import MIN_BARS, EvidenceResult, check_level
from tradegym.backtest.evidence.difference import sharpe_difference
from tradegym.backtest.evidence.interval import sharpe_interval
from tradegym.backtest.evidence.multiple import SPAResult, spa
from tradegym.backtest.evidence.probabilistic import probabilistic_sharpe
from tradegym.backtest.evidence.relative import relative_metrics
from tradegym.errors import ConfigError, DataError
from tradegym.registry import suggest

if TYPE_CHECKING:
    from tradegym.backtest.engine import BacktestResult


@dataclass(frozen=True)
class EvidenceRecord(EvidenceResult):
    """One policy's evidence against the benchmark (annualised, risk-free 0).

    Relative fields (``difference`` to ``information_ratio``) are NaN on the benchmark's row.

    Attributes:
        name: the policy.
        sharpe: annualised Sharpe ratio over the shared bars.
        ci_low: lower end of its stationary-bootstrap interval.
        ci_high: upper end of its interval.
        difference: ``sharpe`` minus the benchmark's.
        p_value: Ledoit-Wolf two-sided p-value of equal Sharpe ratios.
        alpha: annualised OLS intercept on the benchmark's returns.
        beta: OLS slope on the benchmark's returns.
        tracking_error: annualised std of the return minus the benchmark's.
        information_ratio: annualised mean active return over the tracking error.
        psr: probabilistic Sharpe ratio, ``P(true Sharpe > 0)``.
        verdict: the comparison in words (see :func:`verdict`).
    """

    name: str
    sharpe: float
    ci_low: float
    ci_high: float
    difference: float
    p_value: float
    alpha: float
    beta: float
    tracking_error: float
    information_ratio: float
    psr: float
    verdict: str


@dataclass(frozen=True)
class ComparisonEvidence(EvidenceResult):
    """The evidence of a comparison: one record per policy, and SPA over the non-benchmarks.

    Attributes:
        benchmark: name of the benchmark row.
        records: one :class:`EvidenceRecord` per result, in the order given.
        spa: SPA over every row but the benchmark (``None`` with no other row).
        level: coverage of the Sharpe intervals; also the test size of the verdicts.
        n_resamples: bootstrap resamples of each interval and test.
        seed: seed of every resampling.
        n_bars: bars shared by all results (the evidence uses only these).
        periods_per_year: bars per year used to annualise.
    """

    benchmark: str
    records: tuple[EvidenceRecord, ...]
    spa: SPAResult | None
    level: float
    n_resamples: int
    seed: int
    n_bars: int
    periods_per_year: float

    def to_frame(self) -> pd.DataFrame:
        """The records as a table, one row per policy, indexed by name."""
        return pd.DataFrame([r.to_dict() for r in self.records]).set_index("name")


def compare_evidence(
    results: Sequence[BacktestResult],
    *,
    benchmark: str = "equal_weight",
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> ComparisonEvidence:
    """Statistical evidence for every result against ``benchmark``, and SPA over the rest.

    Args:
        results: backtests of the same period (:func:`tradegym.backtest.compare.compare`);
            only the bars all of them share are used (a ruined policy stops early).
        benchmark: name of the result the others are measured against.
        n_resamples: bootstrap resamples of each interval and test.
        seed: seed of every resampling.
        level: coverage of the Sharpe intervals; ``1 - level`` is the size of the verdicts.

    Returns:
        The :class:`ComparisonEvidence`.

    Raises:
        ConfigError: ``benchmark`` is not among the results' names (the message lists
            them), two results share a name, or ``level`` is outside (0, 1).
        DataError: fewer than 30 bars shared by all results, or NaN returns.
    """
    check_level(level)
    names = [r.name for r in results]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"results share the name(s) {twice}; give each policy its own name")
    if benchmark not in names:
        raise ConfigError(
            f"benchmark {benchmark!r} is not among the results.{suggest(benchmark, names)} "
            f"Available: {', '.join(names)}; backtest it too or pick one of these"
        )
    returns = shared_returns(results)  # (T, K) DataFrame
    ppy = float(results[0].periods_per_year)
    bench = returns[benchmark]
    records = []
    for name in names:
        r = returns[name]
        ci = sharpe_interval(r, periods_per_year=ppy, level=level, n_resamples=n_resamples, seed=seed)
        psr = probabilistic_sharpe(r, periods_per_year=ppy).probability
        nan = math.nan
        diff = p = alpha = beta = te = ir = nan
        words = "the benchmark"
        if name != benchmark:
            d = sharpe_difference(r, bench, periods_per_year=ppy, n_resamples=n_resamples, seed=seed)
            rel = relative_metrics(r, bench, periods_per_year=ppy)
            diff, p, alpha, beta = d.difference, d.p_value, rel.alpha, rel.beta
            te, ir = rel.tracking_error, rel.information_ratio
            words = verdict(name, benchmark, diff, p, level=1.0 - level)
        records.append(EvidenceRecord(
            name=name, sharpe=ci.sharpe, ci_low=ci.ci_low, ci_high=ci.ci_high, difference=diff,
            p_value=p, alpha=alpha, beta=beta, tracking_error=te, information_ratio=ir, psr=psr,
            verdict=words,
        ))
    others = [n for n in names if n != benchmark]
    group = spa(returns[others], bench, n_resamples=n_resamples, seed=seed) if others else None
    return ComparisonEvidence(
        benchmark=benchmark, records=tuple(records), spa=group, level=level,
        n_resamples=int(n_resamples), seed=seed, n_bars=len(returns), periods_per_year=ppy,
    )


def verdict(name: str, benchmark: str, difference: float, p_value: float, level: float = 0.05) -> str:
    """A Sharpe difference and its p-value in words, without claiming more than the test shows.

    Args:
        name: the policy.
        benchmark: what it was compared with.
        difference: annualised Sharpe of ``name`` minus that of ``benchmark``.
        p_value: two-sided p-value of "equal Sharpe ratios".
        level: test size: below it the difference is called real.

    >>> verdict("ppo", "equal_weight", 0.42, 0.01)
    'ppo beats equal_weight by 0.42 Sharpe (p = 0.01)'
    >>> verdict("ppo", "equal_weight", -0.3, 0.0004)
    'ppo trails equal_weight by 0.30 Sharpe (p < 0.001)'
    >>> verdict("ppo", "equal_weight", 0.12, 0.71)
    'ppo is not distinguishable from equal_weight (Sharpe difference +0.12, p = 0.71)'
    """
    if not (math.isfinite(difference) and math.isfinite(p_value)):
        return f"{name} cannot be tested against {benchmark} (a Sharpe ratio is undefined)"
    shown = f"p = {p_value:.2f}" if p_value >= 0.01 else f"p = {p_value:.1g}"
    shown = "p < 0.001" if p_value < 0.001 else shown
    if p_value < level and difference > 0:
        return f"{name} beats {benchmark} by {difference:.2f} Sharpe ({shown})"
    if p_value < level and difference < 0:
        return f"{name} trails {benchmark} by {-difference:.2f} Sharpe ({shown})"
    return f"{name} is not distinguishable from {benchmark} (Sharpe difference {difference:+.2f}, {shown})"


def shared_returns(results: Sequence[BacktestResult]) -> pd.DataFrame:
    """``(T, K)`` returns of every result over the bars all of them share.

    Raises:
        DataError: fewer than :data:`MIN_BARS` shared bars (each result's length named).
    """
    frame = pd.concat({r.name: r.returns for r in results}, axis=1, join="inner")
    if len(frame) < MIN_BARS:
        spans = "; ".join(f"{r.name}: {len(r.returns)} bars" for r in results)
        raise DataError(
            f"the results share {len(frame)} bars, fewer than the {MIN_BARS} the evidence needs "
            f"({spans}); backtest them over the same, longer period"
        )
    return frame
