"""Run a policy through one deterministic :class:`~tradegym.envs.portfolio.PortfolioEnv` episode.

:func:`backtest` starts all in cash at the first bar with a full observation window
(``start="first"``) and steps to the end of the data, recording what the env reports
after every step. Any :class:`~tradegym.policy.Policy` runs the same way — an SB3 model,
a plain function, a baseline — through ``predict(..., deterministic=True)`` and
``env.step``. A policy that also has ``target_weights(obs, env)`` (the baselines) trades
straight to those weights with ``env.step_weights``, and may return ``None`` to hold:
no trade, weights drift with prices, no cost.

Errors from the env (a NaN or wrongly shaped action, naming the step and date) reach
the caller unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradegym.backtest.metrics import METRIC_LABELS, compute_metrics, format_metric
from tradegym.data.frequency import resolve_periods_per_year
from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError
from tradegym.policy import as_policy, check_observation, policy_name


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """What one backtest produced; plots and reports read only this.

    ``S`` is the number of steps; the first row of ``equity`` and ``weights`` is the first
    decision bar, before any trade.

    Attributes:
        name: the policy's display name.
        equity: ``(S+1,)`` portfolio value (currency, net of costs) indexed by date,
            starting at the first decision date with the initial value.
        returns: ``(S,)`` simple returns per bar, net of costs, indexed by the bar's end date.
        weights: ``(S+1, A)`` weights at each close after drift; columns ``cash`` + symbols.
        turnover: ``(S,)`` risky turnover per step (fraction of value traded).
        costs: ``(S,)`` costs paid per step, in currency.
        execution: the env's fill timing (``"next_open"``, ``"next_close"``, ``"close"``).
        cost_rate: proportional cost rate (a fraction: 0.001 = 10 bps).
        data_name: name of the market.
        periods_per_year: bars per year used to annualise ``metrics``.
        periods_per_year_source: where that value came from, for reports: ``"given"``,
            ``"declared by the data"`` or ``"inferred: daily, weekdays"`` (see
            :func:`tradegym.data.frequency.resolve_periods_per_year`).
        metrics: :func:`~tradegym.backtest.metrics.compute_metrics` of ``returns``.
        risk_free_rate: annual risk-free rate used by ``metrics`` (a fraction).
        targets: ``(S, A)`` target weights each step traded to, indexed like ``returns``
            (the step's end date); ``None`` in results built without them.
        pre_trade: ``(S, A)`` weights drifted to the fill, just before each trade: the
            trade of step ``s`` is ``targets[s] - pre_trade[s]``; ``None`` when unknown.
        pre_trade_value: ``(S,)`` portfolio value at each fill before the trade and its
            cost (currency); ``None`` when unknown.
        carry: ``(S,)`` interest and borrow fees credited (``> 0``) or debited per step, in
            currency (``info["carry"]`` of an env with a book: long/short, or a cash rate);
            ``None`` when the env has none.
        book: the env's book in one line (:meth:`tradegym.envs.longshort.Book.describe`), or
            ``None`` for a long-only env without interest.
    """

    name: str
    equity: pd.Series
    returns: pd.Series
    weights: pd.DataFrame
    turnover: pd.Series
    costs: pd.Series
    execution: str
    cost_rate: float
    data_name: str = "market"
    periods_per_year: float = 252
    metrics: dict[str, float] = field(default_factory=dict)
    risk_free_rate: float = 0.0
    targets: pd.DataFrame | None = None
    pre_trade: pd.DataFrame | None = None
    pre_trade_value: pd.Series | None = None
    periods_per_year_source: str = "given"
    carry: pd.Series | None = None
    book: str | None = None

    @property
    def annualisation(self) -> str:
        """``"252 periods per year (inferred: daily, weekdays), risk-free rate 0 a year"``."""
        return (f"{self.periods_per_year:g} periods per year ({self.periods_per_year_source}), "
                f"risk-free rate {self.risk_free_rate:g} a year")

    def summary(self) -> str:
        """A few lines: policy, market, period, execution, cost and annualisation, then every metric."""
        start, end = self.equity.index[0].date(), self.equity.index[-1].date()
        lines = [
            f"{self.name} on {self.data_name}, {start} to {end} ({len(self.returns)} bars), "
            f"execution={self.execution}, cost {self.cost_rate * 1e4:g} bps",
            f"  annualisation: {self.annualisation}",
        ]
        width = max(len(label) for label in METRIC_LABELS.values())
        for key, label in METRIC_LABELS.items():
            lines.append(f"  {label:<{width}}  {format_metric(key, self.metrics.get(key))}")
        return "\n".join(lines)

    def report(self, out_dir: str | os.PathLike[str], others: Sequence[BacktestResult] = (),
               **kwargs: Any) -> Path:
        """Write the interactive report of this backtest next to ``others``; return ``report.html``.

        From a notebook: ``result.report("out", [backtest("equal_weight", market)],
        market=market)``. Keyword arguments go to :func:`tradegym.backtest.report.report`
        (``benchmark``, ``market``, ``provenance``, ``in_sample``, ``static``, ``echo``...).
        """
        from tradegym.backtest.report import report

        return report([self, *others], out_dir, **kwargs)[-1]


def backtest(
    policy: Any,
    data: MarketData | str,
    *,
    env_kwargs: Mapping[str, Any] | None = None,
    env_id: str | None = None,
    name: str | None = None,
    periods_per_year: float | None = None,
    risk_free_rate: float = 0.0,
    start: Any = None,
) -> BacktestResult:
    """Run ``policy`` deterministically over ``data`` from ``start`` (or the first full window).

    Args:
        policy: a :class:`~tradegym.policy.Policy` (SB3 model, baseline, anything with
            ``predict``), a function ``obs -> action``, a baseline name
            (``"equal_weight"``; see :data:`~tradegym.backtest.baselines.BASELINES`), or a
            trained run directory (its best model, hashes verified; its env and env
            settings are the defaults of ``env_id`` and ``env_kwargs``).
        data: the market, or a source name for :func:`tradegym.data.load`.
        env_kwargs: keyword arguments of :class:`~tradegym.envs.portfolio.PortfolioEnv`
            (``window_bars``, ``cost_rate``, ``execution``...); not ``start``.
        env_id: the environment, a registered id or ``module:Class`` (a PortfolioEnv
            subclass such as ``tradegym/PortfolioDiscrete-v0`` for DQN agents); default
            the run's env for a run directory, else ``tradegym/Portfolio-v0``.
        name: display name (default: the policy's ``name``, function name or class name).
        periods_per_year: bars per year for the metrics; ``None`` (default) takes the
            market's declared value (``meta["periods_per_year"]``) or infers it from its
            dates (252 for daily weekday bars, 52 weekly, 8760 hourly 24/7...; see
            :func:`tradegym.data.frequency.infer_periods_per_year`). The result says which.
        risk_free_rate: annual risk-free rate for the metrics (a fraction).
        start: first decision date (anything ``pd.Timestamp`` takes; the first bar on or
            after it). Rows before it are history only: they feed the causal features and
            the baselines' estimates, so a test period is traded from its first bar instead
            of losing the warm-up. Default: the first bar with a full window.

    Returns:
        The :class:`BacktestResult`; it ends early if the portfolio is ruined.

    Raises:
        ValueError: the policy's action or target weights are NaN/inf or wrongly shaped
            (the message names the step and date), or the env rejects ``env_kwargs``.
        ConfigError: ``env_kwargs`` sets ``start``, an unknown baseline name, a book-aware
            rule's target outside a long/short env's limits (naming them), or
            ``periods_per_year`` (given or declared by the data) not ``> 0``.
        DataError: ``start`` leaves no bar to trade, or too little history before it for
            the window and feature warm-up (the message says how many bars are needed).
    """
    from tradegym.envs import make

    policy, env_id, kwargs, label = _resolve_policy(policy, env_id, env_kwargs, name)
    kwargs = _long_only_twin(policy, kwargs)
    # Policies step the env as made (observation wrappers such as a forecast feature or a
    # compressed state included); baselines trade on the unwrapped env's weights directly.
    wrapped = make(env_id, data=data, start="first", **kwargs)
    env: Any = wrapped.unwrapped  # a PortfolioEnv or a user's env with its interface
    check_observation(policy, wrapped, label)  # a model built for other inputs: say so, not KeyError
    periods_per_year, ppy_source = resolve_periods_per_year(
        env.data.dates, getattr(env.data, "meta", None), periods_per_year)
    obs, info = wrapped.reset(options={"start": _start_index(env, start)})
    chooser: Any = getattr(policy, "target_weights", None)
    predictor = None if callable(chooser) else as_policy(policy)
    dates, values, weights = [info["date"]], [info["value"]], [info["weights"]]
    targets: list[Any] = []  # (A,) each, or None from an env that does not say
    rows: list[int] = []  # decision row of each step
    turnover: list[float] = []
    costs: list[float] = []
    carry: list[float] = []  # currency per step, from an env with a book only
    state: Any = None
    done = False
    while not done:
        if predictor is None:
            obs, _, terminated, truncated, info = _step_target(env, chooser(obs, env), label)
        else:
            episode_start = np.array([env.steps == 0])  # (1,) as SB3's recurrent policies expect
            action, state = predictor.predict(
                obs, state=state, episode_start=episode_start, deterministic=True
            )
            obs, _, terminated, truncated, info = wrapped.step(action)
        dates.append(info["date"])
        rows.append(int(info.get("index", 0)) - 1)
        targets.append(info.get("target"))
        values.append(info["value"])
        weights.append(info["weights"])
        turnover.append(info["turnover"])
        costs.append(info["cost"])
        if "carry" in info:
            carry.append(info["carry"])
        done = terminated or truncated

    index = pd.DatetimeIndex(dates, name="date")
    equity = pd.Series(values, index=index, name=label)
    returns = pd.Series(np.asarray(values[1:]) / np.asarray(values[:-1]) - 1.0, index=index[1:],
                        name=label)
    turnover_s = pd.Series(turnover, index=index[1:], name="turnover")
    costs_s = pd.Series(costs, index=index[1:], name="cost")
    metrics = compute_metrics(returns, periods_per_year=periods_per_year,
                              risk_free_rate=risk_free_rate, turnover=turnover_s, costs=costs_s)
    weights_f = pd.DataFrame(np.vstack(weights), index=index, columns=["cash", *env.data.symbols])
    targets_f, pre_trade, pre_value = _trade_record(env, weights_f, targets, rows, values)
    return BacktestResult(
        name=label,
        equity=equity,
        returns=returns,
        weights=weights_f,
        turnover=turnover_s,
        costs=costs_s,
        execution=env.execution,
        cost_rate=float(env.cost_rate),
        data_name=env.data.name,
        periods_per_year=periods_per_year,
        metrics=metrics,
        risk_free_rate=risk_free_rate,
        targets=targets_f,
        pre_trade=pre_trade,
        pre_trade_value=pre_value,
        periods_per_year_source=ppy_source,
        carry=pd.Series(carry, index=index[1:], name="carry") if carry and len(carry) == len(costs) else None,
        book=env.book.describe(periods_per_year) if getattr(env, "book", None) is not None else None,
    )


def _resolve_policy(policy: Any, env_id: str | None, env_kwargs: Mapping[str, Any] | None,
                    name: str | None) -> tuple[Any, str, dict[str, Any], str]:
    """``(policy, env id, env kwargs, label)``: a run directory's or a baseline name's own."""
    if isinstance(policy, (str, os.PathLike)) and Path(policy).is_dir():
        from tradegym.policy import load_run_policy

        policy, defaults = load_run_policy(policy)
        env_id = env_id or defaults["env_id"]
        env_kwargs = defaults["env_kwargs"] if env_kwargs is None else env_kwargs
        name = name or defaults["name"]
    kwargs = dict(env_kwargs or {})
    if "start" in kwargs:
        raise ConfigError(
            f"env_kwargs sets start={kwargs['start']!r}, but a backtest always starts at the "
            "first bar with a full window; slice the data to move the start"
        )
    if isinstance(policy, str):
        from tradegym.backtest.baselines import make_baseline

        policy = make_baseline(policy)
    return policy, env_id or "tradegym/Portfolio-v0", kwargs, name or policy_name(policy)


BOOK_KEYS = ("action_mapping", "max_gross", "net_exposure", "financing_rate", "borrow_rate",
             "margin_maintenance", "margin_call")
"""The env keywords of a long/short book (``cash_rate`` is not one: long-only cash earns it too)."""


def _long_only_twin(policy: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` without the long/short book for a long-only baseline, else ``kwargs`` as given.

    A long-only rule (a :class:`~tradegym.backtest.rules.Baseline` that is not ``book_aware``)
    beside a long/short agent answers "what would the simple long-only alternative have
    earned": the same market, execution, costs and interest, its weights unconstrained by a
    band it was never meant for (a dollar-neutral book cannot hold equal weight at all).
    """
    from tradegym.backtest.rules import Baseline

    if kwargs.get("action_mapping") != "long_short" or not isinstance(policy, Baseline) or policy.book_aware:
        return kwargs
    return {key: value for key, value in kwargs.items() if key not in BOOK_KEYS}


def _step_target(env: Any, target: Any, label: str) -> tuple[Any, float, bool, bool, dict[str, Any]]:
    """``env.step_weights(target)``; on a long/short book a rejected target names the book's limits.

    Raises:
        ConfigError: a long/short env rejects the target of a book-aware rule (a user's
            ``target_weights`` policy): names the limits and the fix.
        ValueError: any other rejected target, as the env says it.
    """
    try:
        return env.step_weights(target)
    except ValueError as exc:
        book = getattr(env, "book", None)
        if not getattr(env, "long_short", False) or book is None:
            raise
        raise ConfigError(
            f"{label!r} wants weights outside this long/short book (max_gross {book.max_gross:g}, "
            f"net_exposure [{book.net_low:g}, {book.net_high:g}]): {exc}. Keep its targets inside the "
            "limits, or make it a tradegym Baseline with book_aware = False: long-only rules run on the "
            "env's long-only twin") from exc


def _trade_record(env: Any, weights: pd.DataFrame, targets: list[Any], rows: list[int],
                  values: list[float]) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.Series | None]:
    """Targets ``(S, A)``, weights drifted to each fill ``(S, A)`` and the value there ``(S,)``.

    The drift is computed once after the episode from the env's price ratios with the
    kernel's own arithmetic (no cost per step). An env whose info has no ``target`` or that
    has no ``r_pre`` (a user's) gives ``None`` for what it cannot say.
    """
    index = weights.index[1:]  # each step's end date, as returns
    known = bool(targets) and all(t is not None for t in targets)
    targets_f = pd.DataFrame(np.vstack(targets), index=index, columns=weights.columns) if known else None
    r_pre = getattr(env, "r_pre", None)
    if r_pre is None or not rows:
        return targets_f, None, None
    from tradegym.envs.kernel import drifted_weights

    before = np.ascontiguousarray(weights.to_numpy()[:-1])  # (S, A) at each decision close
    ratios = np.ascontiguousarray(np.asarray(r_pre)[rows])  # (S, A) close of t to the fill
    growth = (before * ratios).sum(axis=1)  # (S,) g_pre of the kernel
    pre_value = pd.Series(np.asarray(values[:-1]) * growth, index=index, name="pre_trade_value")
    drifted = pd.DataFrame(drifted_weights(before, ratios), index=index, columns=weights.columns)
    return targets_f, drifted, pre_value


def _start_index(env: Any, start: Any) -> int:
    """Row of the first decision bar: ``env.first_index``, or the first date ``>= start``."""
    if start is None:
        return int(env.first_index)
    dates = env.data.dates
    index = int(dates.searchsorted(pd.Timestamp(start), "left"))
    if index >= len(dates) - 1:
        raise DataError(
            f"backtest start {pd.Timestamp(start).date()} leaves no bar to trade in {env.data.name!r} "
            f"(its last date is {dates[-1].date()}); the period to test is empty"
        )
    if index < env.first_index:
        raise DataError(
            f"backtest start {dates[index].date()} is row {index} of {env.data.name!r}, but the "
            f"first decision needs {env.first_index} earlier rows (window plus feature warm-up); "
            f"start at {dates[env.first_index].date()} or later, or pass more history"
        )
    return index


__all__ = ["BacktestResult", "backtest"]
