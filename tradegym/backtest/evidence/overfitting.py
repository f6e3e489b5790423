"""Probability of backtest overfitting by combinatorially symmetric cross-validation (CSCV).

Bailey, Borwein, López de Prado & Zhu (2016), "The Probability of Backtest Overfitting",
Journal of Computational Finance 20(4). The ``T`` bars of ``K`` trials' returns are cut
into ``S`` equal blocks (the earliest ``T mod S`` bars are dropped). For each of the
``C(S, S/2)`` ways to pick half the blocks as in-sample (the rest, in order, out-of-sample):

1. the trial with the best in-sample metric is selected;
2. its out-of-sample rank among the ``K`` trials, ``omega = rank / (K + 1)`` (rank 1 is the
   worst, ties averaged), becomes the logit ``lambda = log(omega / (1 - omega))``.

PBO is the share of combinations with ``lambda <= 0``: how often the in-sample winner is
at or below the out-of-sample median. Near 0: the selection carries over; near 0.5 or
above: choosing the best backtest picked noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from tradegym.backtest.evidence._common import MIN_BARS, EvidenceResult, as_returns
from tradegym.errors import ConfigError, DataError

_METRICS = ("sharpe", "mean")


@dataclass(frozen=True, eq=False)
class PBOResult(EvidenceResult):
    """Probability of backtest overfitting and the logits it counts.

    Attributes:
        pbo: share of combinations whose in-sample best is at or below the out-of-sample
            median (``lambda <= 0``).
        logits: ``(C,)`` the logits ``lambda``, one per combination (summarised, not
            listed, by :meth:`to_dict`).
        n_combinations: ``C = C(S, S/2)``.
        n_blocks: ``S``.
        n_trials: ``K``.
        metric: the selection metric.
        bars_used: ``S * (T // S)`` bars (the earliest ``T mod S`` are dropped).
    """

    pbo: float
    logits: np.ndarray = field(repr=False)
    n_combinations: int
    n_blocks: int
    n_trials: int
    metric: str
    bars_used: int

    def to_dict(self) -> dict[str, Any]:
        """The numbers, with the logits as their median and 5/95 % quantiles."""
        out = super().to_dict()
        quantiles = np.quantile(self.logits, [0.05, 0.5, 0.95]) if len(self.logits) else [math.nan] * 3
        out["logits"] = {"q05": float(quantiles[0]), "median": float(quantiles[1]),
                         "q95": float(quantiles[2])}
        return out


def pbo(
    trial_returns: pd.DataFrame | np.ndarray,
    *,
    n_blocks: int = 16,
    metric: str | Callable[[np.ndarray], np.ndarray] = "sharpe",
) -> PBOResult:
    """Probability of backtest overfitting of selecting the best of ``K`` trials (CSCV).

    Args:
        trial_returns: ``(T, K)`` simple per-bar returns, one column per trial
            (configuration) over the same bars, ``K >= 2``.
        n_blocks: ``S``, even, ``>= 2``; ``C(S, S/2)`` combinations are scored (16: 12,870).
        metric: ``"sharpe"`` (mean over ``std(ddof=1)``; annualising does not change ranks),
            ``"mean"``, or a function ``(T', K) returns -> (K,)`` scores (slower: called twice
            per combination).

    Returns:
        The :class:`PBOResult`.

    Raises:
        DataError: NaN/inf returns, fewer than 2 trials, fewer than 30 bars or than 2
            bars per block.
        ConfigError: an odd or too small ``n_blocks``, an unknown metric name.

    >>> rng = np.random.default_rng(0)
    >>> noise = rng.normal(0, 0.01, (1600, 10))
    >>> noise[:, 3] += 0.003  # one configuration with a real edge
    >>> pbo(noise, n_blocks=8).pbo
    0.0
    """
    x = _check(trial_returns, n_blocks, metric)
    n_bars, n_trials = x.shape
    rows = n_bars // n_blocks
    x = x[n_bars - rows * n_blocks:]  # drop the earliest T mod S bars
    blocks = x.reshape(n_blocks, rows, n_trials)  # (S, T/S, K)
    chosen = np.array(list(combinations(range(n_blocks), n_blocks // 2)))  # (C, S/2)
    in_sample = np.zeros((len(chosen), n_blocks), dtype=bool)  # (C, S)
    np.put_along_axis(in_sample, chosen, True, axis=1)
    if callable(metric):
        score_is, score_oos = _scores_by_function(blocks, in_sample, metric)
    else:
        score_is, score_oos = _scores_by_sums(blocks, in_sample, rows, metric)
    best = np.argmax(np.where(np.isnan(score_is), -np.inf, score_is), axis=1)  # (C,)
    picked = score_oos[np.arange(len(best)), best][:, None]  # (C, 1)
    rank = 1.0 + np.sum(score_oos < picked, axis=1) + 0.5 * (np.sum(score_oos == picked, axis=1) - 1)
    omega = rank / (n_trials + 1.0)  # (C,) in (0, 1)
    logits = np.log(omega / (1.0 - omega))
    return PBOResult(
        pbo=float(np.mean(logits <= 0.0)), logits=logits, n_combinations=len(chosen),
        n_blocks=n_blocks, n_trials=n_trials,
        metric=metric if isinstance(metric, str) else getattr(metric, "__name__", "custom"),
        bars_used=rows * n_blocks,
    )


def _check(trial_returns: Any, n_blocks: int, metric: Any) -> np.ndarray:
    """``(T, K)`` float64 returns after checking them and the settings."""
    if isinstance(metric, str) and metric not in _METRICS:
        raise ConfigError(f"metric {metric!r} is unknown; use one of {_METRICS} or a function")
    if int(n_blocks) != n_blocks or n_blocks < 2 or n_blocks % 2:
        raise ConfigError(f"n_blocks must be an even whole number >= 2 (e.g. 16), got {n_blocks!r}")
    frame = pd.DataFrame(trial_returns)
    if frame.shape[1] < 2:
        raise DataError(f"trial_returns has {frame.shape[1]} trial(s); PBO needs at least 2 columns")
    for name in frame.columns:
        as_returns(frame[name], f"trial {name!r}", min_bars=max(MIN_BARS, 2 * n_blocks))
    return frame.to_numpy(dtype=np.float64)


def _scores_by_sums(
    blocks: np.ndarray, in_sample: np.ndarray, rows: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-of-sample ``(C, K)`` scores from per-block sums: one matrix product each."""
    sums, squares = blocks.sum(axis=1), (blocks**2).sum(axis=1)  # (S, K) each
    out = []
    for mask in (in_sample, ~in_sample):
        n = mask.sum(axis=1, keepdims=True) * rows  # (C, 1) bars in the half
        mean = mask @ sums / n  # (C, K)
        if metric == "mean":
            out.append(mean)
            continue
        var = (mask @ squares - n * mean**2) / (n - 1)  # (C, K)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.where(var > 1e-30, mean / np.sqrt(np.maximum(var, 1e-30)), np.nan))
    return out[0], out[1]


def _scores_by_function(
    blocks: np.ndarray, in_sample: np.ndarray, metric: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """In- and out-of-sample ``(C, K)`` scores by calling ``metric`` on each half."""
    score_is, score_oos = [], []
    for mask in in_sample:
        score_is.append(np.asarray(metric(blocks[mask].reshape(-1, blocks.shape[2])), dtype=np.float64))
        score_oos.append(np.asarray(metric(blocks[~mask].reshape(-1, blocks.shape[2])), dtype=np.float64))
    return np.stack(score_is), np.stack(score_oos)
