"""Baselines on long/short books: momentum_ls by hand, its limits and causality, the long-only
baselines unchanged there, the defaults, and a backtest and report of signed weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.backtest import backtest, make_baseline
from tradegym.backtest.analytics import asset_contributions, concentration, exposure, top_weights
from tradegym.backtest.baselines import DEFAULT_BASELINES, LONG_SHORT_BASELINES, Baseline, baseline_names
from tradegym.data import load
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

LONG_SHORT = {"action_mapping": "long_short", "max_gross": 2.0, "window_bars": 10}
DRIFTS = np.array([0.001, -0.002, 0.003, 0.0, -0.001, 0.002])
"""Log return per bar of each asset of :func:`trending`: best A2, A5; worst A1, A4."""


def trending(n_bars: int = 300, reverse_last: int = 21) -> MarketData:
    """Six assets at constant log drifts, reversed over the last ``reverse_last`` bars (the skip)."""
    steps = np.tile(DRIFTS, (n_bars, 1))  # (T, N)
    steps[n_bars - reverse_last:] *= -5.0  # the skipped month ranks them the other way
    close = 100 * np.exp(np.cumsum(steps, axis=0))
    return MarketData.from_array(close, pd.bdate_range("2020-01-01", periods=n_bars),
                                 [f"A{i}" for i in range(6)], ("close",), name="trending")


def env_at(data: MarketData, t: int, **kwargs: object) -> PortfolioEnv:
    """A long/short env on ``data`` deciding at bar ``t`` after one step."""
    env = PortfolioEnv(data, start="first", **{**LONG_SHORT, **kwargs})
    env.reset()
    env.current_index, env.steps = t, 1
    return env


@pytest.mark.parametrize("max_gross", [1.0, 2.0])
def test_momentum_ls_longs_the_best_and_shorts_the_worst_at_max_gross(max_gross: float) -> None:
    weights = make_baseline("momentum_ls").weights(env_at(trending(), 299, max_gross=max_gross))
    size = max_gross / 4  # k = ceil(6 / 3) = 2 per side
    np.testing.assert_allclose(weights, [1.0, 0.0, -size, size, 0.0, -size, size], atol=1e-15)
    assert abs(weights[1:].sum()) < 1e-15 and np.abs(weights[1:]).sum() == pytest.approx(max_gross)


def test_momentum_ls_top_k_and_the_box() -> None:
    env = env_at(trending(), 299, max_gross=3.0)
    weights = make_baseline("momentum_ls", top_k=1).weights(env)
    np.testing.assert_allclose(weights, [1.0, 0, -1, 1, 0, 0, 0])  # 3 / 2 capped at 1 per asset
    wide = make_baseline("momentum_ls", top_k=5).weights(env)  # at most N // 2 per side
    assert (wide[1:] > 0).sum() == 3 and (wide[1:] < 0).sum() == 3


def test_momentum_ls_holds_cash_before_enough_history() -> None:
    weights = make_baseline("momentum_ls").weights(env_at(trending(), 12))  # 12 returns < 20
    np.testing.assert_array_equal(weights, [1.0, 0, 0, 0, 0, 0, 0])


def test_momentum_ls_backtest_is_dollar_neutral_at_max_gross_on_rebalances() -> None:
    result = backtest("momentum_ls", trending(), env_kwargs=LONG_SHORT)
    traded = result.targets[result.turnover > 0].to_numpy()[:, 1:]  # (R, N) monthly rebalances
    assert len(traded) >= 10
    np.testing.assert_allclose(traded.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.abs(traded).sum(axis=1), 2.0)


def test_momentum_ls_on_a_long_only_env_names_the_fix() -> None:
    with pytest.raises(ConfigError, match=r"^momentum_ls needs a long/short env: set "
                                          r"env\.kwargs\.action_mapping: long_short$"):
        backtest("momentum_ls", trending(), env_kwargs={"window_bars": 10})


def test_momentum_ls_refuses_a_net_band_without_zero() -> None:
    with pytest.raises(ConfigError, match=r"momentum_ls is dollar-neutral \(net 0\), but the env's "
                                          r"net_exposure band \[0\.5, 1\] excludes 0"):
        backtest("momentum_ls", trending(), env_kwargs={**LONG_SHORT, "net_exposure": [0.5, 1.0]})


@settings(max_examples=20, deadline=None)
@given(t=st.integers(40, 250), seed=st.integers(0, 2**16))
def test_momentum_ls_at_t_does_not_see_prices_after_t(t: int, seed: int) -> None:
    """Changing every price after row t leaves the weights chosen at t unchanged."""
    data = make_market(260, 5, ohlc=False, seed=5)
    prices = data.prices.copy()
    prices[t + 1:] *= np.random.default_rng(seed).uniform(0.5, 2.0, prices[t + 1:].shape)
    changed = MarketData.from_array(prices, data.dates, data.symbols, data.fields, name="changed")
    baseline = make_baseline("momentum_ls", lookback=60, skip=5)
    np.testing.assert_array_equal(baseline.weights(env_at(data, t)), baseline.weights(env_at(changed, t)))


@pytest.mark.parametrize("book", [{}, {"net_exposure": [0, 0]}, {"max_gross": 0.5}], ids=["default", "neutral",
                                                                                           "gross_0.5"])
@pytest.mark.parametrize("name", ["buy_and_hold", "equal_weight_monthly", "inverse_vol", "random"])
def test_long_only_baselines_run_on_the_long_only_twin_of_any_book(name: str, book: dict) -> None:
    data = make_market(300, 4, ohlc=False, seed=3)
    plain = backtest(name, data, env_kwargs={"window_bars": 10, "cash_rate": 0.02})
    twin = backtest(name, data, env_kwargs={**LONG_SHORT, **book, "cash_rate": 0.02, "borrow_rate": 0.1})
    np.testing.assert_array_equal(twin.equity.to_numpy(), plain.equity.to_numpy())
    np.testing.assert_array_equal(twin.weights.to_numpy(), plain.weights.to_numpy())


def test_a_book_aware_rule_outside_the_book_names_its_limits() -> None:
    class Leveraged(Baseline):
        name, book_aware = "leveraged", True

        def target_weights(self, obs, env):
            return np.array([-1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0])

    with pytest.raises(ConfigError, match=r"'leveraged' wants weights outside this long/short book "
                                          r"\(max_gross 2, net_exposure \[0, 0\]\): .* net exposure 2 "
                                          r"outside .* Keep its targets inside the limits"):
        backtest(Leveraged(), trending(), env_kwargs={**LONG_SHORT, "net_exposure": [0, 0]})


def test_default_baselines_add_momentum_ls_on_long_short_books_only() -> None:
    assert baseline_names(None, {"window_bars": 10}) == DEFAULT_BASELINES
    assert baseline_names(None, LONG_SHORT) == (*DEFAULT_BASELINES, *LONG_SHORT_BASELINES)
    neutral = {**LONG_SHORT, "net_exposure": [0, 0]}  # the long-only ones run on the long-only twin
    assert baseline_names(None, neutral) == (*DEFAULT_BASELINES, *LONG_SHORT_BASELINES)


def test_signed_weights_analytics() -> None:
    weights = pd.DataFrame({"cash": [1.5, 0.0], "a": [0.75, 0.5], "b": [-0.25, 0.5], "c": [-1.0, 0.0]})
    shares = np.array([0.75, 0.25, 1.0]) / 2.0  # of the gross: a short is a holding
    np.testing.assert_allclose(concentration(weights), [1 / (shares**2).sum(), 2.0])
    np.testing.assert_allclose(exposure(weights)[["gross", "net"]].to_numpy(), [[2.0, -0.5], [1.0, 1.0]])
    assert list(top_weights(weights, k=2).columns) == ["a", "c", "other", "cash"]  # by |w|


def test_long_short_backtest_and_report(tmp_path) -> None:
    market = load("planted", n_assets=6, n_bars=400, seed=0)
    results = [backtest(b, market, env_kwargs=LONG_SHORT) for b in ("momentum_ls", "equal_weight")]
    ls = results[0]
    assert (ls.weights.to_numpy()[:, 1:] < 0).any() and ls.carry is not None and ls.carry.lt(0).any()
    parts = asset_contributions(ls, market)  # borrow fees are carry: the rows still sum exactly
    assert "carry" in parts and float(abs(parts.sum(axis=1) - ls.returns).max()) < 1e-12
    page = ls.report(tmp_path, results[1:], market=market, echo=lambda _: None, benchmark=None).read_text()
    assert "momentum_ls: gross and net exposure" in page and "long and short weights" in page
    assert "equal_weight: gross and net exposure" not in page  # long-only rows get no exposure chart


def test_reports_state_the_book_and_where_the_long_only_baselines_ran() -> None:
    from tradegym.backtest.report import book_lines

    data = make_market(300, 4, ohlc=False, seed=3)
    kwargs = {**LONG_SHORT, "net_exposure": [0, 0], "cash_rate": 0.03}
    ls = backtest("momentum_ls", data, env_kwargs=kwargs)
    ew = backtest("equal_weight", data, env_kwargs=kwargs)
    assert ls.book == ("long/short: max_gross 2, net [0, 0], cash earns 3 %, financing 4 %, borrow 0.5 %, "
                       "margin 0.25 (deleverage)")
    assert ew.book == "long-only, cash earns 3 %"  # the twin keeps the cash rate
    assert book_lines([ls, ew])[-1].startswith("long-only baselines: on the long-only twin")
    assert backtest("equal_weight", data, env_kwargs={"window_bars": 10}).book is None
