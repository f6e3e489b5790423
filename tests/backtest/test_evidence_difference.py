"""The Ledoit-Wolf Sharpe difference test holds its size and finds a planted difference.

199 resamples per test (1000 is the default): enough for a 5 % decision, since the
p-value's grid is 1/200.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tradegym.backtest.evidence import sharpe_difference
from tradegym.errors import DataError

RESAMPLES = 199


def correlated_pair(rng: np.random.Generator, n_bars: int, sharpe_a: float, sharpe_b: float,
                    rho: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Two ``(n_bars,)`` normal return series, correlation ``rho``, 1 % vol, given annual Sharpe."""
    z = rng.standard_normal((n_bars, 2))
    z[:, 1] = rho * z[:, 0] + math.sqrt(1 - rho**2) * z[:, 1]
    return 0.01 * (z[:, 0] + sharpe_a / math.sqrt(252)), 0.01 * (z[:, 1] + sharpe_b / math.sqrt(252))


def test_equal_sharpe_ratios_are_rejected_at_5_percent_in_2_to_9_percent_of_pairs() -> None:
    rng = np.random.default_rng(11)
    rejections = 0
    for i in range(200):
        a, b = correlated_pair(rng, 1000, 0.7, 0.7)
        rejections += sharpe_difference(a, b, n_resamples=RESAMPLES, seed=i).p_value < 0.05
    print(f"size: rejection rate {rejections / 200:.3f}")
    assert 0.02 <= rejections / 200 <= 0.09


def test_a_planted_difference_of_one_sharpe_is_found_in_most_trials() -> None:
    rng = np.random.default_rng(12)
    rejections = 0
    for i in range(100):
        a, b = correlated_pair(rng, 2500, 1.5, 0.5)
        result = sharpe_difference(a, b, n_resamples=RESAMPLES, seed=i)
        rejections += result.p_value < 0.05 and result.difference > 0
    print(f"power: rejection rate {rejections / 100:.2f}")
    assert rejections / 100 > 0.5


def test_a_series_against_itself_differs_by_zero_with_p_one() -> None:
    r = np.random.default_rng(0).normal(0.001, 0.01, 300)
    result = sharpe_difference(r, r)
    assert (result.difference, result.p_value, result.standard_error) == (0.0, 1.0, 0.0)
    assert result.sharpe == result.benchmark_sharpe == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(252))


def test_difference_is_the_difference_of_annualised_sharpe_ratios_and_reports_its_settings() -> None:
    a, b = correlated_pair(np.random.default_rng(3), 800, 1.0, 0.0)
    result = sharpe_difference(a, b, n_resamples=99, seed=5)
    sharpe = [x.mean() / x.std(ddof=1) * math.sqrt(252) for x in (a, b)]
    assert result.difference == pytest.approx(sharpe[0] - sharpe[1], rel=1e-12)
    assert (result.n_resamples, result.seed, result.n_bars, result.hac_lags) == (99, 5, 800, 6)
    assert result.block_length >= 1 and result.standard_error > 0
    assert result.method.startswith("Ledoit-Wolf studentised circular block bootstrap")
    assert sharpe_difference(a, b, n_resamples=99, seed=5) == result
    assert 1 / 100 <= result.p_value <= 1.0


def test_series_are_aligned_on_their_shared_dates() -> None:
    a, b = correlated_pair(np.random.default_rng(4), 300, 1.0, 0.0)
    dates = pd.bdate_range("2021-01-01", periods=300)
    left, right = pd.Series(a, dates), pd.Series(b, dates)
    aligned = sharpe_difference(left.iloc[:250], right.iloc[50:], n_resamples=49)
    assert aligned == sharpe_difference(a[50:250], b[50:250], n_resamples=49)


def test_misaligned_or_short_pairs_are_refused_with_the_reason() -> None:
    dates = pd.bdate_range("2021-01-01", periods=100)
    a = pd.Series(np.random.default_rng(0).normal(0, 0.01, 100), dates)
    with pytest.raises(DataError, match=r"returns and benchmark share 20 dates \(of 60 and 60\), fewer than "
                                        r"the 30 a paired test needs; backtest both over the same period"):
        sharpe_difference(a.iloc[:60], a.iloc[40:])
    with pytest.raises(DataError, match="returns has 100 bars but benchmark has 99; paired tests need the same"):
        sharpe_difference(a.to_numpy(), a.to_numpy()[1:])
    b = a.copy()
    b.iloc[3] = np.inf
    with pytest.raises(DataError, match=r"benchmark has a non-finite return at 2021-01-06 \(inf\)"):
        sharpe_difference(a, b)
