"""Baseline policies: the honest references every agent is reported next to.

A baseline states what it wants as target weights ``(A,)`` (cash first) through
``target_weights(obs, env)``, or ``None`` to hold: no trade, the weights drift with
prices. The backtester calls it and trades with ``env.step_weights``, so a baseline is
exact — no action mapping in between, and holding costs nothing. Through ``predict`` a
baseline is also an ordinary :class:`~tradegym.policy.Policy` for any loop that only
knows actions (bind it to its env first); see :meth:`Baseline.predict` for what "hold"
becomes there.

=========================  ===========================================================
name                       policy
=========================  ===========================================================
``cash``                   stay in cash: value constant, no costs
``buy_and_hold``           equal weight at the first step, then hold (weights drift)
``equal_weight``           ``1/N`` in every asset, rebalanced every bar
``equal_weight_weekly``    ``1/N``, rebalanced on the first bar of each calendar week
``equal_weight_monthly``   ``1/N``, rebalanced on the first bar of each calendar month
``inverse_vol``            weights ``∝ 1/σ`` of the trailing 60 bars, monthly
``min_variance``           long-only minimum variance (Ledoit–Wolf covariance of the
                           trailing 252 bars), monthly; solved by skfolio
``mean_variance``          long-only max ``μ'w − λ w'Σw`` (λ = 5, trailing 252 bars,
                           sample mean, Ledoit–Wolf covariance), monthly; skfolio
``hrp``                    hierarchical risk parity (López de Prado 2016) of the trailing
                           252 bars, monthly; skfolio
``momentum``               ``1/k`` in the ``k`` assets with the best return from
                           ``t − 252`` to ``t − 21`` (12-1 momentum), monthly
``random``                 Dirichlet(1) random weights, monthly, seeded (seed 0)
``oracle``                 planted synthetic markets only: the known-optimal policy
=========================  ===========================================================

Every estimate is *causal*: the weights chosen at decision bar ``t`` use closes of rows
``<= t`` of the backtest's market only (at most ``lookback + 1`` of them; fewer at the
start of the data, where a baseline falls back to equal weight until it has
``min_history`` returns). The schedule is part of the name or set by ``rebalance=``: an
integer number of bars, ``"daily"``, ``"weekly"`` or ``"monthly"`` (calendar: the first
decision bar whose week or month differs from the previous bar's). Every baseline
trades on the first step of an episode.

>>> make_baseline("equal_weight", rebalance=5)
EqualWeight(rebalance=5)
>>> make_baseline("momentum", top_k=3)
Momentum(rebalance='monthly', lookback=252, skip=21, top_k=3)
>>> make_baseline("equal_wieght")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tradegym.errors.ConfigError: unknown baseline 'equal_wieght'. Did you mean 'equal_weight'? ...
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
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
        """Equal weights ``(A,)``, no cash."""
        return equal_weights(env.n_slots)


class Estimated(Scheduled):
    """A scheduled baseline that estimates from trailing closes (causal: rows ``<= t``).

    Args:
        env, rebalance: as :class:`Scheduled` (default monthly).
        lookback: trailing returns used, ``>= 2`` bars.
        min_history: fewer available returns than this → equal weight.
    """

    default_rebalance = "monthly"
    default_lookback = 252

    def __init__(self, env: Any = None, *, rebalance: int | str | None = None,
                 lookback: int | None = None, min_history: int = 20) -> None:
        super().__init__(env, rebalance=rebalance)
        lookback = self.default_lookback if lookback is None else lookback
        if isinstance(lookback, bool) or not isinstance(lookback, (int, np.integer)) or lookback < 2:
            raise ConfigError(f"lookback must be an integer >= 2 (bars), got {lookback!r}")
        self.lookback = int(lookback)
        self.min_history = max(2, int(min_history))

    def trailing_returns(self, env: Any, bars: int | None = None) -> np.ndarray:
        """Simple close-to-close returns ``(L, N)`` of the last ``L <= bars`` bars up to ``t``."""
        bars = self.lookback if bars is None else bars
        t = env.current_index
        close = env.data.close[max(0, t - bars): t + 1]  # (L+1, N), rows <= t only
        return close[1:] / close[:-1] - 1.0

    def weights(self, env: Any) -> np.ndarray:
        """Estimated weights ``(A,)``; equal weight while history is shorter than ``min_history``."""
        returns = self.trailing_returns(env)
        if len(returns) < self.min_history:
            return equal_weights(env.n_slots)
        risky = np.asarray(self.risky_weights(returns), dtype=np.float64)
        risky = np.where(np.isfinite(risky), np.maximum(risky, 0.0), 0.0)  # solver dust < 0
        total = risky.sum()
        if not total > 0:
            return equal_weights(env.n_slots)
        return np.concatenate([[0.0], risky / total])

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """Asset weights ``(N,)`` (summing to 1) from trailing returns ``(L, N)``."""
        raise NotImplementedError

    def _options(self) -> dict[str, Any]:
        return {"rebalance": self.rebalance, "lookback": self.lookback}


class InverseVolatility(Estimated):
    """Weights proportional to ``1/σ`` of each asset's trailing returns (default 60 bars)."""

    name = "inverse_vol"
    default_lookback = 60

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)`` ``1/σ_i`` normalised; a zero-volatility asset gets the largest finite weight."""
        vol = returns.std(axis=0, ddof=1)
        floor = max(float(vol[vol > 0].min()) if (vol > 0).any() else 1.0, 1e-12)
        return 1.0 / np.maximum(vol, floor)


class _Skfolio(Estimated):
    """Estimated baselines solved by a skfolio optimiser (imported when first used)."""

    def optimiser(self) -> Any:
        raise NotImplementedError

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)`` weights of the skfolio optimiser fitted on ``returns``."""
        return self.optimiser().fit(returns).weights_


class MinimumVariance(_Skfolio):
    """Long-only, fully invested minimum variance with a Ledoit–Wolf shrunk covariance."""

    name = "min_variance"

    def optimiser(self) -> Any:
        """The skfolio ``MeanRisk`` that minimises variance."""
        from skfolio.moments import LedoitWolf
        from skfolio.optimization import MeanRisk
        from skfolio.prior import EmpiricalPrior

        return MeanRisk(prior_estimator=EmpiricalPrior(covariance_estimator=LedoitWolf()))


class MeanVariance(_Skfolio):
    """Long-only, fully invested mean-variance: maximise ``μ'w − λ w'Σw`` per bar.

    ``μ`` is the trailing sample mean (noisy, as a real investor's estimate is), ``Σ``
    Ledoit–Wolf. Args as :class:`Estimated`, plus ``risk_aversion`` (``λ > 0``, default 5).
    """

    name = "mean_variance"

    def __init__(self, env: Any = None, *, risk_aversion: float = 5.0, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        if not (isinstance(risk_aversion, (int, float)) and risk_aversion > 0):
            raise ConfigError(f"risk_aversion must be > 0, got {risk_aversion!r}")
        self.risk_aversion = float(risk_aversion)

    def optimiser(self) -> Any:
        """The skfolio ``MeanRisk`` that maximises utility."""
        from skfolio.moments import LedoitWolf
        from skfolio.optimization import MeanRisk, ObjectiveFunction
        from skfolio.prior import EmpiricalPrior

        return MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_UTILITY,
                        risk_aversion=self.risk_aversion,
                        prior_estimator=EmpiricalPrior(covariance_estimator=LedoitWolf()))

    def _options(self) -> dict[str, Any]:
        return {**super()._options(), "risk_aversion": self.risk_aversion}


class HierarchicalRiskParity(_Skfolio):
    """Hierarchical risk parity (López de Prado 2016) on trailing returns; long-only."""

    name = "hrp"

    def optimiser(self) -> Any:
        """The skfolio ``HierarchicalRiskParity`` with its defaults."""
        from skfolio.optimization import HierarchicalRiskParity as HRP

        return HRP()


class Momentum(Estimated):
    """``1/k`` in the ``k`` assets with the best trailing return, skipping the last bars.

    The signal at ``t`` is the return from ``t − lookback`` to ``t − skip`` (12-1 momentum
    for daily bars by default: the last month is skipped for short-term reversal).

    Args: as :class:`Estimated`, plus ``skip`` (bars, ``0 <= skip < lookback``, default 21)
    and ``top_k`` (assets held, default ``ceil(N / 4)``).
    """

    name = "momentum"

    def __init__(self, env: Any = None, *, skip: int = 21, top_k: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        if not 0 <= skip < self.lookback:
            raise ConfigError(f"skip must be in [0, lookback={self.lookback}), got {skip!r}")
        if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
            raise ConfigError(f"top_k must be an integer >= 1, got {top_k!r}")
        self.skip, self.top_k = int(skip), top_k

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)``: ``1/k`` on the top ``k`` compounded returns of ``returns[:-skip]``."""
        n = returns.shape[1]
        k = min(n, self.top_k or math.ceil(n / 4))
        signal = np.log1p(returns[: len(returns) - self.skip]).sum(axis=0)  # (N,)
        best = np.argsort(-signal, kind="stable")[:k]  # ties: lower index first
        weights = np.zeros(n)
        weights[best] = 1.0 / k
        return weights

    def _options(self) -> dict[str, Any]:
        return {**super()._options(), "skip": self.skip, "top_k": self.top_k}


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
        return np.concatenate([[0.0], self._rng.dirichlet(np.ones(env.n_slots - 1))])

    def _options(self) -> dict[str, Any]:
        return {"rebalance": self.rebalance, "seed": self.seed}


BaselineFactory = Callable[..., Baseline]

BASELINES: Registry[BaselineFactory] = Registry("baseline")
for _cls in (Cash, BuyAndHold, EqualWeight, InverseVolatility, MinimumVariance, MeanVariance,
             HierarchicalRiskParity, Momentum, RandomWeights):
    BASELINES.add(_cls.name, _cls)
BASELINES.add("equal_weight_weekly", functools.partial(EqualWeight, rebalance="weekly"))
BASELINES.add("equal_weight_monthly", functools.partial(EqualWeight, rebalance="monthly"))
BASELINES.add_lazy("oracle", "tradegym.data.planted:OraclePolicy")

DEFAULT_BASELINES = ("cash", "buy_and_hold", "equal_weight", "equal_weight_monthly", "inverse_vol",
                     "min_variance", "momentum", "random")
"""What ``tradegym backtest`` compares against by default (plus ``oracle`` on planted markets)."""


def make_baseline(name: str, env: Any = None, **kwargs: Any) -> Any:
    """Build a baseline by registered name (or ``"module:Class"``).

    Args:
        name: a name in :data:`BASELINES` or ``"module:Class"``.
        env: optional env to bind (needed only for :meth:`Baseline.predict`).
        **kwargs: options of the baseline (``rebalance=``, ``lookback=``, ``top_k=``...).

    Raises:
        ConfigError: unknown name (with a suggestion) or a bad option.
    """
    factory = BASELINES.resolve(name)
    try:
        return factory(env, **kwargs)
    except TypeError as exc:
        raise ConfigError(f"bad options {kwargs} for baseline {name!r}: {exc}") from exc


def is_baseline(name: str) -> bool:
    """Whether ``name`` is a registered baseline or a scheduled equal weight (``equal_weight_5``)."""
    return name in BASELINES or name.startswith("equal_weight_")


def baseline_names(market: Any = None) -> tuple[str, ...]:
    """:data:`DEFAULT_BASELINES`, plus ``oracle`` when ``market`` is a planted synthetic one."""
    planted = market is not None and "oracle" in getattr(market, "meta", {})
    return (*DEFAULT_BASELINES, "oracle") if planted else DEFAULT_BASELINES


__all__ = [
    "BASELINES", "DEFAULT_BASELINES", "Baseline", "BuyAndHold", "Cash", "EqualWeight", "Estimated",
    "HierarchicalRiskParity", "InverseVolatility", "MeanVariance", "MinimumVariance", "Momentum",
    "RandomWeights", "Scheduled", "baseline_names", "is_baseline", "cash_weights", "equal_weights",
    "make_baseline",
]
