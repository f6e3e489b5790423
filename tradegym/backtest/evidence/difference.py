"""Is one Sharpe ratio higher than another's? Ledoit & Wolf's studentised bootstrap test.

Ledoit & Wolf (2008), "Robust performance hypothesis testing with the Sharpe ratio",
Journal of Empirical Finance 15(5), section 3.2. For paired returns ``(r1, r2)`` of the
same bars, the Sharpe difference is a function of ``v = (mu1, mu2, g1, g2)``, the means and
uncentred second moments:

    Delta = f(v) = mu1 / sqrt(g1 - mu1^2) - mu2 / sqrt(g2 - mu2^2)

Its standard error comes from the delta method, ``s = sqrt(grad' Psi grad / T)`` with
``Psi`` the long-run covariance of ``y_t = (r1 - mu1, r2 - mu2, r1^2 - g1, r2^2 - g2)``.
On the data ``Psi`` is a Bartlett-kernel HAC estimate with the Newey & West (1994) lag
``floor(4 (T/100)^(2/9))`` (the paper prefers a prewhitened quadratic-spectral kernel; both
are consistent). The p-value is from a circular block bootstrap of the pairs, studentised
with the block-sum estimate of ``Psi`` the paper gives for the bootstrap world:

    d = |Delta| / s,   d*_m = |Delta*_m - Delta| / s*_m,   p = (#{d*_m >= d} + 1) / (M + 1)

The block length is Politis & White's (2004) circular choice on the four columns of ``y``,
rounded up (the paper calibrates it by a second bootstrap, far slower).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tradegym.backtest.evidence._common import (
    ArrayLike,
    EvidenceResult,
    annual_sharpe,
    as_pair,
    check_positive,
    circular_block_length,
    newey_west_lags,
    resample_indices,
)

_CHUNK_CELLS = 2_000_000
"""Resampled pairs held at once (R x T x 4 floats of ``y*``, 64 MB)."""


@dataclass(frozen=True)
class SharpeDifference(EvidenceResult):
    """Difference of two annualised Sharpe ratios (policy minus benchmark) and its test.

    Attributes:
        difference: ``sharpe - benchmark_sharpe`` (annualised).
        sharpe: the policy's annualised Sharpe ratio.
        benchmark_sharpe: the benchmark's annualised Sharpe ratio.
        standard_error: HAC standard error of the difference (annualised).
        p_value: two-sided p-value of "equal Sharpe ratios".
        method: how the p-value was made.
        block_length: block length of the circular bootstrap, in bars.
        hac_lags: lags of the Bartlett kernel of the standard error.
        n_resamples: bootstrap resamples.
        seed: seed of the resampling.
        n_bars: shared bars tested.
        periods_per_year: bars per year used to annualise.
    """

    difference: float
    sharpe: float
    benchmark_sharpe: float
    standard_error: float
    p_value: float
    method: str
    block_length: int
    hac_lags: int
    n_resamples: int
    seed: int
    n_bars: int
    periods_per_year: float


def sharpe_difference(
    returns: ArrayLike,
    benchmark: ArrayLike,
    *,
    periods_per_year: float = 252,
    n_resamples: int = 1000,
    seed: int = 0,
) -> SharpeDifference:
    """Test whether ``returns`` and ``benchmark`` have equal Sharpe ratios (Ledoit & Wolf 2008).

    Args:
        returns: ``(T,)`` simple per-bar returns of the policy.
        benchmark: ``(T,)`` simple per-bar returns of the benchmark over the same bars. Two
            ``pd.Series`` are aligned on their shared dates; arrays must have equal length.
        periods_per_year: bars per year (252 for daily bars).
        n_resamples: bootstrap resamples (the smallest p-value is ``1 / (n_resamples + 1)``).
        seed: seed of the resampling.

    Returns:
        The :class:`SharpeDifference`. Identical series give difference 0 and p = 1; a
        constant series (Sharpe undefined) gives NaN.

    Raises:
        DataError: fewer than 30 shared bars, different lengths, NaN/inf returns.
        ConfigError: ``n_resamples`` or ``periods_per_year`` <= 0.

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(0.001, 0.01, (2, 500))
    >>> sharpe_difference(a, a).p_value
    1.0
    >>> 0.0 < sharpe_difference(a, b, n_resamples=99).p_value <= 1.0
    True
    """
    from arch.bootstrap import CircularBlockBootstrap

    r1, r2 = as_pair(returns, benchmark)
    check_positive(n_resamples, "n_resamples")
    check_positive(periods_per_year, "periods_per_year")
    pair = np.column_stack([r1, r2])  # (T, 2)
    n, scale = len(pair), math.sqrt(periods_per_year)
    lags = newey_west_lags(n)
    moments = np.column_stack([pair, pair**2])  # (T, 4)
    block = circular_block_length(moments - moments.mean(0))
    delta, grad = _delta_and_gradient(pair.mean(0)[:, None], (pair**2).mean(0)[:, None])  # (1,), (1, 4)
    se = math.sqrt(max(float(grad[0] @ _bartlett_hac(moments, lags) @ grad[0]), 0.0) / n)
    identical = np.array_equal(r1, r2)
    p_value = 1.0 if identical else float("nan")
    if not identical and math.isfinite(float(delta[0])) and se > 0:
        bootstrap = CircularBlockBootstrap(block, pair, seed=seed)
        d_star = _studentised_draws(pair, float(delta[0]), bootstrap, block, int(n_resamples))
        d = abs(float(delta[0])) / se
        p_value = float((np.sum(d_star >= d) + 1) / (len(d_star) + 1))
    sharpe, bench = annual_sharpe(r1, periods_per_year), annual_sharpe(r2, periods_per_year)
    return SharpeDifference(
        difference=0.0 if identical else sharpe - bench, sharpe=sharpe, benchmark_sharpe=bench,
        standard_error=0.0 if identical else se * scale, p_value=p_value,
        method="Ledoit-Wolf studentised circular block bootstrap, Bartlett HAC standard error",
        block_length=block, hac_lags=lags, n_resamples=int(n_resamples), seed=seed, n_bars=n,
        periods_per_year=periods_per_year,
    )


def _delta_and_gradient(mu: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-bar Sharpe difference ``(R,)`` and its gradient in ``(mu1, mu2, g1, g2)`` ``(R, 4)``.

    ``mu`` and ``g`` are ``(2, R)`` means and uncentred second moments. The ratio uses the
    ``1/T`` variance ``g - mu^2`` the delta method differentiates; the Sharpe ratios
    reported use ``ddof=1``.
    """
    var = g - mu**2  # (2, R)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = mu[0] / np.sqrt(var[0]) - mu[1] / np.sqrt(var[1])  # (R,)
        v15 = var**1.5  # (2, R)
        grad = np.column_stack([g[0] / v15[0], -g[1] / v15[1],
                                -mu[0] / (2 * v15[0]), mu[1] / (2 * v15[1])])  # (R, 4)
    return delta, grad


def _bartlett_hac(moments: np.ndarray, lags: int) -> np.ndarray:
    """``(4, 4)`` Bartlett-kernel (Newey-West) long-run covariance of the ``(T, 4)`` moments."""
    y = moments - moments.mean(axis=0)  # (T, 4)
    n = len(y)
    psi = y.T @ y / n
    for j in range(1, lags + 1):
        gamma = y[j:].T @ y[:-j] / n
        psi += (1.0 - j / (lags + 1.0)) * (gamma + gamma.T)
    return psi


def _studentised_draws(
    pair: np.ndarray, delta: float, bootstrap: object, block: int, n_resamples: int
) -> np.ndarray:
    """``(R,)`` bootstrap statistics ``|Delta* - Delta| / s*`` (Ledoit & Wolf 2008, eq. 9-10).

    ``s*`` uses the block-sum estimate ``Psi* = (1/l) sum_j psi_j psi_j'`` with
    ``psi_j = b^(-1/2) * sum of y*_t over block j``, over the ``l = T // b`` whole blocks.
    A circular block bootstrap's index row is its blocks laid end to end from bar 0, so
    block ``j`` of a resample is columns ``j*b .. j*b + b - 1``.
    """
    n = len(pair)
    n_blocks = n // block
    cols = np.ascontiguousarray(pair.T)  # (2, T): reductions run along the last axis
    starts = np.arange(0, n, block)
    chunk = max(1, _CHUNK_CELLS // (4 * n))
    out = []
    for start in range(0, n_resamples, chunk):
        idx = resample_indices(bootstrap, min(chunk, n_resamples - start))  # (R, T)
        star = cols[:, idx]  # (2, R, T)
        # Block sums (the last block may be partial), of returns and their squares.
        sums = np.add.reduceat(np.concatenate([star, star**2]), starts, axis=-1)  # (4, R, ceil(T/b))
        means = sums.sum(axis=-1) / n  # (4, R): mu1, mu2, g1, g2
        delta_star, grad = _delta_and_gradient(means[:2], means[2:])
        psi_blocks = (sums[..., :n_blocks] - block * means[..., None]) / math.sqrt(block)  # (4, R, l)
        psi = np.einsum("irl,jrl->rij", psi_blocks, psi_blocks) / n_blocks  # (R, 4, 4)
        var = np.einsum("ri,rij,rj->r", grad, psi, grad) / n  # (R,)
        with np.errstate(divide="ignore", invalid="ignore"):
            out.append(np.abs(delta_star - delta) / np.sqrt(np.maximum(var, 0.0)))
    draws = np.concatenate(out)
    return draws[np.isfinite(draws)]
