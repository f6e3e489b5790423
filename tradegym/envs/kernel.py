"""The market step, written once: pure functions on ``(B, A)`` arrays.

``A = N + 1`` slots, cash first, ``B`` portfolios. The single environment calls them with
``B = 1`` and a vector environment with its batch: their semantics cannot drift apart.

Accounting of one step ``t -> t+1`` (value ``V``, weights ``w`` at the close of ``t``,
target ``a`` decided on data up to that close)::

    g_pre  = sum_i w_i * R_pre_i          # old weights carry the move before the fill
    w'     = w * R_pre / g_pre            # drifted weights at the fill
    c      = cost(a - w')                 # fraction of value paid on the trade
    g_post = sum_i a_i * R_post_i         # new weights carry the move after the fill
    V_next = V * g_pre * (1 - c) * g_post
    w_next = a * R_post / g_post

On a market whose universe changes (``MarketData.dynamic``), ``a`` is first passed through
:func:`mask_targets` with the decision bar's ``tradable`` row: an asset not tradable at ``t``
gets weight 0 whatever the action. Its prices outside its life are held (the last close after
a delisting), so a position still open when it delists keeps its last close until the first
decision bar where it is not tradable, which sells it at that price, with costs.

The execution mode fixes the price ratios ``R_pre``, ``R_post`` (cash ratio 1):

==============  =====================  =====================
execution       R_pre                  R_post
==============  =====================  =====================
``next_open``   open_{t+1} / close_t   close_{t+1} / open_{t+1}
``next_close``  close_{t+1} / close_t  1
``close``       1                      close_{t+1} / close_t
==============  =====================  =====================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError

EXECUTIONS = ("next_open", "next_close", "close")
MAPPINGS = ("softmax", "simplex")

CostFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``cost(trade (B, A), turnover (B,)) -> cost fraction of value (B,)``, where ``trade`` is
target minus drifted weights and ``turnover`` is ``sum_{i>=1} |trade_i|``. A cost model
factory ``f(cost_rate) -> CostFn | float`` is what ``PortfolioEnv(cost_model=...)`` resolves;
a float is a proportional rate."""


def proportional_cost(cost_rate: float) -> float:
    """Cost ``cost_rate * sum_{i>=1} |trade_i|``: a fraction of value per unit of risky turnover.

    ``cost_rate`` is a fraction (0.001 = 10 basis points); cash moves are free. Returned as
    the rate itself, which :func:`portfolio_step` applies inside its compiled loop.

    Raises:
        ConfigError: the rate is outside ``[0, 0.5)``.
    """
    if not 0.0 <= cost_rate < 0.5:
        raise ConfigError(f"cost_rate must be in [0, 0.5) (a fraction: 0.001 = 10 bps), got {cost_rate}")
    return float(cost_rate)


def execution_ratios(data: MarketData, execution: str) -> tuple[np.ndarray, np.ndarray]:
    """Price ratios for every step: ``(R_pre, R_post)``, each float64 ``(T-1, A)``.

    Row ``t`` is the step from bar ``t`` to bar ``t+1``; column 0 (cash) is 1.

    Raises:
        ConfigError: unknown mode, or ``next_open`` on data without opens.
    """
    if execution not in EXECUTIONS:
        raise ConfigError(f"unknown execution {execution!r}; use one of {list(EXECUTIONS)}")
    close = data.close  # (T, N)
    ones = np.ones((data.n_bars - 1, 1))
    bar = close[1:] / close[:-1]  # (T-1, N)
    flat = np.ones_like(bar)
    if execution == "next_open":
        if not data.has("open"):
            raise ConfigError(
                f"execution='next_open' needs opens but {data.name!r} has only {list(data.fields)}; "
                "use execution='next_close' (honest for close-only data) or 'close' (optimistic)"
            )
        opens = data.field("open")
        pre, post = opens[1:] / close[:-1], close[1:] / opens[1:]
    elif execution == "next_close":
        pre, post = bar, flat
    else:
        pre, post = flat, bar
    # C order: rows are gathered per step (np.take copies a non-contiguous source whole first),
    # and hstack keeps the Fortran order that closes of a date split can have.
    return (np.ascontiguousarray(np.hstack([ones, pre])),
            np.ascontiguousarray(np.hstack([ones, post])))  # (T-1, A) each


class StepResult(NamedTuple):
    """Outcome of :func:`portfolio_step`; every field has the leading shape ``(B,)`` of ``value``."""

    value: np.ndarray  # (B,) portfolio value at the close of t+1
    weights: np.ndarray  # (B, A) weights at the close of t+1
    turnover: np.ndarray  # (B,) sum |trade| over risky slots, fraction of value
    cost: np.ndarray  # (B,) costs paid, in currency


class StepBuffers:
    """Preallocated outputs of :func:`portfolio_step` for ``B`` portfolios of ``A`` slots.

    An environment keeps one and reuses it every step; the arrays are overwritten, so copy
    anything that must outlive the next step.
    """

    def __init__(self, batch: int, slots: int) -> None:
        self.value = np.empty(batch)
        self.weights = np.empty((batch, slots))
        self.trade = np.empty((batch, slots))
        self.turnover = np.empty(batch)
        self.cost = np.empty(batch)
        self.g_pre = np.empty(batch)
        self.target = np.empty((batch, slots))
        self.filled = np.empty((batch, slots))  # weights the trade reached (a capped fill)
        self.wanted = np.empty(batch)  # turnover asked for, before a cap
        self.carry = np.zeros(batch)  # interest and borrow fees, currency (a Book's step)
        self.margin_call = np.zeros(batch, dtype=np.bool_)  # a Book's margin rule fired


# The two loops below are the whole step. They are compiled with numba because a step on
# ~30 slots is a dozen tiny array operations, each paying numpy's ~0.7 us call overhead:
# fused, the mapping and the transition take ~2 us instead of ~16 us (benchmarks/env_speed.py).
@njit(cache=True, nogil=True)
def softmax_into(scores, inv_temperature, dust, out):  # pragma: no cover - compiled
    """The ``"softmax"`` mapping of :func:`scores_to_weights`: ``(B, A)`` scores into ``out``.

    Returns False if any score is NaN or inf (its weights are then meaningless).
    """
    finite = True
    for b in range(scores.shape[0]):
        total = 0.0
        for i in range(scores.shape[1]):
            x = scores[b, i]
            if not math.isfinite(x):
                finite = False
                x = 0.0
            x = min(max(x, -1.0), 1.0)
            e = math.exp(x * inv_temperature)
            out[b, i] = e
            total += e
        threshold = dust * total
        kept = 0.0
        for i in range(scores.shape[1]):
            if out[b, i] < threshold:
                out[b, i] = 0.0
            else:
                kept += out[b, i]
        for i in range(scores.shape[1]):
            out[b, i] /= kept
    return finite


@njit(cache=True, nogil=True)
def _transition_into(value, weights, target, r_pre, r_post, cost_rate,
                     new_value, new_weights, trade, turnover, cost, g_pre_out):  # pragma: no cover
    """The accounting of the module docstring for each of B portfolios, into the out arrays."""
    for b in range(weights.shape[0]):
        g_pre = 0.0
        for i in range(weights.shape[1]):
            g_pre += weights[b, i] * r_pre[b, i]
        moved, g_post = 0.0, 0.0
        for i in range(weights.shape[1]):
            d = target[b, i] - weights[b, i] * r_pre[b, i] / g_pre
            trade[b, i] = d
            if i > 0:
                moved += abs(d)
            grown = target[b, i] * r_post[b, i]
            new_weights[b, i] = grown
            g_post += grown
        for i in range(weights.shape[1]):
            new_weights[b, i] /= g_post
        pre_trade_value = value[b] * g_pre
        turnover[b] = moved
        cost[b] = pre_trade_value * cost_rate * moved
        new_value[b] = pre_trade_value * (1.0 - cost_rate * moved) * g_post
        g_pre_out[b] = g_pre


@njit(cache=True, nogil=True)
def _mask_into(target, tradable, out, to_cash):  # pragma: no cover - compiled
    """Zero the weights ``(B, A)`` of assets not tradable ``(B, N)``; renormalise the rest.

    Cash takes everything when no weight is left. Rows with nothing removed are copied
    unchanged, bit for bit. ``to_cash`` (a long/short book): cash takes what the removed
    weights held, nothing is renormalised.
    """
    for b in range(target.shape[0]):
        removed = 0.0
        for i in range(target.shape[1]):
            x = target[b, i]
            if i > 0 and not tradable[b, i - 1]:
                removed += x
                x = 0.0
            out[b, i] = x
        if to_cash:
            out[b, 0] += removed
        elif removed > 0.0:
            kept = 0.0
            for i in range(target.shape[1]):
                kept += out[b, i]
            if kept > 0.0:
                for i in range(target.shape[1]):
                    out[b, i] /= kept
            else:
                out[b, 0] = 1.0


def mask_targets(target: np.ndarray, tradable: np.ndarray, out: np.ndarray | None = None,
                 to_cash: bool = False) -> np.ndarray:
    """Target weights ``(B, A)`` with non-tradable assets at 0 and the rest renormalised.

    Args:
        target: ``(B, A)`` weights, cash first.
        tradable: ``(B, N)`` bool, the decision bar's :attr:`MarketData.tradable` rows.
        out: ``(B, A)`` float64 written and returned (may be ``target`` itself).
        to_cash: a long/short book: cash takes what the removed weights held and nothing
            is renormalised (a scaled-up book could break its gross limit).

    Cash takes the whole value when every weight was on non-tradable assets.
    """
    result = np.empty_like(target, dtype=np.float64) if out is None else out
    _mask_into(target, tradable, result, to_cash)
    return result


@njit(cache=True, nogil=True)
def _drift_into(weights, r_pre, out):  # pragma: no cover - compiled
    """Weights ``(B, A)`` drifted to the fill, with exactly the transition's arithmetic."""
    for b in range(weights.shape[0]):
        g_pre = 0.0
        for i in range(weights.shape[1]):
            g_pre += weights[b, i] * r_pre[b, i]
        for i in range(weights.shape[1]):
            out[b, i] = weights[b, i] * r_pre[b, i] / g_pre


def drifted_weights(weights: np.ndarray, r_pre: np.ndarray) -> np.ndarray:
    """Weights ``(B, A)`` drift to by the fill; trading to them is exactly no trade."""
    out = np.empty_like(weights, dtype=np.float64)
    _drift_into(weights, r_pre, out)
    return out


def portfolio_step(
    value: np.ndarray,
    weights: np.ndarray,
    target: np.ndarray,
    r_pre: np.ndarray,
    r_post: np.ndarray,
    cost: float | CostFn | Any,
    buffers: StepBuffers | None = None,
    rows: np.ndarray | None = None,
    book: Any = None,
) -> StepResult:
    """Advance ``B`` portfolios one step (formulas in the module docstring).

    Args:
        value: ``(B,)`` values at the close of ``t``.
        weights: ``(B, A)`` weights at the close of ``t`` (drifted, on the simplex).
        target: ``(B, A)`` target weights on the simplex.
        r_pre: ``(B, A)`` price ratios from the close of ``t`` to the fill.
        r_post: ``(B, A)`` price ratios from the fill to the close of ``t+1``.
        cost: a proportional ``cost_rate`` (fraction per unit of risky turnover), a cost
            model ``(trade (B, A), turnover (B,)) -> cost fraction (B,)``, or
            :class:`~tradegym.envs.costs.MarketCosts` (its compiled step; needs ``rows``).
        buffers: reused output arrays (see :class:`StepBuffers`); allocated when ``None``.
        rows: ``(B,)`` int64 decision bars ``t``, the rows of the market's per-bar cost arrays.
        book: a :class:`~tradegym.envs.longshort.Book` (carry, ruin and margin after the
            trade, into ``buffers.carry`` and ``buffers.margin_call``; needs ``rows``), or ``None``.
    """
    out = buffers or StepBuffers(*weights.shape)
    # MarketCosts, duck-typed so that this module never imports costs.py; the float test
    # first keeps the default proportional step free of a failed attribute lookup.
    if not isinstance(cost, float) and hasattr(cost, "step_into"):
        cost.step_into(value, weights, target, r_pre, r_post, rows, out)
        if book is not None:
            book.apply(value, out.filled, r_post, rows, out)
        return StepResult(out.value, out.weights, out.turnover, out.cost)
    rate = 0.0 if callable(cost) else cost
    _transition_into(value, weights, target, r_pre, r_post, rate,
                     out.value, out.weights, out.trade, out.turnover, out.cost, out.g_pre)
    if callable(cost):
        frac = cost(out.trade, out.turnover)  # (B,)
        out.cost[:] = value * out.g_pre * frac
        out.value *= 1.0 - frac
    if book is not None:
        book.apply(value, target, r_post, rows, out)
    return StepResult(out.value, out.weights, out.turnover, out.cost)


def scores_to_weights(
    scores: np.ndarray, mapping: str = "softmax", temperature: float = 0.2, dust: float = 1e-4,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Map action scores ``(..., A)`` in ``[-1, 1]`` to long-only weights on the simplex.

    ``"softmax"``: ``w = softmax(s / temperature)``, then weights below ``dust`` are set to
    0 and the rest renormalised. With the default temperature 0.2 the scores' range of 2
    spans a weight ratio of ``e^10 > 1 / dust``, so every simplex point whose non-zero
    weights are all ``>= dust`` is reached exactly — fully concentrated portfolios
    included (one score at +1, the rest at -1). A plain softmax of scores in ``[-1, 1]``
    caps one asset at ``e / (e + (A-1)/e)``: 27 % for A = 21.

    ``"simplex"``: Euclidean projection of ``(s + 1) / 2`` onto the simplex (sparsemax):
    every point of the simplex is reached exactly, by ``s = 2 w - 1``.

    Scores outside ``[-1, 1]`` are clipped. ``out`` (shaped like ``scores``, float64) is
    filled and returned when given.

    Raises:
        ValueError: a score is NaN or inf.
        ConfigError: unknown mapping.
    """
    scores = np.asarray(scores, dtype=np.float64)
    flat = scores if scores.ndim == 2 else scores.reshape(-1, scores.shape[-1])  # (B, A)
    if mapping == "softmax":
        result = np.empty_like(flat) if out is None else out.reshape(flat.shape)
        if not softmax_into(flat, 1.0 / temperature, dust, result):
            raise ValueError(f"scores must be finite, got {flat[~np.isfinite(flat)].tolist()}")
        return result if scores.ndim == 2 else result.reshape(scores.shape)
    if mapping == "simplex":
        if not np.isfinite(flat).all():
            raise ValueError(f"scores must be finite, got {flat[~np.isfinite(flat)].tolist()}")
        weights = project_simplex((np.clip(scores, -1.0, 1.0) + 1.0) * 0.5)
        if out is not None:
            out[...] = weights.reshape(out.shape)
            return out
        return weights
    raise ConfigError(f"unknown action mapping {mapping!r}; use one of {list(MAPPINGS)}")


def weights_to_scores(
    weights: np.ndarray, mapping: str = "softmax", temperature: float = 0.2
) -> np.ndarray:
    """Exact inverse of :func:`scores_to_weights` for reachable weights ``(..., A)``.

    For ``"softmax"`` the largest weight gets score 1 and weight ``w_i`` gets
    ``1 + temperature * log(w_i / w_max)``, clipped to -1 (zero weights map to -1).
    """
    if mapping == "softmax":
        w = np.asarray(weights, dtype=np.float64)
        ratio = w / w.max(axis=-1, keepdims=True)
        with np.errstate(divide="ignore"):
            s = 1.0 + temperature * np.log(ratio)
        return np.clip(s, -1.0, 1.0)
    if mapping == "simplex":
        return 2.0 * np.asarray(weights, dtype=np.float64) - 1.0
    raise ConfigError(f"unknown action mapping {mapping!r}; use one of {list(MAPPINGS)}")


def project_simplex(x: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row of ``x (..., A)`` onto the probability simplex.

    Sort-based algorithm (Held, Wolfe & Crowder 1974; Duchi et al. 2008).

    >>> project_simplex(np.array([1.0, 0.0, 0.0])).tolist()
    [1.0, 0.0, 0.0]
    >>> project_simplex(np.array([0.5, 0.5, 0.5])).round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    """
    u = -np.sort(-x, axis=-1)  # (..., A) descending
    css = np.cumsum(u, axis=-1) - 1.0
    k = np.arange(1, x.shape[-1] + 1)
    cond = u - css / k > 0
    rho = cond.shape[-1] - 1 - np.argmax(cond[..., ::-1], axis=-1)  # last index where cond holds
    theta = np.take_along_axis(css, rho[..., None], axis=-1) / (rho[..., None] + 1)
    return np.maximum(x - theta, 0.0)
