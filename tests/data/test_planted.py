"""The long/short planted oracle (tradegym.data.planted); the long-only one is in test_synthetic.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from tradegym.backtest import backtest
from tradegym.data import MarketData
from tradegym.data.planted import OraclePolicy, oracle_weights, planted_expected_returns, planted_signal
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

BANDS = {"any": None, "dollar_neutral": (0.0, 0.0)}


@pytest.fixture(scope="module")
def market() -> MarketData:
    return planted_signal(n_assets=5, n_bars=2000, seed=4)


def long_short_env(data: MarketData, max_gross: float, band: str, **kwargs) -> PortfolioEnv:
    net = BANDS[band]
    return PortfolioEnv(data, window_bars=5, start="first", action_mapping="long_short",
                        max_gross=max_gross, net_exposure=None if net is None else list(net), **kwargs)


def test_long_short_oracle_is_proportional_to_the_expected_returns(market):
    expected = planted_expected_returns(market)[1:]  # (T-1, N); row 0 has no signal
    weights = oracle_weights(market, long_short=True)[1:]  # (T-1, A)
    assert_allclose(weights[:, 1:], expected / np.abs(expected).sum(axis=1, keepdims=True), atol=1e-15)
    assert_allclose(weights[:, 0], 1.0 - expected.sum(axis=1) / np.abs(expected).sum(axis=1), atol=1e-12)
    assert (weights[:, 1:] < 0).any(axis=1).mean() > 0.9  # it shorts the predicted losers
    assert_array_equal(oracle_weights(market, long_short=True)[0], [1, 0, 0, 0, 0, 0])  # no signal: cash


@pytest.mark.parametrize("band", sorted(BANDS))
@pytest.mark.parametrize("max_gross", [0.5, 1.0, 2.0, 3.5])
def test_long_short_oracle_has_the_gross_limit_and_lies_in_the_allowed_set(market, max_gross, band):
    env = long_short_env(market, max_gross, band)
    weights = oracle_weights(market, long_short=True, max_gross=max_gross, net=BANDS[band])  # (T, A)
    gross = np.abs(weights[1:, 1:]).sum(axis=1)  # (T-1,)
    if band == "dollar_neutral":  # half the gross a side, at most 1 per asset
        centred = planted_expected_returns(market)[1:]
        centred = centred - centred.mean(axis=1, keepdims=True)  # (T-1, N)
        side = np.minimum((centred > 0).sum(axis=1), (centred < 0).sum(axis=1))  # (T-1,)
        assert_allclose(gross, 2 * np.minimum(max_gross / 2, side), rtol=1e-12)
        assert np.isclose(gross, max_gross, rtol=1e-12).mean() > (0.99 if max_gross <= 2 else 0.5)
    else:
        assert_allclose(gross, max_gross, rtol=1e-12)
    assert_allclose(weights.sum(axis=1), 1.0, atol=1e-12)
    assert np.abs(weights[:, 1:]).max() <= 1.0
    if band == "dollar_neutral":
        assert_allclose(weights[:, 1:].sum(axis=1), 0.0, atol=1e-12)
    problems = {env.actions.check_target(w) for w in weights}
    assert problems == {None}


@settings(max_examples=25, deadline=None)
@given(t=st.integers(0, 58), seed=st.integers(0, 2**16), max_gross=st.sampled_from([1.0, 2.5]),
       band=st.sampled_from(sorted(BANDS)), lookback=st.integers(1, 4))
def test_long_short_oracle_rows_ignore_data_after_them(t, seed, max_gross, band, lookback):
    data = planted_signal(4, 60, lookback=lookback, seed=seed)
    prices = data.prices.copy()
    prices[t + 1 :] *= np.random.default_rng(seed).lognormal(0.0, 0.05, prices[t + 1 :].shape)
    changed = MarketData.from_array(prices, data.dates, data.symbols, data.fields, name=data.name,
                                    meta=data.meta)
    options = {"long_short": True, "max_gross": max_gross, "net": BANDS[band]}
    assert_array_equal(oracle_weights(changed, **options)[: t + 1], oracle_weights(data, **options)[: t + 1])


@pytest.mark.parametrize("band", sorted(BANDS))
def test_oracle_policy_holds_the_long_short_oracle_on_a_long_short_env(market, band):
    env = long_short_env(market, 2.0, band, cost_rate=0.0)
    expected = oracle_weights(market, long_short=True, max_gross=2.0, net=BANDS[band])
    obs, _ = env.reset()
    policy = OraclePolicy(env)
    for _ in range(20):
        t = env.current_index
        assert_array_equal(OraclePolicy().target_weights(obs, env), expected[t])
        obs, _, _, _, info = env.step(policy.predict(obs)[0])
        assert_allclose(info["target"], expected[t], atol=1e-6)  # the action is float32


def test_long_short_oracle_beats_the_long_only_oracle_at_zero_cost():
    # Half the edge is on the short side, so the long/short Sharpe is far above the long-only
    # one (about twice on these markets: 10 against 5, each +- 0.6 over 2,000 bars).
    for seed in (0, 1, 2):
        data = planted_signal(5, 2000, seed=seed)
        kwargs = {"window_bars": 5, "cost_rate": 0.0, "execution": "next_open"}
        long_only = backtest("oracle", data, env_kwargs=kwargs).metrics["sharpe"]
        long_short = backtest("oracle", data, env_kwargs={**kwargs, "action_mapping": "long_short"})
        assert long_short.metrics["sharpe"] > long_only + 2.0


def test_oracle_options_are_checked(market):
    with pytest.raises(ConfigError, match="max_gross and net apply to the long/short oracle"):
        oracle_weights(market, max_gross=2.0)
    with pytest.raises(ConfigError, match=r"supports net bands that hold 0 .* got net=\(1.0, 1.0\)"):
        oracle_weights(market, long_short=True, max_gross=1.6, net=(1.0, 1.0))
    with pytest.raises(ConfigError, match="max_gross must be > 0, got 0.0"):
        oracle_weights(market, long_short=True, max_gross=0.0)
