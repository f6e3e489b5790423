"""PSR and DSR equal the published closed forms, computed here from scratch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tradegym.backtest.evidence import deflated_sharpe, expected_max_sharpe, probabilistic_sharpe
from tradegym.errors import ConfigError


def skewed_returns(seed: int = 0, n_bars: int = 1500) -> np.ndarray:
    """Fat-tailed, left-skewed daily returns with a positive Sharpe ratio."""
    rng = np.random.default_rng(seed)
    return 0.0008 + 0.006 * rng.standard_normal(n_bars) - 0.008 * (rng.exponential(1.0, n_bars) - 1.0)


def psr_by_hand(r: np.ndarray, sr_star_per_bar: float) -> float:
    """Bailey & Lopez de Prado (2012), eq. for PSR, with scipy's biased sample moments."""
    sr = np.mean(r) / np.std(r, ddof=1)
    g3 = stats.skew(r, bias=True)
    g4 = stats.kurtosis(r, fisher=False, bias=True)
    z = (sr - sr_star_per_bar) * math.sqrt(len(r) - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    return float(stats.norm.cdf(z))


def sr0_by_hand(n: int, variance: float) -> float:
    """Bailey & Lopez de Prado (2014): expected maximum Sharpe ratio of n unskilled trials."""
    return math.sqrt(variance) * ((1 - np.euler_gamma) * stats.norm.ppf(1 - 1 / n)
                                  + np.euler_gamma * stats.norm.ppf(1 - 1 / (n * math.e)))


@pytest.mark.parametrize("benchmark_sharpe", [0.0, 0.5, -0.3])
def test_psr_equals_the_closed_form(benchmark_sharpe: float) -> None:
    r = skewed_returns()
    result = probabilistic_sharpe(r, benchmark_sharpe=benchmark_sharpe)
    assert result.probability == pytest.approx(psr_by_hand(r, benchmark_sharpe / math.sqrt(252)), abs=1e-9)
    assert result.skewness == pytest.approx(stats.skew(r), abs=1e-9) and result.skewness < 0
    assert result.kurtosis == pytest.approx(stats.kurtosis(r, fisher=False), abs=1e-9) and result.kurtosis > 3
    assert result.sharpe == pytest.approx(np.mean(r) / np.std(r, ddof=1) * math.sqrt(252), rel=1e-12)


def test_psr_uses_periods_per_year_for_the_benchmark() -> None:
    r = skewed_returns(1, 600)
    result = probabilistic_sharpe(r, benchmark_sharpe=0.4, periods_per_year=52)
    assert result.probability == pytest.approx(psr_by_hand(r, 0.4 / math.sqrt(52)), abs=1e-9)


@pytest.mark.parametrize(("n_trials", "variance"), [(2, 0.5), (10, 0.25), (250, 1.0)])
def test_dsr_equals_the_closed_form_with_an_annualised_trial_variance(n_trials: int, variance: float) -> None:
    r = skewed_returns(2)
    result = deflated_sharpe(r, n_trials=n_trials, trial_sharpe_variance=variance)
    sr0_per_bar = sr0_by_hand(n_trials, variance / 252)  # the variance is of annualised Sharpe ratios
    assert result.threshold_sharpe == pytest.approx(sr0_per_bar * math.sqrt(252), abs=1e-9)
    assert result.probability == pytest.approx(psr_by_hand(r, sr0_per_bar), abs=1e-9)
    assert expected_max_sharpe(n_trials, variance) == pytest.approx(sr0_by_hand(n_trials, variance), abs=1e-12)


def test_dsr_falls_as_more_trials_were_tried() -> None:
    r = skewed_returns(3)
    values = [deflated_sharpe(r, n_trials=n, trial_sharpe_variance=0.5).probability for n in (1, 2, 5, 20, 100, 1000)]
    assert all(a > b for a, b in zip(values, values[1:], strict=False))


def test_one_trial_is_no_selection_so_dsr_is_psr_against_zero() -> None:
    r = skewed_returns(4)
    dsr = deflated_sharpe(r, n_trials=1, trial_sharpe_variance=3.0)
    assert dsr.threshold_sharpe == 0.0
    assert dsr.probability == probabilistic_sharpe(r).probability


def test_bad_settings_are_refused() -> None:
    r = skewed_returns()
    with pytest.raises(ConfigError, match=r"n_trials must be a whole number >= 1 \(the configurations tried\), got 0"):
        deflated_sharpe(r, n_trials=0, trial_sharpe_variance=1.0)
    with pytest.raises(ConfigError, match="trial_sharpe_variance must be >= 0"):
        deflated_sharpe(r, n_trials=3, trial_sharpe_variance=-1.0)
    with pytest.raises(ConfigError, match="periods_per_year must be > 0, got 0"):
        probabilistic_sharpe(r, periods_per_year=0)
