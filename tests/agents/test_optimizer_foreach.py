"""The factory's optimizer runs foreach on the CPU: same parameters bit for bit, SB3's defaults kept."""

from __future__ import annotations

import torch

from agents.config import load_run_config
from agents.factory import load_model, make_model
from agents.train import load_data, make_vec_env
from tests.agents.test_train import PPO_TINY, TINY


def built(extra: list[str], algo: str = "ppo"):
    cfg = load_run_config("ppo_lstm", [*TINY, *PPO_TINY, *extra])
    _, split = load_data(cfg)
    return make_model(cfg.agent, make_vec_env(cfg, split.train), seed=0, device="cpu")


def test_foreach_gives_the_same_parameters_as_the_loop_and_keeps_sb3s_eps() -> None:
    fused = built([]).learn(128)  # each built (seeded) and trained in turn: one global RNG
    loop = built([])
    for group in loop.policy.optimizer.param_groups:
        group["foreach"] = None  # torch's own choice: one tensor at a time on the CPU
    loop.learn(128)
    group = fused.policy.optimizer.param_groups[0]
    assert group["foreach"] is True and group["eps"] == 1e-5  # SB3's actor-critic default kept
    for a, b in zip(fused.policy.parameters(), loop.policy.parameters(), strict=True):
        assert torch.equal(a, b)


def test_an_optimizer_setting_of_the_config_wins_and_loading_fuses_again(tmp_path) -> None:
    model = built(["agent.policy_kwargs={optimizer_kwargs: {foreach: false, eps: 0.001}}"])
    assert model.policy.optimizer.param_groups[0]["foreach"] is False
    default = built([])
    default.save(tmp_path / "m.zip")
    loaded = load_model("ppo", tmp_path / "m.zip", device="cpu")
    assert loaded.policy.optimizer.param_groups[0]["foreach"] is True
