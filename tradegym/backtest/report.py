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
            finite = value is not None and math.isfinite(value)
            if not finite:
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


def report(results: Sequence[BacktestResult], out_dir: str | os.PathLike[str],
           echo: Callable[[str], Any] = print) -> list[Path]:
    """Print the comparison table; write the equity/drawdown chart, weights charts and metrics."""
    from tradegym.backtest.plots import describe_setup, plot_equity, plot_weights

    if not results:
        raise ConfigError("report needs at least one BacktestResult")
    first = results[0]
    echo(f"backtest: {first.equity.index[0].date()} to {first.equity.index[-1].date()} "
         f"({len(first.returns)} bars) · {describe_setup(results)}")
    echo(f"execution: {first.execution} ({EXECUTION_NOTES.get(first.execution, 'custom')})")
    echo("")
    echo(format_table(results))
    echo("")
    out = Path(out_dir)
    paths = [plot_equity(results, out / "equity.png"), *write_metrics(results, out)]
    paths += [plot_weights(r, out / f"weights_{r.name}.png") for r in results
              if r.name not in ("cash", "buy_and_hold", "equal_weight")]
    for path in paths:
        echo(f"wrote {path}")
    return paths


__all__ = ["EXECUTION_NOTES", "TABLE_COLUMNS", "format_table", "metrics_records", "report",
           "write_metrics"]
