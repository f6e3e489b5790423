"""Alpha and beta are recovered from a planted regression; tracking error and IR by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tradegym.backtest.evidence import relative_metrics


def test_planted_alpha_and_beta_lie_in_their_95_percent_intervals_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    alpha_per_bar, beta = 0.0003, 0.7
    hits_alpha = hits_beta = 0
    for _ in range(200):
        x = rng.normal(0.0004, 0.01, 1000)
        y = alpha_per_bar + beta * x + 0.004 * rng.standard_t(5, 1000)
        m = relative_metrics(y, x)
        hits_alpha += m.alpha_ci_low <= alpha_per_bar * 252 <= m.alpha_ci_high
        hits_beta += m.beta_ci_low <= beta <= m.beta_ci_high
    print(f"coverage: alpha {hits_alpha / 200:.3f}, beta {hits_beta / 200:.3f}")
    assert 0.90 <= hits_alpha / 200 <= 0.99 and 0.90 <= hits_beta / 200 <= 0.99
    assert m.beta == pytest.approx(beta, abs=0.05) and m.beta_p < 1e-6
    assert m.alpha_t == pytest.approx(m.alpha / m.alpha_se, rel=1e-9)
    assert m.alpha == pytest.approx(np.polyfit(x, y, 1)[1] * 252, rel=1e-9)
    assert m.hac_lags == 6 and m.method.startswith("OLS with Newey-West HAC")


def test_tracking_error_and_information_ratio_match_a_hand_computation() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(0.0003, 0.01, 500)
    y = x + rng.normal(0.0002, 0.003, 500)
    m = relative_metrics(pd.Series(y), pd.Series(x), periods_per_year=12)
    active = y - x
    te = np.std(active, ddof=1) * math.sqrt(12)
    assert m.tracking_error == pytest.approx(te, rel=1e-12)
    assert m.information_ratio == pytest.approx(np.mean(active) * 12 / te, rel=1e-12)


def test_a_series_against_itself_has_beta_one_and_no_tracking_error() -> None:
    x = np.random.default_rng(6).normal(0.0003, 0.01, 300)
    m = relative_metrics(x, x)
    assert m.beta == pytest.approx(1.0) and m.alpha == pytest.approx(0.0, abs=1e-12)
    assert m.tracking_error == 0.0 and math.isnan(m.information_ratio)
    assert m.to_dict()["information_ratio"] is None


def test_a_constant_benchmark_has_no_beta() -> None:
    m = relative_metrics(np.random.default_rng(7).normal(0, 0.01, 100), np.zeros(100))
    assert math.isnan(m.alpha) and math.isnan(m.beta) and m.tracking_error > 0
