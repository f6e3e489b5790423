"""WindowExtractor inside SB3: PPO, DQN and RecurrentPPO learn a few steps with every encoder."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from gymnasium import spaces
from sb3_contrib import RecurrentPPO
from stable_baselines3 import DQN, PPO

from feature_nets.encoders import ASSET_MODES, ENCODERS
from feature_nets.extractors import WindowExtractor
from tradegym.data import load
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

TINY = {"hidden_size": 8, "features_dim": 16}


@pytest.fixture(scope="module")
def market():
    return load("planted", n_assets=3, n_bars=300, seed=0)


def policy_kwargs(encoder: str, asset_mode: str = "shared") -> dict:
    return {"features_extractor_class": WindowExtractor,
            "features_extractor_kwargs": {"encoder": encoder, "asset_mode": asset_mode, **TINY}}


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def assert_trained(module: torch.nn.Module, before: dict[str, torch.Tensor]) -> None:
    """The algorithm's updates reached the encoder, not only the heads."""
    moved = [name for name, p in module.named_parameters() if not torch.equal(p, before[name])]
    assert any(name.startswith("encoder.") for name in moved), moved


@pytest.mark.parametrize("asset_mode", ASSET_MODES)
@pytest.mark.parametrize("name", ENCODERS.names())
def test_extractor_output_is_batch_by_features_dim(market, name: str, asset_mode: str) -> None:
    env = PortfolioEnv(market, window_bars=10)
    torch.manual_seed(0)
    extractor = WindowExtractor(env.observation_space, name, asset_mode=asset_mode, **TINY)
    obs = [env.observation_space.sample() for _ in range(5)]
    batch = {key: torch.as_tensor(np.stack([o[key] for o in obs])) for key in ("window", "weights")}
    out = extractor(batch)
    assert out.shape == (5, 16) and extractor.features_dim == 16
    assert (out >= 0).all()  # the ReLU head


# Each algorithm with its env and tiny settings; the extractor it trains.
ALGOS = {
    "ppo": (PPO, PortfolioEnv, {"n_steps": 32, "batch_size": 16, "n_epochs": 2},
            lambda model: model.policy.features_extractor),
    "dqn": (DQN, PortfolioDiscreteEnv, {"learning_starts": 16, "buffer_size": 200, "batch_size": 16},
            lambda model: model.q_net.features_extractor),
}


@pytest.mark.parametrize("asset_mode", ASSET_MODES)
@pytest.mark.parametrize("name", ENCODERS.names())
@pytest.mark.parametrize("algo", ALGOS)
def test_algorithm_learns_and_predicts_with_every_encoder(market, algo: str, name: str,
                                                           asset_mode: str) -> None:
    cls, env_cls, hyperparams, extractor_of = ALGOS[algo]
    env = env_cls(market, window_bars=10)
    model = cls("MultiInputPolicy", env, policy_kwargs=policy_kwargs(name, asset_mode), seed=0, device="cpu",
                **hyperparams)
    extractor = extractor_of(model)
    assert isinstance(extractor, WindowExtractor)
    before = snapshot(extractor)
    model.learn(64)
    assert_trained(extractor, before)
    action, _ = model.predict(env.reset(seed=1)[0], deterministic=True)
    assert env.action_space.contains(action.astype(env.action_space.dtype))


def test_recurrent_ppo_learns_and_predicts_with_the_extractor(market) -> None:
    env = PortfolioEnv(market, window_bars=10)
    model = RecurrentPPO("MultiInputLstmPolicy", env, policy_kwargs=policy_kwargs("lstm"), n_steps=32,
                         batch_size=16, n_epochs=2, seed=0, device="cpu")
    model.learn(64)
    obs, _ = env.reset(seed=1)
    action, state = model.predict(obs, episode_start=np.ones(1, dtype=bool), deterministic=True)
    assert action.shape == (4,) and state is not None


def test_extractor_follows_the_module_to_another_dtype(market) -> None:
    # No tensor is created on a fixed device or dtype: the module decides.
    env = PortfolioEnv(market, window_bars=10)
    extractor = WindowExtractor(env.observation_space, "transformer", **TINY).double()
    obs = env.observation_space.sample()
    batch = {key: torch.as_tensor(value[None]).double() for key, value in obs.items()}
    assert extractor(batch).dtype == torch.float64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ENCODERS.names())
def test_extractor_runs_on_cuda(market, name: str) -> None:
    env = PortfolioEnv(market, window_bars=10)
    extractor = WindowExtractor(env.observation_space, name, **TINY).cuda()
    obs = env.observation_space.sample()
    batch = {key: torch.as_tensor(value[None]).cuda() for key, value in obs.items()}
    out = extractor(batch)
    out.sum().backward()
    assert out.device.type == "cuda" and out.shape == (1, 16)


WINDOW = spaces.Box(-10, 10, (10, 3, 7), np.float32)
WEIGHTS = spaces.Box(0, 1, (4,), np.float32)
EXPECTED = ("WindowExtractor needs a Dict observation space with 'window' Box (W, N, K) and "
            "'weights' Box (A,), as PortfolioEnv gives")


@pytest.mark.parametrize(("space", "detail"), [
    (WINDOW, "; got Box("),
    (spaces.Dict({"window": WINDOW}), "; keys ['weights'] missing from ['window']"),
    (spaces.Dict({"window": WEIGHTS, "weights": WEIGHTS}), "; got window Box("),
    (spaces.Dict({"window": WINDOW, "weights": spaces.Discrete(4)}), "; got weights Discrete(4)"),
])
def test_non_portfolio_observation_space_is_a_config_error(space, detail: str) -> None:
    with pytest.raises(ConfigError, match="^" + re.escape(EXPECTED + detail)):
        WindowExtractor(space)


def test_unknown_encoder_in_extractor_suggests_a_name() -> None:
    with pytest.raises(ConfigError, match="unknown encoder 'trasformer'. Did you mean 'transformer'?"):
        WindowExtractor(spaces.Dict({"window": WINDOW, "weights": WEIGHTS}), "trasformer")


def test_features_dim_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="features_dim must be an integer >= 1, got 0"):
        WindowExtractor(spaces.Dict({"window": WINDOW, "weights": WEIGHTS}), features_dim=0)


def test_extractor_reads_the_mask_of_a_dynamic_universe() -> None:
    from tests.envs.test_universe import dynamic_market

    env = PortfolioEnv(dynamic_market(200, listing=70, delisting=120), window_bars=5)
    extractor = WindowExtractor(env.observation_space, encoder="mlp", hidden_size=8)
    assert extractor.extra_sizes == {"mask": 3}
    obs = {key: torch.as_tensor(value)[None] for key, value in env.reset(seed=0)[0].items()}
    flipped = dict(obs, mask=1.0 - obs["mask"])
    assert not torch.equal(extractor(obs), extractor(flipped))  # the mask reaches the features
    model = PPO("MultiInputPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0,
                policy_kwargs=dict(features_extractor_class=WindowExtractor,
                                   features_extractor_kwargs=dict(encoder="mlp", hidden_size=8)))
    model.learn(320)
    action, _ = model.predict(env.reset(seed=1)[0], deterministic=True)
    assert action.shape == (4,) and np.isfinite(action).all()
