"""A user's own environment, reward and cost model, plugged into tradegym by name.

    python examples/custom_env.py

1. ``VolTargetEnv`` subclasses ``PortfolioEnv`` and is registered with Gymnasium under
   its own id; 2. the reward and the cost model are plain functions passed as
   ``"module:attribute"`` strings, exactly as a YAML config or the command line would.
A package can instead declare the env in the ``tradegym.envs`` entry-point group; see
``examples/plugin_package``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

import tradegym
from tradegym.data import load
from tradegym.envs.portfolio import PortfolioEnv


def sharpe_like(ctx) -> float:
    """Log return minus a small penalty on turnover (a user reward: RewardContext -> float)."""
    return ctx.log_return - 0.0005 * ctx.turnover


def fixed_plus_proportional(cost_rate: float):
    """A cost model factory: 1 bp fixed on any trade plus ``cost_rate`` per unit turnover."""

    def cost(trade: np.ndarray, turnover: np.ndarray) -> np.ndarray:
        return cost_rate * turnover + 1e-4 * (turnover > 0)

    return cost


class VolTargetEnv(PortfolioEnv):
    """PortfolioEnv whose observation window uses only returns and volatility."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("features", ["log_return", "volatility_20"])
        super().__init__(**kwargs)


def main() -> None:
    gym.register(id="examples/VolTarget-v0", entry_point=VolTargetEnv)
    data = load("gbm", n_assets=4, n_bars=400, seed=7)
    env = tradegym.make(
        "examples/VolTarget-v0", data=data, window_bars=20,
        reward=f"{__name__}:sharpe_like", cost_model=f"{__name__}:fixed_plus_proportional",
    )
    obs, info = env.reset(seed=0)
    total, steps = 0.0, 0
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        total, steps, done = total + reward, steps + 1, terminated or truncated
    print(f"{env.spec.id}: window {obs['window'].shape}, {steps} steps, "
          f"final value {info['value']:.4f}, summed reward {total:.4f}")


if __name__ == "__main__":
    main()
