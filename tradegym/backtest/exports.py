"""Per-bar CSV exports of backtests: equity, returns, weights and trades, next to ``metrics.csv``.

Every file is long or wide as its readers expect and written atomically:

================  ===============================================================  =======
file              columns                                                          shape
================  ===============================================================  =======
``equity.csv``    ``date``, one column per policy (value net of costs, start 1.0)  wide
``returns.csv``   ``date``, one column per policy (simple return per bar, net)     wide
``weights.csv``   ``policy, date, asset, weight`` (after drift, at each close)     long
``trades.csv``    ``policy, decided, date, symbol, from_weight, to_weight,         long
                  traded_notional, cost``
================  ===============================================================  =======

A trade row is one risky asset of one step: ``decided`` is the close the target was chosen
at, ``date`` the bar the step ends on (the date its return and cost are booked to, as in
``returns.csv``); ``from_weight`` is the weight drifted to the fill, ``to_weight`` the
target, ``traded_notional = |to - from| * value at the fill`` (currency) and ``cost`` the
step's cost shared over the assets in proportion to what each traded. Steps that trade
nothing in an asset leave no row. Cash is the residual and has no rows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tradegym.backtest.engine import BacktestResult
from tradegym.io import atomic_write

TRADE_COLUMNS = ("policy", "decided", "date", "symbol", "from_weight", "to_weight",
                 "traded_notional", "cost")
"""Columns of ``trades.csv``."""

MIN_TRADE = 1e-12
"""Weight changes at or below this are not trades (float noise of a drift)."""


def per_bar(results: Sequence[BacktestResult], what: str) -> pd.DataFrame:
    """``equity`` or ``returns`` of every result as one wide frame (dates x policies, outer join)."""
    frame = pd.concat({r.name: getattr(r, what) for r in results}, axis=1, sort=True)
    frame.index.name = "date"
    return frame


def weights_long(results: Sequence[BacktestResult]) -> pd.DataFrame:
    """``policy, date, asset, weight`` of every result with weights (a benchmark series has none)."""
    parts = []
    for r in results:
        if r.weights.shape[1] == 0:
            continue
        frame = r.weights.rename_axis(index="date", columns="asset").stack().rename("weight")
        parts.append(frame.reset_index().assign(policy=r.name))
    if not parts:
        return pd.DataFrame(columns=["policy", "date", "asset", "weight"])
    return pd.concat(parts, ignore_index=True)[["policy", "date", "asset", "weight"]]


def trades(result: BacktestResult) -> pd.DataFrame:
    """One row per risky asset traded per step (see the module docstring); empty if unknown.

    Needs the result's ``targets``, ``pre_trade`` and ``pre_trade_value`` (recorded by
    :func:`~tradegym.backtest.backtest` on a PortfolioEnv); results without them give no rows.
    """
    if result.targets is None or result.pre_trade is None or result.pre_trade_value is None:
        return pd.DataFrame(columns=list(TRADE_COLUMNS))
    to_w = result.targets.to_numpy()[:, 1:]  # (S, N) risky slots
    from_w = result.pre_trade.to_numpy()[:, 1:]  # (S, N)
    moved = np.abs(to_w - from_w)  # (S, N)
    turnover = moved.sum(axis=1, keepdims=True)  # (S, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(turnover > 0, moved / turnover, 0.0)  # (S, N) of the step's cost
    steps, assets = np.nonzero(moved > MIN_TRADE)
    dates = result.targets.index
    decided = result.weights.index[:-1]  # step s is decided at the close of weights row s
    symbols = np.asarray(result.targets.columns[1:])
    return pd.DataFrame({
        "policy": result.name,
        "decided": decided[steps],
        "date": dates[steps],
        "symbol": symbols[assets],
        "from_weight": from_w[steps, assets],
        "to_weight": to_w[steps, assets],
        "traded_notional": moved[steps, assets] * result.pre_trade_value.to_numpy()[steps],
        "cost": share[steps, assets] * result.costs.to_numpy()[steps],
    }, columns=list(TRADE_COLUMNS))


def write_exports(results: Sequence[BacktestResult], directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``equity.csv``, ``returns.csv``, ``weights.csv`` and ``trades.csv`` atomically.

    Args:
        results: the backtests (a benchmark series row adds equity and returns only).
        directory: output folder, created if missing.

    Returns:
        The four paths, in that order.
    """
    out = Path(directory)
    frames = {
        "equity.csv": per_bar(results, "equity").reset_index(),
        "returns.csv": per_bar(results, "returns").reset_index(),
        "weights.csv": weights_long(results),
        "trades.csv": pd.concat([trades(r) for r in results], ignore_index=True)
        if results else pd.DataFrame(columns=list(TRADE_COLUMNS)),
    }
    return [atomic_write(out / name, _dates_as_text(frame).to_csv(index=False))
            for name, frame in frames.items()]


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """ISO dates (``2020-03-16``) in the date columns, so the files read the same everywhere."""
    out = frame.copy()
    for column in ("date", "decided"):
        if column in out and len(out):
            out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    return out


__all__ = ["MIN_TRADE", "TRADE_COLUMNS", "per_bar", "trades", "weights_long", "write_exports"]
