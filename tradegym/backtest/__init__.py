"""Backtests: run any policy through a deterministic env episode, then measure and report.

::

    from tradegym.backtest import backtest, format_table
    results = [backtest(name, data) for name in ("cash", "buy_and_hold", "equal_weight")]
    print(format_table(results))

:mod:`~tradegym.backtest.engine` runs the episode, :mod:`~tradegym.backtest.baselines`
holds the rule-based policies, :mod:`~tradegym.backtest.metrics` the performance measures
(conventions in its docstring), :mod:`~tradegym.backtest.plots` the equity chart
(matplotlib imported only when drawing), :mod:`~tradegym.backtest.report` the text
table and metric files, and :mod:`~tradegym.backtest.tearsheet` the interactive
``report.html`` (:func:`report_html`, or ``result.report(folder)``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tradegym.backtest.baselines import (
    BASELINES,
    Baseline,
    BuyAndHold,
    Cash,
    EqualWeight,
    make_baseline,
)
from tradegym.backtest.engine import BacktestResult, backtest
from tradegym.backtest.metrics import compute_metrics
from tradegym.backtest.plots import plot_equity
from tradegym.backtest.report import format_table, write_metrics


def report_html(results: Sequence[BacktestResult], out_dir: str | os.PathLike[str],
                **kwargs: Any) -> Path:
    """Write the interactive report of ``results`` into ``out_dir``; return ``report.html``'s path.

    Keyword arguments go to :func:`tradegym.backtest.report.report` (``benchmark``,
    ``market``, ``provenance``, ``in_sample``, ``static``, ``echo``...).
    """
    from tradegym.backtest.report import report

    return report(results, out_dir, **kwargs)[-1]


__all__ = [
    "BASELINES",
    "BacktestResult",
    "Baseline",
    "BuyAndHold",
    "Cash",
    "EqualWeight",
    "backtest",
    "compute_metrics",
    "format_table",
    "make_baseline",
    "plot_equity",
    "report_html",
    "write_metrics",
]
