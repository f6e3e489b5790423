"""Plain-text comparison tables and metric files of backtest results."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.evidence.view import (  # noqa: F401 (re-exported: their old home)
    EVIDENCE_METHODS,
    evidence_columns,
    evidence_lines,
    gather_evidence,
)
from tradegym.backtest.metrics import METRIC_LABELS, format_metric
from tradegym.errors import ConfigError
from tradegym.io import atomic_write

if TYPE_CHECKING:
    from tradegym.backtest.evidence import ComparisonEvidence
    from tradegym.data.market import MarketData

DEFAULT_BENCHMARK = "equal_weight"
"""What every comparison is measured against unless ``benchmark=`` / ``--benchmark`` says otherwise."""

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


def format_table(results: Sequence[BacktestResult], evidence: ComparisonEvidence | None = None) -> str:
    """A fixed-width text table: one row per policy, one column per key metric.

    Returns, volatility, drawdown, turnover (per bar) and hit rate are percentages; costs
    are in currency (a fraction of the initial value when it is 1); ``-`` is undefined.
    With ``evidence``, two columns follow: the Sharpe ratio's bootstrap interval and the
    p-value of its difference from the benchmark's.
    """
    extra = evidence_columns(evidence)
    header = ["policy", *(h for _, h in TABLE_COLUMNS), *extra]
    rows = [
        [r.name, *(format_metric(key, r.metrics.get(key)) for key, _ in TABLE_COLUMNS),
         *(cells.get(r.name, "-") for cells in extra.values())]
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    rule = "-" * len(line(header))
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


def metrics_records(results: Sequence[BacktestResult],
                    evidence: ComparisonEvidence | None = None) -> list[dict[str, Any]]:
    """One flat dict per result: policy, data, period, execution, cost rate, then metrics.

    Undefined metrics are ``None`` (JSON ``null``). With ``evidence``, each record also
    has ``sharpe_ci_low``, ``sharpe_ci_high``, ``benchmark``, ``sharpe_difference``,
    ``p_value``, ``alpha``, ``beta``, ``tracking_error``, ``information_ratio``, ``psr`` and
    ``verdict`` (see :func:`tradegym.backtest.evidence.compare_evidence`).
    """
    by_name = {rec.name: rec for rec in evidence.records} if evidence is not None else {}
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
            "periods_per_year_source": r.periods_per_year_source,
        }
        for key in METRIC_LABELS:
            value = r.metrics.get(key)
            if value is None or not math.isfinite(value):
                record[key] = None
            elif key in ("bars", "max_drawdown_bars"):
                record[key] = int(value)
            else:
                record[key] = float(value)
        if r.name in by_name:
            rec = by_name[r.name].to_dict()
            record.update({"sharpe_ci_low": rec["ci_low"], "sharpe_ci_high": rec["ci_high"],
                           "benchmark": evidence.benchmark if evidence else None,
                           "sharpe_difference": rec["difference"], "p_value": rec["p_value"],
                           **{k: rec[k] for k in ("alpha", "beta", "tracking_error",
                                                  "information_ratio", "psr", "verdict")}})
        records.append(record)
    return records


def write_metrics(
    results: Sequence[BacktestResult], directory: str | os.PathLike[str],
    evidence: ComparisonEvidence | None = None,
) -> list[Path]:
    """Write ``metrics.csv`` and ``metrics.json`` (one record per result) atomically.

    With ``evidence``, the records carry it (:func:`metrics_records`) and ``evidence.json``
    holds the whole comparison: settings, every record, SPA, and the method of each number.

    Args:
        results: the backtests.
        directory: output folder, created if missing.
        evidence: the comparison's evidence, or ``None``.

    Returns:
        ``[csv_path, json_path]``, then ``evidence.json`` with evidence.
    """
    out = Path(directory)
    records = metrics_records(results, evidence)
    table = pd.DataFrame.from_records(records)
    paths = [atomic_write(out / "metrics.csv", table.to_csv(index=False)),
             atomic_write(out / "metrics.json", json.dumps(records, indent=2) + "\n")]
    if evidence is not None:
        payload = {"methods": EVIDENCE_METHODS, **evidence.to_dict()}
        paths.append(atomic_write(out / "evidence.json", json.dumps(payload, indent=2) + "\n"))
    return paths


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
    tables: Mapping[str, pd.DataFrame] | None = None,
    rolling_window: int = 126,
    benchmark: str | None = DEFAULT_BENCHMARK,
    n_resamples: int = 1000,
    market: MarketData | None = None,
    provenance: Mapping[str, Any] | None = None,
    in_sample: bool = False,
    events: Sequence[tuple[Any, str]] = (),
    static: bool = False,
) -> list[Path]:
    """Print the comparison table; write metric files and a self-contained HTML report.

    Writes into ``out_dir``: ``metrics.csv``, ``metrics.json``, ``evidence.json`` (with a
    benchmark), the per-bar ``equity.csv``, ``returns.csv``, ``weights.csv`` and
    ``trades.csv`` (:mod:`tradegym.backtest.exports`) and ``report.html``, an interactive
    tear sheet (plotly charts, plotly.js inlined once, about 5 MB;
    :mod:`tradegym.backtest.tearsheet`) that opens offline. With
    ``static=True`` also ``equity.png`` (equity and drawdowns), ``rolling_sharpe.png``,
    ``weights_<name>.png`` (each policy under test; every non-trivial baseline when there
    is none) and ``report_static.html`` (those PNGs embedded), for papers. All writes are
    atomic.

    Args:
        results: the backtests, policies under test first by convention.
        out_dir: folder for the files, created if missing.
        echo: where the printed lines go.
        title: report heading (default ``"Backtest: <policies> vs baselines"``).
        tables: extra titled tables (walk-forward folds, seed summaries); each is also printed.
        rolling_window: bars of the static rolling Sharpe chart (the tear sheet shows 6 and
            12 months).
        benchmark: the row every other is tested against (Sharpe intervals, p-values,
            alpha/beta, SPA: :mod:`tradegym.backtest.evidence`), or a data spec of one
            series (``"sp500_index"``): its returns on the same bars become a row (no
            trading, no costs) and the evidence is measured against it. ``None``, a baseline
            not among the results, or a series missing some of the dates leaves the
            evidence out with a line saying so.
        n_resamples: bootstrap resamples of each interval and test.
        market: the market the backtests ran on: per-asset contributions and the data's
            provenance (symbols, source) need it.
        provenance: what the caller knows about the run (``{label: value}``: split, run
            directory, model hash, seeds, config), shown in the provenance table.
        in_sample: the period overlaps what the policy was trained or selected on: the
            report carries a warning.
        events: ``(date, label)`` marked on the equity chart (walk-forward fold starts).
        static: also write the PNG charts and ``report_static.html``.

    Returns:
        The paths written, ``report.html`` last.

    Raises:
        ConfigError: ``results`` is empty.
    """
    from tradegym.backtest.baselines import is_baseline
    from tradegym.backtest.plots import describe_setup

    if not results:
        raise ConfigError("report needs at least one BacktestResult")
    first = results[0]
    period = (f"{first.equity.index[0].date()} to {first.equity.index[-1].date()} "
              f"({len(first.returns)} bars)")
    setup = [
        f"backtest: {period} · {describe_setup(results)}",
        f"execution: {first.execution} ({EXECUTION_NOTES.get(first.execution, 'custom')})",
        f"annualisation: {first.annualisation}",
        *book_lines(results),
        *universe_lines(market, first.equity.index[0], first.equity.index[-1]),
    ]
    for line in setup:
        echo(line)
    echo("")
    policies = [r.name for r in results if not is_baseline(r.name)]
    rows, series_note = with_benchmark_series(results, benchmark)
    evidence, why_not = gather_evidence(rows, benchmark, n_resamples)
    echo(format_table(rows, evidence))
    verdicts = evidence_lines(evidence, policies) if evidence is not None else [why_not]
    verdicts = [*([series_note] if series_note else []), *verdicts]
    echo("")
    for line in verdicts:
        echo(line)
    for caption, frame in (tables or {}).items():
        echo("")
        echo(f"{caption}:")
        echo(frame.to_string(index=False))
    echo("")
    out = Path(out_dir)
    names = ", ".join(policies) if policies else "baselines"
    title = title or f"Backtest: {names}" + (" vs baselines" if policies else "")
    methods = EVIDENCE_METHODS if evidence is not None else {}
    paths = _write_static(results, out, title, setup, policies, evidence, verdicts, tables,
                          rolling_window) if static else []
    from tradegym.backtest.exports import write_exports

    paths = [*paths, *write_metrics(rows, out, evidence), *write_exports(rows, out)]
    from tradegym.backtest.tearsheet import Context, write_tearsheet

    ctx = Context(rows, policies, evidence, verdicts, methods, benchmark,
                  _benchmark_returns(rows, benchmark), market, dict(tables or {}),
                  dict(provenance or {}), in_sample, events, METRIC_NOTES, TABLE_COLUMNS,
                  evidence_columns(evidence), setup, [r.name for r in rows[len(results):]])
    paths.append(write_tearsheet(out / "report.html", ctx, title=title))
    for path in paths:
        echo(f"wrote {path}")
    echo(f"report: {paths[-1].resolve().as_uri()}")
    return paths



def book_lines(results: Sequence[BacktestResult]) -> list[str]:
    """The books traded (long/short limits and rates), and where the long-only baselines ran."""
    books = list(dict.fromkeys(r.book for r in results if r.book is not None))
    lines = [f"book: {book}" for book in books]
    if any(book.startswith("long/short") for book in books):
        lines.append("long-only baselines: on the long-only twin (same market, execution, costs, cash rate)")
    return lines

def universe_lines(market: Any, start: Any, end: Any) -> list[str]:
    """Header lines on the market: listings and delistings in ``[start, end]``, its warning."""
    if market is None:
        return []
    lines = []
    events = [(d, s, k) for d, s, k in market.life_events() if start <= d <= end]
    inside = (market.dates >= start) & (market.dates <= end)  # (T,) the period's rows
    never = [s for n, s in enumerate(market.symbols) if not market.tradable[inside, n].any()]
    if events or never:
        shown = "; ".join(f"{s} {k} {d.date()}" for d, s, k in events[:12])
        more = f" and {len(events) - 12} more" if len(events) > 12 else ""
        absent = f"not tradable in the period: {', '.join(never)}" if never else ""
        lines.append(f"universe: {'; '.join(filter(None, [shown + more, absent]))} "
                     "(not tradable outside their life)")
    if market.meta.get("warning"):
        lines.append(f"data warning: {market.meta['warning']}")
    return lines


def with_benchmark_series(results: Sequence[BacktestResult], benchmark: str | None
                          ) -> tuple[list[BacktestResult], str]:
    """``results``, plus a row of the benchmark series when ``benchmark`` is a data spec.

    A benchmark that is a row, a baseline name or ``None`` adds nothing. Otherwise it is a
    data spec of one series (:func:`tradegym.backtest.analytics.benchmark_series`): its
    returns on the backtest's bars become a :class:`BacktestResult` (no trading, no costs)
    the evidence is measured against. Returns the rows and a line saying what was done
    (or why the series could not be used).
    """
    from tradegym.backtest.baselines import is_baseline

    if benchmark is None or benchmark in {r.name for r in results} or is_baseline(benchmark):
        return list(results), ""
    from tradegym.backtest.analytics import benchmark_series

    first = results[0]
    try:
        returns = benchmark_series(benchmark, first.equity.index)
    except ValueError as exc:
        return list(results), f"benchmark series {benchmark} left out: {exc}"
    return [*results, series_result(benchmark, returns, first)], (
        f"{benchmark} is a benchmark series, not a backtest: its returns on the same bars "
        "(no trading, no costs); the evidence below is measured against it")


def series_result(name: str, returns: pd.Series, like: BacktestResult) -> BacktestResult:
    """A benchmark series as a :class:`BacktestResult` shaped like ``like`` (no weights, no costs)."""
    from tradegym.backtest.metrics import compute_metrics

    start = float(like.equity.iloc[0])
    equity = pd.concat([pd.Series([start], index=like.equity.index[:1]), start * (1 + returns).cumprod()])
    zeros = pd.Series(0.0, index=returns.index)
    metrics = compute_metrics(returns, periods_per_year=like.periods_per_year,
                              risk_free_rate=like.risk_free_rate, turnover=zeros, costs=zeros)
    return BacktestResult(name, equity.rename(name), returns.rename(name), pd.DataFrame(index=equity.index),
                          zeros, zeros, like.execution, 0.0, name, like.periods_per_year, metrics,
                          like.risk_free_rate, periods_per_year_source=like.periods_per_year_source)


def _benchmark_returns(rows: Sequence[BacktestResult], benchmark: str | None) -> pd.Series | None:
    """The benchmark row's returns (for beta, capture and the rolling charts), or ``None``."""
    row = next((r for r in rows if r.name == benchmark), None)
    return None if row is None else row.returns


def _write_static(results: Sequence[BacktestResult], out: Path, title: str, setup: list[str],
                  policies: list[str], evidence: ComparisonEvidence | None, verdicts: list[str],
                  tables: Mapping[str, pd.DataFrame] | None, rolling_window: int) -> list[Path]:
    """The PNG charts and ``report_static.html`` (the PNGs embedded)."""
    from tradegym.backtest.html import write_html_report
    from tradegym.backtest.plots import plot_equity, plot_rolling_sharpe, plot_weights

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
    page = write_html_report(
        out / "report_static.html", title=title, setup=setup, results=results, columns=TABLE_COLUMNS,
        images=images, policies=policies, tables=tables, notes=METRIC_NOTES,
        extra_columns=evidence_columns(evidence),
        evidence=(verdicts, EVIDENCE_METHODS if evidence is not None else {}))
    return [*images.values(), page]


__all__ = ["DEFAULT_BENCHMARK", "EVIDENCE_METHODS", "EXECUTION_NOTES", "METRIC_NOTES", "TABLE_COLUMNS",
           "evidence_columns", "evidence_lines", "format_table", "gather_evidence", "metrics_records",
           "report", "series_result", "with_benchmark_series", "write_metrics"]
