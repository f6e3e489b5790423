"""Fuzzing: arbitrary actions on arbitrary valid markets. The env raises a clear error or stays consistent.

Consistent means, after every step: weights finite and summing to 1 (>= 0 unless long/short,
whose gross stays within the margin rule), portfolio value finite and >= 0, turnover and cost
finite and >= 0, reward not NaN (-inf only on a total loss), observation finite and inside its
space.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tradegym.data.market import MarketData
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.portfolio import PortfolioEnv

SPECIAL = [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e-308, 0.0, -0.0, 1e6, -1e6]
settings.register_profile("fuzz", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def markets(draw: st.DrawFn) -> MarketData:
    """Valid markets with the corner cases: constant prices, zero volume, extreme jumps."""
    n_assets = draw(st.integers(1, 4))
    n_bars = draw(st.integers(60, 120))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    kind = draw(st.sampled_from(["walk", "constant", "jumps", "tiny", "huge"]))
    log_ret = rng.normal(0, 0.02, (n_bars, n_assets))
    if kind == "constant":
        log_ret[:] = 0.0
    elif kind == "jumps":  # x1000 and /1000 overnight moves
        at = rng.integers(1, n_bars, size=3)
        log_ret[at] = rng.choice([np.log(1000), -np.log(1000)], size=(3, n_assets))
    base = {"tiny": 1e-6, "huge": 1e9}.get(kind, 100.0)
    close = base * np.exp(np.cumsum(log_ret, axis=0))
    ohlc = draw(st.booleans())
    dates = pd.bdate_range("2020-01-01", periods=n_bars)
    symbols = [f"S{i}" for i in range(n_assets)]
    if not ohlc:
        return MarketData.from_array(close, dates, symbols, ("close",), name=f"fuzz-{kind}")
    opens = close * np.exp(rng.normal(0, 0.005, close.shape))
    high, low = np.maximum(opens, close) * 1.001, np.minimum(opens, close) * 0.999
    volume = np.zeros_like(close) if draw(st.booleans()) else rng.lognormal(10, 1, close.shape)
    return MarketData.from_array(np.stack([opens, high, low, close, volume], -1), dates, symbols,
                                 ("open", "high", "low", "close", "volume"), name=f"fuzz-{kind}")


def actions(n_slots: int) -> st.SearchStrategy:
    """Anything a buggy policy could return: right or wrong shape, any dtype, specials."""
    finite = st.floats(-1e6, 1e6, allow_nan=False)
    special = st.sampled_from(SPECIAL)
    right = hnp.arrays(np.float64, n_slots, elements=st.one_of(finite, special))
    return st.one_of(
        right,
        right.map(lambda a: np.clip(a, -3e38, 3e38).astype(np.float32)),
        hnp.arrays(np.int64, n_slots, elements=st.integers(-10**9, 10**9)),
        hnp.arrays(np.float64, st.integers(0, 8).filter(lambda n: n != n_slots)),
        hnp.arrays(np.float64, (2, n_slots)),
        st.lists(finite, min_size=n_slots, max_size=n_slots),
        st.sampled_from([None, "buy", {"a": 1}, [1.0, "x"], np.array([1 + 2j] * n_slots), object()]),
        st.floats(allow_nan=True),
    )


def assert_consistent(env: PortfolioEnv, obs: dict, reward: float, info: dict) -> None:
    w = info["weights"]
    assert np.isfinite(w).all() and abs(w.sum() - 1) < 1e-9
    assert (w >= -1e-12).all() or env.long_short  # long/short books hold signed weights
    if env.long_short and info["value"] > 0:  # inside the margin rule's bounds at every close
        assert np.abs(w[1:]).sum() <= 1 / env.book.maintenance + 1e-9
    assert np.isfinite(info["value"]) and info["value"] >= 0
    assert np.isfinite(info["turnover"]) and info["turnover"] >= 0
    assert np.isfinite(info["cost"]) and info["cost"] >= 0
    assert not np.isnan(reward)
    assert np.isfinite(obs["window"]).all() and env.observation_space.contains(obs)


def check_step(env: PortfolioEnv, step, action) -> bool:
    """Step once; return whether the episode ended. A ValueError must say where it happened."""
    try:
        obs, reward, terminated, truncated, info = step(action)
    except ValueError as exc:
        message = str(exc)
        assert "step" in message or "action" in message or "weights" in message, message
        return False
    assert_consistent(env, obs, reward, info)
    return terminated or truncated


@settings(settings.get_profile("fuzz"))
@given(data=st.data(), market=markets(), mapping=st.sampled_from(["softmax", "simplex", "long_short"]),
       execution=st.sampled_from(["close", "next_close", "next_open"]),
       cost=st.sampled_from([0.0, 0.001, 0.05]))
def test_portfolio_env_survives_arbitrary_actions(data, market: MarketData, mapping: str,
                                                  execution: str, cost: float) -> None:
    if execution == "next_open" and not market.has("open"):
        execution = "next_close"
    book = {"max_gross": min(2.0, market.n_assets), "borrow_rate": 0.2} if mapping == "long_short" else {}
    env = PortfolioEnv(market, window_bars=5, action_mapping=mapping, execution=execution,
                       cost_rate=cost, start="first", **book)
    env.reset(seed=0)
    for _ in range(data.draw(st.integers(1, 25))):
        if check_step(env, env.step, data.draw(actions(env.n_slots))):
            env.reset()


@settings(settings.get_profile("fuzz"))
@given(data=st.data(), market=markets())
def test_step_weights_accepts_only_the_simplex(data, market: MarketData) -> None:
    env = PortfolioEnv(market, window_bars=5, start="first")
    env.reset(seed=0)
    for _ in range(10):
        if check_step(env, env.step_weights, data.draw(actions(env.n_slots))):
            env.reset()


@settings(settings.get_profile("fuzz"))
@given(data=st.data(), market=markets())
def test_discrete_env_survives_arbitrary_actions(data, market: MarketData) -> None:
    env = PortfolioDiscreteEnv(market, window_bars=5, start="first")
    env.reset(seed=0)
    n = int(env.action_space.n)
    anything = st.one_of(st.integers(-5, n + 5), st.sampled_from([np.int64(1), np.array(2), np.array([1]),
                                                                  1.5, np.nan, None, "1", True]))
    for _ in range(10):
        if check_step(env, env.step, data.draw(anything)):
            env.reset()


@settings(settings.get_profile("fuzz"))
@given(data=st.data(), market=markets(), discrete=st.booleans())
def test_vector_env_survives_arbitrary_actions(data, market: MarketData, discrete: bool) -> None:
    """The batched env: an error naming the problem, or every sub-env consistent."""
    from tradegym.envs.vector import PortfolioVectorEnv

    b = 3
    env = PortfolioVectorEnv(b, market, discrete=discrete, window_bars=5, max_steps=8)
    env.reset(seed=0)
    a = env.env.n_slots
    if discrete:
        n = int(env.env.action_space.n)
        batch = st.one_of(hnp.arrays(np.int64, b, elements=st.integers(-2, n + 2)),
                          hnp.arrays(np.float64, b), st.sampled_from([None, "x", [1, 2], 3]))
    else:
        finite = st.floats(-1e6, 1e6, allow_nan=False)
        batch = st.one_of(hnp.arrays(np.float64, (b, a), elements=st.one_of(finite, st.sampled_from(SPECIAL))),
                          hnp.arrays(np.float64, (b, a + 1)), hnp.arrays(np.float64, a),
                          st.sampled_from([None, "x", np.full((b, a), 1 + 1j), [[1.0] * a] * (b - 1)]))
    for _ in range(12):
        try:
            obs, reward, terminated, truncated, info = env.step(data.draw(batch))
        except ValueError as exc:
            assert "action" in str(exc), str(exc)
            continue
        w = info["weights"]
        assert np.isfinite(w).all() and (w >= -1e-12).all()
        np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-9)
        assert np.isfinite(info["value"]).all() and (info["value"] >= 0).all()
        assert (info["cost"] >= 0).all() and (info["turnover"] >= 0).all()
        assert not np.isnan(reward).any() and np.isfinite(obs["window"]).all()
