"""Metrics checked by hand on tiny series and against empyrical-reloaded on random ones."""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegym.backtest.metrics import METRIC_LABELS, compute_metrics, drawdown, max_drawdown
from tradegym.errors import ConfigError


def test_tiny_series_by_hand() -> None:
    # Equity 1 -> 1.1 -> 0.99 -> 1.0395 -> 1.0395; four bars = one year.
    m = compute_metrics([0.1, -0.1, 0.05, 0.0], periods_per_year=4,
                        turnover=[1.0, 0.0, 0.5, 0.5], costs=[0.01, 0.0, 0.002, 0.003])
    assert list(m) == list(METRIC_LABELS)
    assert m["total_return"] == pytest.approx(0.0395)
    assert m["cagr"] == pytest.approx(0.0395)
    # mean 0.0125; squared deviations sum 0.021875; std = sqrt(0.021875 / 3) (ddof=1).
    std = math.sqrt(0.021875 / 3)
    assert m["volatility"] == pytest.approx(std * 2)
    assert m["sharpe"] == pytest.approx(0.0125 / std * 2)
    # Downside deviation over all four bars: sqrt(0.1^2 / 4) = 0.05.
    assert m["sortino"] == pytest.approx(0.0125 / 0.05 * 2)
    assert m["max_drawdown"] == pytest.approx(0.1)  # 1.1 -> 0.99
    assert m["max_drawdown_bars"] == 3  # from the peak at bar 1 to the end, never recovered
    assert m["calmar"] == pytest.approx(0.395)
    assert m["turnover"] == pytest.approx(0.5)
    assert m["total_costs"] == pytest.approx(0.015)
    assert m["hit_rate"] == 0.5
    assert m["bars"] == 4


def test_cagr_compounds_over_years() -> None:
    # Two bars of 10 % at one bar per year: 21 % total, 10 % a year.
    m = compute_metrics([0.1, 0.1], periods_per_year=1)
    assert m["total_return"] == pytest.approx(0.21)
    assert m["cagr"] == pytest.approx(0.1)


def test_risk_free_rate_is_annual_and_converted_per_bar() -> None:
    m = compute_metrics([0.01, 0.03], periods_per_year=1, risk_free_rate=0.01)
    # Excess returns 0 and 0.02: mean 0.01, std 0.02 / sqrt(2); no bar below the target.
    assert m["sharpe"] == pytest.approx(0.01 / (0.02 / math.sqrt(2)))
    assert math.isnan(m["sortino"])
    rf_bar = 1.05 ** (1 / 252) - 1
    daily = compute_metrics([rf_bar, rf_bar + 0.001, rf_bar - 0.001], risk_free_rate=0.05)
    assert daily["sharpe"] == pytest.approx(0.0)


def test_constant_series_has_undefined_ratios() -> None:
    m = compute_metrics([0.0] * 5)
    assert m["total_return"] == 0.0 and m["max_drawdown"] == 0.0 and m["max_drawdown_bars"] == 0
    for key in ("sharpe", "sortino", "calmar", "turnover", "total_costs"):
        assert math.isnan(m[key]), key


def test_drawdown_duration_ends_at_recovery() -> None:
    assert drawdown([1.0, 2.0, 1.5, 2.5]).tolist() == [0.0, 0.0, 0.25, 0.0]
    assert max_drawdown([1.0, 2.0, 1.0, 1.5, 2.0, 3.0]) == (0.5, 3)
    assert max_drawdown([3.0, 2.0, 1.0]) == (pytest.approx(2 / 3), 2)


def test_total_loss_is_minus_one() -> None:
    m = compute_metrics([0.5, -1.0])
    assert m["total_return"] == -1.0 and m["cagr"] == -1.0 and m["max_drawdown"] == 1.0


@pytest.mark.parametrize("bad", [[0.01, float("nan")], [0.01, -1.5], [float("inf")]])
def test_bad_returns_are_rejected(bad: list[float]) -> None:
    with pytest.raises(ConfigError, match="finite simple returns >= -1; bar"):
        compute_metrics(bad)


def test_periods_per_year_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="periods_per_year must be > 0"):
        compute_metrics([0.01], periods_per_year=0)


@given(st.lists(st.floats(-0.5, 0.5), min_size=2, max_size=50))
def test_total_return_and_drawdown_agree_with_the_equity_curve(returns: list[float]) -> None:
    m = compute_metrics(returns)
    equity = np.cumprod(np.concatenate([[1.0], 1 + np.array(returns)]))
    assert m["total_return"] == pytest.approx(equity[-1] - 1, abs=1e-12)
    assert 0.0 <= m["max_drawdown"] <= 1.0
    assert m["max_drawdown"] == pytest.approx(1 - (equity / np.maximum.accumulate(equity)).min())


# ------------------------------------------------------------------ independent implementation
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 600), scale=st.sampled_from([0.001, 0.01, 0.05]),
       rf=st.sampled_from([0.0, 0.03]), periods=st.sampled_from([252, 52, 12]))
def test_metrics_agree_with_empyrical(seed: int, n: int, scale: float, rf: float, periods: int) -> None:
    """empyrical-reloaded (Quantopian's metrics, maintained by Stefan Jansen) to 1e-8."""
    rng = np.random.default_rng(seed)
    r = rng.standard_t(4, n) * scale + scale / 20
    r = np.clip(r, -0.9, None)
    m = compute_metrics(r, periods_per_year=periods, risk_free_rate=rf)
    rf_bar = (1 + rf) ** (1 / periods) - 1
    expected = {
        "total_return": empyrical.cum_returns_final(r),
        "cagr": empyrical.annual_return(r, annualization=periods),
        "volatility": empyrical.annual_volatility(r, annualization=periods),
        "sharpe": empyrical.sharpe_ratio(r, risk_free=rf_bar, annualization=periods),
        "sortino": empyrical.sortino_ratio(r, required_return=rf_bar, annualization=periods),
        "max_drawdown": -empyrical.max_drawdown(r),
        "calmar": empyrical.calmar_ratio(r, annualization=periods),
    }
    for key, value in expected.items():
        if not np.isfinite(value):  # no drawdown or no downside: empyrical says inf, we say nan
            assert not np.isfinite(m[key]), key
            continue
        assert m[key] == pytest.approx(float(value), rel=1e-8, abs=1e-8), key
