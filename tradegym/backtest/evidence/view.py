"""The evidence as a report shows it: table columns, verdict lines, and the method of each number.

:func:`gather_evidence` runs :func:`~tradegym.backtest.evidence.compare_evidence` for a
report (or says in a line why there is none); :func:`evidence_columns` and
:func:`evidence_lines` are what the terminal table, ``metrics.json`` and ``report.html`` show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tradegym.backtest.evidence.compare import ComparisonEvidence

if TYPE_CHECKING:
    from tradegym.backtest.engine import BacktestResult

EVIDENCE_METHODS = {
    "sharpe_interval": "stationary bootstrap (Politis & Romano 1994), percentile interval, mean "
                       "block length from the data (Politis & White 2004 via arch)",
    "p_value": "two-sided test of equal Sharpe ratios on the paired returns: Ledoit & Wolf (2008) "
               "studentised circular block bootstrap, Newey-West HAC standard error",
    "alpha_beta": "OLS of the returns on the benchmark's, Newey-West HAC standard errors; alpha "
                  "annualised",
    "psr": "probabilistic Sharpe ratio P(true Sharpe > 0) (Bailey & Lopez de Prado 2012)",
    "spa": "Hansen (2005) SPA: does any row beat the benchmark's mean return, allowing for the "
           "search (arch.bootstrap.SPA, consistent p-value)",
}
"""The method behind each evidence number, as written into ``metrics.json`` and ``report.html``."""

def evidence_columns(evidence: ComparisonEvidence | None) -> dict[str, dict[str, str]]:
    """``{header: {policy: cell}}`` of the evidence columns of the tables (empty without evidence)."""
    if evidence is None:
        return {}
    ci, p = {}, {}
    for rec in evidence.records:
        if math.isfinite(rec.ci_low) and math.isfinite(rec.ci_high):
            ci[rec.name] = f"[{rec.ci_low:.2f}, {rec.ci_high:.2f}]"
        if math.isfinite(rec.p_value):
            p[rec.name] = "<0.001" if rec.p_value < 0.001 else f"{rec.p_value:.3f}"
    return {f"Sharpe {evidence.level:.0%} CI": ci, f"p vs {evidence.benchmark}": p}


def gather_evidence(results: Sequence[BacktestResult], benchmark: str | None,
                    n_resamples: int = 1000) -> tuple[ComparisonEvidence | None, str]:
    """The comparison's evidence against ``benchmark``, or ``None`` and why there is none.

    Evidence needs the benchmark among the results and 30 shared bars; without either the
    report says so in a line instead of failing.
    """
    from tradegym.backtest.evidence import compare_evidence
    from tradegym.errors import DataError

    names = [r.name for r in results]
    if benchmark is None:
        return None, "no benchmark: evidence columns left out"
    if benchmark not in names:
        return None, (f"no {benchmark} row to measure against: evidence columns left out "
                      f"(add it to the baselines, or pass --benchmark NAME)")
    if len(results) < 2:
        return None, "nothing to compare with the benchmark"
    try:
        return compare_evidence(results, benchmark=benchmark, n_resamples=n_resamples), ""
    except DataError as exc:
        return None, f"no evidence: {exc}"


def evidence_lines(evidence: ComparisonEvidence, policies: Sequence[str]) -> list[str]:
    """The verdict of each policy under test (of each row, when none is) and the SPA line."""
    shown = [rec for rec in evidence.records if rec.name != evidence.benchmark
             and (rec.name in policies or not policies) and rec.name != "cash"]
    lines = [rec.verdict for rec in shown]
    if evidence.spa is not None and evidence.spa.n_candidates > 1:
        spa = evidence.spa
        answer = (f"at least one beats {evidence.benchmark} (best: {spa.best})"
                  if spa.p_value < 1 - evidence.level
                  else f"none is distinguishable from {evidence.benchmark}")
        lines.append(f"SPA over the {spa.n_candidates} other rows: p = {spa.p_value:.2f}, {answer}")
    lines.append(f"({evidence.level:.0%} intervals and tests over {evidence.n_bars} bars, "
                 f"{evidence.n_resamples} bootstrap resamples, seed {evidence.seed}; methods "
                 "in evidence.json and report.html)")
    return lines


__all__ = ["EVIDENCE_METHODS", "evidence_columns", "evidence_lines", "gather_evidence"]
