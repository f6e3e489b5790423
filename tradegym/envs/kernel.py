"""The market step, written once: pure functions on ``(..., A)`` arrays.

``A = N + 1`` slots, cash first. Every function broadcasts over leading dimensions, so
the single environment calls them with ``(A,)`` arrays and a vector environment with
``(B, A)``: their semantics cannot drift apart.

Accounting of one step ``t -> t+1`` (value ``V``, weights ``w`` at the close of ``t``,
target ``a`` decided on data up to that close)::

    g_pre  = sum_i w_i * R_pre_i          # old weights carry the move before the fill
    w'     = w * R_pre / g_pre            # drifted weights at the fill
    c      = cost(a - w')                 # fraction of value paid on the trade
    g_post = sum_i a_i * R_post_i         # new weights carry the move after the fill
    V_next = V * g_pre * (1 - c) * g_post
    w_next = a * R_post / g_post

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

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError

EXECUTIONS = ("next_open", "next_close", "close")
MAPPINGS = ("softmax", "simplex")

CostFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``cost(trade (..., A), turnover (...)) -> cost fraction of value (...)``, where ``trade`` is
target minus drifted weights and ``turnover`` is ``sum_{i>=1} |trade_i|``."""


def proportional_cost(cost_rate: float) -> CostFn:
    """Cost ``cost_rate * sum_{i>=1} |trade_i|``: a fraction of value per unit of risky turnover.

    ``cost_rate`` is a fraction (0.001 = 10 basis points); cash moves are free.
    """
    if not 0.0 <= cost_rate < 0.5:
        raise ConfigError(f"cost_rate must be in [0, 0.5) (a fraction: 0.001 = 10 bps), got {cost_rate}")

    def cost(trade: np.ndarray, turnover: np.ndarray) -> np.ndarray:
        return cost_rate * turnover

    cost.cost_rate = cost_rate  # type: ignore[attr-defined]
    return cost


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
    return np.hstack([ones, pre]), np.hstack([ones, post])  # (T-1, A) each


class StepResult(NamedTuple):
    """Outcome of :func:`portfolio_step`; every field has the leading shape of ``value``."""

    value: np.ndarray  # (...,) portfolio value at the close of t+1
    weights: np.ndarray  # (..., A) weights at the close of t+1
    turnover: np.ndarray  # (...,) sum |trade| over risky slots, fraction of value
    cost: np.ndarray  # (...,) costs paid, in currency


def portfolio_step(
    value: np.ndarray,
    weights: np.ndarray,
    target: np.ndarray,
    r_pre: np.ndarray,
    r_post: np.ndarray,
    cost_fn: CostFn,
) -> StepResult:
    """Advance portfolios one step (see the module docstring for the formulas).

    Args:
        value: ``(...)`` values at the close of ``t``.
        weights: ``(..., A)`` weights at the close of ``t`` (drifted, on the simplex).
        target: ``(..., A)`` target weights on the simplex.
        r_pre: ``(..., A)`` price ratios from the close of ``t`` to the fill.
        r_post: ``(..., A)`` price ratios from the fill to the close of ``t+1``.
        cost_fn: ``(trade (..., A), turnover (...))`` -> cost fraction ``(...)``.
    """
    # np.add.reduce rather than .sum(): this runs once per env step, wrappers cost ~10 %.
    held = weights * r_pre  # (..., A)
    g_pre = np.add.reduce(held, axis=-1, keepdims=True)  # (..., 1)
    trade = target - held / g_pre  # (..., A) target minus drifted weights
    turnover = np.add.reduce(np.abs(trade[..., 1:]), axis=-1)  # (...)
    cost_frac = cost_fn(trade, turnover)
    grown = target * r_post  # (..., A)
    g_post = np.add.reduce(grown, axis=-1, keepdims=True)  # (..., 1)
    pre_trade_value = value * g_pre[..., 0]
    new_value = pre_trade_value * (1.0 - cost_frac) * g_post[..., 0]
    return StepResult(new_value, grown / g_post, turnover, pre_trade_value * cost_frac)


def scores_to_weights(
    scores: np.ndarray, mapping: str = "softmax", temperature: float = 0.2, dust: float = 1e-4
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
    """
    if mapping == "softmax":
        # Scores are clipped to [-1, 1] and temperature >= 0.01, so exp cannot overflow
        # and the usual max-subtraction is not needed.
        e = np.exp(scores * (1.0 / temperature))  # (..., A)
        kept = e * (e >= dust * np.add.reduce(e, axis=-1, keepdims=True))
        return kept / np.add.reduce(kept, axis=-1, keepdims=True)
    if mapping == "simplex":
        return project_simplex((scores + 1.0) * 0.5)
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
