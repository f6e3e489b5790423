"""Did *any* of many strategies beat the benchmark, and which? SPA and StepM.

Testing each of ``K`` strategies against a benchmark at 5 % finds a "winner" by luck far
more often than 5 % of the time. Hansen's (2005) test of superior predictive ability
("A Test for Superior Predictive Ability", JBES 23(4)) asks whether the *best* of them beats
the benchmark, with the search accounted for; Romano & Wolf's (2005) StepM ("Stepwise
multiple testing as formalized data snooping", Econometrica 73(4)) names every strategy
that does, controlling the chance of naming even one wrongly (the family-wise error rate).

Both run ``arch.bootstrap`` (``SPA``, ``StepM``) on losses ``-returns``, so they compare
*mean per-bar returns* (not Sharpe ratios), studentised, with a stationary bootstrap whose
mean block length is Politis & White's (2004) choice on the return differences (the
longest over the candidates, rounded up, at least 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tradegym.backtest.evidence._common import (
    MIN_BARS,
    EvidenceResult,
    as_returns,
    check_level,
    check_positive,
    stationary_block_length,
)
from tradegym.errors import DataError


@dataclass(frozen=True)
class SPAResult(EvidenceResult):
    """Hansen's SPA p-values of "no candidate has a higher mean return than the benchmark".

    Attributes:
        p_value: the consistent p-value (Hansen's recommended one).
        p_lower: the lower bound p-value (never recentres worse candidates: liberal).
        p_upper: the upper bound p-value (White's Reality Check: conservative).
        best: name of the candidate with the highest mean return.
        n_candidates: strategies tested.
        method: how the p-values were made.
        block_length: mean block length of the stationary bootstrap, in bars.
        n_resamples: bootstrap resamples.
        seed: seed of the resampling.
        n_bars: shared bars.
    """

    p_value: float
    p_lower: float
    p_upper: float
    best: str
    n_candidates: int
    method: str
    block_length: int
    n_resamples: int
    seed: int
    n_bars: int


@dataclass(frozen=True)
class StepMResult(EvidenceResult):
    """Romano & Wolf's StepM: the candidates whose mean return beats the benchmark's.

    Attributes:
        superior: names of the candidates that beat the benchmark, in column order.
        size: family-wise error rate controlled.
        n_candidates: strategies tested.
        method: how the set was found.
        block_length: mean block length of the stationary bootstrap, in bars.
        n_resamples: bootstrap resamples.
        seed: seed of the resampling.
        n_bars: shared bars.
    """

    superior: tuple[str, ...]
    size: float
    n_candidates: int
    method: str
    block_length: int
    n_resamples: int
    seed: int
    n_bars: int


def spa(
    candidates: pd.DataFrame, benchmark: pd.Series, *, n_resamples: int = 1000, seed: int = 0
) -> SPAResult:
    """Hansen's (2005) SPA test: does the best candidate's mean return beat the benchmark's?

    Args:
        candidates: ``(T, K)`` simple per-bar returns, one column per strategy.
        benchmark: ``(T,)`` simple per-bar returns of the benchmark; aligned with
            ``candidates`` on their shared index.
        n_resamples: bootstrap resamples.
        seed: seed of the resampling.

    Returns:
        The :class:`SPAResult`; a small ``p_value`` says at least one candidate beats the
        benchmark after allowing for the search over all ``K``.

    Raises:
        DataError: fewer than 30 shared bars, no candidates, NaN/inf returns.
        ConfigError: ``n_resamples`` <= 0.
    """
    from arch.bootstrap import SPA

    losses, bench_loss, block = _losses(candidates, benchmark, n_resamples)
    test = SPA(bench_loss, losses, block_size=block, reps=int(n_resamples), bootstrap="stationary",
               seed=seed)
    test.compute()
    p = test.pvalues
    return SPAResult(
        p_value=float(p["consistent"]), p_lower=float(p["lower"]), p_upper=float(p["upper"]),
        best=str(losses.mean().idxmin()), n_candidates=losses.shape[1],
        method="Hansen SPA on losses -returns (arch.bootstrap.SPA, stationary bootstrap)",
        block_length=block, n_resamples=int(n_resamples), seed=seed, n_bars=len(losses),
    )


def stepm(
    candidates: pd.DataFrame,
    benchmark: pd.Series,
    *,
    size: float = 0.05,
    n_resamples: int = 1000,
    seed: int = 0,
) -> StepMResult:
    """Romano & Wolf's (2005) StepM: every candidate whose mean return beats the benchmark's.

    Args:
        candidates: ``(T, K)`` simple per-bar returns, one column per strategy.
        benchmark: ``(T,)`` simple per-bar returns of the benchmark (aligned on the index).
        size: family-wise error rate, in (0, 1): the chance of naming any candidate that
            does not truly beat the benchmark.
        n_resamples: bootstrap resamples.
        seed: seed of the resampling.

    Returns:
        The :class:`StepMResult`.

    Raises:
        DataError: fewer than 30 shared bars, no candidates, NaN/inf returns.
        ConfigError: ``size`` outside (0, 1) or ``n_resamples`` <= 0.
    """
    from arch.bootstrap import StepM

    check_level(size, "size")
    losses, bench_loss, block = _losses(candidates, benchmark, n_resamples)
    test = StepM(bench_loss, losses, size=size, block_size=block, reps=int(n_resamples),
                 bootstrap="stationary", seed=seed)
    test.compute()
    return StepMResult(
        superior=tuple(str(name) for name in test.superior_models), size=size,
        n_candidates=losses.shape[1],
        method="Romano-Wolf StepM on losses -returns (arch.bootstrap.StepM, stationary bootstrap)",
        block_length=block, n_resamples=int(n_resamples), seed=seed, n_bars=len(losses),
    )


def _losses(candidates: Any, benchmark: Any, n_resamples: int) -> tuple[pd.DataFrame, pd.Series, int]:
    """Aligned, checked losses ``(-candidates, -benchmark)`` and the bootstrap's block length."""
    check_positive(n_resamples, "n_resamples")
    frame = pd.DataFrame(candidates)
    bench = pd.Series(benchmark)
    if frame.shape[1] == 0:
        raise DataError("candidates has no columns; pass one column of returns per strategy")
    if len(frame) != len(bench) or not frame.index.equals(bench.index):
        shared = frame.index.intersection(bench.index)
        frame, bench = frame.loc[shared], bench.loc[shared]
    if len(frame) < MIN_BARS:
        raise DataError(
            f"candidates and benchmark share {len(frame)} bars, fewer than the {MIN_BARS} a "
            "comparison needs; backtest all of them over the same period"
        )
    for name in frame.columns:
        as_returns(frame[name], f"candidate {name!r}")
    as_returns(bench, "benchmark")
    differences = frame.to_numpy(dtype=np.float64) - bench.to_numpy(dtype=np.float64)[:, None]  # (T, K)
    block = math.ceil(stationary_block_length(differences))
    return -frame.astype(np.float64), -bench.astype(np.float64), block
