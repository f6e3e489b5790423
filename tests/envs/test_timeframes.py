"""Multi-timeframe observations: causal partial bars, known answers, defaults unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_market
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.envs.timeframes import parse_timeframes, partial_bars, period_ids
from tradegym.errors import ConfigError
from tradegym.features import compute_features

FIELDS = ("open", "high", "low", "close", "volume")


def ten_day_market() -> MarketData:
    """Two weeks of business days from Monday 2024-01-01; bar i has simple hand values."""
    dates = pd.bdate_range("2024-01-01", periods=10)  # Mon 1 .. Fri 12 January
    i = np.arange(10, dtype=float)
    close = 100 + i
    opens = close - 0.5
    high = close + 1 + (i % 3)  # not monotone: the running max is a real max
    low = opens - 1 - (i % 2)
    volume = 1000 + 10 * i
    prices = np.stack([opens, high, low, close, volume], axis=-1)[:, None, :]  # (T, 1, F)
    return MarketData.from_array(prices, dates, ["X"], FIELDS)


def test_weekly_bar_on_a_wednesday_is_the_monday_to_wednesday_aggregate() -> None:
    data = ten_day_market()
    bars, index, ends = partial_bars(data, period_ids(data.dates, "1W"))
    assert index.tolist() == [0] * 5 + [1] * 5 and ends.tolist() == [4, 9]
    # Wednesday 3 January = row 2: Monday's open, max/min of Mon..Wed, Wednesday's close, sum.
    np.testing.assert_allclose(bars[2, 0], [99.5, max(101, 103, 105), min(98.5, 98.5, 100.5),
                                            102.0, 1000 + 1010 + 1020], rtol=0, atol=1e-12)
    # Monday 8 January = row 5: a new week, only that day.
    np.testing.assert_allclose(bars[5, 0], [104.5, 108.0, 102.5, 105.0, 1050.0], rtol=0, atol=1e-12)
    # Friday 12 January = row 9: the completed second week.
    np.testing.assert_allclose(bars[9, 0], [104.5, 111.0, 102.5, 109.0, sum(1050 + 10 * j for j in range(5))],
                               rtol=0, atol=1e-12)
    monthly, m_index, m_ends = partial_bars(data, period_ids(data.dates, "1M"))
    assert m_index.tolist() == [0] * 10 and m_ends.tolist() == [9]
    np.testing.assert_allclose(monthly[6, 0], [99.5, 108.0, 98.5, 106.0, sum(1000 + 10 * j for j in range(7))],
                               rtol=0, atol=1e-12)


def test_period_ids_follow_the_calendar() -> None:
    dates = pd.DatetimeIndex(["2023-12-29", "2024-01-02", "2024-01-08", "2024-03-29", "2024-04-01"])
    assert np.diff(period_ids(dates, "1W")).tolist() == [1, 1, 11, 1]
    assert period_ids(dates, "1M").tolist() == [2023 * 12 + 11, 2024 * 12, 2024 * 12, 2024 * 12 + 2,
                                                2024 * 12 + 3]
    assert np.diff(period_ids(dates, "1Q")).tolist() == [1, 0, 0, 1]
    assert np.diff(period_ids(dates, "1Y")).tolist() == [1, 0, 0, 0]


def reference_window(data: MarketData, name: str, t: int, window_bars: int, normalize: str) -> np.ndarray:
    """The coarse window at ``t`` by definition: features of completed periods + partial bar."""
    bars, index, ends = partial_bars(data, period_ids(data.dates, name))
    p = index[t]
    prices = np.concatenate([bars[ends[:p]], bars[t : t + 1]])  # (p + 1, N, F)
    dates = data.dates[ends[:p]].append(data.dates[t : t + 1])
    seen = compute_features(MarketData(prices, dates, data.symbols, data.fields), normalize=normalize).values
    out = np.zeros((window_bars, *seen.shape[1:]), dtype=np.float32)
    take = seen[-window_bars:]
    out[window_bars - len(take):] = take
    return out


@pytest.mark.parametrize("normalize", ["rolling", "expanding", "none"])
def test_coarse_windows_equal_features_of_the_series_seen_at_t(normalize: str) -> None:
    data = make_market(400, 2, seed=3)
    env = PortfolioEnv(data, window_bars=5, normalize=normalize, timeframes=("1D", "1W", "1M"),
                       timeframe_bars=6)
    for t in (30, 31, 100, 222, 399):
        env.current_index = t
        obs = env._obs()
        for name in ("1W", "1M"):
            ref = reference_window(data, name, t, 6, normalize)
            np.testing.assert_allclose(obs[f"window_{name}"], ref, rtol=1e-5, atol=1e-5,
                                       err_msg=f"{name} at {t}")


def test_default_and_daily_only_configs_keep_the_observation_space_and_values() -> None:
    data = make_market(120, 3)
    base = PortfolioEnv(data, window_bars=10, start="first")
    for timeframes in (None, ("1D",), "1D"):
        env = PortfolioEnv(data, window_bars=10, start="first", timeframes=timeframes)
        assert list(env.observation_space.spaces) == ["weights", "window"] and env.timeframes == ()
    multi = PortfolioEnv(data, window_bars=10, start="first", timeframes=("1D", "1W", "1M"))
    assert set(multi.observation_space.spaces) == {"weights", "window", "window_1W", "window_1M"}
    a, b = base.reset(seed=0)[0], multi.reset(seed=0)[0]
    np.testing.assert_array_equal(a["window"], b["window"])
    action = base.weights_to_action([0.2, 0.3, 0.5, 0.0])
    sa, sb = base.step(action), multi.step(action)
    np.testing.assert_array_equal(sa[0]["window"], sb[0]["window"])
    assert sa[1] == sb[1] and multi.observation_space.contains(sb[0])


def test_bad_timeframes_are_config_errors_naming_the_fix() -> None:
    assert parse_timeframes(("1d", "2w", "1M")) == ("2W", "1M")
    with pytest.raises(ConfigError, match=r"unknown timeframe '1X' in timeframes=\('1D', '1X'\); use '1D'"):
        parse_timeframes(("1D", "1X"))
    with pytest.raises(ConfigError, match="unknown timeframe '5D'"):
        parse_timeframes(("5D",))
    with pytest.raises(ConfigError, match=r"repeats \['1W'\]; list each once"):
        parse_timeframes(("1W", "1w"))
    with pytest.raises(ConfigError, match="timeframe_bars for '1M' must be an integer >= 1, got None"):
        PortfolioEnv(make_market(), window_bars=5, timeframes=("1W", "1M"), timeframe_bars={"1W": 4})


def test_ppo_trains_with_one_encoder_per_timeframe() -> None:
    from stable_baselines3 import PPO

    from feature_nets.extractors import WindowExtractor

    env = PortfolioEnv(make_market(200, 2), window_bars=6, timeframes=("1D", "1W", "1M"),
                       timeframe_bars={"1W": 4, "1M": 3}, max_steps=40)
    model = PPO("MultiInputPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu",
                policy_kwargs=dict(features_extractor_class=WindowExtractor,
                                   features_extractor_kwargs=dict(encoder="mlp", hidden_size=8)))
    extractor = model.policy.features_extractor
    assert list(extractor.timeframe_encoders) == ["window_1M", "window_1W"]
    assert extractor.timeframe_encoders["window_1W"].output_dim == 2 * 8
    model.learn(256)
    action, _ = model.predict(env.reset(seed=1)[0], deterministic=True)
    assert action.shape == (3,) and np.isfinite(action).all()
