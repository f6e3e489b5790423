import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from tradegym.data import SOURCES, MarketData, load
from tradegym.data.synthetic import (
    OraclePolicy,
    gbm,
    oracle_weights,
    planted_expected_returns,
    planted_signal,
    regime_switching,
)
from tradegym.errors import ConfigError, DataError

OHLCV = ("open", "high", "low", "close", "volume")
SYNTHETIC = {"gbm": ("close",), "regime": ("close",), "planted": OHLCV, "ar1": ("close",)}


def log_returns(data: MarketData) -> np.ndarray:
    return np.diff(np.log(data.close), axis=0)  # (T-1, N)


@pytest.fixture(scope="module")
def long_planted() -> MarketData:
    return planted_signal(n_assets=5, n_bars=5000, phi=0.3, seed=0)


# ---------------------------------------------------------------------- all generators
@pytest.mark.parametrize("source", sorted(SYNTHETIC))
def test_generators_have_shapes_fields_symbols_and_calendar(source):
    data = load(source, n_assets=3, n_bars=300)
    assert data.prices.shape == (300, 3, len(SYNTHETIC[source]))
    assert data.fields == SYNTHETIC[source]
    assert data.symbols == ("S00", "S01", "S02")
    assert data.name == source and data.meta["source"] == source
    assert data.dates[0] == pd.Timestamp("2000-01-03")
    assert (data.dates.day_of_week < 5).all()
    assert np.allclose(data.close[0], 100.0)


@pytest.mark.parametrize("source", sorted(SYNTHETIC))
def test_generators_are_deterministic_by_seed(source):
    make = SOURCES.resolve(source)
    a, b, c = make(3, 200, seed=7), make(3, 200, seed=7), make(3, 200, seed=8)
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()
    assert a.meta == b.meta and a.meta["seed"] == 7


@pytest.mark.parametrize(
    "make", [lambda: gbm(4, 400, ohlc=True, seed=1), lambda: regime_switching(4, 400, ohlc=True),
             lambda: planted_signal(4, 400, phi=0.9, overnight_sigma=0.0)]
)
def test_ohlcv_bars_are_consistent(make):
    data = make()
    o, h, lo, c, v = (data.field(f) for f in OHLCV)
    assert (h >= np.maximum(o, c)).all() and (lo <= np.minimum(o, c)).all()
    assert (lo > 0).all() and (v > 0).all() and (h > lo).all()


@pytest.mark.parametrize("make", [gbm, regime_switching])
def test_ohlc_adds_fields_without_changing_closes(make):
    close_only, ohlcv = make(3, 300, seed=4), make(3, 300, seed=4, ohlc=True)
    assert ohlcv.fields == OHLCV
    assert_array_equal(close_only.close, ohlcv.close)


@pytest.mark.parametrize(
    ("make", "kwargs", "message"),
    [
        (gbm, {"n_assets": 0}, "n_assets must be an integer >= 1, got 0"),
        (gbm, {"n_bars": 1}, "n_bars must be an integer >= 2, got 1"),
        (gbm, {"n_bars": 10.0}, "n_bars must be an integer >= 2, got 10.0"),
        (gbm, {"sigma_annual": 0.0}, "sigma_annual must be > 0, got 0.0"),
        (gbm, {"n_assets": 3, "correlation": -0.5},
         "correlation must be in (-0.5, 1) for n_assets=3, got -0.5"),
        (gbm, {"correlation": 1.0}, "correlation must be in (-0.25, 1) for n_assets=5, got 1.0"),
        (gbm, {"periods_per_year": 0}, "periods_per_year must be > 0, got 0"),
        (gbm, {"start": "not a date"}, "start must be a date like '2000-01-03', got 'not a date'"),
        (regime_switching, {"vol_annual": (0.1,)},
         "vol_annual must be a (calm, turbulent) pair, each > 0, got (0.1,)"),
        (regime_switching, {"stay_prob": (1.0, 0.9)},
         "stay_prob must be a (calm, turbulent) pair, each in (0, 1), got (1.0, 0.9)"),
        (regime_switching, {"garch_alpha": 0.2, "garch_beta": 0.85},
         "garch_beta must be >= 0 with garch_alpha + garch_beta < 1 (garch_alpha=0.2), got 0.85"),
        (regime_switching, {"dof": 2.0}, "dof must be > 2 (finite variance), got 2.0"),
        (regime_switching, {"market_share": 1.5}, "market_share must be in [0, 1], got 1.5"),
        (planted_signal, {"phi": 1.0},
         "phi must be in (-1, 1) (keeps the planted process stationary), got 1.0"),
        (planted_signal, {"lookback": 0}, "lookback must be an integer >= 1, got 0"),
        (planted_signal, {"sigma": -0.01}, "sigma must be > 0, got -0.01"),
        (planted_signal, {"overnight_sigma": -1.0}, "overnight_sigma must be >= 0, got -1.0"),
    ],
)
def test_bad_arguments_raise_config_error_naming_them(make, kwargs, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        make(**kwargs)


# ---------------------------------------------------------------------- gbm
def test_gbm_honours_drift_volatility_and_correlation():
    data = gbm(4, 20000, mu_annual=0.1, sigma_annual=0.3, correlation=0.5, seed=3)
    r = log_returns(data)
    assert np.allclose(r.std(axis=0) * np.sqrt(252), 0.3, rtol=0.05)
    assert abs(r.mean() * 252 - (0.1 - 0.3**2 / 2)) < 0.08
    corr = np.corrcoef(r.T)[np.triu_indices(4, 1)]
    assert np.allclose(corr, 0.5, atol=0.05)


# ---------------------------------------------------------------------- regime
def test_regime_market_has_fat_tails_and_volatility_clustering():
    r = log_returns(regime_switching(5, 5000, seed=0))
    z = (r - r.mean(axis=0)) / r.std(axis=0)
    assert (np.mean(z**4, axis=0) > 3.5).all()
    a = np.abs(r) - np.abs(r).mean(axis=0)
    acf = [np.mean([np.corrcoef(a[:-k, i], a[k:, i])[0, 1] for i in range(5)]) for k in range(1, 6)]
    assert np.mean(acf) > 0.05
    assert 0.15 < r.std() * np.sqrt(252) < 0.40


# ---------------------------------------------------------------------- planted
def test_planted_expectation_predicts_realised_intraday_return(long_planted):
    expected = planted_expected_returns(long_planted)[:-1]  # (T-1, N) made at row t
    intraday = np.log(long_planted.close[1:] / long_planted.field("open")[1:])  # bar t+1
    assert np.corrcoef(expected.ravel(), intraday.ravel())[0, 1] > 0.2
    # What the oracle cannot predict is exactly the planted noise.
    assert np.isclose((intraday - expected).std(), 0.01, rtol=0.03)


def test_oracle_log_growth_beats_equal_weight(long_planted):
    growth = long_planted.close[1:] / long_planted.field("open")[1:]  # (T-1, N)
    growth = np.concatenate([np.ones((len(growth), 1)), growth], axis=1)  # (T-1, A) cash first
    weights = oracle_weights(long_planted)[:-1]  # (T-1, A)
    oracle = np.log((weights * growth).sum(axis=1)).sum()
    equal = np.log(growth[:, 1:].mean(axis=1)).sum()
    assert oracle > equal + 5.0


def test_oracle_weights_are_one_hot_and_hold_cash_without_an_edge(long_planted):
    weights = oracle_weights(long_planted)
    assert weights.shape == (5000, 6)
    assert_array_equal(weights.sum(axis=1), 1.0)
    assert_array_equal(weights.max(axis=1), 1.0)
    bearish = planted_signal(3, 200, mu=-0.05)
    assert_array_equal(oracle_weights(bearish)[:, 0], 1.0)


@settings(max_examples=30, deadline=None)
@given(
    t=st.integers(0, 58),
    lookback=st.integers(1, 5),
    phi=st.floats(-0.9, 0.9),
    seed=st.integers(0, 2**16),
)
def test_oracle_rows_ignore_data_after_them(t, lookback, phi, seed):
    data = planted_signal(3, 60, phi=phi, lookback=lookback, seed=seed)
    prices = data.prices.copy()
    prices[t + 1 :] *= np.random.default_rng(seed).lognormal(0.0, 0.05, prices[t + 1 :].shape)
    changed = MarketData.from_array(
        prices, data.dates, data.symbols, data.fields, name=data.name, meta=data.meta
    )
    for fn in (planted_expected_returns, oracle_weights):
        assert_array_equal(fn(changed)[: t + 1], fn(data)[: t + 1])


def test_oracle_on_a_slice_matches_the_full_market_once_it_has_history():
    data = planted_signal(3, 400, lookback=3, seed=2)
    test = data.split(0.7, 0.15).test
    offset = data.n_bars - test.n_bars
    full = planted_expected_returns(data)[offset + 3 :]
    assert np.allclose(planted_expected_returns(test)[3:], full, rtol=0, atol=1e-12)


def test_markets_without_a_planted_oracle_are_rejected():
    with pytest.raises(DataError, match="market 'gbm' has no planted oracle"):
        planted_expected_returns(gbm(2, 50))


# ---------------------------------------------------------------------- OraclePolicy
class StubEnv:
    """The three attributes OraclePolicy reads from a portfolio env."""

    def __init__(self, data: MarketData) -> None:
        self.data, self.current_index, self.unwrapped = data, 0, self

    def weights_to_action(self, weights: np.ndarray) -> np.ndarray:
        return (2.0 * np.asarray(weights) - 1.0).astype(np.float32)


def test_oracle_policy_acts_on_the_current_bar():
    data = planted_signal(3, 100, seed=5)
    env, expected = StubEnv(data), oracle_weights(data)
    policy = OraclePolicy(env)
    for t in (0, 17, 98):
        env.current_index = t
        action, state = policy.predict({"weights": np.zeros(4, np.float32)})
        assert state is None and action.dtype == np.float32
        assert_array_equal(action, env.weights_to_action(expected[t]))
    env.data = planted_signal(3, 100, seed=6)  # a new market is picked up
    assert_array_equal(policy.predict({})[0], env.weights_to_action(oracle_weights(env.data)[98]))


def test_oracle_policy_refuses_batches_and_non_portfolio_envs():
    policy = OraclePolicy(StubEnv(planted_signal(3, 50)))
    with pytest.raises(ConfigError, match=re.escape("obs['weights'] has shape (2, 4) (a batch)")):
        policy.predict({"weights": np.zeros((2, 4))})
    with pytest.raises(ConfigError, match="OraclePolicy needs a single portfolio env with data"):
        OraclePolicy(type("Env", (), {"unwrapped": object()})())


# ---------------------------------------------------------------------- ar1
def test_ar1_returns_have_the_planted_coefficient():
    data = load("ar1", n_assets=4, n_bars=6000, phi=0.4, seed=3)
    r = log_returns(data)  # (T-1, N)
    x, y = r[:-1].ravel(), r[1:].ravel()
    slope = np.cov(x, y)[0, 1] / x.var(ddof=1)
    assert abs(slope - 0.4) < 0.03
    assert data.meta["r2_max"] == pytest.approx(0.16)


def test_ar1_rejects_a_nonstationary_coefficient():
    with pytest.raises(ConfigError, match=r"phi must be in \(-1, 1\) \(keeps the AR\(1\) stationary\), got 1.0"):
        load("ar1", phi=1.0)
