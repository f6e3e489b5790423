"""Statistical evidence for backtest comparisons: is a difference distinguishable from luck?

Every function takes simple per-bar returns (``BacktestResult.returns``: a ``pd.Series``
or an array), annualises with ``periods_per_year`` (252 for daily bars) and uses the
Sharpe ratio of :mod:`tradegym.backtest.metrics`: ``mean / std(ddof=1) *
sqrt(periods_per_year)``, risk-free 0. Each returns a small frozen dataclass holding the
numbers *and* the method and its settings (block length, resamples, seed, lags), with
``to_dict()`` for ``metrics.json``. The guide is ``docs/evidence.md``.

=============================  =======================================================
:func:`sharpe_interval`        Sharpe CI by the stationary bootstrap (Politis & Romano 1994)
:func:`sharpe_difference`      Sharpe difference, Ledoit & Wolf (2008) p-value
:func:`relative_metrics`       alpha, beta (OLS, Newey-West), tracking error, IR
:func:`probabilistic_sharpe`   PSR (Bailey & López de Prado 2012)
:func:`deflated_sharpe`        DSR (Bailey & López de Prado 2014)
:func:`spa`, :func:`stepm`     Hansen (2005) SPA, Romano & Wolf (2005) StepM
:func:`pbo`                    probability of backtest overfitting, CSCV (Bailey et al. 2016)
:func:`compare_evidence`       all of the above for a list of ``BacktestResult``
:func:`verdict`                a difference and its p-value in words
=============================  =======================================================

scipy, statsmodels and arch are imported inside the functions, so ``import tradegym``
stays light.
"""

from __future__ import annotations

from tradegym.backtest.evidence.compare import (
    ComparisonEvidence,
    EvidenceRecord,
    compare_evidence,
    shared_returns,
    verdict,
)
from tradegym.backtest.evidence.difference import SharpeDifference, sharpe_difference
from tradegym.backtest.evidence.interval import SharpeInterval, sharpe_interval
from tradegym.backtest.evidence.multiple import SPAResult, StepMResult, spa, stepm
from tradegym.backtest.evidence.overfitting import PBOResult, pbo
from tradegym.backtest.evidence.probabilistic import (
    ProbabilisticSharpe,
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
)
from tradegym.backtest.evidence.relative import RelativeMetrics, relative_metrics

__all__ = [
    "ComparisonEvidence",
    "EvidenceRecord",
    "PBOResult",
    "ProbabilisticSharpe",
    "RelativeMetrics",
    "SPAResult",
    "SharpeDifference",
    "SharpeInterval",
    "StepMResult",
    "compare_evidence",
    "deflated_sharpe",
    "expected_max_sharpe",
    "pbo",
    "probabilistic_sharpe",
    "relative_metrics",
    "sharpe_difference",
    "shared_returns",
    "sharpe_interval",
    "spa",
    "stepm",
    "verdict",
]
