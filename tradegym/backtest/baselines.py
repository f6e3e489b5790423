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
``momentum_ls``            long/short envs only: long the ``k = ceil(N / 3)`` best and short
                           the ``k`` worst by 12-1 momentum, ``±G / (2k)`` each (``G`` the
                           book's ``max_gross``): dollar-neutral, gross ``G``, monthly
``random``                 Dirichlet(1) random weights, monthly, seeded (seed 0)
``oracle``                 planted synthetic markets only: the known-optimal policy
=========================  ===========================================================

Every estimate is *causal*: the weights chosen at decision bar ``t`` use closes of rows ``<=
t`` of the backtest's market only (at most ``lookback + 1`` of them; fewer at the start of
the data, where a baseline falls back to equal weight until it has ``min_history`` returns;
``momentum_ls`` holds cash, its dollar-neutral equal weight). The schedule is part of the
name or set by ``rebalance=``: an integer number of bars, ``"daily"``, ``"weekly"`` or
``"monthly"`` (calendar: the first decision bar whose week or month differs from the
previous bar's). Every baseline trades on the first step of an episode. On a dynamic
universe (``MarketData.tradable``) every baseline weights only the assets tradable at the
decision bar (the env's ``mask``), and estimates from the returns where they were all
listed.

The classes live by idea: :mod:`~tradegym.backtest.rules` (the :class:`Baseline` base, the
schedule, and the rules that estimate nothing), :mod:`~tradegym.backtest.estimated` (the
ones estimated from trailing closes) and :mod:`tradegym.data.planted` (``oracle``); this
module holds the registry and re-exports them all.

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
from collections.abc import Callable, Mapping
from typing import Any

from tradegym.backtest.estimated import (
    Estimated,
    HierarchicalRiskParity,
    InverseVolatility,
    MeanVariance,
    MinimumVariance,
    Momentum,
    MomentumLongShort,
)
from tradegym.backtest.rules import (
    Baseline,
    BuyAndHold,
    Cash,
    EqualWeight,
    RandomWeights,
    Scheduled,
    cash_weights,
    equal_weights,
)
from tradegym.errors import ConfigError
from tradegym.registry import Registry

BaselineFactory = Callable[..., Baseline]

BASELINES: Registry[BaselineFactory] = Registry("baseline")
for _cls in (Cash, BuyAndHold, EqualWeight, InverseVolatility, MinimumVariance, MeanVariance,
             HierarchicalRiskParity, Momentum, MomentumLongShort, RandomWeights):
    BASELINES.add(_cls.name, _cls)
BASELINES.add("equal_weight_weekly", functools.partial(EqualWeight, rebalance="weekly"))
BASELINES.add("equal_weight_monthly", functools.partial(EqualWeight, rebalance="monthly"))
BASELINES.add_lazy("oracle", "tradegym.data.planted:OraclePolicy")

DEFAULT_BASELINES = ("cash", "buy_and_hold", "equal_weight", "equal_weight_monthly", "inverse_vol",
                     "min_variance", "momentum", "random")
"""What ``tradegym backtest`` compares against by default (plus ``oracle`` on planted markets)."""

LONG_SHORT_BASELINES = ("momentum_ls",)
"""Added to the defaults on a long/short env (``action_mapping: long_short``)."""


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


def baseline_names(market: Any = None, env_kwargs: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The default baselines of a backtest on ``market`` with env ``env_kwargs``.

    :data:`DEFAULT_BASELINES`, plus ``oracle`` when ``market`` is a planted synthetic one.
    On a long/short env (``action_mapping: long_short``) :data:`LONG_SHORT_BASELINES` join;
    the long-only ones run on the env's long-only twin (same market, execution, costs and
    interest; :func:`tradegym.backtest.engine.backtest`), so every book keeps them.

    >>> baseline_names(env_kwargs={"action_mapping": "long_short", "net_exposure": [0, 0]})[-3:]
    ('momentum', 'random', 'momentum_ls')
    """
    names: tuple[str, ...] = DEFAULT_BASELINES
    if market is not None and "oracle" in getattr(market, "meta", {}):
        names = (*names, "oracle")
    kwargs = env_kwargs or {}
    if kwargs.get("action_mapping") != "long_short":
        return names
    return (*names, *LONG_SHORT_BASELINES)


__all__ = [
    "BASELINES", "DEFAULT_BASELINES", "Baseline", "BuyAndHold", "Cash", "EqualWeight", "Estimated",
    "HierarchicalRiskParity", "InverseVolatility", "LONG_SHORT_BASELINES", "MeanVariance",
    "MinimumVariance", "Momentum", "MomentumLongShort", "RandomWeights", "Scheduled", "baseline_names",
    "is_baseline", "cash_weights", "equal_weights", "make_baseline",
]
