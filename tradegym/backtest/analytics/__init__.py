"""The numbers behind a tear sheet: tables and series computed from a backtest, no plotting.

Pure numpy/pandas over a :class:`~tradegym.backtest.engine.BacktestResult` or its series,
with the conventions of :mod:`tradegym.backtest.metrics` (simple returns, ``std(ddof=1)``,
annualisation by ``sqrt(periods_per_year)``, drawdown as a positive fraction). Alpha and
beta are :func:`~tradegym.backtest.evidence.relative.relative_metrics`'.

======================================  ===================================================
function                                what
======================================  ===================================================
:func:`drawdown_table`                  deepest drawdown episodes: peak, trough, recovery
:func:`monthly_returns`                 compounded returns, year x month
:func:`yearly_returns`                  compounded returns per calendar year
:func:`turnover_costs`                  turnover and costs summed per month
:func:`return_distribution`             histogram, moments, VaR / CVaR 95 %, normal overlay
:func:`rolling_stats`                   causal rolling Sharpe, volatility and beta
:func:`capture_ratios`                  up / down capture against a benchmark (mean-based)
:func:`asset_contributions`             each slot's exact share of every bar's return
:func:`contribution_summary`            per slot: contribution to the total return
:func:`concentration`                   effective number of risky holdings (of the gross)
:func:`exposure`                        gross, net, long and short exposure over time
:func:`top_weights`                     largest holdings (by ``|w|``), ``other``, ``cash``
:func:`benchmark_series`                a baseline's or an index's returns on the same bars
======================================  ===================================================

>>> from tradegym.backtest import backtest
>>> from tradegym.data import load
>>> market = load("planted", n_assets=3, n_bars=200, seed=0)
>>> result = backtest("equal_weight", market, env_kwargs={"window_bars": 10})
>>> parts = asset_contributions(result, market)
>>> float(abs(parts.sum(axis=1) - result.returns).max()) < 1e-12
True
>>> bench = benchmark_series(backtest("buy_and_hold", market, env_kwargs={"window_bars": 10}),
...                          result.equity.index)
>>> bool(bench.index.equals(result.returns.index))
True
"""

from __future__ import annotations

from tradegym.backtest.analytics.benchmark import benchmark_series
from tradegym.backtest.analytics.distribution import capture_ratios, return_distribution, rolling_stats
from tradegym.backtest.analytics.holdings import (
    asset_contributions,
    concentration,
    contribution_summary,
    exposure,
    is_long_short,
    top_weights,
)
from tradegym.backtest.analytics.periods import (
    DRAWDOWN_COLUMNS,
    drawdown_table,
    monthly_returns,
    turnover_costs,
    yearly_returns,
)

__all__ = [
    "DRAWDOWN_COLUMNS", "asset_contributions", "benchmark_series", "capture_ratios", "concentration",
    "contribution_summary", "drawdown_table", "exposure", "is_long_short", "monthly_returns",
    "return_distribution", "rolling_stats", "top_weights", "turnover_costs", "yearly_returns",
]
