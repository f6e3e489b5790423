"""The code as an observation: wrapper, env and extractor agree, no look-ahead (property), agents train on it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from feature_nets.autoencoder.networks import Autoencoder
from feature_nets.autoencoder.observation import (
    CompressedExtractor,
    CompressedObservation,
    CompressedPortfolioEnv,
)
from feature_nets.autoencoder.train import train_autoencoder
from tests.conftest import make_market
from tests.envs.test_no_lookahead import perturb_after
from tests.feature_nets.autoencoder.conftest import FEATURES, TINY, make_model
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError


@pytest.mark.filterwarnings("ignore:.*is different from the unwrapped version")
def test_wrapper_and_env_pass_the_env_checkers() -> None:
    from gymnasium.utils.env_checker import check_env as gym_check
    from stable_baselines3.common.env_checker import check_env as sb3_check

    model = make_model()
    for env in (CompressedObservation(PortfolioEnv(make_market(120, 3, ohlc=False), **model.env_kwargs()), model),
                CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model)):
        gym_check(env, skip_render_check=True)
        sb3_check(env, warn=False)
        obs, _ = env.reset(seed=0)
        assert sorted(obs) == ["code", "weights"] and obs["code"].shape == (4,)


@pytest.mark.parametrize("asset_mode", ["joint", "shared"])
def test_code_is_the_encoder_output_on_the_current_window(asset_mode: str) -> None:
    model = make_model(code_size=6, asset_mode=asset_mode, linear_path=True)
    plain = PortfolioEnv(make_market(120, 3, ohlc=False), start="first", **model.env_kwargs())
    env = CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model, start="first")
    wrapped = CompressedObservation(PortfolioEnv(make_market(120, 3, ohlc=False), start="first",
                                                 **model.env_kwargs()), model)
    obs, code, wrapped_code = plain.reset(seed=3)[0], env.reset(seed=3)[0]["code"], wrapped.reset(seed=3)[0]["code"]
    action = np.zeros(4, dtype=np.float32)
    for _ in range(20):  # the env's codes, computed once and batched, are the per-step encodings
        np.testing.assert_array_equal(wrapped_code, model.state(obs["window"]))
        np.testing.assert_allclose(code, wrapped_code, rtol=1e-5, atol=1e-6)
        obs, code, wrapped_code = plain.step(action)[0], env.step(action)[0]["code"], wrapped.step(action)[0]["code"]


def test_another_window_shape_is_refused_naming_both_shapes() -> None:
    model = make_model(window_bars=8)
    env = PortfolioEnv(make_market(120, 3, ohlc=False), window_bars=10, features=list(FEATURES))
    msg = r"env window has shape \(W, N, K\) = \(10, 3, 3\) but the autoencoder was trained on \(8, 3, 3\)"
    with pytest.raises(ConfigError, match=msg):
        CompressedObservation(env, model)
    with pytest.raises(ConfigError, match=msg):
        CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model, window_bars=10)
    with pytest.raises(ConfigError, match=r"env window has shape \(W, N, K\) = \(8, 4, 3\)"):
        CompressedPortfolioEnv(make_market(120, 4, ohlc=False), autoencoder=model)
    with pytest.raises(ConfigError, match="normalised 'expanding', but the autoencoder was trained on"):
        CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model, normalize="expanding")


def codes_up_to(market: MarketData, model: Autoencoder, t: int) -> list[tuple[int, np.ndarray]]:
    env = CompressedPortfolioEnv(market, autoencoder=model, start="first")
    obs, _ = env.reset(seed=0)
    out = [(env.current_index, obs["code"])]
    action = np.zeros(market.n_assets + 1, dtype=np.float32)
    while True:
        obs, _, terminated, truncated, info = env.step(action)
        if info["index"] > t or terminated or truncated:
            return out
        out.append((info["index"], obs["code"]))


MODELS = {kind: make_model(kind, linear_path=True) for kind in ("mlp", "lstm", "conv")}
MODELS["mlp-predictive"] = make_model("mlp", linear_path=True, predict_head=True)
MODELS["mlp-shared"] = make_model("mlp", code_size=6, linear_path=True, predict_head=True, asset_mode="shared")
MODELS["lstm-shared"] = make_model("lstm", code_size=3, linear_path=True, asset_mode="shared")


@settings(max_examples=15, deadline=None)
@given(t=st.integers(50, 118), seed=st.integers(0, 10_000), kind=st.sampled_from(sorted(MODELS)))
def test_code_up_to_t_ignores_later_prices(t: int, seed: int, kind: str) -> None:
    data = make_market(120, 3, ohlc=False, seed=seed % 5)
    base, moved = codes_up_to(data, MODELS[kind], t), codes_up_to(perturb_after(data, t, seed), MODELS[kind], t)
    assert len(base) == len(moved) >= 1
    for (i, a), (j, b) in zip(base, moved, strict=True):
        assert i == j <= t
        np.testing.assert_array_equal(a, b)


def test_finetuning_extractor_starts_from_the_pretrained_encoder_and_learns() -> None:
    from stable_baselines3 import PPO

    model = make_model(linear_path=True)
    env = PortfolioEnv(make_market(120, 3, ohlc=False), **model.env_kwargs())
    before = [p.detach().clone() for p in model.net.encoder.parameters()]
    ppo = PPO("MultiInputPolicy", env, n_steps=32, batch_size=32, n_epochs=1, seed=0,
              policy_kwargs={"features_extractor_class": CompressedExtractor,
                             "features_extractor_kwargs": {"autoencoder": model, "finetune": True}})
    extractor = ppo.policy.features_extractor
    assert extractor.features_dim == 4 + 4  # C + A
    obs = env.reset(seed=0)[0]
    with torch.no_grad():
        code = extractor({k: torch.as_tensor(v)[None] for k, v in obs.items()})[0, :4].numpy()
    np.testing.assert_allclose(code, model.state(obs["window"]), rtol=1e-5, atol=1e-6)
    ppo.learn(64)
    moved = any(not torch.equal(a, b) for a, b in zip(before, extractor.autoencoder.encoder.parameters(),
                                                      strict=True))
    assert moved
    assert all(torch.equal(a, b) for a, b in zip(before, model.net.encoder.parameters(), strict=True))
    assert not hasattr(extractor.autoencoder, "decoder")


def test_agent_trains_and_backtests_on_the_compressed_env(tmp_path) -> None:
    from agents.evaluate import evaluate_run
    from agents.train import train

    ae = train_autoencoder(TINY, run_dir=tmp_path / "ae", echo=lambda _: None)
    overrides = ["data.source=ar1", "data.kwargs={n_assets: 2, n_bars: 600, seed: 0}",
                 "env.id=feature_nets.autoencoder.observation:CompressedPortfolioEnv", "env.window_bars=5",
                 f"env.kwargs={{autoencoder: '{ae.run.path}'}}", "agent.extractor=default",
                 "agent.hyperparams={n_steps: 32, batch_size: 32, n_epochs: 1}", "train.n_envs=1",
                 "train.total_timesteps=64", "train.eval_freq=64", "train.checkpoint_freq=64",
                 "train.progress_bar=false", "train.tensorboard=false"]
    run = train("ppo_mlp", overrides=overrides, run_dir=tmp_path / "agent", echo=lambda _: None).run
    results = evaluate_run(run.path, split="test", baselines=(), write_report=False)
    assert np.isfinite(results[0].metrics["total_return"])


@pytest.mark.parametrize(("t", "seed"), [(50, 1), (90, 7), (118, 3)])
def test_predictive_code_up_to_t_ignores_later_prices(t: int, seed: int) -> None:
    data = make_market(120, 3, ohlc=False, seed=seed % 5)
    model = MODELS["mlp-predictive"]
    base, moved = codes_up_to(data, model, t), codes_up_to(perturb_after(data, t, seed), model, t)
    assert len(base) == len(moved) >= 1
    for (i, a), (j, b) in zip(base, moved, strict=True):
        assert i == j <= t
        np.testing.assert_array_equal(a, b)
