"""PPO + LSTM training steps/s with the real PortfolioEnv vs a null env of identical spaces.

The null env returns a constant observation and zero reward: whatever it costs is the
floor of SB3's own loop. The ratio real / null says how much the environment slows
training (1.0 = not at all). Both run in the same process, interleaved.

:func:`vec_env_rates` compares the training VecEnvs instead: PPO steps/s with SB3's
``DummyVecEnv`` of ``PortfolioEnv`` vs the batched ``PortfolioVectorEnv``, same config,
same ``n_envs`` (what ``tradegym train`` builds for ``train.vec_env=dummy`` and ``vector``).

    python benchmarks/train_speed.py [--timesteps 4096] [--repeats 2] [--device auto] [--vec]
"""

from __future__ import annotations

import argparse
import copy
import platform
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

from agents.config import load_run_config
from agents.factory import make_model, policy_kwargs
from agents.train import make_vec_env as train_vec_env
from tradegym.data import load
from tradegym.envs.portfolio import PortfolioEnv


class NullEnv(gym.Env):
    """Same observation and action spaces as a PortfolioEnv; no market behind them."""

    def __init__(self, observation_space: gym.spaces.Dict, action_space: gym.spaces.Box,
                 max_steps: int) -> None:
        self.observation_space, self.action_space, self.max_steps = observation_space, action_space, max_steps
        self._obs = {k: np.zeros(s.shape, s.dtype) for k, s in observation_space.spaces.items()}
        self._steps = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._steps = 0
        return {k: v.copy() for k, v in self._obs.items()}, {}

    def step(self, action):
        self._steps += 1
        return {k: v.copy() for k, v in self._obs.items()}, 0.0, False, self._steps >= self.max_steps, {}


def rate(make_env, cfg, timesteps: int, device: str) -> float:
    vec = make_vec_env(make_env, n_envs=cfg.train.n_envs, seed=0)
    model = PPO("MultiInputPolicy", vec, policy_kwargs=policy_kwargs(cfg.agent), seed=0,
                device=device, verbose=0, **cfg.agent.hyperparams)
    model.learn(cfg.agent.hyperparams["n_steps"] * cfg.train.n_envs)  # warm-up: one update
    t0 = time.perf_counter()
    model.learn(timesteps, reset_num_timesteps=False)
    vec.close()
    return timesteps / (time.perf_counter() - t0)


class RolloutTimer(BaseCallback):
    """Seconds spent collecting rollouts (policy inference + env steps), apart from the updates."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds, self._t0 = 0.0, 0.0

    def _on_rollout_start(self) -> None:
        self._t0 = time.perf_counter()

    def _on_rollout_end(self) -> None:
        self.seconds += time.perf_counter() - self._t0

    def _on_step(self) -> bool:
        return True


def vec_env_rates(config: str = "ppo_mlp", overrides: tuple[str, ...] = ("train.n_envs=16",),
                  timesteps: int = 4096, repeats: int = 2,
                  device: str = "cpu") -> dict[str, dict[str, float]]:
    """PPO steps/s per ``train.vec_env`` kind (``dummy``, ``vector``), best of ``repeats``, interleaved.

    Returns ``{kind: {"total": steps/s of learn(), "rollout": steps/s of rollout collection}}``
    on the sp500_stocks train split, after one update of warm-up.
    """
    cfg = load_run_config(config, list(overrides))
    data = load(cfg.data.source).split(cfg.data.train, cfg.data.val).train
    rates: dict[str, dict[str, list[float]]] = {k: {"total": [], "rollout": []} for k in ("dummy", "vector")}
    for _ in range(repeats):
        for kind, rate_lists in rates.items():
            kind_cfg = copy.deepcopy(cfg)
            kind_cfg.train.vec_env = kind
            vec = train_vec_env(kind_cfg, data)
            model = make_model(kind_cfg.agent, vec, seed=0, device=device)
            model.learn(model.n_steps * vec.num_envs)  # warm-up: one update
            timer = RolloutTimer()
            t0 = time.perf_counter()
            model.learn(timesteps, reset_num_timesteps=False, callback=timer)
            rate_lists["total"].append(timesteps / (time.perf_counter() - t0))
            rate_lists["rollout"].append(timesteps / timer.seconds)
            vec.close()
    return {kind: {key: max(values) for key, values in r.items()} for kind, r in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--vec", action="store_true", help="DummyVecEnv vs PortfolioVectorEnv instead")
    args = parser.parse_args()
    if args.vec:
        rates = vec_env_rates(timesteps=args.timesteps, repeats=args.repeats, device=args.device)
        for what in ("total", "rollout"):
            dummy, vector = rates["dummy"][what], rates["vector"][what]
            print(f"PPO + MLP, 16 envs, {what}: DummyVecEnv {dummy:,.0f} steps/s, PortfolioVectorEnv "
                  f"{vector:,.0f} steps/s, ratio {vector / dummy:.2f}")
        return

    cfg = load_run_config("ppo_lstm")
    data = load("sp500_stocks").split(0.7, 0.15).train
    kwargs = {**cfg.env.env_kwargs(), "max_steps": cfg.env.max_steps}

    def real():
        return PortfolioEnv(data, **kwargs)

    probe = real()

    def null():
        return NullEnv(probe.observation_space, probe.action_space, cfg.env.max_steps)

    reals, nulls = [], []
    for _ in range(args.repeats):
        reals.append(rate(real, cfg, args.timesteps, args.device))
        nulls.append(rate(null, cfg, args.timesteps, args.device))
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"machine: {platform.machine()}, torch {torch.__version__} ({torch.get_num_threads()} "
          f"threads), device {device}")
    print(f"PPO + LSTM ({cfg.train.n_envs} envs, n_steps {cfg.agent.hyperparams['n_steps']}), "
          f"sp500_stocks train split, window {cfg.env.window_bars}; {args.timesteps} steps, "
          f"best of {args.repeats}")
    print(f"{'':24s}{'steps/s':>10s}{'ratio':>8s}")
    print(f"{'null env':24s}{max(nulls):10,.0f}{1.0:8.2f}")
    print(f"{'PortfolioEnv':24s}{max(reals):10,.0f}{max(reals) / max(nulls):8.2f}")


if __name__ == "__main__":
    main()
