"""ForecastObservation: no look-ahead (property), shape checks, and SB3 agents reading the forecast."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from feature_nets.forecast.model import Forecaster, ForecastNet
from feature_nets.forecast.observation import ForecastObservation
from tests.conftest import make_market
from tests.envs.test_no_lookahead import perturb_after
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

FEATURES = ("log_return", "volatility_20", "momentum_20")


def make_forecaster(encoder: str = "gru", window_bars: int = 8, n_assets: int = 3, task: str = "regression",
                    **encoder_kwargs) -> Forecaster:
    torch.manual_seed(0)
    net = ForecastNet(encoder, window_bars, n_assets, len(FEATURES), hidden_size=8, encoder_kwargs=encoder_kwargs)
    return Forecaster(net.eval(), task, window_bars, FEATURES, "rolling", np.full(n_assets, 1e-4),
                      np.full(n_assets, 0.01), tuple(f"A{i}" for i in range(n_assets)))


def forecasts_up_to(market: MarketData, model: Forecaster, t: int) -> list[tuple[int, np.ndarray]]:
    env = ForecastObservation(PortfolioEnv(market, start="first", **model.env_kwargs()), model)
    obs, _ = env.reset(seed=0)
    out = [(env.unwrapped.current_index, obs["forecast"])]
    action = np.zeros(market.n_assets + 1, dtype=np.float32)
    while True:
        obs, _, terminated, truncated, info = env.step(action)
        if info["index"] > t or terminated or truncated:
            return out
        out.append((info["index"], obs["forecast"]))


MODELS = {name: make_forecaster(name, **kw) for name, kw in
          (("gru", {}), ("transformer", {"heads": 2, "layers": 1}), ("tcn", {}))}


@settings(max_examples=15, deadline=None)
@given(t=st.integers(48, 88), seed=st.integers(0, 10_000), encoder=st.sampled_from(sorted(MODELS)))
def test_forecast_feature_up_to_t_ignores_later_prices(t: int, seed: int, encoder: str) -> None:
    data = make_market(90, 3, ohlc=False, seed=seed % 5)
    model = MODELS[encoder]
    base, moved = forecasts_up_to(data, model, t), forecasts_up_to(perturb_after(data, t, seed), model, t)
    assert len(base) == len(moved) >= 1
    for (i, a), (j, b) in zip(base, moved, strict=True):
        assert i == j <= t
        np.testing.assert_array_equal(a, b)


def test_forecast_is_the_model_output_on_the_current_window() -> None:
    model = make_forecaster()
    env = ForecastObservation(PortfolioEnv(make_market(120, 3, ohlc=False), **model.env_kwargs()), model)
    obs, _ = env.reset(seed=1)
    assert env.observation_space.contains(obs)
    np.testing.assert_allclose(obs["forecast"], model.score(obs["window"]), rtol=1e-6)


def test_a_window_shape_the_model_was_not_trained_on_is_refused() -> None:
    model = make_forecaster(window_bars=8)
    env = PortfolioEnv(make_market(120, 3, ohlc=False), window_bars=10, features=list(FEATURES))
    with pytest.raises(ConfigError, match=r"env window has shape \(W, N, K\) = \(10, 3, 3\) but the forecaster "
                                          r"was trained on \(8, 3, 3\); build the env with forecaster.env_kwargs"):
        ForecastObservation(env, model)


def test_other_features_or_normalisation_are_refused() -> None:
    model = make_forecaster()
    market = make_market(120, 3, ohlc=False)
    env = PortfolioEnv(market, window_bars=8, features=list(FEATURES), normalize="expanding")
    with pytest.raises(ConfigError, match="normalised 'expanding', but the forecaster was trained on"):
        ForecastObservation(env, model)


def test_other_assets_are_refused() -> None:
    model = make_forecaster()
    market = make_market(120, 3, ohlc=False).select(["A2", "A1", "A0"])
    with pytest.raises(ConfigError, match=r"env trades \['A2', 'A1', 'A0'\] but the forecaster was trained on"):
        ForecastObservation(PortfolioEnv(market, **model.env_kwargs()), model)


def test_ppo_with_window_extractor_reads_the_forecast_key() -> None:
    from stable_baselines3 import PPO

    from feature_nets.extractors import WindowExtractor

    model = make_forecaster()
    env = ForecastObservation(PortfolioEnv(make_market(120, 3, ohlc=False), **model.env_kwargs()), model)
    ppo = PPO("MultiInputPolicy", env, n_steps=32, batch_size=32, n_epochs=1, seed=0, policy_kwargs=dict(
        features_extractor_class=WindowExtractor, features_extractor_kwargs=dict(encoder="gru", hidden_size=8)))
    extractor = ppo.policy.features_extractor
    assert extractor.extra_sizes == {"forecast": 3}
    assert extractor.head[0].in_features == 3 * 8 + 4 + 3  # N*H + A + N
    ppo.learn(32)
    assert ppo.predict(env.reset(seed=0)[0], deterministic=True)[0].shape == (4,)


def test_forecast_env_builds_the_matching_env_by_module_attr_name() -> None:
    from tradegym.envs import make

    model = make_forecaster()
    env = make("feature_nets.forecast.observation:forecast_env", data=make_market(120, 3, ohlc=False), forecaster=model,
               window_bars=8, cost_rate=0.0)
    assert env.observation_space["window"].shape == (8, 3, 3) and "forecast" in env.observation_space.spaces
    with pytest.raises(ConfigError, match=r"env window has shape \(W, N, K\) = \(10, 3, 3\) but"):
        make("feature_nets.forecast.observation:forecast_env", data=make_market(120, 3, ohlc=False), forecaster=model,
             window_bars=10)


def test_an_agent_on_forecast_features_backtests_through_the_same_wrapped_env() -> None:
    """The backtester steps the env as the id builds it, so the policy sees its forecast key."""
    from stable_baselines3 import PPO

    from feature_nets.extractors import WindowExtractor
    from tradegym.backtest import backtest

    model = make_forecaster()
    market = make_market(120, 3, ohlc=False)
    env = ForecastObservation(PortfolioEnv(market, **model.env_kwargs()), model)
    ppo = PPO("MultiInputPolicy", env, n_steps=32, batch_size=32, n_epochs=1, seed=0, policy_kwargs=dict(
        features_extractor_class=WindowExtractor, features_extractor_kwargs=dict(encoder="gru", hidden_size=8)))
    result = backtest(ppo, market, env_id="feature_nets.forecast.observation:forecast_env",
                      env_kwargs={"forecaster": model, "cost_rate": 0.001})
    assert len(result.returns) > 10 and np.isfinite(result.metrics["total_return"])
