"""Performance metrics of a return series.

Conventions (every function here):

* ``returns`` are *simple* returns per bar, net of costs: ``V_t / V_{t-1} - 1``.
* Annualisation uses ``periods_per_year`` bars per year (252 for daily bars): volatility
  and ratios scale by ``sqrt(periods_per_year)``, growth compounds over
  ``len(returns) / periods_per_year`` years.
* ``risk_free_rate`` is an *annual* rate (a fraction: 0.02 = 2 %), converted to a per-bar
  rate geometrically: ``(1 + risk_free_rate) ** (1 / periods_per_year) - 1``.
* Sharpe ratio: arithmetic mean of excess returns over their standard deviation
  (``ddof=1``), times ``sqrt(periods_per_year)`` (Sharpe 1994, "The Sharpe Ratio").
* Sortino ratio: mean excess return over the downside deviation
  ``sqrt(mean(min(excess, 0)^2))`` taken over *all* bars, target = the risk-free rate,
  times ``sqrt(periods_per_year)`` (Sortino & Price 1994).
* Drawdown: ``1 - V_t / max_{s<=t} V_s`` with ``V_0 = 1`` before the first return, a
  positive fraction. Calmar ratio: CAGR over maximum drawdown (Young 1991).
* Undefined values (a ratio over zero, too few bars) are ``nan``, never an exception.

>>> m = compute_metrics([0.1, -0.1, 0.05, 0.0], periods_per_year=4)
>>> round(m["total_return"], 6), round(m["cagr"], 6)  # 1.1 * 0.9 * 1.05 = 1.0395, one year
(0.0395, 0.0395)
>>> round(m["max_drawdown"], 6), m["max_drawdown_bars"]  # 1.1 -> 0.99, never recovered
(0.1, 3)
>>> round(m["sharpe"], 5)  # mean 0.0125, std 0.0853913 (ddof=1), x sqrt(4)
0.29277
>>> round(m["sortino"], 6)  # downside deviation sqrt(0.01 / 4) = 0.05: 0.0125 / 0.05 x 2
0.5
>>> round(m["calmar"], 6), m["hit_rate"]
(0.395, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from tradegym.errors import ConfigError

METRIC_LABELS: dict[str, str] = {
    "total_return": "total return",
    "cagr": "CAGR",
    "volatility": "volatility (annual)",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "max drawdown",
    "max_drawdown_bars": "max drawdown bars",
    "calmar": "Calmar",
    "turnover": "turnover per bar",
    "total_costs": "total costs",
    "hit_rate": "hit rate",
    "bars": "bars",
}
"""Metric keys returned by :func:`compute_metrics`, in order, with display labels."""

ArrayLike: TypeAlias = Sequence[float] | np.ndarray | pd.Series


def compute_metrics(
    returns: ArrayLike,
    *,
    periods_per_year: float = 252,
    risk_free_rate: float = 0.0,
    turnover: ArrayLike | None = None,
    costs: ArrayLike | None = None,
) -> dict[str, float]:
    """Summary metrics of a series of simple returns (conventions in the module docstring).

    Args:
        returns: ``(S,)`` simple returns per bar, net of costs.
        periods_per_year: bars per year, ``> 0``.
        risk_free_rate: annual risk-free rate, a fraction.
        turnover: optional ``(S,)`` turnover per bar (fraction of value traded).
        costs: optional ``(S,)`` costs per bar, in the portfolio's currency (with the
            default initial value 1, a fraction of the initial value).

    Returns:
        The keys of :data:`METRIC_LABELS`: ``total_return``, ``cagr``, ``volatility``
        (annualised), ``sharpe``, ``sortino``, ``max_drawdown`` (positive fraction),
        ``max_drawdown_bars`` (bars from the peak before the deepest trough until equity
        is back at that peak, or until the last bar if it never is), ``calmar``,
        ``turnover`` (mean per bar; ``nan`` if not given), ``total_costs`` (sum; ``nan``
        if not given), ``hit_rate`` (fraction of bars with a return ``> 0``), ``bars``.

    Raises:
        ConfigError: ``periods_per_year <= 0``, or a return is NaN/inf or below -1.
    """
    if not periods_per_year > 0:
        raise ConfigError(f"periods_per_year must be > 0, got {periods_per_year}")
    r = np.asarray(returns, dtype=np.float64).reshape(-1)  # (S,)
    if not np.isfinite(r).all() or (r < -1).any():
        bad = int(np.flatnonzero(~np.isfinite(r) | (r < -1))[0])
        raise ConfigError(
            f"returns must be finite simple returns >= -1; bar {bad} has {r[bad]!r}"
        )
    n = len(r)
    nan = float("nan")
    rf_bar = (1.0 + risk_free_rate) ** (1.0 / periods_per_year) - 1.0
    excess = r - rf_bar  # (S,)
    equity = np.concatenate([[1.0], np.cumprod(1.0 + r)])  # (S+1,)
    total = float(equity[-1] - 1.0)
    years = n / periods_per_year
    cagr = float(equity[-1] ** (1.0 / years) - 1.0) if n and equity[-1] > 0 else (
        -1.0 if n else nan
    )
    std = float(r.std(ddof=1)) if n > 1 else nan
    downside = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2))) if n else nan
    scale = math.sqrt(periods_per_year)
    mean_excess = float(excess.mean()) if n else nan
    max_dd, dd_bars = max_drawdown(equity)
    return {
        "total_return": total,
        "cagr": cagr,
        "volatility": std * scale,
        "sharpe": _ratio(mean_excess, std) * scale,
        "sortino": _ratio(mean_excess, downside) * scale,
        "max_drawdown": max_dd,
        "max_drawdown_bars": dd_bars,
        "calmar": _ratio(cagr, max_dd),
        "turnover": _mean(turnover),
        "total_costs": nan if costs is None else float(np.sum(np.asarray(costs, dtype=np.float64))),
        "hit_rate": float(np.mean(r > 0)) if n else nan,
        "bars": n,
    }


def format_metric(key: str, value: Any) -> str:
    """Format one metric for people: percentages for returns, ``-`` for missing values.

    >>> format_metric("cagr", 0.0734), format_metric("sharpe", float("nan"))
    ('7.34%', '-')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if key in ("total_return", "cagr", "volatility", "max_drawdown", "hit_rate", "turnover"):
        return f"{value:.2%}"
    if key in ("max_drawdown_bars", "bars"):
        return f"{int(value)}"
    if key == "total_costs":
        return f"{value:.4f}"
    return f"{value:.2f}"


def drawdown(equity: ArrayLike) -> np.ndarray:
    """Drawdown ``1 - V_t / max_{s<=t} V_s`` of an equity curve ``(S,)``, positive fractions.

    >>> drawdown([1.0, 2.0, 1.5, 2.5]).tolist()
    [0.0, 0.0, 0.25, 0.0]
    """
    v = np.asarray(equity, dtype=np.float64)
    return 1.0 - v / np.maximum.accumulate(v)


def max_drawdown(equity: ArrayLike) -> tuple[float, int]:
    """Deepest drawdown of an equity curve ``(S,)`` and its duration in bars.

    The duration counts bars from the peak before the deepest trough until the curve is
    back at that peak, or until the last bar if it never is.

    >>> max_drawdown([1.0, 2.0, 1.0, 1.5, 2.0, 3.0])
    (0.5, 3)
    """
    v = np.asarray(equity, dtype=np.float64)
    if len(v) == 0:
        return float("nan"), 0
    dd = drawdown(v)
    trough = int(np.argmax(dd))
    if dd[trough] == 0:
        return 0.0, 0
    peak = int(np.argmax(v[: trough + 1]))
    recovered = np.flatnonzero(v[trough:] >= v[peak])
    end = trough + int(recovered[0]) if len(recovered) else len(v) - 1
    return float(dd[trough]), end - peak


def _ratio(num: float, den: float) -> float:
    if not (math.isfinite(num) and math.isfinite(den)) or den <= 1e-15:
        return float("nan")
    return num / den


def _mean(values: ArrayLike | None) -> float:
    if values is None:
        return float("nan")
    arr = np.asarray(values, dtype=np.float64)
    return float(arr.mean()) if arr.size else float("nan")


__all__ = ["METRIC_LABELS", "compute_metrics", "drawdown", "format_metric", "max_drawdown"]
