"""Probabilistic and deflated Sharpe ratios (Bailey & López de Prado 2012, 2014).

Probabilistic Sharpe ratio, Bailey & López de Prado (2012), "The Sharpe Ratio Efficient
Frontier", Journal of Risk 15(2): the probability that the true Sharpe ratio exceeds a
benchmark ``SR*``, allowing for skewed and fat-tailed returns,

    PSR(SR*) = Phi( (SR - SR*) sqrt(T - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR^2) )

with everything *per bar*: ``SR = mean / std(ddof=1)`` of the ``T`` returns, ``SR*`` the
annualised benchmark divided by ``sqrt(periods_per_year)``, ``g3 = m3 / m2^1.5`` the
skewness and ``g4 = m4 / m2^2`` the (non-excess; normal = 3) kurtosis from the central
moments ``m_k = mean((r - mean)^k)``.

Deflated Sharpe ratio, Bailey & López de Prado (2014), "The Deflated Sharpe Ratio",
Journal of Portfolio Management 40(5): the PSR against the Sharpe ratio the best of ``N``
unskilled trials would be expected to reach,

    SR0 = sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))

with ``gamma`` the Euler-Mascheroni constant and ``V`` the variance of the trials' Sharpe
ratios. Here ``V`` is given *annualised* (the variance of the annualised Sharpe ratios
the trials reported) and divided by ``periods_per_year`` to the per-bar scale; ``N = 1``
means no selection, ``SR0 = 0`` and DSR = PSR against 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tradegym.backtest.evidence._common import (
    ArrayLike,
    EvidenceResult,
    as_returns,
    check_positive,
    sharpe_per_bar,
)
from tradegym.errors import ConfigError

EULER_GAMMA = 0.5772156649015329
"""The Euler-Mascheroni constant of the expected maximum of ``N`` normal draws."""


@dataclass(frozen=True)
class ProbabilisticSharpe(EvidenceResult):
    """The probability that the true Sharpe ratio beats a threshold.

    Attributes:
        probability: PSR (or DSR), in [0, 1].
        sharpe: the annualised Sharpe ratio.
        threshold_sharpe: the annualised Sharpe ratio tested against (the benchmark for
            PSR, the expected maximum ``SR0`` of the trials for DSR).
        skewness: ``m3 / m2^1.5`` of the per-bar returns.
        kurtosis: ``m4 / m2^2`` of the per-bar returns (normal = 3).
        n_bars: bars in the series.
        method: which ratio, with its reference.
        n_trials: trials the best was selected from (1 for PSR).
        trial_sharpe_variance: variance of the trials' annualised Sharpe ratios (0 for PSR).
        periods_per_year: bars per year used to annualise.
    """

    probability: float
    sharpe: float
    threshold_sharpe: float
    skewness: float
    kurtosis: float
    n_bars: int
    method: str
    n_trials: int
    trial_sharpe_variance: float
    periods_per_year: float


def probabilistic_sharpe(
    returns: ArrayLike, *, benchmark_sharpe: float = 0.0, periods_per_year: float = 252
) -> ProbabilisticSharpe:
    """Probabilistic Sharpe ratio: ``P(true Sharpe > benchmark_sharpe)`` (Bailey & López de Prado 2012).

    Args:
        returns: ``(T,)`` simple per-bar returns, ``T >= 30``.
        benchmark_sharpe: the annualised Sharpe ratio to beat (0: "any skill at all").
        periods_per_year: bars per year (252 for daily bars).

    Returns:
        The :class:`ProbabilisticSharpe` (NaN for a constant series).

    Raises:
        DataError: NaN/inf returns or fewer than 30 bars.
        ConfigError: ``periods_per_year`` <= 0.

    >>> r = np.random.default_rng(0).normal(0.001, 0.01, 1000)
    >>> psr = probabilistic_sharpe(r)
    >>> round(psr.sharpe, 2), round(psr.probability, 3)
    (0.84, 0.953)
    """
    r = as_returns(returns)
    check_positive(periods_per_year, "periods_per_year")
    return _psr(r, benchmark_sharpe, periods_per_year, n_trials=1, variance=0.0,
                method="probabilistic Sharpe ratio (Bailey & Lopez de Prado 2012)")


def deflated_sharpe(
    returns: ArrayLike,
    *,
    n_trials: int,
    trial_sharpe_variance: float,
    periods_per_year: float = 252,
) -> ProbabilisticSharpe:
    """Deflated Sharpe ratio: PSR against the best of ``n_trials`` unskilled trials.

    Args:
        returns: ``(T,)`` simple per-bar returns of the selected (best) trial.
        n_trials: how many configurations were tried before this one was picked, ``>= 1``.
        trial_sharpe_variance: variance across the trials of their *annualised* Sharpe
            ratios, ``>= 0`` (e.g. ``np.var(sharpes, ddof=1)``).
        periods_per_year: bars per year (252 for daily bars).

    Returns:
        The :class:`ProbabilisticSharpe` with ``threshold_sharpe = SR0`` (annualised).

    Raises:
        DataError: NaN/inf returns or fewer than 30 bars.
        ConfigError: ``n_trials < 1``, a negative variance, ``periods_per_year`` <= 0.

    >>> r = np.random.default_rng(0).normal(0.001, 0.01, 1000)
    >>> [round(deflated_sharpe(r, n_trials=n, trial_sharpe_variance=0.25).probability, 3)
    ...  for n in (1, 10, 100)]
    [0.953, 0.545, 0.202]
    """
    r = as_returns(returns)
    check_positive(periods_per_year, "periods_per_year")
    if int(n_trials) != n_trials or n_trials < 1:
        raise ConfigError(
            f"n_trials must be a whole number >= 1 (the configurations tried), got {n_trials!r}"
        )
    if not trial_sharpe_variance >= 0:
        raise ConfigError(
            f"trial_sharpe_variance must be >= 0 (variance of the trials' annualised Sharpe "
            f"ratios), got {trial_sharpe_variance!r}"
        )
    sr0 = expected_max_sharpe(int(n_trials), trial_sharpe_variance)
    return _psr(r, sr0, periods_per_year, n_trials=int(n_trials), variance=trial_sharpe_variance,
                method="deflated Sharpe ratio (Bailey & Lopez de Prado 2014)")


def expected_max_sharpe(n_trials: int, trial_sharpe_variance: float) -> float:
    """Expected maximum Sharpe ratio ``SR0`` of ``n_trials`` unskilled trials, in the variance's units.

    >>> expected_max_sharpe(1, 1.0), round(expected_max_sharpe(100, 1.0), 4)
    (0.0, 2.5306)
    """
    from scipy.stats import norm

    if n_trials == 1:
        return 0.0
    quantiles = (1.0 - EULER_GAMMA) * norm.ppf(1.0 - 1.0 / n_trials) + EULER_GAMMA * norm.ppf(
        1.0 - 1.0 / (n_trials * math.e)
    )
    return math.sqrt(trial_sharpe_variance) * float(quantiles)


def _psr(
    r: np.ndarray, threshold: float, periods_per_year: float, *, n_trials: int, variance: float,
    method: str,
) -> ProbabilisticSharpe:
    """PSR of ``(T,)`` returns against an annualised ``threshold``, computed per bar."""
    from scipy.stats import norm

    scale = math.sqrt(periods_per_year)
    sr = float(sharpe_per_bar(r))
    centred = r - r.mean()  # (T,)
    m2 = float(np.mean(centred**2))
    skew = float(np.mean(centred**3)) / m2**1.5 if m2 > 0 else float("nan")
    kurt = float(np.mean(centred**4)) / m2**2 if m2 > 0 else float("nan")
    spread = 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr**2
    z = (sr - threshold / scale) * math.sqrt(len(r) - 1) / math.sqrt(spread) if spread > 0 else float("nan")
    return ProbabilisticSharpe(
        probability=float(norm.cdf(z)), sharpe=sr * scale, threshold_sharpe=threshold,
        skewness=skew, kurtosis=kurt, n_bars=len(r), method=method, n_trials=n_trials,
        trial_sharpe_variance=variance, periods_per_year=periods_per_year,
    )
