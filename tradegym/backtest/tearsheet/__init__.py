"""An interactive tear sheet: one self-contained HTML file of plotly charts and tables.

:func:`write_tearsheet` turns a :class:`Context` (results, evidence, provenance) into
``report.html``; :func:`tradegym.backtest.report.report` builds the context and calls it.
Modules, by idea: :mod:`.colours` (a stable style per policy name), :mod:`.charts`,
:mod:`.return_charts` and :mod:`.asset_charts` (plotly figure builders), :mod:`.sections`
and :mod:`.holdings` (which numbers each part shows), :mod:`.provenance` and :mod:`.page`
(HTML assembly, plotly.js inlined once). The static PNG report stays in
:mod:`tradegym.backtest.html`.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from tradegym.backtest.tearsheet.colours import line_style, policy_style
from tradegym.backtest.tearsheet.context import Context
from tradegym.backtest.tearsheet.page import Section, paragraph, write_page


def build_sections(ctx: Context) -> list[Section]:
    """Every section of the page, in reading order (empty ones are left out when written)."""
    from tradegym.backtest.tearsheet.holdings import (
        contributions_section,
        costs_section,
        seeds_section,
        weights_section,
    )
    from tradegym.backtest.tearsheet.provenance import provenance_section
    from tradegym.backtest.tearsheet.sections import (
        conventions_section,
        distribution_section,
        equity_section,
        metrics_section,
        periods_section,
        rolling_section,
        tables_section,
    )

    return [metrics_section(ctx), equity_section(ctx), periods_section(ctx), distribution_section(ctx),
            rolling_section(ctx), weights_section(ctx), contributions_section(ctx), costs_section(ctx),
            seeds_section(ctx), tables_section(ctx),
            provenance_section(ctx.results, ctx.market, ctx.provenance, ctx.in_sample),
            conventions_section(ctx)]


def write_tearsheet(path: str | os.PathLike[str], ctx: Context, *, title: str) -> Path:
    """Write the interactive report of ``ctx`` to ``path`` (atomically).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    from tradegym.backtest.tearsheet.provenance import IN_SAMPLE_WARNING
    from tradegym.backtest.tearsheet.sections import summary_lines

    header = [paragraph(line, "setup") for line in ctx.setup]
    if ctx.in_sample:
        header.append(paragraph(IN_SAMPLE_WARNING, "warning"))
    summary = "".join(f"<p>{html.escape(line)}</p>" for line in summary_lines(ctx))
    header.append(f'<div class="summary">{summary}</div>')
    return write_page(path, title=title, header=header, sections=build_sections(ctx))


__all__ = ["Context", "Section", "build_sections", "line_style", "policy_style", "write_tearsheet"]
