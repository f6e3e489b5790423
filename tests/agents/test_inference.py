"""agents.inference.Predictor: SB3's deterministic actions, identical, for every algorithm."""

from __future__ import annotations

import numpy as np
import pytest

from agents.config import load_run_config
from agents.factory import ALGOS, make_model
from agents.inference import Predictor
from tradegym.backtest import backtest
from tradegym.data import load
from tradegym.envs import make

MARKET = {"n_assets": 3, "n_bars": 200, "seed": 0}
CONFIG = {"ppo": "ppo_mlp", "a2c": "a2c_lstm", "dqn": "dqn_lstm", "sac": "sac_lstm",
          "recurrent_ppo": "recurrent_ppo"}


@pytest.mark.parametrize("algo", ALGOS.names())
def test_predictor_backtests_exactly_as_the_model_does(algo) -> None:
    assert algo in CONFIG, f"add a shipped config for the new algorithm {algo!r}"
    cfg = load_run_config(CONFIG[algo], ["env.window_bars=8", "agent.hyperparams={}"])
    data = load("planted", **MARKET)
    env = make(cfg.env.id, data=data, start="first", **cfg.env.env_kwargs())
    model = make_model(cfg.agent, env, seed=0, device="cpu")
    model.policy.set_training_mode(True)  # as the validation callback finds it mid-training
    kwargs = {"env_id": cfg.env.id, "env_kwargs": cfg.env.env_kwargs(), "name": "agent"}
    predictor = Predictor(model)
    assert predictor._mean_only == (algo in ("ppo", "a2c"))  # the Gaussian mean, read directly
    ours = backtest(predictor, data, **kwargs)
    sb3 = backtest(model, data, **kwargs)
    np.testing.assert_array_equal(ours.weights.to_numpy(), sb3.weights.to_numpy())
    assert ours.metrics == sb3.metrics


def test_predictor_keeps_the_batch_shape_and_leaves_distribution_checks_as_they_were() -> None:
    from torch.distributions import Distribution

    cfg = load_run_config("ppo_mlp", ["env.window_bars=8"])
    env = make(cfg.env.id, data=load("planted", **MARKET), start="first", **cfg.env.env_kwargs())
    model = make_model(cfg.agent, env, seed=0, device="cpu")
    obs, _ = env.reset(seed=0)
    before = Distribution._validate_args
    batch = {k: np.stack([v, v]) for k, v in obs.items()}
    actions, state = Predictor(model).predict(batch, deterministic=True)
    assert actions.shape == (2, *env.action_space.shape) and state is None
    np.testing.assert_array_equal(actions, model.predict(batch, deterministic=True)[0])
    assert Distribution._validate_args == before
