"""The baselines: schedules, estimates by hand, causality, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.backtest import backtest, make_baseline
from tradegym.backtest.baselines import BASELINES, DEFAULT_BASELINES, LONG_SHORT_BASELINES, baseline_names
from tradegym.data import load
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

COST_RATE = 0.001
ENV_KWARGS = {"window_bars": 10, "cost_rate": COST_RATE}
ESTIMATED = ("inverse_vol", "min_variance", "mean_variance", "hrp", "momentum")
LONG_ONLY = sorted(set(BASELINES.names()) - {"oracle", *LONG_SHORT_BASELINES})
LONG_SHORT = {"action_mapping": "long_short", "max_gross": 2.0}
"""Env settings of a long/short book that holds every long-only baseline (gross 1, net 0 and 1)."""


def env_kwargs_for(name: str, **kwargs: object) -> dict:
    """``kwargs``, on a long/short book for the baselines that need one."""
    return {**kwargs, **LONG_SHORT} if name in LONG_SHORT_BASELINES else dict(kwargs)


@pytest.fixture(scope="module")
def market() -> MarketData:
    return make_market(400, 5, ohlc=False, seed=11)


def env_at(data: MarketData, t: int) -> PortfolioEnv:
    """An env on ``data`` whose episode has taken one step and decides at bar ``t``."""
    env = PortfolioEnv(data, start="first", **ENV_KWARGS)
    env.reset()
    env.current_index, env.steps = t, 1
    return env


@pytest.mark.parametrize("name", LONG_ONLY)
def test_every_baseline_backtests_on_the_simplex(market: MarketData, name: str) -> None:
    result = backtest(name, market, env_kwargs=ENV_KWARGS)
    weights = result.weights.to_numpy()
    assert np.isfinite(result.equity).all() and (result.equity > 0).all()
    assert (weights >= -1e-12).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)
    assert result.name == name


@pytest.mark.parametrize("name", ["equal_weight_weekly", "equal_weight_monthly", "min_variance"])
def test_calendar_schedules_trade_on_the_first_bar_of_each_period(market: MarketData, name: str) -> None:
    result = backtest(name, market, env_kwargs=ENV_KWARGS)
    decision_dates = result.equity.index[:-1]  # step k is decided at the close of date k
    traded = result.turnover.to_numpy() > 0
    period = "W" if name.endswith("weekly") else "M"
    key = decision_dates.to_period(period)
    first_of_period = np.r_[True, key[1:] != key[:-1]]
    assert traded.tolist() == first_of_period.tolist()


def test_monthly_equal_weight_matches_a_pandas_computation(market: MarketData) -> None:
    """Shares bought at each month's first fill are held to the next; costs on traded value."""
    result = backtest("equal_weight_monthly", market,
                      env_kwargs={**ENV_KWARGS, "execution": "next_close"})
    close = pd.DataFrame(market.close, index=market.dates, columns=market.symbols)
    close = close.loc[result.equity.index[0]:]
    decisions = close.index[:-1].to_period("M")
    trade_on = pd.Series(np.r_[True, decisions[1:] != decisions[:-1]], index=close.index[1:])
    n = close.shape[1]
    value, shares, values, costs = 1.0, np.zeros(n), [1.0], []
    for date, trade in trade_on.items():  # next_close: decided at the previous close, filled here
        held = float(shares @ close.loc[date]) + (value if not shares.any() else 0.0)
        cost = 0.0
        if trade:
            drifted = shares * close.loc[date] / held if shares.any() else np.zeros(n)
            cost = COST_RATE * np.abs(1.0 / n - drifted).sum() * held
            held -= cost
            shares = (held / n) / close.loc[date].to_numpy()
        value = held
        values.append(value)
        costs.append(cost)
    np.testing.assert_allclose(result.equity.to_numpy(), values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.costs.to_numpy(), costs, rtol=0, atol=1e-9)


def test_inverse_vol_by_hand(market: MarketData) -> None:
    env = env_at(market, 200)
    baseline = make_baseline("inverse_vol", lookback=30)
    close = market.close[170:201]
    inv = 1.0 / (close[1:] / close[:-1] - 1).std(axis=0, ddof=1)
    np.testing.assert_allclose(baseline.weights(env), np.r_[0.0, inv / inv.sum()], atol=1e-12)


def test_momentum_holds_the_top_k_of_the_skipped_window(market: MarketData) -> None:
    env = env_at(market, 300)
    weights = make_baseline("momentum", lookback=100, skip=10, top_k=2).weights(env)
    close = market.close
    signal = close[290] / close[200]  # t - skip over t - lookback
    top = np.argsort(-signal)[:2]
    expected = np.zeros(6)
    expected[1 + top] = 0.5
    np.testing.assert_allclose(weights, expected)


def test_min_variance_has_the_lowest_variance_of_the_candidates(market: MarketData) -> None:
    from skfolio.moments import LedoitWolf

    env = env_at(market, 300)
    returns = market.close[49:301][1:] / market.close[49:301][:-1] - 1
    cov = LedoitWolf().fit(returns).covariance_
    variance = {name: make_baseline(name).weights(env)[1:] @ cov @ make_baseline(name).weights(env)[1:]
                for name in ("min_variance", "inverse_vol", "equal_weight", "mean_variance", "hrp")}
    assert variance["min_variance"] <= min(variance.values()) + 1e-10


def test_short_history_falls_back_to_equal_weight(market: MarketData) -> None:
    env = env_at(market, 12)  # 12 returns < min_history 20
    for name in ESTIMATED:
        np.testing.assert_allclose(make_baseline(name).weights(env), np.r_[0.0, np.full(5, 0.2)])


def test_random_is_reproducible_and_seeded(market: MarketData) -> None:
    a = backtest("random", market, env_kwargs=ENV_KWARGS)
    b = backtest(make_baseline("random"), market, env_kwargs=ENV_KWARGS)
    c = backtest(make_baseline("random", seed=1), market, env_kwargs=ENV_KWARGS)
    pd.testing.assert_frame_equal(a.weights, b.weights)
    assert not np.allclose(a.weights.to_numpy(), c.weights.to_numpy())
    baseline = make_baseline("random")  # one object, two episodes: same weights
    pd.testing.assert_frame_equal(backtest(baseline, market, env_kwargs=ENV_KWARGS).weights,
                                  backtest(baseline, market, env_kwargs=ENV_KWARGS).weights)


def test_oracle_is_offered_on_planted_markets_only(market: MarketData) -> None:
    planted = load("planted", n_assets=3, n_bars=300, seed=0)
    assert "oracle" in baseline_names(planted)
    assert baseline_names(market) == DEFAULT_BASELINES
    result = backtest("oracle", planted, env_kwargs={"window_bars": 10, "cost_rate": 0.0})
    assert result.metrics["sharpe"] > 2  # the planted signal is strong and the oracle knows it


@pytest.mark.parametrize(("name", "options", "message"), [
    ("equal_weight", {"rebalance": "yearly"}, "rebalance must be"),
    ("inverse_vol", {"lookback": 1}, "lookback must be an integer >= 2"),
    ("momentum", {"skip": 300}, "skip must be in"),
    ("momentum", {"top_k": 0}, "top_k must be"),
    ("mean_variance", {"risk_aversion": -1}, "risk_aversion must be > 0"),
])
def test_bad_options_are_clear_errors(name: str, options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_baseline(name, **options)


@settings(max_examples=25, deadline=None)
@given(t=st.integers(80, 250), seed=st.integers(0, 2**16), name=st.sampled_from(ESTIMATED))
def test_weights_at_t_do_not_see_prices_after_t(t: int, seed: int, name: str) -> None:
    """Changing every price after row t leaves the weights chosen at t unchanged."""
    data = make_market(260, 4, ohlc=False, seed=5)
    prices = data.prices.copy()
    prices[t + 1:] *= np.random.default_rng(seed).uniform(0.5, 2.0, prices[t + 1:].shape)
    changed = MarketData.from_array(prices, data.dates, data.symbols, data.fields, name="changed")
    before = make_baseline(name, lookback=60).weights(env_at(data, t))
    after = make_baseline(name, lookback=60).weights(env_at(changed, t))
    np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("name", sorted(set(BASELINES.names()) - {"oracle"}))
def test_baselines_weight_only_tradable_assets_on_a_dynamic_universe(name: str) -> None:
    from tests.envs.test_universe import dynamic_market

    data = dynamic_market(300, listing=120, delisting=200)
    result = backtest(name, data, env_kwargs=env_kwargs_for(name, window_bars=10, cost_rate=COST_RATE))
    weights = result.weights.to_numpy()  # (S+1, A) at each close, cash first
    closes = result.weights.index
    life = pd.DataFrame(data.tradable, index=data.dates).loc[closes].to_numpy()  # (S+1, N)
    # A weight at the close of an untradable bar is the forced sale's wait: at most one bar
    # after the delisting, and never before a listing.
    waited = np.r_[[np.zeros(3, bool)], ~life[:-1]] & ~life
    assert (weights[:, 1:][waited] == 0).all()
    assert (weights[:, 2][closes < data.dates[120]] == 0).all()
    assert np.isfinite(result.equity).all()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)
    if name not in ("cash", "buy_and_hold"):
        assert np.abs(weights[closes >= data.dates[140], 2]).max() > 0  # the listing is traded
