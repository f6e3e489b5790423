"""Reward functions, batched over ``(...)`` like the step kernel.

A reward is any callable ``reward(ctx: RewardContext) -> float | array (...)``. Stateful
rewards (differential Sharpe, drawdown) are classes with ``reset(shape)`` that the
environment calls at every episode start, and ``reset_where(mask)`` with which a vector
environment restarts some entries of its batch. Registered names: ``log_return``
(default), ``simple_return``, ``differential_sharpe``, ``drawdown_penalized``; a user's own
is passed as an object or as ``"module:attribute"``. The vector environment batches these
and runs any other reward once per sub-environment, as separate environments would.

==========================  ==============================================================
name                        reward at step t -> t+1 (V = value net of costs)
==========================  ==============================================================
``log_return``              log(V_{t+1} / V_t)
``simple_return``           V_{t+1} / V_t - 1
``differential_sharpe``     D_t of Moody & Saffell (1998), EMA rate ``eta`` (default 0.01):
                            (B ΔA - A ΔB / 2) / (B - A²)^{3/2} with A, B the EMAs of the
                            simple return R and R², ΔA = R - A, ΔB = R² - B; 0 until the
                            variance estimate is positive
``drawdown_penalized``      log(V_{t+1}/V_t) - penalty * max(0, dd_{t+1} - dd_t), with
                            dd = 1 - V / running peak of V (penalises new drawdown only)
==========================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tradegym.registry import Registry

REWARDS: Registry[Any] = Registry("reward")


@dataclass(slots=True)
class RewardContext:
    """What a reward sees after a step; each array has the batch shape ``(...)``."""

    prev_value: np.ndarray | float
    value: np.ndarray | float
    log_return: np.ndarray | float
    """``log(value / prev_value)``, net of costs (computed once by the environment)."""
    turnover: np.ndarray | float
    cost: np.ndarray | float

    @property
    def simple_return(self) -> np.ndarray | float:
        """``value / prev_value - 1``, net of costs."""
        return np.divide(self.value, self.prev_value) - 1.0


@REWARDS.register("log_return")
def log_return(ctx: RewardContext) -> np.ndarray | float:
    """Log return of portfolio value net of costs."""
    return ctx.log_return


@REWARDS.register("simple_return")
def simple_return(ctx: RewardContext) -> np.ndarray | float:
    """Simple return of portfolio value net of costs."""
    return ctx.simple_return


class DifferentialSharpe:
    """Differential Sharpe ratio (Moody & Saffell, "Reinforcement learning for trading", 1998).

    Args:
        eta: adaptation rate of the exponential moving averages (1/eta ~ their memory in bars).
    """

    def __init__(self, eta: float = 0.01) -> None:
        self.eta = eta
        self.reset(())

    def reset(self, shape: tuple[int, ...]) -> None:
        """Zero the moving averages for a batch of ``shape``."""
        self.a = np.zeros(shape)
        self.b = np.zeros(shape)

    def reset_where(self, mask: np.ndarray) -> None:
        """Zero the moving averages of the batch entries where ``mask`` (shaped like the batch)."""
        self.a = np.where(mask, 0.0, self.a)
        self.b = np.where(mask, 0.0, self.b)

    def __call__(self, ctx: RewardContext) -> np.ndarray | float:
        """Return ``D_t`` and update the moving averages with this step's return."""
        r = ctx.simple_return
        da, db = r - self.a, r * r - self.b
        var = self.b - self.a * self.a
        ok = var > 1e-12
        d = np.where(ok, (self.b * da - 0.5 * self.a * db) / np.where(ok, var, 1.0) ** 1.5, 0.0)
        self.a = self.a + self.eta * da
        self.b = self.b + self.eta * db
        return d


class DrawdownPenalized:
    """Log return minus ``penalty`` times the increase of drawdown from the running peak.

    Args:
        penalty: weight of a unit (100 %) increase in drawdown, in log-return units.
    """

    def __init__(self, penalty: float = 1.0) -> None:
        self.penalty = penalty
        self.reset(())

    def reset(self, shape: tuple[int, ...]) -> None:
        """Forget the running peak (NaN: set from the value before the first step)."""
        self.peak = np.full(shape, np.nan)
        self.drawdown = np.zeros(shape)

    def reset_where(self, mask: np.ndarray) -> None:
        """Forget the peak and drawdown of the batch entries where ``mask`` (shaped like the batch)."""
        self.peak = np.where(mask, np.nan, self.peak)
        self.drawdown = np.where(mask, 0.0, self.drawdown)

    def __call__(self, ctx: RewardContext) -> np.ndarray | float:
        """Return the penalised log return and update the running peak."""
        prev = np.asarray(ctx.prev_value, dtype=np.float64)
        peak = np.where(np.isnan(self.peak), prev, self.peak)
        self.peak = np.maximum(peak, ctx.value)
        drawdown = 1.0 - np.divide(ctx.value, self.peak)
        increase = np.maximum(drawdown - self.drawdown, 0.0)
        self.drawdown = drawdown
        return ctx.log_return - self.penalty * increase


REWARDS.add("differential_sharpe", DifferentialSharpe)
REWARDS.add("drawdown_penalized", DrawdownPenalized)


def make_reward(spec: Any, **kwargs: Any) -> Any:
    """Resolve a reward name, ``module:attr`` or object; classes are instantiated with ``kwargs``.

    Raises:
        ConfigError: unknown name (with a suggestion).
    """
    obj = REWARDS.resolve(spec)
    if isinstance(obj, type):
        return obj(**kwargs)
    return obj
