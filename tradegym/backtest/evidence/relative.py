"""Alpha, beta, tracking error and information ratio against a benchmark.

Alpha and beta are the OLS intercept and slope of ``r_t = alpha + beta * b_t + e_t`` on
simple per-bar returns (risk-free 0, as everywhere in tradegym), with Newey-West HAC
standard errors (statsmodels ``cov_type="HAC"``, Bartlett kernel, small-sample correction,
lag ``floor(4 (T/100)^(2/9))``; Newey & West 1994). Alpha is annualised arithmetically:
``alpha_per_bar * periods_per_year``, its standard error likewise; t and p are unchanged
by the scaling. Active return is ``r_t - b_t``; tracking error is its ``std(ddof=1)`` times
``sqrt(periods_per_year)`` and the information ratio its annualised mean over the
tracking error (Grinold & Kahn, "Active Portfolio Management").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tradegym.backtest.evidence._common import (
    ArrayLike,
    EvidenceResult,
    as_pair,
    check_level,
    check_positive,
    newey_west_lags,
)


@dataclass(frozen=True)
class RelativeMetrics(EvidenceResult):
    """A policy's returns measured against a benchmark's (annualised where it says so).

    Attributes:
        alpha: annualised intercept, ``alpha_per_bar * periods_per_year`` (a fraction per year).
        alpha_se: HAC standard error of ``alpha`` (annualised).
        alpha_t: t statistic of ``alpha = 0``.
        alpha_p: two-sided p-value of ``alpha = 0`` (normal reference).
        alpha_ci_low: lower end of the ``level`` interval of ``alpha``.
        alpha_ci_high: upper end of the ``level`` interval of ``alpha``.
        beta: slope on the benchmark's returns.
        beta_se: HAC standard error of ``beta``.
        beta_t: t statistic of ``beta = 0``.
        beta_p: two-sided p-value of ``beta = 0``.
        beta_ci_low: lower end of the ``level`` interval of ``beta``.
        beta_ci_high: upper end of the ``level`` interval of ``beta``.
        tracking_error: annualised ``std(ddof=1)`` of the active return ``r - b``.
        information_ratio: annualised mean active return over the tracking error.
        level: coverage of the intervals.
        method: how the numbers were made.
        hac_lags: lags of the Newey-West estimate.
        n_bars: shared bars.
        periods_per_year: bars per year used to annualise.
    """

    alpha: float
    alpha_se: float
    alpha_t: float
    alpha_p: float
    alpha_ci_low: float
    alpha_ci_high: float
    beta: float
    beta_se: float
    beta_t: float
    beta_p: float
    beta_ci_low: float
    beta_ci_high: float
    tracking_error: float
    information_ratio: float
    level: float
    method: str
    hac_lags: int
    n_bars: int
    periods_per_year: float


def relative_metrics(
    returns: ArrayLike,
    benchmark: ArrayLike,
    *,
    periods_per_year: float = 252,
    level: float = 0.95,
) -> RelativeMetrics:
    """Alpha and beta by OLS with Newey-West errors, tracking error, information ratio.

    Args:
        returns: ``(T,)`` simple per-bar returns of the policy.
        benchmark: ``(T,)`` simple per-bar returns of the benchmark over the same bars (two
            ``pd.Series`` are aligned on their shared dates).
        periods_per_year: bars per year (252 for daily bars).
        level: coverage of the alpha and beta intervals.

    Returns:
        The :class:`RelativeMetrics`; NaN where undefined (a constant benchmark has no beta,
        identical series no information ratio).

    Raises:
        DataError: fewer than 30 shared bars, different lengths, NaN/inf returns.
        ConfigError: ``level`` outside (0, 1) or ``periods_per_year`` <= 0.

    >>> rng = np.random.default_rng(0)
    >>> b = rng.normal(0.0004, 0.01, 2000)
    >>> m = relative_metrics(0.0002 + 0.5 * b + rng.normal(0, 0.002, 2000), b)
    >>> round(m.beta, 2), m.alpha_ci_low < 0.0002 * 252 < m.alpha_ci_high
    (0.5, True)
    """
    import statsmodels.api as sm

    r, b = as_pair(returns, benchmark)
    check_level(level)
    check_positive(periods_per_year, "periods_per_year")
    n, lags, nan = len(r), newey_west_lags(len(r)), float("nan")
    active = r - b  # (T,)
    te_bar = float(active.std(ddof=1))
    tracking_error = te_bar * math.sqrt(periods_per_year)
    information_ratio = float(active.mean()) / te_bar * math.sqrt(periods_per_year) if te_bar > 0 else nan
    coef = se = t = p = low = high = np.full(2, nan)  # (2,): intercept, slope
    if b.std() > 0:
        fit = sm.OLS(r, sm.add_constant(b, has_constant="add")).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}
        )
        coef, se, t, p = (np.asarray(v, dtype=np.float64) for v in
                          (fit.params, fit.bse, fit.tvalues, fit.pvalues))
        ci = np.asarray(fit.conf_int(alpha=1.0 - level), dtype=np.float64)  # (2, 2)
        low, high = ci[:, 0], ci[:, 1]
    ppy = float(periods_per_year)
    return RelativeMetrics(
        alpha=float(coef[0]) * ppy, alpha_se=float(se[0]) * ppy, alpha_t=float(t[0]),
        alpha_p=float(p[0]), alpha_ci_low=float(low[0]) * ppy, alpha_ci_high=float(high[0]) * ppy,
        beta=float(coef[1]), beta_se=float(se[1]), beta_t=float(t[1]), beta_p=float(p[1]),
        beta_ci_low=float(low[1]), beta_ci_high=float(high[1]),
        tracking_error=tracking_error, information_ratio=information_ratio, level=level,
        method="OLS with Newey-West HAC errors (Bartlett, small-sample corrected)",
        hac_lags=lags, n_bars=n, periods_per_year=periods_per_year,
    )
