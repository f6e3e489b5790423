"""Sharpe intervals cover the true Sharpe ratio as often as they claim, on fat tails and GARCH.

The coverage tests use 200 resamples per interval (1000 is the default) to stay fast; the
95 % ends are then noisier, which widens the band of acceptable coverage a little, not more.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegym.backtest.evidence import sharpe_interval
from tradegym.errors import ConfigError, DataError

TRUE_SHARPE = 1.0  # annualised
N_SERIES, N_BARS, RESAMPLES = 200, 1250, 200


def student_t_series(rng: np.random.Generator, n_series: int, n_bars: int) -> np.ndarray:
    """``(n_series, n_bars)`` iid Student-t(5) returns, unit variance scaled to 1 %, Sharpe 1."""
    z = rng.standard_t(5, (n_series, n_bars)) / math.sqrt(5 / 3)  # variance df/(df-2) -> 1
    return 0.01 * (z + TRUE_SHARPE / math.sqrt(252))


def garch_series(rng: np.random.Generator, n_series: int, n_bars: int) -> np.ndarray:
    """``(n_series, n_bars)`` GARCH(1,1) returns with unconditional variance 1 (x 1 %^2), Sharpe 1.

    ``h_t = w + a e_{t-1}^2 + b h_{t-1}`` with ``w = 1 - a - b``: unconditional variance
    ``w / (1 - a - b) = 1``; ``3a^2 + 2ab + b^2 < 1`` so the fourth moment is finite too.
    """
    a, b, burn = 0.1, 0.85, 300
    w = 1.0 - a - b
    z = rng.standard_normal((n_bars + burn, n_series))
    e = np.empty_like(z)
    h = np.ones(n_series)
    for t in range(n_bars + burn):
        e[t] = np.sqrt(h) * z[t]
        h = w + a * e[t] ** 2 + b * h
    return 0.01 * (e[burn:].T + TRUE_SHARPE / math.sqrt(252))


@pytest.mark.parametrize("family", [student_t_series, garch_series], ids=["student_t5", "garch11"])
def test_95_percent_interval_covers_the_true_sharpe_90_to_99_percent_of_the_time(family) -> None:
    series = family(np.random.default_rng(2024), N_SERIES, N_BARS)
    hits = 0
    for i, r in enumerate(series):
        ci = sharpe_interval(r, n_resamples=RESAMPLES, seed=i)
        hits += ci.ci_low <= TRUE_SHARPE <= ci.ci_high
    coverage = hits / N_SERIES
    print(f"{family.__name__}: coverage {coverage:.3f}")
    assert 0.90 <= coverage <= 0.99


def test_interval_reports_its_method_and_settings_and_is_seeded() -> None:
    r = np.random.default_rng(0).normal(0.0005, 0.01, 600)
    ci = sharpe_interval(r, level=0.9, n_resamples=300, seed=7)
    assert ci.method == "stationary bootstrap, percentile interval"
    assert (ci.level, ci.n_resamples, ci.seed, ci.n_bars, ci.periods_per_year) == (0.9, 300, 7, 600, 252)
    assert ci.block_length >= 1.0
    assert ci.sharpe == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(252), rel=1e-12)
    assert sharpe_interval(r, level=0.9, n_resamples=300, seed=7) == ci
    assert sharpe_interval(r, level=0.9, n_resamples=300, seed=8) != ci
    assert set(ci.to_dict()) >= {"sharpe", "ci_low", "ci_high", "method", "block_length", "seed"}


def test_a_wider_level_gives_a_wider_interval() -> None:
    r = np.random.default_rng(1).normal(0.0005, 0.01, 800)
    narrow, wide = (sharpe_interval(r, level=lv, n_resamples=400) for lv in (0.8, 0.99))
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


def test_constant_returns_have_no_sharpe_and_no_interval() -> None:
    ci = sharpe_interval(np.zeros(100))
    assert math.isnan(ci.sharpe) and math.isnan(ci.ci_low) and math.isnan(ci.ci_high)
    assert ci.to_dict()["sharpe"] is None


returns_strategy = st.lists(st.floats(-0.05, 0.05, allow_nan=False), min_size=30, max_size=120).filter(
    lambda xs: np.std(xs) > 1e-4
)


@settings(max_examples=25, deadline=None)
@given(returns=returns_strategy)
def test_interval_contains_the_point_estimate(returns: list[float]) -> None:
    ci = sharpe_interval(returns, n_resamples=200)
    assert ci.ci_low <= ci.sharpe <= ci.ci_high


@settings(max_examples=25, deadline=None)
@given(returns=returns_strategy, scale=st.floats(0.01, 100.0))
def test_interval_is_unchanged_by_scaling_returns_with_the_same_seed(returns: list[float], scale: float) -> None:
    base = sharpe_interval(returns, n_resamples=100, seed=3)
    scaled = sharpe_interval(np.asarray(returns) * scale, n_resamples=100, seed=3)
    for key in ("sharpe", "ci_low", "ci_high", "block_length"):
        assert getattr(scaled, key) == pytest.approx(getattr(base, key), rel=1e-9, abs=1e-12)


def test_bad_input_is_named() -> None:
    r = np.random.default_rng(0).normal(0, 0.01, 100)
    r[10] = np.nan
    with pytest.raises(DataError, match=r"returns has a non-finite return at bar 10 \(nan\); drop or fill"):
        sharpe_interval(r)
    with pytest.raises(DataError, match="returns has 20 bars, fewer than the 30 needed"):
        sharpe_interval(np.ones(20))
    with pytest.raises(ConfigError, match=r"level must be in \(0, 1\), e.g. 0.95; got 95"):
        sharpe_interval(np.arange(40.0), level=95)
    with pytest.raises(ConfigError, match="n_resamples must be > 0, got 0"):
        sharpe_interval(np.arange(40.0), n_resamples=0)
