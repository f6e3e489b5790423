"""No look-ahead, as a property: perturb every price after row t; nothing up to t changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.features import compute_features


def perturb_after(data: MarketData, t: int, seed: int, *, universe: bool = False) -> MarketData:
    """Multiply every field of every row after ``t`` by an independent positive factor.

    With ``universe``, also redraw which assets are tradable after ``t`` (each bar and asset
    a coin flip; the data's own mask up to ``t`` is kept), so listings and delistings move.
    """
    rng = np.random.default_rng(seed)
    prices = np.array(data.prices)
    prices[t + 1 :] *= np.exp(rng.normal(0, 0.2, prices[t + 1 :].shape))
    if not (universe or data.dynamic):
        return MarketData.from_array(prices, data.dates, data.symbols, data.fields, name=data.name)
    life = np.array(data.tradable)  # (T, N)
    if universe:
        life[t + 1 :] = rng.random(life[t + 1 :].shape) < 0.5
    return MarketData(prices, data.dates, data.symbols, data.fields, data.name, data.meta,
                      tradable=life, dynamic=True)


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


ALL_COSTS = ["proportional", {"name": "spread", "bps": 2, "range_fraction": 0.5}, "min_commission",
             {"name": "impact", "coef": 1.0, "window_bars": 10},
             {"name": "participation", "max_participation": 0.05, "window_bars": 5}]
"""Every cost model at once, at an initial value of 2e7 where each one bites (volumes ~1.6e7 a bar)."""


@settings(max_examples=25, deadline=None)
@given(t=st.integers(60, 118), seed=st.integers(0, 10_000),
       execution=st.sampled_from(["next_open", "next_close", "close"]),
       reward=st.sampled_from(["log_return", "differential_sharpe", "drawdown_penalized"]),
       costs=st.sampled_from([None, ALL_COSTS]),
       timeframes=st.sampled_from([None, ("1D", "1W", "1M"), ("2W", "1Q")]), long_short=st.booleans())
def test_env_observations_and_rewards_up_to_t_ignore_later_prices(
    t: int, seed: int, execution: str, reward: str, costs: list | None, timeframes: tuple | None,
    long_short: bool,
) -> None:
    data = make_market(120, 3, ohlc=True, seed=seed % 5)
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1, 1, (120, 4)).astype(np.float32)
    sized = {} if costs is None else {"costs": costs, "initial_value": 2e7}
    # A long/short book with an interest-rate series that changes after t too.
    rates = pd.Series(rng.uniform(0, 0.1, 120), index=data.dates)
    later = rates.where(np.arange(120) <= t, rates * 3)
    book = {"action_mapping": "long_short", "max_gross": 2.0, "margin_maintenance": 0.45} if long_short else {}

    def trajectory(market: MarketData, cash_rate: pd.Series) -> list[tuple[int, dict, float]]:
        env = PortfolioEnv(market, window_bars=10, execution=execution, reward=reward, start="first",
                           timeframes=timeframes, cash_rate=cash_rate, **book, **sized)
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

    base, moved = trajectory(data, rates), trajectory(perturb_after(data, t, seed), later)
    assert len(base) == len(moved) > 1
    for (i, obs_a, r_a), (j, obs_b, r_b) in zip(base, moved, strict=True):
        assert i == j <= t
        assert obs_a.keys() == obs_b.keys()
        for key in obs_a:  # window, weights and every coarse timeframe's window
            np.testing.assert_array_equal(obs_a[key], obs_b[key], err_msg=key)
        assert r_a == r_b


@settings(max_examples=25, deadline=None)
@given(t=st.integers(60, 118), seed=st.integers(0, 10_000),
       execution=st.sampled_from(["next_open", "next_close", "close"]), discrete=st.booleans())
def test_whether_an_asset_is_tradable_after_t_is_not_visible_at_t(
    t: int, seed: int, execution: str, discrete: bool
) -> None:
    from tests.envs.test_universe import dynamic_market
    from tradegym.envs.discrete import PortfolioDiscreteEnv

    data = dynamic_market(120, seed % 5, listing=50 + seed % 40, delisting=70 + seed % 45)
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, 6, 120) if discrete else rng.uniform(-1, 1, (120, 4)).astype(np.float32)
    cls = PortfolioDiscreteEnv if discrete else PortfolioEnv

    def trajectory(market: MarketData) -> tuple[list[tuple[int, dict, float]], list[np.ndarray]]:
        env = cls(market, window_bars=10, execution=execution, start="first")
        obs, _ = env.reset(seed=0)
        out, targets = [(env.current_index, obs, 0.0)], []
        for action in actions:
            obs, r, terminated, truncated, info = env.step(action)
            targets.append(info["target"])  # decided at index - 1 <= t: data up to t only
            if info["index"] > t:  # this transition ends after t: its outcome may see later bars
                break
            out.append((info["index"], obs, r))
            if terminated or truncated:
                break
        return out, targets

    (base, targets_a), (moved, targets_b) = (
        trajectory(data), trajectory(perturb_after(data, t, seed, universe=True)))
    assert len(base) == len(moved) > 1
    for (i, obs_a, r_a), (j, obs_b, r_b) in zip(base, moved, strict=True):
        assert i == j <= t
        for key in ("window", "weights", "mask"):
            np.testing.assert_array_equal(obs_a[key], obs_b[key])
        assert r_a == r_b
    if discrete and actions[len(targets_a) - 1] == 0:
        # A hold's target is the holdings drifted to the fill (t+1's open or close): that is
        # the execution of the decision taken at t, not the decision, so it may see t+1.
        targets_a, targets_b = targets_a[:-1], targets_b[:-1]
    np.testing.assert_array_equal(targets_a, targets_b)  # the one decided at t included


def perturb_liquidity_after(data: MarketData, t: int, seed: int) -> MarketData:
    """Volumes, highs and lows of every row after ``t`` moved; opens and closes kept."""
    rng = np.random.default_rng(seed)
    prices = np.array(data.prices)  # (T, N, F)
    later = prices[t + 1 :]
    grow = np.exp(np.abs(rng.normal(0, 0.2, later.shape[:2])))  # (T-t-1, N) >= 1
    later[..., data.fields.index("volume")] *= np.exp(rng.normal(0, 1.0, later.shape[:2]))
    later[..., data.fields.index("high")] *= grow
    later[..., data.fields.index("low")] /= grow
    return MarketData.from_array(prices, data.dates, data.symbols, data.fields, name=data.name)


@settings(max_examples=25, deadline=None)
@given(t=st.integers(60, 117), seed=st.integers(0, 10_000),
       execution=st.sampled_from(["next_open", "next_close", "close"]))
def test_costs_decided_at_t_ignore_later_volume_highs_and_lows(t: int, seed: int, execution: str) -> None:
    """Cost models read the decision bar and before: the step from t to t+1 is unchanged too."""
    data = make_market(120, 3, ohlc=True, seed=seed % 5)
    actions = np.random.default_rng(seed).uniform(-1, 1, (120, 4)).astype(np.float32)

    def trajectory(market: MarketData) -> list[tuple]:
        env = PortfolioEnv(market, window_bars=10, execution=execution, start="first",
                           features=["log_return", "momentum_20"], costs=ALL_COSTS, initial_value=2e7)
        env.reset(seed=0)
        out = []
        for action in actions:
            decided_at = env.current_index
            if decided_at > t:
                break
            _, r, terminated, truncated, info = env.step(action)
            out.append((decided_at, r, info["value"], info["cost"], info["turnover"], info["filled"].tolist()))
            if terminated or truncated:
                break
        return out

    base, moved = trajectory(data), trajectory(perturb_liquidity_after(data, t, seed))
    assert base == moved and base[-1][0] == t  # the last step compared ends at t+1
    assert any(step[4] > 0 and step[3] > 0 for step in base)
