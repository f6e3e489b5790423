"""Comparisons on a split with history, policy specs, empty periods, and causality."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.backtest import backtest
from tradegym.backtest.compare import compare, period, resolve_policy
from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError

ENV = {"window_bars": 10}


def all_in_first_asset(obs):
    """A module-level policy for 'module:attr' specs."""
    action = np.full(obs["weights"].shape, -1.0, np.float32)
    action[1] = 1.0
    return action


@pytest.fixture(scope="module")
def market() -> MarketData:
    return make_market(400, 3, ohlc=False, seed=4)


def test_test_split_is_traded_from_its_first_bar_with_history(market: MarketData) -> None:
    history, start = period(market, "test", 0.7, 0.15, min_rows=12)
    test = market.split(0.7, 0.15).test
    assert start == test.dates[0] and history.dates[-1] == test.dates[-1]
    result = backtest("equal_weight", history, env_kwargs=ENV, start=start)
    assert result.equity.index[0] == test.dates[0] and result.equity.index[-1] == test.dates[-1]
    assert len(result.returns) == test.n_bars - 1


def test_train_and_all_start_at_the_first_full_window(market: MarketData) -> None:
    assert period(market, "all")[1] is None
    train, start = period(market, "train", 0.7, 0.15)
    assert start is None and train.n_bars == 280


def test_empty_or_short_test_split_is_a_clear_error(market: MarketData) -> None:
    with pytest.raises(DataError, match="test split .* has 0 rows"):
        period(market, "test", str(market.dates[200].date()), str(market.dates[-1].date()))
    with pytest.raises(DataError, match="leaves no bar to trade"):
        backtest("cash", market, env_kwargs=ENV, start=market.dates[-1])
    with pytest.raises(DataError, match="needs .* earlier rows"):
        backtest("cash", market, env_kwargs=ENV, start=market.dates[3])
    with pytest.raises(ConfigError, match="unknown split 'tset'. Did you mean 'test'"):
        period(market, "tset")


def test_policy_specs(market: MarketData) -> None:
    assert resolve_policy("min_variance") == ("min_variance", "min_variance")
    policy, name = resolve_policy(f"{__name__}:all_in_first_asset")
    assert name == "all_in_first_asset"
    result = compare([(policy, name)], market, env_kwargs=ENV)[0]
    assert result.weights["A0"].iloc[5:].min() > 0.99
    with pytest.raises(ConfigError, match="Did you mean 'momentum'"):
        resolve_policy("momentun")
    with pytest.raises(ConfigError, match="nothing to backtest"):
        compare([], market)


@settings(max_examples=20, deadline=None)
@given(t=st.integers(60, 380), seed=st.integers(0, 2**16),
       name=st.sampled_from(["equal_weight_weekly", "inverse_vol", "momentum", "min_variance"]))
def test_results_up_to_t_do_not_depend_on_prices_after_t(t: int, seed: int, name: str) -> None:
    """Equity, weights and costs up to bar t are identical when every later price changes."""
    data = make_market(400, 3, ohlc=False, seed=4)
    prices = data.prices.copy()
    prices[t + 1:] *= np.random.default_rng(seed).uniform(0.7, 1.4, prices[t + 1:].shape)
    changed = MarketData.from_array(prices, data.dates, data.symbols, data.fields)
    a = backtest(name, data, env_kwargs=ENV)
    b = backtest(name, changed, env_kwargs=ENV)
    upto = data.dates[t]
    np.testing.assert_array_equal(a.equity.loc[:upto], b.equity.loc[:upto])
    np.testing.assert_array_equal(a.weights.loc[:upto], b.weights.loc[:upto])
    np.testing.assert_array_equal(a.costs.loc[:upto], b.costs.loc[:upto])
