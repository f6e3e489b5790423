"""What the portfolio held and what each holding earned.

:func:`asset_contributions` splits every bar's return exactly along the env's accounting
(:mod:`tradegym.envs.kernel`). With weights ``w`` at the close of ``t-1``, target ``a``,
price ratios ``R_pre`` (close to fill) and ``R_post`` (fill to close) and cost fraction
``c`` of the value at the fill, the bar's return is ``g_pre (1 - c) g_post - 1`` with
``g_pre = sum_i w_i R_pre_i`` and ``g_post = sum_i a_i R_post_i``. In fractions of the value
at the close of ``t-1`` it is the sum of three legs::

    before the fill   w_i (R_pre_i - 1)                       per slot, sums to g_pre - 1
    the trade         -g_pre c                                the costs column
    after the fill    g_pre (1 - c) a_i (R_post_i - 1)        per slot

so slot ``i`` contributes its two legs and the row sums to the return exactly, for every
execution mode (``close`` has no first leg, ``next_close`` no second). The target is not
stored in a :class:`~tradegym.backtest.engine.BacktestResult`; it is recovered from the
weights after the bar, ``w_next = a R_post / g_post``, as ``a ∝ w_next / R_post``. Cash
earns nothing (its ratio is 1), so its column is 0; it is kept so every slot has one.

An env with a book (long/short, or a cash rate) also books carry ``k`` (a fraction of the
value at the fill: interest, financing, borrow fees) into cash after the bar, so
``w_next = (a R_post + k e_0) / (g_post + k)`` and the return gains ``g_pre (1 - c) k``:
the ``carry`` column (present when ``result.carry`` is), and the target is recovered with
``k`` taken out. Weights are signed there (shorts negative); the legs hold as they are. A
margin call's deleveraging trade at a close is not split out: it shows in that bar's legs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tradegym.backtest.analytics._common import check_count
from tradegym.data.market import MarketData
from tradegym.errors import DataError


def asset_contributions(result: Any, market: MarketData) -> pd.DataFrame:
    """Each slot's contribution to every bar's simple return, plus the costs (module docstring).

    Args:
        result: a :class:`~tradegym.backtest.engine.BacktestResult` of ``S`` steps.
        market: the :class:`~tradegym.data.market.MarketData` it ran on (the same symbols;
            its dates include the backtest's, consecutively).

    Returns:
        ``(S, A+1)`` frame on ``result.returns.index``: ``cash``, one column per symbol, and
        ``costs`` (``-cost_t / V_{t-1}``, ``<= 0``), and ``carry`` when the result has it
        (``carry_t / V_{t-1}``), in fractions of the value at the previous close; each row
        sums to ``result.returns`` (to rounding, ~1e-15; a margin call's bar aside).

    Raises:
        DataError: the market's symbols differ from the result's, or the backtest's dates
            are not consecutive rows of the market (a different market or calendar).
        ConfigError: ``result.execution`` needs opens the market lacks.
    """
    from tradegym.envs.kernel import execution_ratios  # numba: compiled on first use only

    weights = result.weights.to_numpy(dtype=np.float64)  # (S+1, A)
    symbols = [str(c) for c in result.weights.columns[1:]]
    if tuple(symbols) != tuple(market.symbols):
        raise DataError(
            f"result {result.name!r} holds {symbols} but market {market.name!r} has "
            f"{list(market.symbols)}; pass the market the backtest ran on"
        )
    rows = _step_rows(result.equity.index, market, result.name)  # (S,)
    r_pre_all, r_post_all = execution_ratios(market, result.execution)  # (T-1, A) each
    r_pre, r_post = r_pre_all[rows], r_post_all[rows]  # (S, A)
    w, w_next = weights[:-1], weights[1:]  # (S, A): before and after each bar
    before = w * (r_pre - 1.0)  # (S, A) first leg
    g_pre = (w * r_pre).sum(axis=1)  # (S,)
    cost = result.costs.to_numpy(dtype=np.float64) / result.equity.to_numpy()[:-1]  # (S,) = g_pre c
    carried = getattr(result, "carry", None)
    carry = (np.zeros(len(cost)) if carried is None
             else carried.to_numpy(dtype=np.float64) / result.equity.to_numpy()[:-1])  # (S,) = g_pre (1-c) k
    with np.errstate(divide="ignore", invalid="ignore"):  # ruin: value 0 at the fill
        k = np.where(g_pre - cost != 0, carry / (g_pre - cost), 0.0)  # (S,) fraction of the fill
    unscaled = w_next / r_post  # (S, A) = (a + k e_0) / (g_post + k)
    target = unscaled * ((1.0 + k) / unscaled.sum(axis=1))[:, None]  # (S, A): a + k e_0
    target[:, 0] -= k  # the target a, summing to 1
    after = (g_pre - cost)[:, None] * target * (r_post - 1.0)  # (S, A) second leg
    out = pd.DataFrame(before + after, index=result.returns.index,
                       columns=["cash", *symbols])
    out["costs"] = -cost
    if carried is not None:
        out["carry"] = carry
    return out


def _step_rows(dates: pd.DatetimeIndex, market: MarketData, name: str) -> np.ndarray:
    """Market rows ``(S,)`` where each step of a backtest on ``dates`` ``(S+1,)`` starts."""
    rows = market.dates.get_indexer(dates)  # (S+1,), -1 where absent
    if (rows < 0).any():
        missing = dates[rows < 0]
        raise DataError(
            f"market {market.name!r} lacks {len(missing)} dates of backtest {name!r} (first: "
            f"{missing[0].date()}); pass the market the backtest ran on"
        )
    if len(rows) > 1 and (np.diff(rows) != 1).any():
        gap = int(np.flatnonzero(np.diff(rows) != 1)[0])
        raise DataError(
            f"backtest {name!r} steps from {dates[gap].date()} to {dates[gap + 1].date()}, which "
            f"are not consecutive bars of market {market.name!r}; pass the market it ran on"
        )
    return rows[:-1]


def contribution_summary(contributions: pd.DataFrame, weights: pd.DataFrame | None = None
                         ) -> pd.DataFrame:
    """Per column of :func:`asset_contributions`: how much of the whole return it made.

    Per-bar contributions are fractions of the previous close's value; ``total`` weights
    them by that value relative to the start, ``V_{t-1} / V_0`` (rebuilt from the row sums),
    so the column totals add up exactly to the compounded total return ``V_S / V_0 - 1``.

    Args:
        contributions: ``(S, C)`` per-bar contributions whose rows sum to the returns.
        weights: optional weights frame (e.g. ``result.weights``) for ``mean_weight``.

    Returns:
        Index the columns of ``contributions`` (``cash``, symbols, ``costs``): ``sum`` (plain
        sum of the per-bar contributions), ``total`` (contribution to the total return, a
        fraction of the initial value), ``share`` (``total`` over the total return; NaN if
        that is 0) and, with ``weights``, ``mean_weight`` (NaN for ``costs``).
    """
    c = contributions.to_numpy(dtype=np.float64)  # (S, C)
    growth = np.cumprod(1.0 + c.sum(axis=1))  # (S,) V_t / V_0
    before = np.concatenate([[1.0], growth[:-1]])  # (S,) V_{t-1} / V_0
    total = (c * before[:, None]).sum(axis=0)  # (C,)
    total_return = float(growth[-1] - 1.0) if len(growth) else 0.0
    summary = pd.DataFrame({
        "sum": c.sum(axis=0),
        "total": total,
        "share": total / total_return if total_return != 0 else np.full(len(total), np.nan),
    }, index=contributions.columns)
    if weights is not None:
        summary["mean_weight"] = weights.mean().reindex(summary.index)
    return summary


def concentration(weights: pd.DataFrame) -> pd.Series:
    """Effective number of risky holdings ``1 / sum_i s_i^2``, ``s_i = |w_i| / sum_j |w_j|``, per row.

    Cash (a ``cash`` column, if any) is left out and the risky weights taken as shares of
    the gross exposure, so ``N`` equal holdings give ``N`` whatever the cash share, and a
    short counts as a holding as a long does; NaN when all in cash.

    Args:
        weights: ``(T, A)`` weights, e.g. ``result.weights`` (signed on a long/short book).

    Returns:
        ``(T,)`` effective number of holdings, named ``effective_holdings``.

    >>> concentration(pd.DataFrame({"cash": [0.5, 1.0, 1.0], "a": [0.25, 0.0, 0.5],
    ...                             "b": [0.25, 0.0, -0.5]})).tolist()
    [2.0, nan, 2.0]
    """
    risky = np.abs(weights.drop(columns="cash", errors="ignore").to_numpy(dtype=np.float64))  # (T, N)
    gross = risky.sum(axis=1)  # (T,)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = risky / gross[:, None]
        value = np.where(gross > 1e-12, 1.0 / (share * share).sum(axis=1), np.nan)
    return pd.Series(value, index=weights.index, name="effective_holdings")


def exposure(weights: pd.DataFrame) -> pd.DataFrame:
    """Gross ``sum_i |w_i|``, net ``sum_i w_i``, long and short exposure of the risky weights per row.

    Args:
        weights: ``(T, A)`` weights with a ``cash`` column (left out), e.g. ``result.weights``.

    Returns:
        ``(T, 4)``: ``gross``, ``net``, ``long`` (``>= 0``) and ``short`` (``<= 0``), fractions
        of the portfolio value.

    >>> exposure(pd.DataFrame({"cash": [1.0], "a": [0.5], "b": [-0.5]})).iloc[0].tolist()
    [1.0, 0.0, 0.5, -0.5]
    """
    risky = weights.drop(columns="cash", errors="ignore").to_numpy(dtype=np.float64)  # (T, N)
    long, short = np.clip(risky, 0.0, None).sum(axis=1), np.clip(risky, None, 0.0).sum(axis=1)
    return pd.DataFrame({"gross": long - short, "net": long + short, "long": long, "short": short},
                        index=weights.index)


def is_long_short(weights: pd.DataFrame) -> bool:
    """Whether ``weights`` ever go short or borrow (a risky or the cash weight below 0)."""
    return bool((weights.to_numpy(dtype=np.float64) < -1e-12).any())


def top_weights(weights: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """The ``k`` risky assets of largest mean ``|weight|``, then ``other`` (the rest summed) and ``cash``.

    Args:
        weights: ``(T, A)`` weights with a ``cash`` column, e.g. ``result.weights``.
        k: how many assets to show, ``>= 1``.

    Returns:
        ``(T, min(k, N) + 2)``: the top assets ordered by mean absolute weight (largest
        first: a large short ranks as a large long), then ``other`` (0 when every asset is
        shown) and ``cash``; rows sum as ``weights`` do.

    Raises:
        DataError: no ``cash`` column, or an asset named ``other``.
        ConfigError: ``k < 1``.
    """
    k = check_count(k, "k")
    if "cash" not in weights.columns or "other" in weights.columns:
        raise DataError(
            f"top_weights needs a 'cash' column and no asset named 'other'; got columns "
            f"{list(weights.columns)[:5]}...; pass a BacktestResult's weights"
        )
    risky = weights.drop(columns="cash")
    order = risky.abs().mean().sort_values(ascending=False, kind="stable").index
    out = risky[order[:k]].copy()
    out["other"] = risky[order[k:]].sum(axis=1)
    out["cash"] = weights["cash"]
    return out
