"""Plain-text comparison tables and metric files of backtest results."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.metrics import METRIC_LABELS, format_metric
from tradegym.errors import ConfigError
from tradegym.io import atomic_write

TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("total_return", "total"),
    ("cagr", "CAGR"),
    ("volatility", "vol"),
    ("sharpe", "Sharpe"),
    ("sortino", "Sortino"),
    ("max_drawdown", "max DD"),
    ("max_drawdown_bars", "DD bars"),
    ("calmar", "Calmar"),
    ("turnover", "turnover"),
    ("total_costs", "costs"),
    ("hit_rate", "hit rate"),
)
"""``(metric key, column header)`` of :func:`format_table`; vol and CAGR are annualised."""


def format_table(results: Sequence[BacktestResult]) -> str:
    """A fixed-width text table: one row per policy, one column per key metric.

    Returns, volatility, drawdown, turnover (per bar) and hit rate are percentages; costs
    are in currency (a fraction of the initial value when it is 1); ``-`` is undefined.
    """
    header = ["policy", *(h for _, h in TABLE_COLUMNS)]
    rows = [
        [r.name, *(format_metric(key, r.metrics.get(key)) for key, _ in TABLE_COLUMNS)]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    rule = "-" * len(line(header))
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def metrics_records(results: Sequence[BacktestResult]) -> list[dict[str, Any]]:
    """One flat dict per result: policy, data, period, execution, cost rate, then metrics.

    Undefined metrics are ``None`` (JSON ``null``).
    """
    records = []
    for r in results:
        record: dict[str, Any] = {
            "policy": r.name,
            "data": r.data_name,
            "start": str(r.equity.index[0].date()),
            "end": str(r.equity.index[-1].date()),
            "execution": r.execution,
            "cost_rate": r.cost_rate,
            "periods_per_year": r.periods_per_year,
        }
        for key in METRIC_LABELS:
            value = r.metrics.get(key)
            if value is None or not math.isfinite(value):
                record[key] = None
            elif key in ("bars", "max_drawdown_bars"):
                record[key] = int(value)
            else:
                record[key] = float(value)
        records.append(record)
    return records


def write_metrics(
    results: Sequence[BacktestResult], directory: str | os.PathLike[str]
) -> list[Path]:
    """Write ``metrics.csv`` and ``metrics.json`` (one record per result) atomically.

    Args:
        results: the backtests.
        directory: output folder, created if missing.

    Returns:
        ``[csv_path, json_path]``.
    """
    out = Path(directory)
    records = metrics_records(results)
    table = pd.DataFrame.from_records(records)
    csv_path = atomic_write(out / "metrics.csv", table.to_csv(index=False))
    json_path = atomic_write(out / "metrics.json", json.dumps(records, indent=2) + "\n")
    return [csv_path, json_path]


EXECUTION_NOTES = {
    "next_open": "decided at the close of t, filled at the open of t+1",
    "next_close": "decided at the close of t, filled at the close of t+1",
    "close": "filled at the close just observed (optimistic)",
}


TRIVIAL_BASELINES = ("cash", "buy_and_hold", "equal_weight")

METRIC_NOTES = (
    "Returns are simple per-bar returns of portfolio value net of transaction costs. "
    "CAGR compounds over bars / periods-per-year years; volatility and the Sharpe and Sortino "
    "ratios are annualised by sqrt(periods per year); Sharpe uses the sample standard deviation "
    "(ddof 1) of excess returns; Sortino's downside deviation is taken over all bars with the "
    "risk-free rate as target; max drawdown is 1 - V/peak(V) with V0 = 1; its duration counts "
    "bars from the peak to recovery (or to the end); Calmar is CAGR over max drawdown.",
    "Turnover is the mean per bar of the traded fraction of portfolio value in risky assets; "
    "costs are in units of the initial value 1.0. Hit rate is the fraction of bars with a "
    "positive return. '-' marks an undefined value (a ratio over zero).",
    "Metrics agree with empyrical-reloaded to 1e-8 (tests/backtest/test_metrics.py).",
)


def report(
    results: Sequence[BacktestResult],
    out_dir: str | os.PathLike[str],
    echo: Callable[[str], Any] = print,
    *,
    title: str | None = None,
    tables: dict[str, pd.DataFrame] | None = None,
    rolling_window: int = 126,
) -> list[Path]:
    """Print the comparison table; write charts, metric files and a self-contained HTML report.

    Writes into ``out_dir``: ``equity.png`` (equity and drawdowns), ``rolling_sharpe.png``,
    ``weights_<name>.png`` (stacked weights of each policy under test; of every non-trivial
    baseline when there is none), ``metrics.csv``, ``metrics.json`` and ``report.html``
    (everything above in one file, images embedded). All writes are atomic.

    Args:
        results: the backtests, policies under test first by convention.
        out_dir: folder for the files, created if missing.
        echo: where the printed lines go.
        title: report heading (default ``"Backtest: <policies> vs baselines"``).
        tables: extra titled tables for the HTML (walk-forward folds, seed summaries); each
            is also printed.
        rolling_window: bars of the rolling Sharpe chart.

    Returns:
        The paths written, ``report.html`` last.

    Raises:
        ConfigError: ``results`` is empty.
    """
    from tradegym.backtest.baselines import is_baseline
    from tradegym.backtest.html import write_html_report
    from tradegym.backtest.plots import (
        describe_setup,
        plot_equity,
        plot_rolling_sharpe,
        plot_weights,
    )

    if not results:
        raise ConfigError("report needs at least one BacktestResult")
    first = results[0]
    period = (f"{first.equity.index[0].date()} to {first.equity.index[-1].date()} "
              f"({len(first.returns)} bars)")
    setup = [
        f"backtest: {period} · {describe_setup(results)}",
        f"execution: {first.execution} ({EXECUTION_NOTES.get(first.execution, 'custom')})",
    ]
    for line in setup:
        echo(line)
    echo("")
    echo(format_table(results))
    for caption, frame in (tables or {}).items():
        echo("")
        echo(f"{caption}:")
        echo(frame.to_string(index=False))
    echo("")
    out = Path(out_dir)
    policies = [r.name for r in results if not is_baseline(r.name)]
    weight_charts = [r for r in results if r.name in policies] or [
        r for r in results if r.name not in TRIVIAL_BASELINES]
    images = {
        "Equity (net of costs) and drawdowns": plot_equity(results, out / "equity.png"),
        f"Rolling Sharpe ({rolling_window} bars, annualised)":
            plot_rolling_sharpe(results, out / "rolling_sharpe.png", window=rolling_window),
    }
    for r in weight_charts:
        images[f"Weights of {r.name} over time (cash first)"] = plot_weights(
            r, out / f"weights_{r.name}.png")
    paths = [*images.values(), *write_metrics(results, out)]
    names = ", ".join(policies) if policies else "baselines"
    rf = f"risk-free rate {first.risk_free_rate:g} a year"
    paths.append(write_html_report(
        out / "report.html", title=title or f"Backtest: {names}" + (" vs baselines" if policies else ""),
        setup=[*setup, f"{first.periods_per_year:g} periods per year, {rf}, data {first.data_name}"],
        results=results, columns=TABLE_COLUMNS, images=images, policies=policies, tables=tables,
        notes=METRIC_NOTES,
    ))
    for path in paths:
        echo(f"wrote {path}")
    echo(f"report: {paths[-1].resolve().as_uri()}")
    return paths


__all__ = ["EXECUTION_NOTES", "METRIC_NOTES", "TABLE_COLUMNS", "format_table",
           "metrics_records", "report", "write_metrics"]
