"""Sections on what the policies held: weights, contributions, turnover and costs, seeds."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from tradegym.backtest.html import frame_html
from tradegym.backtest.tearsheet.colours import asset_colours
from tradegym.backtest.tearsheet.context import Context
from tradegym.backtest.tearsheet.page import Section, paragraph

TOP_HOLDINGS = 10


def weights_section(ctx: Context) -> Section:
    """Top-10 + other + cash area chart and the all-assets heatmap of each focus policy.

    A long/short book (any weight below 0) also gets its gross and net exposure over time.
    """
    from tradegym.backtest.analytics import concentration, exposure, is_long_short, top_weights
    from tradegym.backtest.tearsheet.asset_charts import (
        exposure_figure,
        weights_area_figure,
        weights_heatmap_figure,
    )

    blocks: list[Any] = []
    for r in ctx.focus:
        if r.weights.shape[1] < 2:
            continue
        colours = asset_colours([str(c) for c in r.weights.columns])
        blocks.append(weights_area_figure(top_weights(r.weights, k=TOP_HOLDINGS), r.name, colours))
        blocks.append(weights_heatmap_figure(r.weights, r.name))
        if is_long_short(r.weights):
            book = exposure(r.weights)
            blocks.append(exposure_figure(book, r.name))
            blocks.append(paragraph(
                f"{r.name}: gross exposure {book['gross'].mean():.0%} on average (max "
                f"{book['gross'].max():.0%}), net {book['net'].mean():+.0%} (from "
                f"{book['net'].min():+.0%} to {book['net'].max():+.0%}); shorts are negative weights "
                "and their proceeds sit in cash."))
        effective = concentration(r.weights).dropna()
        if len(effective):
            blocks.append(paragraph(
                f"{r.name}: effective number of risky holdings (1 / sum of squared shares of the "
                f"gross exposure) {effective.mean():.1f} on average (min {effective.min():.1f}, max "
                f"{effective.max():.1f}) of {r.weights.shape[1] - 1} assets."))
    return Section("weights", "Weights", blocks)


def contributions_section(ctx: Context) -> Section:
    """Each asset's contribution to each focus policy's return (needs the market)."""
    if ctx.market is None:
        return Section("contributions", "Per-asset contribution",
                       [paragraph("Per-asset contributions need the market the backtests ran on "
                                  "(report(..., market=...)); not given.")])
    from tradegym.backtest.analytics import asset_contributions, contribution_summary
    from tradegym.backtest.tearsheet.asset_charts import contribution_figure

    blocks: list[Any] = []
    for r in ctx.focus:
        summary = contribution_summary(asset_contributions(r, ctx.market), r.weights)
        blocks.append(contribution_figure(summary["total"], r.name))
        table = summary.sort_values("total", ascending=False)
        shown = pd.DataFrame({
            "asset": table.index,
            "contribution": [f"{v:+.2%}" for v in table["total"]],
            "share of return": [f"{v:.0%}" if pd.notna(v) else "-" for v in table["share"]],
            "mean weight": [f"{v:.1%}" if pd.notna(v) else "-" for v in table["mean_weight"]]})
        blocks += [f"<h3>{html.escape(r.name)}: contributions (sum to the total return "
                   f"{r.metrics.get('total_return', float('nan')):.2%})</h3>",
                   f'<div class="scroll">{frame_html(shown)}</div>']
    return Section("contributions", "Per-asset contribution", blocks)


def costs_section(ctx: Context) -> Section:
    """Monthly turnover and costs of each focus policy."""
    from tradegym.backtest.analytics import turnover_costs
    from tradegym.backtest.tearsheet.charts import turnover_costs_figure

    blocks: list[Any] = []
    for r in ctx.focus:
        if len(r.turnover) and float(r.turnover.sum()) > 0:
            blocks.append(turnover_costs_figure(turnover_costs(r, freq="ME"), r.name))
    return Section("costs", "Turnover and costs", blocks)


def seeds_section(ctx: Context) -> Section:
    """For each policy run with several seeds: the equity spread and a per-seed table."""
    from tradegym.backtest.tearsheet.charts import seeds_figure

    blocks: list[Any] = []
    for group, results in ctx.seed_groups.items():
        blocks.append(seeds_figure(results, group))
        records = {rec.name: rec for rec in ctx.evidence.records} if ctx.evidence is not None else {}
        rows = []
        for r in results:
            rec = records.get(r.name)
            rows.append({"seed": r.name, "total return": f"{r.metrics['total_return']:.1%}",
                         "Sharpe": f"{r.metrics['sharpe']:.2f}",
                         "max drawdown": f"{r.metrics['max_drawdown']:.1%}",
                         f"p vs {ctx.benchmark}": f"{rec.p_value:.3f}" if rec is not None
                         and pd.notna(rec.p_value) else "-"})
        sharpe = pd.Series([r.metrics["sharpe"] for r in results], dtype=float)
        blocks += [frame_html(pd.DataFrame(rows)),
                   paragraph(f"{group}: Sharpe over {len(results)} seeds {sharpe.mean():.2f} ± "
                             f"{sharpe.std(ddof=1):.2f} (min {sharpe.min():.2f}, max {sharpe.max():.2f}).")]
    return Section("seeds", "Seeds", blocks)


__all__ = ["TOP_HOLDINGS", "contributions_section", "costs_section", "seeds_section", "weights_section"]
