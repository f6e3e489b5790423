"""The parts of a tear sheet, each built from a :class:`~.context.Context` when it applies.

Each ``*_section`` returns a :class:`~.page.Section` (empty when it does not apply, and
then left out of the page). The numbers come from :mod:`tradegym.backtest.analytics` and
the evidence module; this module only chooses and arranges them.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.html import frame_html, metrics_table_html
from tradegym.backtest.metrics import format_metric
from tradegym.backtest.tearsheet.context import Context
from tradegym.backtest.tearsheet.page import Section, paragraph

ROLLING_WINDOWS = {"6 months": 126, "12 months": 252}
"""Windows of the rolling statistics, in bars of a daily market (scaled by periods per year)."""


def summary_lines(ctx: Context) -> list[str]:
    """The headline in words: each focus policy's return, risk and Sharpe, then the verdicts."""
    lines = []
    bench = next((r for r in ctx.results if r.name == ctx.benchmark), None)
    for r in ctx.focus:
        m = r.metrics
        text = (f"{r.name} returned {format_metric('total_return', m.get('total_return'))} "
                f"(CAGR {format_metric('cagr', m.get('cagr'))}, Sharpe "
                f"{format_metric('sharpe', m.get('sharpe'))}, max drawdown "
                f"{format_metric('max_drawdown', m.get('max_drawdown'))})")
        if bench is not None and bench is not r:
            total = format_metric("total_return", bench.metrics.get("total_return"))
            text += (f"; {bench.name} returned {total}"
                     f" (Sharpe {format_metric('sharpe', bench.metrics.get('sharpe'))})")
        lines.append(text + ".")
    return [*lines, *ctx.verdicts]


def metrics_section(ctx: Context) -> Section:
    """The metrics table with the Sharpe intervals and p-values, the relative metrics table."""
    blocks = [metrics_table_html(ctx.results, ctx.columns, ctx.policies, ctx.extra_columns),
              paragraph("The verdicts in words are in the summary above; the benchmark row has no "
                        "p-value (it is not tested against itself).")]
    relative = relative_table(ctx)
    if relative is not None:
        blocks += ["<h3>Relative to the benchmark</h3>", frame_html(relative),
                   paragraph("alpha (annualised) and beta: OLS on the benchmark's returns with "
                             "Newey-West errors (evidence module); capture: mean return on the "
                             "benchmark's up (down) bars over the benchmark's.")]
    return Section("metrics", "Metrics", blocks)


def relative_table(ctx: Context) -> pd.DataFrame | None:
    """alpha, beta, tracking error, information ratio and capture of each row, or ``None``."""
    from tradegym.backtest.analytics import capture_ratios

    if ctx.benchmark_returns is None:
        return None
    records = {rec.name: rec for rec in ctx.evidence.records} if ctx.evidence is not None else {}
    rows = []
    for r in ctx.results:
        if r.name == ctx.benchmark or r.returns.std() == 0:  # cash: nothing to relate
            continue
        shared = r.returns.index.intersection(ctx.benchmark_returns.dropna().index)
        capture = (capture_ratios(r.returns.loc[shared], ctx.benchmark_returns.loc[shared])
                   if len(shared) > 1 else {"up": math.nan, "down": math.nan})
        rec = records.get(r.name)
        rows.append({"policy": r.name,
                     "alpha": _fmt(rec.alpha if rec else math.nan, "{:+.2%}"),
                     "beta": _fmt(rec.beta if rec else math.nan, "{:.2f}"),
                     "tracking error": _fmt(rec.tracking_error if rec else math.nan, "{:.1%}"),
                     "information ratio": _fmt(rec.information_ratio if rec else math.nan, "{:.2f}"),
                     "up capture": _fmt(capture["up"], "{:.2f}"),
                     "down capture": _fmt(capture["down"], "{:.2f}")})
    return pd.DataFrame(rows) if rows else None


def equity_section(ctx: Context) -> Section:
    """Equity vs the benchmark (log toggle) with drawdowns; the worst drawdowns of each focus."""
    from tradegym.backtest.analytics import drawdown_table
    from tradegym.backtest.tearsheet.charts import equity_figure

    blocks: list[Any] = [equity_figure(ctx.results, events=ctx.events)]
    for r in ctx.focus:
        table = drawdown_table(r.equity, top=5)
        if table.empty:
            blocks.append(paragraph(f"{r.name} never fell below a previous peak."))
            continue
        shown = pd.DataFrame({
            "rank": table.index, "peak": _dates(table["start"]), "trough": _dates(table["trough"]),
            "recovery": [d.date().isoformat() if pd.notna(d) else "not recovered" for d in table["recovery"]],
            "depth": [f"{v:.1%}" for v in table["depth"]],
            "bars to trough": table["bars_to_trough"].astype(int),
            "length (bars)": table["length"].astype(int)})
        blocks += [f"<h3>{html.escape(r.name)}: worst {len(table)} drawdowns</h3>", frame_html(shown)]
    return Section("equity", "Equity and drawdowns", blocks)


def periods_section(ctx: Context) -> Section:
    """Monthly returns heatmap of each focus policy and calendar-year bars of every row."""
    from tradegym.backtest.analytics import monthly_returns, yearly_returns
    from tradegym.backtest.tearsheet.return_charts import monthly_heatmap_figure, yearly_bars_figure

    blocks: list[Any] = [monthly_heatmap_figure(monthly_returns(r.returns), r.name) for r in ctx.focus]
    shown = [r for r in ctx.results if r.returns.std() > 0]  # cash has nothing to show
    years = pd.concat({r.name: yearly_returns(r.returns) for r in shown}, axis=1)
    blocks.append(yearly_bars_figure(years))
    return Section("periods", "Monthly and yearly returns", blocks)


def distribution_section(ctx: Context) -> Section:
    """Histogram of each focus policy's returns against the normal of the same mean and sd."""
    from tradegym.backtest.analytics import return_distribution
    from tradegym.backtest.tearsheet.return_charts import distribution_figure

    blocks = [distribution_figure(return_distribution(r.returns, bins=50), r.name)
              for r in ctx.focus if len(r.returns) > 2 and r.returns.std() > 0]
    return Section("distribution", "Distribution of returns", blocks)


def rolling_section(ctx: Context) -> Section:
    """Rolling 6- and 12-month Sharpe, volatility and beta (against the benchmark) of every row."""
    from tradegym.backtest.analytics import rolling_stats
    from tradegym.backtest.tearsheet.charts import rolling_figure

    stats: dict[str, dict[str, pd.DataFrame]] = {}
    for r in ctx.results:
        if r.returns.std() == 0 or r.name == ctx.benchmark:
            continue
        bench = _bench_on(ctx, r)
        for label, bars in ROLLING_WINDOWS.items():
            window = max(2, round(bars * r.periods_per_year / 252))
            if window < len(r.returns):
                stats.setdefault(r.name, {})[label] = rolling_stats(
                    r.returns, bench, window, periods_per_year=r.periods_per_year,
                    risk_free_rate=r.risk_free_rate)
    if not stats:
        return Section("rolling", "Rolling statistics")
    note = (f"beta against {ctx.benchmark}" if ctx.benchmark_returns is not None
            else "no benchmark: beta left out")
    return Section("rolling", "Rolling statistics", [rolling_figure(stats), paragraph(note)])


def _bench_on(ctx: Context, r: BacktestResult) -> pd.Series | None:
    """The benchmark's returns on ``r``'s dates, or ``None`` when any is missing."""
    if ctx.benchmark_returns is None:
        return None
    bench = ctx.benchmark_returns.reindex(r.returns.index)
    return None if bench.isna().any() else bench


def tables_section(ctx: Context) -> Section:
    """The caller's extra tables (walk-forward folds, seed summaries), each titled."""
    blocks: list[Any] = []
    for caption, frame in ctx.tables.items():
        blocks += [f"<h3>{html.escape(caption)}</h3>", frame_html(frame)]
    return Section("tables", "Folds and seeds", blocks)


def conventions_section(ctx: Context) -> Section:
    """How every number is computed: the metric conventions and the evidence's methods."""
    blocks = [paragraph(n, "notes") for n in ctx.notes]
    blocks += [f'<p class="notes"><b>{html.escape(k)}</b>: {html.escape(v)}</p>'
               for k, v in ctx.methods.items()]
    return Section("conventions", "Conventions", blocks)


def _fmt(value: float, pattern: str) -> str:
    return pattern.format(value) if value is not None and math.isfinite(value) else "-"


def _dates(values: Any) -> list[str]:
    return [pd.Timestamp(v).date().isoformat() for v in values]


__all__ = ["ROLLING_WINDOWS", "conventions_section", "distribution_section", "equity_section",
           "metrics_section", "periods_section", "relative_table", "rolling_section", "summary_lines",
           "tables_section"]
