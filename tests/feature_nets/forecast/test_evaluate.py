"""Forecast evaluation: metrics and Diebold-Mariano by hand, baselines fit on train, a run's table and plot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from feature_nets.forecast.evaluate import (
    ar_forecast,
    baseline_forecasts,
    diebold_mariano,
    evaluate_forecaster,
    evaluation_table,
    fit_ar,
    forecast_metrics,
    spearman,
)
from feature_nets.windows import log_returns
from tradegym.data import load
from tradegym.errors import ConfigError


# ---------------------------------------------------------------------- metrics by hand
def test_metrics_match_a_hand_computation():
    pred = np.array([[0.1, 0.0], [-0.2, 0.2], [0.3, -0.1]])
    real = np.array([[0.2, 0.1], [0.1, 0.3], [0.4, 0.0]])
    m = forecast_metrics(pred, real)
    err = np.array([-0.1, -0.1, -0.3, -0.1, -0.1, -0.1])
    assert m["rmse"] == pytest.approx(math.sqrt((err**2).mean()))
    assert m["mae"] == pytest.approx(0.8 / 6)
    # Called pairs (forecast and return both non-zero): (0.1,0.2) (-0.2,0.1) (0.2,0.3) (0.3,0.4): 3 of 4.
    assert m["hit_rate"] == pytest.approx(0.75)
    sst = ((real - real.mean()) ** 2).sum()
    assert m["r2"] == pytest.approx(1 - (err**2).sum() / sst)


def test_zero_forecast_has_no_direction_and_no_rank():
    m = forecast_metrics(np.zeros((4, 2)), np.arange(8.0).reshape(4, 2) - 3)
    assert math.isnan(m["hit_rate"]) and math.isnan(m["ic"])


def test_spearman_uses_average_ranks():
    assert spearman(np.array([1, 2, 2, 3]), np.array([1, 2, 3, 4])) == pytest.approx(0.9486832980505138)


def test_diebold_mariano_matches_a_hand_computation_with_hln_correction():
    from scipy import stats

    a = np.array([2.0, 1.0, 1.0, 4.0, 4.0, 2.0])
    b = np.full(6, 3.0)
    d = a - b  # -1, -2, -2, 1, 1, -1: mean -2/3, positively autocorrelated
    n, mean = 6, -2 / 3
    assert d.mean() == pytest.approx(mean)
    gamma0 = ((d - mean) ** 2).sum() / n
    gamma1 = ((d[1:] - mean) * (d[:-1] - mean)).sum() / n
    for h, var in ((1, gamma0), (2, gamma0 + 2 * gamma1)):
        expected = mean / math.sqrt(var / n) * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
        result = diebold_mariano(a, b, horizon=h)
        assert result.statistic == pytest.approx(expected)
        assert result.p_better == pytest.approx(stats.t.cdf(expected, n - 1))
        assert result.p_two_sided == pytest.approx(2 * stats.t.sf(abs(expected), n - 1))


def test_diebold_mariano_of_identical_forecasts_is_no_evidence():
    r = diebold_mariano(np.ones(10), np.ones(10))
    assert (r.statistic, r.p_better) == (0.0, 0.5)


@pytest.mark.parametrize(("a", "b", "message"), [
    (np.ones(3), np.ones(4), r"loss series must be 1-D and equal in shape, got \(3,\) and \(4,\)"),
    (np.ones(2), np.ones(2), "the Diebold-Mariano test needs at least 3 bars, got 2"),
])
def test_diebold_mariano_rejects_bad_input(a, b, message):
    with pytest.raises(ConfigError, match=message):
        diebold_mariano(a, b)


def test_ar_fit_recovers_the_coefficient_and_forecasts_from_the_past_only():
    rng = np.random.default_rng(0)
    r = np.zeros((5000, 2))
    for t in range(1, 5000):
        r[t] = 0.001 + 0.4 * r[t - 1] + 0.01 * rng.standard_normal(2)
    coef = fit_ar(r, 2)
    np.testing.assert_allclose(coef[:, 1], 0.4, atol=0.04)
    np.testing.assert_allclose(coef[:, 2], 0.0, atol=0.04)
    rows = np.array([10, 20])
    expected = coef[:, 0] + coef[:, 1] * r[rows] + coef[:, 2] * r[rows - 1]
    np.testing.assert_allclose(ar_forecast(r, rows, coef), expected)


def test_baselines_fit_on_train_only():
    data = load("ar1", n_assets=2, n_bars=300, seed=0)
    train, test = data.slice_rows(0, 200), data.slice_rows(200, 300)
    rows = np.arange(10, 99)
    base = baseline_forecasts(train, test, rows, ar_order=3)
    r_test = log_returns(test)
    np.testing.assert_array_equal(base["zero"], 0.0)
    np.testing.assert_array_equal(base["persistence"], r_test[rows])
    np.testing.assert_allclose(base["hist_mean"][0], log_returns(train)[1:].mean(axis=0))
    assert set(base) == {"zero", "persistence", "hist_mean", "ar3"}


def test_evaluation_table_tests_against_both_naive_benchmarks():
    rng = np.random.default_rng(0)
    y = rng.normal(0, 0.01, (300, 2))
    table = evaluation_table({"oracle": y * 0.9, "zero": 0 * y, "persistence": np.roll(y, 1, 0)}, y)
    assert table.loc["oracle", "p_zero"] < 1e-6 and table.loc["oracle", "p_pers"] < 1e-6
    assert math.isnan(table.loc["zero", "p_zero"])
    with pytest.raises(ConfigError, match=r"benchmark forecasts \['persistence'\] missing"):
        evaluation_table({"zero": 0 * y}, y)


def test_diebold_mariano_rejects_equally_good_forecasts_about_5_percent_of_the_time():
    # Two forecasts with the same expected squared error: the one-sided 5% test should fire ~5%.
    rng = np.random.default_rng(0)
    y = rng.standard_normal((2000, 250))
    a, b = 0.3 * rng.standard_normal(y.shape), 0.3 * rng.standard_normal(y.shape)
    p = [diebold_mariano((a[i] - y[i]) ** 2, (b[i] - y[i]) ** 2).p_better for i in range(len(y))]
    assert 0.035 < np.mean(np.array(p) < 0.05) < 0.065


# ---------------------------------------------------------------------- a trained run
def test_evaluation_writes_table_and_plot(trained, tmp_path):
    lines = []
    table = evaluate_forecaster(trained.run.path, out=tmp_path, echo=lines.append)
    assert list(table.index) == ["lstm", "zero", "persistence", "hist_mean", "ar5"]
    assert {"rmse", "mae", "r2", "hit_rate", "ic", "dm_zero", "p_zero", "dm_pers", "p_pers"} <= set(table.columns)
    assert (tmp_path / "table.csv").is_file() and (tmp_path / "forecasts.png").read_bytes()[:4] == b"\x89PNG"
    assert lines[0].startswith("test split of ar1: 600 bars x 2 assets")


def test_evaluation_rejects_an_unknown_split(trained):
    with pytest.raises(ConfigError, match="unknown split 'tests'. Did you mean 'test'?"):
        evaluate_forecaster(trained.run.path, split="tests")
