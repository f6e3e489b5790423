"""One colour and line style per policy name, the same in every chart of every report.

The mapping is a pure function of the name: the known baselines have fixed, muted colours
and thin dashed lines (they are the references, visually secondary); any other name — an
agent, a user's policy, a seed of either — is hashed (SHA-1, not Python's salted
``hash``) into a palette of strong colours and drawn solid and thick. The equal-weight
variants share a hue but not a dash pattern, so their near-identical curves stay
distinguishable where they overlap.

>>> policy_style("min_variance") == policy_style("min_variance")
True
>>> policy_style("equal_weight")["dash"], policy_style("equal_weight_monthly")["dash"]
('dash', 'dashdot')
>>> policy_style("ppo_mlp_s0")["dash"], policy_style("ppo_mlp_s0")["width"]
('solid', 2.4)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

BASELINE_STYLES: dict[str, tuple[str, str]] = {
    "cash": ("#9e9e9e", "dot"),
    "buy_and_hold": ("#8c7b6b", "dash"),
    "equal_weight": ("#6f7f95", "dash"),
    "equal_weight_weekly": ("#6f7f95", "dot"),
    "equal_weight_monthly": ("#6f7f95", "dashdot"),
    "inverse_vol": ("#7e9c84", "dash"),
    "min_variance": ("#9c8fb8", "dash"),
    "mean_variance": ("#b89a6e", "dash"),
    "hrp": ("#6fa3a8", "dash"),
    "momentum": ("#b88080", "dash"),
    "momentum_ls": ("#a0607a", "dashdot"),
    "random": ("#a8a8a8", "longdash"),
    "oracle": ("#c9a227", "longdashdot"),
}
"""``name: (colour, dash)`` of every registered baseline: muted hues, one per baseline."""

SCHEDULED_STYLE = ("#6f7f95", "longdash")
"""A scheduled equal weight not registered by name (``equal_weight_5``)."""

AGENT_PALETTE: tuple[str, ...] = (
    "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#e377c2",
    "#17becf", "#8c564b", "#bcbd22", "#0b3d91", "#c2185b", "#00897b",
)
"""Strong colours for policies under test (hashed by name)."""

ASSET_PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
    "#31a354", "#756bb1", "#9c9ede", "#cedb9c", "#e7ba52", "#e7969c", "#de9ed6", "#6baed6",
    "#fd8d3c", "#74c476", "#9e9ac8", "#5254a3", "#8ca252", "#bd9e39", "#ad494a", "#a55194",
)
"""32 distinct colours for assets within one chart (assigned by position, never repeated
below 32 assets); no greys, which are cash's and ``other``'s."""

CASH_COLOUR = "#c7c7c7"
OTHER_COLOUR = "#e8e2d0"

_SCHEDULED = re.compile(r"^equal_weight_\w+$")


def stable_index(name: str, n: int) -> int:
    """A deterministic index in ``[0, n)`` for ``name`` (the same in every process)."""
    return int.from_bytes(hashlib.sha1(name.encode("utf-8")).digest()[:4], "big") % n


def policy_style(name: str) -> dict[str, Any]:
    """Colour, dash, width and opacity of ``name``'s line.

    Returns:
        ``{"color", "dash", "width", "opacity", "baseline"}``: a baseline is thin, dashed and
        muted; anything else strong, solid and thick.
    """
    if name in BASELINE_STYLES or _SCHEDULED.match(name):
        colour, dash = BASELINE_STYLES.get(name, SCHEDULED_STYLE)
        return {"color": colour, "dash": dash, "width": 1.3, "opacity": 0.85, "baseline": True}
    colour = AGENT_PALETTE[stable_index(name, len(AGENT_PALETTE))]
    return {"color": colour, "dash": "solid", "width": 2.4, "opacity": 1.0, "baseline": False}


def line_style(name: str) -> dict[str, Any]:
    """``policy_style`` as plotly's ``line=`` dict (colour, dash, width)."""
    style = policy_style(name)
    return {"color": style["color"], "dash": style["dash"], "width": style["width"]}


def asset_colours(columns: Sequence[str]) -> dict[str, str]:
    """A colour per asset column of one chart: cash and ``other`` fixed, the rest by position.

    Positions wrap only beyond 32 assets; within a report the same ordered columns get the
    same colours in every chart.
    """
    colours: dict[str, str] = {}
    i = 0
    for column in columns:
        if column == "cash":
            colours[column] = CASH_COLOUR
        elif column == "other":
            colours[column] = OTHER_COLOUR
        else:
            colours[column] = ASSET_PALETTE[i % len(ASSET_PALETTE)]
            i += 1
    return colours


__all__ = ["AGENT_PALETTE", "ASSET_PALETTE", "BASELINE_STYLES", "CASH_COLOUR", "OTHER_COLOUR",
           "asset_colours", "line_style", "policy_style", "stable_index"]
