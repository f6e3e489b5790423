"""Baseline policies: all cash, buy-and-hold and equal weight.

A baseline states what it wants as target weights ``(A,)`` (cash first) through
``target_weights(obs, env)``, or ``None`` to hold: no trade, the weights drift with
prices. The backtester calls it and trades with ``env.step_weights``, so a baseline is
exact — no action mapping in between, and holding costs nothing. Through ``predict`` a
baseline is also an ordinary :class:`~tradegym.policy.Policy` for any loop that only
knows actions (bind it to its env first); see :meth:`Baseline.predict` for what "hold"
becomes there.

==================  ================================================================
name                policy
==================  ================================================================
``cash``            stay in cash: value constant, no costs
``buy_and_hold``    equal weight at the first step, then hold (weights drift)
``equal_weight``    ``1/N`` in every asset, rebalanced every ``rebalance_every`` bars
==================  ================================================================

>>> make_baseline("equal_weight", rebalance_every=5)
EqualWeight(rebalance_every=5)
>>> make_baseline("equal_wieght")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tradegym.errors.ConfigError: unknown baseline 'equal_wieght'. Did you mean 'equal_weight'? ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradegym.errors import ConfigError
from tradegym.registry import Registry


class Baseline:
    """Base class of rule-based policies that choose target weights.

    Subclasses implement :meth:`target_weights` and set :attr:`name`. Baselines keep no
    state of their own (they read ``env.steps``), so one object can run many episodes.

    Args:
        env: the env whose action mapping :meth:`predict` uses; optional for the
            backtester, which passes its env to :meth:`target_weights`.
    """

    name = "baseline"

    def __init__(self, env: Any = None) -> None:
        self.env = None if env is None else env.unwrapped

    def bind(self, env: Any) -> Baseline:
        """Use ``env`` (or the env it wraps) for :meth:`predict`; returns ``self``."""
        self.env = env.unwrapped
        return self

    def target_weights(self, obs: Any, env: Any) -> np.ndarray | None:
        """Target weights ``(A,)`` on the simplex, cash first, or ``None`` to hold.

        Args:
            obs: the env's observation at the decision bar.
            env: the (unwrapped) :class:`~tradegym.envs.portfolio.PortfolioEnv`; baselines
                read ``env.steps`` (steps taken this episode) and ``env.n_slots`` (``A``).
        """
        raise NotImplementedError

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """SB3-style ``(action (A,) float32, state)`` through the bound env's action mapping.

        An action can only name target weights, so "hold" becomes "trade back to the
        current weights" here: exact under ``execution="close"``, a small rebalance
        otherwise. The backtester holds exactly.

        Raises:
            ConfigError: the baseline is not bound to an env.
        """
        if self.env is None:
            raise ConfigError(
                f"baseline {self.name!r} needs its env to map weights to actions: "
                f"use {type(self).__name__}(env) or .bind(env)"
            )
        target = self.target_weights(observation, self.env)
        if target is None:
            target = self.env.weights
        return self.env.weights_to_action(target), state

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def equal_weights(n_slots: int) -> np.ndarray:
    """``(A,)`` weights: 0 in cash, ``1 / (A - 1)`` in each asset.

    >>> equal_weights(3).tolist()
    [0.0, 0.5, 0.5]
    """
    weights = np.full(n_slots, 1.0 / (n_slots - 1))
    weights[0] = 0.0
    return weights


def cash_weights(n_slots: int) -> np.ndarray:
    """``(A,)`` weights: everything in cash."""
    weights = np.zeros(n_slots)
    weights[0] = 1.0
    return weights


class Cash(Baseline):
    """Stay in cash: the zero-risk, zero-cost reference."""

    name = "cash"

    def target_weights(self, obs: Any, env: Any) -> np.ndarray | None:
        """All cash ``(A,)``."""
        return cash_weights(env.n_slots)


class BuyAndHold(Baseline):
    """Buy equal weights at the first step, then hold: weights drift, no more trades."""

    name = "buy_and_hold"

    def target_weights(self, obs: Any, env: Any) -> np.ndarray | None:
        """Equal weights ``(A,)`` at the episode's first step, then ``None`` (hold)."""
        return equal_weights(env.n_slots) if env.steps == 0 else None


class EqualWeight(Baseline):
    """``1/N`` in every asset, nothing in cash, rebalanced every ``rebalance_every`` bars.

    Between rebalances the portfolio holds and its weights drift with prices.

    Args:
        env: as :class:`Baseline`.
        rebalance_every: bars between rebalances, ``>= 1`` (1 = every bar).

    Raises:
        ConfigError: ``rebalance_every`` is not a positive integer.
    """

    name = "equal_weight"

    def __init__(self, env: Any = None, *, rebalance_every: int = 1) -> None:
        super().__init__(env)
        every = rebalance_every
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ConfigError(
                f"rebalance_every must be an integer >= 1 (bars), got {rebalance_every!r}"
            )
        self.rebalance_every = int(rebalance_every)

    def target_weights(self, obs: Any, env: Any) -> np.ndarray | None:
        """Equal weights ``(A,)`` on steps ``0, k, 2k, ...`` of the episode, else ``None``."""
        return equal_weights(env.n_slots) if env.steps % self.rebalance_every == 0 else None

    def __repr__(self) -> str:
        return f"EqualWeight(rebalance_every={self.rebalance_every})"


BASELINES: Registry[type[Baseline]] = Registry("baseline")
for _cls in (Cash, BuyAndHold, EqualWeight):
    BASELINES.add(_cls.name, _cls)


def make_baseline(name: str, env: Any = None, **kwargs: Any) -> Baseline:
    """Build a baseline by registered name (or ``"module:Class"``).

    Args:
        name: a name in :data:`BASELINES` or ``"module:Class"``.
        env: optional env to bind (needed only for :meth:`Baseline.predict`).
        **kwargs: options of the baseline (``rebalance_every=`` for ``equal_weight``).

    Raises:
        ConfigError: unknown name (with a suggestion) or a bad option.
    """
    cls = BASELINES.resolve(name)
    try:
        return cls(env, **kwargs)
    except TypeError as exc:
        raise ConfigError(f"bad options {kwargs} for baseline {name!r}: {exc}") from exc


__all__ = [
    "BASELINES", "Baseline", "BuyAndHold", "Cash", "EqualWeight", "cash_weights",
    "equal_weights", "make_baseline",
]
