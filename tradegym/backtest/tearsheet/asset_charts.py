"""Plotly figures of what a policy held and what each holding earned.

Assets keep one colour per report (:func:`~tradegym.backtest.tearsheet.colours.asset_colours`
of the full column list), so a symbol in the top-10 area chart has the colour it has
elsewhere; the all-assets view is a heatmap, readable at any number of assets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tradegym.backtest.tearsheet.charts import base_layout, dates, step

if TYPE_CHECKING:
    import plotly.graph_objects as go

MAX_HEATMAP_COLUMNS = 400
"""Dates shown by the weights heatmap (every ``k``-th bar above this)."""


def weights_area_figure(top: pd.DataFrame, name: str, colours: Mapping[str, str]) -> go.Figure:
    """Stacked weights of the top holdings, ``other`` and cash over time.

    Long-only weights stack from 0 to 1. Signed ones (a long/short book) stack in two piles,
    the positive parts up from 0 and the negative parts (shorts, borrowed cash) down from 0,
    each column in its colour in both; the axis then fits the piles (a pile summed across
    both would net the shorts against the longs and show neither).

    Args:
        top: ``(S+1, k+2)`` weights by date: the ``k`` largest holdings, ``other`` (the
            rest summed) and ``cash``; rows sum to 1.
        name: the policy.
        colours: colour of each column.
    """
    import plotly.graph_objects as go

    from tradegym.backtest.analytics import is_long_short

    frame = top.iloc[::step(len(top))]
    x = dates(frame.index)
    signed = is_long_short(frame)
    piles = (("long", 0.0, None), ("short", None, 0.0)) if signed else (("weights", None, None),)
    fig = go.Figure()
    for pile, low, high in piles:
        for column in frame.columns:
            y = frame[column].to_numpy(dtype=float)
            if signed:
                y = np.clip(y, low, high)
                if not y.any():
                    continue
            fig.add_trace(go.Scatter(
                x=x, y=y, name=str(column), mode="lines", stackgroup=pile, legendgroup=str(column),
                showlegend=pile != "short" or not (frame[column] > 0).any(),
                line={"width": 0.4, "color": colours.get(str(column), "#999")},
                hovertemplate=f"{column}: %{{y:.1%}}<extra></extra>"))
    if signed:
        fig.update_yaxes(tickformat=".0%", title_text="weight (shorts below 0)", zeroline=True)
    else:
        fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text="weight")
    kind = "long and short weights" if signed else "weights"
    return base_layout(fig, title=f"{name}: {kind} of the {len(top.columns) - 2} largest holdings, "
                                  "other and cash", height=430)


def weights_heatmap_figure(weights: pd.DataFrame, name: str) -> go.Figure:
    """Every asset's weight over time as a heatmap (assets as rows, cash on top).

    Long-only weights use one hue from 0; signed ones a diverging scale centred on 0 (red
    short, blue long).
    """
    import plotly.graph_objects as go

    frame = weights.iloc[::step(len(weights), MAX_HEATMAP_COLUMNS)]
    z = frame.to_numpy(dtype=float).T  # (A, shown dates)
    # The first row is all cash (before the first trade): scaling to it would wash out every
    # holding, so the scale tops out at the 99th percentile (hover shows the exact value).
    if (z < -1e-12).any():
        top = float(max(np.nanquantile(np.abs(z), 0.99), 1e-9))
        scale = {"colorscale": "RdBu", "zmid": 0.0, "zmin": -top, "zmax": top}
    else:
        scale = {"colorscale": "Blues", "zmin": 0.0, "zmax": float(max(np.nanquantile(z, 0.99), 1e-9))}
    fig = go.Figure(go.Heatmap(
        z=z, x=dates(frame.index), y=[str(c) for c in frame.columns], **scale,
        colorbar={"title": "weight", "tickformat": ".0%"},
        hovertemplate="%{y} on %{x|%Y-%m-%d}: %{z:.1%}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", dtick=1)
    height = max(320, 140 + 18 * len(frame.columns))
    return base_layout(fig, title=f"{name}: every asset's weight over time", height=height, unified=False)


def exposure_figure(frame: pd.DataFrame, name: str) -> go.Figure:
    """Gross and net exposure over time (lines), from :func:`~tradegym.backtest.analytics.exposure`."""
    import plotly.graph_objects as go

    shown = frame.iloc[::step(len(frame))]
    x = dates(shown.index)
    fig = go.Figure()
    for column, colour in (("gross", "#37474f"), ("net", "#1f77b4")):
        fig.add_trace(go.Scatter(x=x, y=shown[column].to_numpy(dtype=float), name=column, mode="lines",
                                 line={"width": 1.4, "color": colour},
                                 hovertemplate=f"{column}: %{{y:.1%}}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", title_text="fraction of value", zeroline=True)
    return base_layout(fig, title=f"{name}: gross and net exposure", height=320)


def contribution_figure(summary: pd.Series, name: str) -> go.Figure:
    """Each asset's contribution to the total return (horizontal bars, largest on top).

    Args:
        summary: contribution per asset (and ``costs``, negative) as a fraction of the
            initial value, e.g. ``0.012`` = 1.2 percentage points.
        name: the policy.
    """
    import plotly.graph_objects as go

    ordered = summary.sort_values()
    colours = ["#2e7d32" if v >= 0 else "#c62828" for v in ordered.to_numpy()]
    fig = go.Figure(go.Bar(
        x=ordered.to_numpy(dtype=float), y=[str(i) for i in ordered.index], orientation="h",
        marker_color=colours, hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    fig.update_xaxes(tickformat=".1%", title_text="contribution to total return (fraction of start value)")
    fig.update_yaxes(dtick=1)
    height = max(320, 120 + 20 * len(ordered))
    return base_layout(fig, title=f"{name}: contribution of each asset to the return", height=height,
                       unified=False)


__all__ = ["MAX_HEATMAP_COLUMNS", "contribution_figure", "exposure_figure", "weights_area_figure",
           "weights_heatmap_figure"]
