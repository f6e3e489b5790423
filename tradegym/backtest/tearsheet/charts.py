"""Plotly figures of a tear sheet's time series: equity, drawdowns, rolling statistics, seeds.

Every builder returns a :class:`plotly.graph_objects.Figure` and draws each policy with
:func:`~tradegym.backtest.tearsheet.colours.line_style`, grouping a policy's traces under
one legend entry (clicking it hides the policy in every panel of the figure). Hover shows
the date and the value. Long series are thinned for display only (every ``k``-th bar
above :data:`MAX_POINTS`; drawdowns keep each bucket's deepest point), so a 30-year daily
backtest stays a few MB; numbers in the tables always use every bar.

plotly is imported when a figure is built, not when :mod:`tradegym` is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.metrics import drawdown
from tradegym.backtest.tearsheet.colours import line_style, policy_style

if TYPE_CHECKING:
    import plotly.graph_objects as go

MAX_POINTS = 2000
"""Points per trace above which a series is thinned for display."""

DATE_HOVER = "%{x|%Y-%m-%d}"


def step(n: int, max_points: int = MAX_POINTS) -> int:
    """The stride that keeps ``n`` points under ``max_points`` (1 when it already is)."""
    return max(1, int(np.ceil(n / max_points)))


def thin(series: pd.Series, max_points: int = MAX_POINTS, how: str = "take") -> pd.Series:
    """Every ``k``-th point (``how="take"``, last point kept) or each bucket's minimum (``"min"``)."""
    k = step(len(series), max_points)
    if k == 1:
        return series
    if how == "min":
        values = series.to_numpy()
        picked = [s + int(np.argmin(values[s:s + k])) for s in range(0, len(values), k)]
        return series.iloc[picked]
    picked = series.iloc[::k]
    return picked if picked.index[-1] == series.index[-1] else pd.concat([picked, series.iloc[-1:]])


def dates(index: pd.Index) -> list[str]:
    """ISO dates (``YYYY-MM-DD``): shorter in the page than full timestamps."""
    return [d.strftime("%Y-%m-%d") for d in pd.DatetimeIndex(index)]


def base_layout(fig: go.Figure, *, title: str, height: int, unified: bool = True) -> go.Figure:
    """The look shared by every chart: white template, legend right, hover per date."""
    fig.update_layout(
        template="plotly_white", title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height, margin={"l": 60, "r": 20, "t": 60, "b": 40},
        hovermode="x unified" if unified else "closest",
        legend={"font": {"size": 11}, "itemclick": "toggle", "itemdoubleclick": "toggleothers"},
        font={"family": "-apple-system, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
    )
    return fig


def _line(x: pd.Index, y: Any, name: str, *, row: int, fmt: str, legend: bool) -> dict[str, Any]:
    style = policy_style(name)
    return {"x": dates(x), "y": np.asarray(y, dtype=float), "name": name, "legendgroup": name,
            "showlegend": legend, "mode": "lines", "line": line_style(name),
            "opacity": style["opacity"],
            "hovertemplate": f"{name}: %{{y:{fmt}}}<extra></extra>", "row": row}


def equity_figure(results: Sequence[BacktestResult], *, benchmark: pd.Series | None = None,
                  events: Sequence[tuple[Any, str]] = ()) -> go.Figure:
    """Equity (top, log-scale toggle) and drawdowns (bottom) of every result.

    Args:
        results: the backtests; policies under test get a shaded drawdown area.
        benchmark: a reference series (a data spec's prices, aligned) drawn in black,
            rescaled to start at the first result's initial value.
        events: ``(date, label)`` marked by a dotted vertical line (walk-forward fold starts).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                        vertical_spacing=0.04)
    for r in results:
        equity = thin(r.equity)
        dd = thin(pd.Series(-100 * drawdown(r.equity.to_numpy()), index=r.equity.index), how="min")
        spec = _line(equity.index, equity, r.name, row=1, fmt=".3f", legend=True)
        fig.add_trace(go.Scatter(**{k: v for k, v in spec.items() if k != "row"}), row=1, col=1)
        spec = _line(dd.index, dd, r.name, row=2, fmt=".1f", legend=False)
        shaded = {} if policy_style(r.name)["baseline"] else {
            "fill": "tozeroy", "fillcolor": _alpha(policy_style(r.name)["color"], 0.18)}
        spec["hovertemplate"] = f"{r.name} drawdown: %{{y:.1f}}%<extra></extra>"
        fig.add_trace(go.Scatter(**{k: v for k, v in spec.items() if k != "row"}, **shaded),
                      row=2, col=1)
    if benchmark is not None and len(benchmark.dropna()):
        bench = thin(benchmark.dropna())
        start = float(results[0].equity.iloc[0])
        fig.add_trace(go.Scatter(
            x=dates(bench.index), y=bench.to_numpy() / bench.iloc[0] * start, name=str(bench.name),
            mode="lines", line={"color": "#111111", "width": 1.6},
            hovertemplate=f"{bench.name}: %{{y:.3f}}<extra></extra>"), row=1, col=1)
    for when, label in events:
        fig.add_vline(x=pd.Timestamp(when).strftime("%Y-%m-%d"), line={"dash": "dot", "width": 1,
                      "color": "#888"}, annotation_text=label, annotation_position="top left")
    fig.update_yaxes(title_text="value", row=1, col=1)
    fig.update_yaxes(title_text="drawdown %", row=2, col=1)
    fig.update_layout(updatemenus=[{
        "type": "buttons", "direction": "right", "x": 1.0, "y": 1.09, "xanchor": "right",
        "showactive": True, "buttons": [
            {"label": "linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
            {"label": "log scale", "method": "relayout", "args": [{"yaxis.type": "log"}]}]}])
    return base_layout(fig, title="Equity (net of costs) and drawdowns", height=620)


def rolling_figure(stats: Mapping[str, Mapping[str, pd.DataFrame]]) -> go.Figure:
    """Rolling Sharpe, volatility and beta; buttons switch between the windows.

    Args:
        stats: ``{policy: {window label: frame}}``, each frame with columns ``sharpe``,
            ``volatility`` and ``beta`` indexed by date (NaN before a full window).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = (("sharpe", "Sharpe", ".2f"), ("volatility", "volatility", ".1%"), ("beta", "beta", ".2f"))
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        subplot_titles=[p[1] for p in panels])
    windows = list(dict.fromkeys(w for per in stats.values() for w in per))
    owners: list[str] = []
    for window in windows:
        for name, per in stats.items():
            frame = per.get(window)
            if frame is None:
                continue
            for row, (column, _, fmt) in enumerate(panels, start=1):
                if column not in frame:  # no benchmark: no beta
                    continue
                series = thin(frame[column])
                spec = _line(series.index, series, name, row=row, fmt=fmt, legend=row == 1)
                fig.add_trace(go.Scatter(**{k: v for k, v in spec.items() if k != "row"},
                                         visible=window == windows[-1]), row=row, col=1)
                owners.append(window)
    fig.update_yaxes(tickformat=".0%", row=2, col=1)
    fig.update_layout(updatemenus=[{
        "type": "buttons", "direction": "right", "x": 1.0, "y": 1.09, "xanchor": "right",
        "active": len(windows) - 1, "buttons": [
            {"label": window, "method": "restyle", "args": [{"visible": [o == window for o in owners]}]}
            for window in windows]}])
    return base_layout(fig, title="Rolling statistics (annualised; beta against the benchmark)",
                       height=700)


def seeds_figure(results: Sequence[BacktestResult], group: str) -> go.Figure:
    """Equity of each seed (thin) with the seeds' min–max band and median (bold)."""
    import plotly.graph_objects as go

    frame = pd.concat({r.name: r.equity for r in results}, axis=1).ffill()
    frame = frame.iloc[::step(len(frame))]
    colour = policy_style(group)["color"]
    x = dates(frame.index)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=frame.max(axis=1).to_numpy(), mode="lines", line={"width": 0},
                             name="max", showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=frame.min(axis=1).to_numpy(), mode="lines", line={"width": 0},
                             fill="tonexty", fillcolor=_alpha(colour, 0.2), name="min–max of seeds",
                             hoverinfo="skip"))
    for name in frame.columns:
        fig.add_trace(go.Scatter(x=x, y=frame[name].to_numpy(), mode="lines", name=name,
                                 line={"color": policy_style(name)["color"], "width": 1},
                                 opacity=0.7, hovertemplate=f"{name}: %{{y:.3f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=frame.median(axis=1).to_numpy(), mode="lines",
                             name=f"{group} median", line={"color": colour, "width": 3},
                             hovertemplate="median: %{y:.3f}<extra></extra>"))
    return base_layout(fig, title=f"{group}: equity of {len(results)} seeds", height=450)


def turnover_costs_figure(frame: pd.DataFrame, name: str) -> go.Figure:
    """Turnover per period (bars) and costs per period (line, right axis) of one policy.

    Args:
        frame: indexed by period end, columns ``turnover`` (fraction of value traded in
            the period) and ``costs`` (currency, initial value 1).
        name: the policy.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    colour = policy_style(name)["color"]
    fig.add_trace(go.Bar(x=dates(frame.index), y=frame["turnover"].to_numpy(), name="turnover",
                         marker_color=_alpha(colour, 0.55),
                         hovertemplate="turnover: %{y:.1%}<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=dates(frame.index), y=frame["costs"].to_numpy(), name="costs",
                             mode="lines+markers", line={"color": "#444", "width": 1.4},
                             marker={"size": 3}, hovertemplate="costs: %{y:.5f}<extra></extra>"),
                  secondary_y=True)
    fig.update_yaxes(title_text="turnover", tickformat=".0%", secondary_y=False)
    fig.update_yaxes(title_text="costs (initial value 1)", secondary_y=True, showgrid=False)
    return base_layout(fig, title=f"{name}: turnover and costs per period", height=360)


def _alpha(colour: str, alpha: float) -> str:
    """``#rrggbb`` as ``rgba(r,g,b,alpha)``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


__all__ = ["MAX_POINTS", "base_layout", "dates", "equity_figure", "rolling_figure", "seeds_figure",
           "step", "thin", "turnover_costs_figure"]
