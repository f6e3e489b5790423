"""Baselines that estimate nothing: the :class:`Baseline` protocol, the schedule, and fixed rules.

A baseline states target weights ``(A,)`` (cash first) or ``None`` to hold
(:class:`Baseline`); :class:`Scheduled` adds the rebalancing schedule (every ``k`` bars,
weekly or monthly). The fixed rules here (cash, buy-and-hold, equal weight, random
weights) read no prices; the ones that estimate from trailing closes live in
:mod:`tradegym.backtest.estimated`. The registry and the table of every baseline are in
:mod:`tradegym.backtest.baselines`, which re-exports these names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tradegym.errors import ConfigError


class Baseline:
    """Base class of rule-based policies that choose target weights.

    Subclasses implement :meth:`target_weights` and set :attr:`name`. Baselines keep no
    state of their own (they read ``env.steps``), so one object can run many episodes.

    Args:
        env: the env whose action mapping :meth:`predict` uses; optional for the
            backtester, which passes its env to :meth:`target_weights`.
    """

    name = "baseline"
    book_aware = False
    """Whether the rule trades a long/short env's own book. A long-only rule (False) is
    backtested beside a long/short agent on the env's long-only twin: same market, execution,
    costs and ``cash_rate``, without shorts or leverage (:func:`tradegym.backtest.engine.backtest`)."""

    def __init__(self, env: Any = None) -> None:
        self.env = None if env is None else env.unwrapped

    def bind(self, env: Any) -> Baseline:
        """Use ``env`` (or the env it wraps) for :meth:`predict`; returns ``self``."""
        self.env = env.unwrapped
        return self

    def target_weights(self, obs: Any, env: Any) -> np.ndarray | None:
        """Target weights ``(A,)`` on the simplex, cash first, or ``None`` to hold.

        A long/short baseline (``momentum_ls``, :attr:`book_aware`) returns signed weights
        summing to 1 within the env's book limits instead.

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


def equal_weights(n_slots: int, tradable: np.ndarray | None = None) -> np.ndarray:
    """``(A,)`` weights: 0 in cash, ``1 / (A - 1)`` in each asset (in each tradable one).

    Args:
        n_slots: ``A = N + 1``.
        tradable: optional ``(N,)`` bool; weight goes only to these assets, all to cash
            when there are none.

    >>> equal_weights(3).tolist()
    [0.0, 0.5, 0.5]
    >>> equal_weights(4, np.array([True, False, True])).tolist()
    [0.0, 0.5, 0.0, 0.5]
    """
    if tradable is not None and not tradable.all():
        return only_tradable(np.concatenate([[0.0], np.ones(n_slots - 1)]), tradable)
    weights = np.full(n_slots, 1.0 / (n_slots - 1))
    weights[0] = 0.0
    return weights


def tradable_now(env: Any) -> np.ndarray | None:
    """``(N,)`` bool: the assets tradable at the env's decision bar, or ``None`` on a static universe.

    The same row the observation's ``mask`` key shows (data up to the decision bar only).
    """
    if not getattr(env, "dynamic", False):
        return None
    return np.asarray(env.data.tradable[env.current_index])


def only_tradable(weights: np.ndarray, tradable: np.ndarray | None) -> np.ndarray:
    """``(A,)`` weights with non-tradable assets at 0, renormalised (all cash when nothing is left).

    What the env does to any target (:func:`tradegym.envs.kernel.mask_targets`), stated by
    the baseline itself.
    """
    if tradable is None or tradable.all():
        return weights
    out = np.array(weights, dtype=np.float64)
    out[1:][~tradable] = 0.0
    total = out.sum()
    if total > 0:
        return out / total
    out[0] = 1.0
    return out


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
        """Equal weights ``(A,)`` over tradable assets at the episode's first step, then ``None`` (hold)."""
        return equal_weights(env.n_slots, tradable_now(env)) if env.steps == 0 else None


class Scheduled(Baseline):
    """A baseline that computes weights on a rebalancing schedule and holds in between.

    Subclasses implement :meth:`weights`. Between rebalances :meth:`target_weights`
    returns ``None``: the portfolio holds and its weights drift with prices.

    Args:
        env: as :class:`Baseline`.
        rebalance: bars between rebalances (an integer ``>= 1``), or ``"daily"``,
            ``"weekly"``, ``"monthly"`` (calendar weeks and months of the bar dates).

    Raises:
        ConfigError: ``rebalance`` is neither a positive integer nor a known period.
    """

    PERIODS = {"daily": None, "weekly": "W", "monthly": "M"}
    default_rebalance: int | str = 1

    def __init__(self, env: Any = None, *, rebalance: int | str | None = None) -> None:
        super().__init__(env)
        rebalance = self.default_rebalance if rebalance is None else rebalance
        if isinstance(rebalance, str):
            if rebalance not in self.PERIODS:
                raise ConfigError(
                    f"rebalance must be an integer >= 1 (bars) or one of {list(self.PERIODS)}, "
                    f"got {rebalance!r}"
                )
            if rebalance == "daily":
                rebalance = 1
        elif isinstance(rebalance, bool) or not isinstance(rebalance, (int, np.integer)) or rebalance < 1:
            raise ConfigError(
                f"rebalance must be an integer >= 1 (bars) or one of {list(self.PERIODS)}, "
                f"got {rebalance!r}"
            )
        self.rebalance: int | str = rebalance if isinstance(rebalance, str) else int(rebalance)

    def due(self, env: Any) -> bool:
        """Whether the episode's current decision bar is a rebalancing bar."""
        if env.steps == 0:
            return True
        if isinstance(self.rebalance, int):
            return env.steps % self.rebalance == 0
        dates = env.data.dates
        t = env.current_index
        now, before = dates[t], dates[t - 1]
        if self.rebalance == "weekly":
            return now.isocalendar()[:2] != before.isocalendar()[:2]
        return (now.year, now.month) != (before.year, before.month)

    def target_weights(self, obs: Any, env: Any) -> np.ndarray | None:
        """:meth:`weights` on rebalancing bars, else ``None`` (hold)."""
        return self.weights(env) if self.due(env) else None

    def weights(self, env: Any) -> np.ndarray:
        """Weights ``(A,)`` on the simplex, cash first, from data up to ``env.current_index``."""
        raise NotImplementedError

    def _options(self) -> dict[str, Any]:
        return {"rebalance": self.rebalance}

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self._options().items())
        return f"{type(self).__name__}({options})"


class EqualWeight(Scheduled):
    """``1/N`` in every asset, nothing in cash, rebalanced on a schedule (default: every bar).

    Between rebalances the portfolio holds and its weights drift with prices.
    """

    name = "equal_weight"

    def __init__(self, env: Any = None, *, rebalance: int | str | None = None) -> None:
        super().__init__(env, rebalance=rebalance)
        if self.rebalance != 1:  # the name says the schedule: equal_weight_monthly, _5
            self.name = f"equal_weight_{self.rebalance}"

    def weights(self, env: Any) -> np.ndarray:
        """Equal weights ``(A,)`` over the assets tradable at the decision bar, no cash."""
        return equal_weights(env.n_slots, tradable_now(env))



class RandomWeights(Scheduled):
    """Dirichlet(1) random weights over the assets (no cash) on a schedule (default monthly).

    Seeded: the generator restarts at every episode's first step, so a backtest is
    reproducible. The "monkey" baseline: an agent should beat it by a margin.

    Args: as :class:`Scheduled`, plus ``seed`` (int).
    """

    name = "random"
    default_rebalance = "monthly"

    def __init__(self, env: Any = None, *, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self.seed = int(seed)
        self._rng = np.random.default_rng(self.seed)

    def weights(self, env: Any) -> np.ndarray:
        """Random ``(A,)`` weights, cash 0."""
        if env.steps == 0:
            self._rng = np.random.default_rng(self.seed)
        weights = np.concatenate([[0.0], self._rng.dirichlet(np.ones(env.n_slots - 1))])
        return only_tradable(weights, tradable_now(env))

    def _options(self) -> dict[str, Any]:
        return {"rebalance": self.rebalance, "seed": self.seed}
