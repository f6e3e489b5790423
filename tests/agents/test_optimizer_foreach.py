"""The factory's Adam runs foreach on the CPU: same parameters bit for bit, user settings win."""

from __future__ import annotations

import torch

from agents.config import load_run_config
from agents.factory import make_model, policy_kwargs
from agents.train import load_data, make_vec_env
from tests.agents.test_train import PPO_TINY, TINY


def trained(extra: list[str]):
    cfg = load_run_config("ppo_lstm", [*TINY, *PPO_TINY, *extra])
    _, split = load_data(cfg)
    model = make_model(cfg.agent, make_vec_env(cfg, split.train), seed=0, device="cpu")
    model.learn(128)
    return model


def test_foreach_adam_gives_the_same_parameters_as_the_loop() -> None:
    fused = trained([])
    loop = trained(["agent.policy_kwargs={optimizer_kwargs: {foreach: false}}"])
    assert fused.policy.optimizer.defaults["foreach"] is True
    assert loop.policy.optimizer.defaults["foreach"] is False
    for a, b in zip(fused.policy.parameters(), loop.policy.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_users_optimizer_settings_are_kept() -> None:
    cfg = load_run_config("ppo_lstm", ["agent.policy_kwargs={optimizer_kwargs: {eps: 0.001}}"])
    assert policy_kwargs(cfg.agent)["optimizer_kwargs"] == {"foreach": True, "eps": 0.001}
    cfg = load_run_config("ppo_lstm", ["agent.policy_kwargs={optimizer_class: torch.optim.SGD}"])
    assert "optimizer_kwargs" not in policy_kwargs(cfg.agent)
