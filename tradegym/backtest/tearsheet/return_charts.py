"""Plotly figures of a policy's returns by calendar period and their distribution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradegym.backtest.tearsheet.charts import base_layout
from tradegym.backtest.tearsheet.colours import policy_style

if TYPE_CHECKING:
    import plotly.graph_objects as go


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def monthly_heatmap_figure(table: pd.DataFrame, name: str) -> go.Figure:
    """Monthly returns: years as rows, months as columns, red to green around zero.

    Args:
        table: ``(years, 12)`` compounded monthly returns (fractions; NaN for months
            outside the backtest).
        name: the policy.
    """
    import plotly.graph_objects as go

    z = table.to_numpy(dtype=float)
    bound = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 0.01
    text = [[f"{v:.1%}" if np.isfinite(v) else "" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[MONTHS[int(c) - 1] if str(c).isdigit() else str(c) for c in table.columns],
        y=[str(i) for i in table.index], text=text,
        texttemplate="%{text}", textfont={"size": 10}, colorscale="RdYlGn", zmid=0.0,
        zmin=-bound, zmax=bound, colorbar={"title": "return", "tickformat": ".0%"},
        hovertemplate="%{y} %{x}: %{z:.2%}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", dtick=1, type="category")
    fig.update_xaxes(type="category")
    height = max(260, 110 + 26 * len(table.index))
    return base_layout(fig, title=f"{name}: monthly returns", height=height, unified=False)


def yearly_bars_figure(table: pd.DataFrame) -> go.Figure:
    """Calendar-year returns, one bar group per year, one bar per policy.

    Args:
        table: ``(years, policies)`` compounded returns (fractions).
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for column in table.columns:
        style = policy_style(str(column))
        fig.add_trace(go.Bar(
            x=[str(i) for i in table.index], y=table[column].to_numpy(dtype=float), name=str(column),
            marker={"color": style["color"], "opacity": 0.55 if style["baseline"] else 1.0},
            hovertemplate=f"{column} %{{x}}: %{{y:.1%}}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", title_text="return")
    fig.update_xaxes(type="category")
    return base_layout(fig, title="Calendar-year returns", height=380, unified=False)


def distribution_figure(dist: Mapping[str, Any], name: str) -> go.Figure:
    """Histogram of per-bar returns with the normal density of the same mean and sd.

    Args:
        dist: :func:`~tradegym.backtest.analytics.return_distribution`'s ``edges``
            ``(bins+1,)``, ``counts`` ``(bins,)``, ``normal_pdf`` ``(bins,)`` (the normal
            density on the bin centres scaled to counts), ``mean``, ``sd``, ``skew``,
            ``excess_kurtosis`` and the historical ``var_95`` / ``cvar_95`` (positive losses).
        name: the policy.
    """
    import plotly.graph_objects as go

    edges = np.asarray(dist["edges"], dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure()
    fig.add_trace(go.Bar(x=centres, y=np.asarray(dist["counts"], dtype=float), width=np.diff(edges),
                         name="returns", marker_color=policy_style(name)["color"], opacity=0.6,
                         hovertemplate="%{x:.2%}: %{y} bars<extra></extra>"))
    fig.add_trace(go.Scatter(x=centres, y=np.asarray(dist["normal_pdf"], dtype=float), mode="lines",
                             name="normal, same mean and sd", line={"color": "#222", "width": 1.5},
                             hovertemplate="normal %{x:.2%}: %{y:.1f}<extra></extra>"))
    for key, label in (("var_95", "VaR 95%"), ("cvar_95", "CVaR 95%")):
        value = float(dist.get(key, np.nan))
        if np.isfinite(value):  # a loss, drawn at the return -value
            fig.add_vline(x=-value, line={"dash": "dot", "color": "#c62828", "width": 1},
                          annotation_text=f"{label} {value:.2%}", annotation_position="top left")
    fig.update_xaxes(tickformat=".1%", title_text="return per bar")
    fig.update_yaxes(title_text="bars")
    moments = (f"mean {dist['mean']:.3%} · sd {dist['sd']:.3%} · skew {dist['skew']:.2f} · "
               f"excess kurtosis {dist['excess_kurtosis']:.2f}")
    return base_layout(fig, title=f"{name}: distribution of returns<br><sup>{moments}</sup>", height=380,
                       unified=False)


__all__ = ["distribution_figure", "monthly_heatmap_figure", "yearly_bars_figure"]
