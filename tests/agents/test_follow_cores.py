"""Training follows the free cores under torch_threads 0: polled at env steps and optimizer steps."""

from __future__ import annotations

import torch

import agents.train
from agents.train import train
from feature_nets.runtime import CoreFollower
from tests.agents.test_train import PPO_TINY, TINY, quiet


class BusyFromTheStart:
    """A load reading in which another process keeps one core busy; counts the readings."""

    def __init__(self) -> None:
        self.reads, self.wall = 0, 0.0

    def __call__(self) -> tuple[float, float, float]:
        self.reads += 1
        self.wall += 1.0
        return self.wall, 2.0 * self.wall, self.wall  # machine: 2 busy cores; this process: 1


def test_auto_threads_follow_the_load_through_rollouts_and_updates(tmp_path, monkeypatch) -> None:
    load, followers = BusyFromTheStart(), []

    def follow(runtime):
        torch.set_num_threads(2)
        followers.append(CoreFollower(usable=2, interval_s=0.0, read=load))
        return followers[-1]

    monkeypatch.setattr(agents.train, "follow_cores", follow)
    lines: list[str] = []
    result = train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=tmp_path / "run", echo=lines.append)
    steps = result.timesteps // 2  # two envs per VecEnv step
    optimizer_steps = result.timesteps // 32  # n_steps 32 x 2 envs, batch 32, one epoch
    assert load.reads == 1 + steps + optimizer_steps  # constructed, then every env and optimizer step
    assert result.metrics["torch_threads"] == {"start": 2, "end": 1, "changes": 1}
    assert any(line.startswith("torch threads -> 1 at step") for line in lines), lines
    optimizer = result.model.policy.optimizer
    assert not optimizer._optimizer_step_pre_hooks  # the hook is gone after training


def test_a_set_thread_count_does_not_follow(tmp_path, monkeypatch) -> None:
    result = train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.torch_threads=1"],
                   run_dir=tmp_path / "run", echo=quiet)
    assert result.metrics["torch_threads"] == 1


def test_validation_backtests_run_on_one_thread_and_give_the_count_back(tmp_path, monkeypatch) -> None:
    import tradegym.backtest

    seen: list[int] = []
    real = tradegym.backtest.backtest

    def counting(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(tradegym.backtest, "backtest", counting)
    result = train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.torch_threads=2"],
                   run_dir=tmp_path / "run", echo=quiet)
    assert seen and set(seen) == {1}  # every validation backtest
    assert result.metrics["torch_threads"] == 2  # the run's count, given back after each
