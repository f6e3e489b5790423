"""No look-ahead, as a property: perturb every price after row t; nothing up to t changes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.features import compute_features


def perturb_after(data: MarketData, t: int, seed: int) -> MarketData:
    """Multiply every field of every row after ``t`` by an independent positive factor."""
    rng = np.random.default_rng(seed)
    prices = np.array(data.prices)
    prices[t + 1 :] *= np.exp(rng.normal(0, 0.2, prices[t + 1 :].shape))
    return MarketData.from_array(prices, data.dates, data.symbols, data.fields, name=data.name)


@settings(max_examples=25, deadline=None)
@given(t=st.integers(0, 119), seed=st.integers(0, 10_000),
       normalize=st.sampled_from(["rolling", "expanding", "none"]), ohlc=st.booleans())
def test_features_up_to_t_ignore_later_prices(t: int, seed: int, normalize: str, ohlc: bool) -> None:
    data = make_market(120, 3, ohlc=ohlc, seed=seed % 7)
    names = ["log_return", "volatility_20", "momentum_20", "ma_ratio_20", "rsi_14"]
    if ohlc:
        names += ["open_gap", "high_rel", "low_rel", "volume_z"]
    base = compute_features(data, names, normalize=normalize)
    moved = compute_features(perturb_after(data, t, seed), names, normalize=normalize)
    np.testing.assert_array_equal(base.values[: t + 1], moved.values[: t + 1])
    assert not np.array_equal(base.values[t + 1 :], moved.values[t + 1 :]) or t == 119


@settings(max_examples=25, deadline=None)
@given(t=st.integers(60, 118), seed=st.integers(0, 10_000),
       execution=st.sampled_from(["next_open", "next_close", "close"]),
       reward=st.sampled_from(["log_return", "differential_sharpe", "drawdown_penalized"]))
def test_env_observations_and_rewards_up_to_t_ignore_later_prices(
    t: int, seed: int, execution: str, reward: str
) -> None:
    data = make_market(120, 3, ohlc=True, seed=seed % 5)
    actions = np.random.default_rng(seed).uniform(-1, 1, (120, 4)).astype(np.float32)

    def trajectory(market: MarketData) -> list[tuple[int, dict, float]]:
        env = PortfolioEnv(market, window_bars=10, execution=execution, reward=reward, start="first")
        obs, _ = env.reset(seed=0)
        out = [(env.current_index, obs, 0.0)]
        for action in actions:
            obs, r, terminated, truncated, info = env.step(action)
            if info["index"] > t:  # this transition ends after t: it may see later prices
                break
            out.append((info["index"], obs, r))
            if terminated or truncated:
                break
        return out

    base, moved = trajectory(data), trajectory(perturb_after(data, t, seed))
    assert len(base) == len(moved) > 1
    for (i, obs_a, r_a), (j, obs_b, r_b) in zip(base, moved, strict=True):
        assert i == j <= t
        np.testing.assert_array_equal(obs_a["window"], obs_b["window"])
        np.testing.assert_array_equal(obs_a["weights"], obs_b["weights"])
        assert r_a == r_b
