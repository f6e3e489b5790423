"""Assemble a tear sheet into one self-contained HTML file with interactive charts.

plotly.js (about 4.6 MB, from the installed ``plotly`` package) is inlined once in the
head; each chart is a ``<div>`` with its data and a ``Plotly.newPlot`` call
(``fig.to_html(full_html=False, include_plotlyjs=False)``). Nothing is fetched: the file
opens offline and can be mailed.

Before plotly.js, a small script records every uncaught error, unhandled rejection and
``console.error`` call; once the page has loaded it counts the rendered charts and writes
``data-charts-expected``, ``data-charts-rendered``, ``data-js-errors`` and
``data-report-status="done"`` on ``<body>`` (and the messages into ``#js-errors``), which
a headless browser's ``--dump-dom`` shows (``tests/backtest/test_tearsheet.py``,
``scripts/render_report.py``). ``report.html?only=KEY`` shows one section alone.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradegym.io import atomic_write

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222;
       line-height: 1.4; background: #fafafa; }
main { max-width: 1240px; margin: 0 auto; padding: 1em 2em 3em; background: #fff; }
h1 { font-size: 1.55em; margin: 0.3em 0 0.2em; } h2 { font-size: 1.2em; margin: 1.8em 0 0.4em;
     border-bottom: 2px solid #eee; padding-bottom: 0.2em; }
h3 { font-size: 1em; margin: 1em 0 0.3em; color: #333; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: 0.4em 2em;
      font-size: 0.85em; z-index: 10; }
nav a { margin-right: 1em; color: #1f4e9c; text-decoration: none; white-space: nowrap; }
.setup { color: #555; margin: 0.15em 0; font-size: 0.92em; }
.summary { background: #f3f7fc; border-left: 4px solid #1f4e9c; padding: 0.5em 1em; margin: 0.8em 0; }
.summary p { margin: 0.25em 0; }
.warning { background: #fff4e5; border-left: 4px solid #e65100; padding: 0.5em 1em; margin: 0.8em 0;
           font-weight: 600; }
.note { color: #555; font-size: 0.85em; margin: 0.3em 0; }
table { border-collapse: collapse; font-size: 0.84em; margin: 0.6em 0; }
th, td { padding: 0.25em 0.6em; text-align: right; border-bottom: 1px solid #e4e4e4; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; } tr.policy td:first-child { font-weight: bold; }
td.best { background: #e3f4e3; }
table.kv td { text-align: left; vertical-align: top; } table.kv td:first-child { color: #555; width: 14em; }
.chart { margin: 0.6em 0 1.2em; border: 1px solid #eee; }
.notes { font-size: 0.85em; color: #444; }
#js-errors { display: none; }
"""

ERROR_HOOK = """
(function () {
  var errors = [];
  function record(message) {
    errors.push(String(message));
    if (document.body) { document.body.setAttribute("data-js-errors", String(errors.length)); }
  }
  window.addEventListener("error", function (e) { record(e.message || "error"); });
  window.addEventListener("unhandledrejection", function (e) { record("rejection: " + e.reason); });
  var original = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  function finish(tries) {
    var charts = document.querySelectorAll("div.tearsheet-chart");
    var rendered = 0;
    charts.forEach(function (c) {
      var plot = c.querySelector(".js-plotly-plot");
      if (plot && plot._fullLayout && plot.querySelector(".main-svg")) { rendered += 1; }
    });
    if (rendered < charts.length && tries > 0) {
      setTimeout(function () { finish(tries - 1); }, 100);
      return;
    }
    var body = document.body;
    body.setAttribute("data-charts-expected", String(charts.length));
    body.setAttribute("data-charts-rendered", String(rendered));
    body.setAttribute("data-js-errors", String(errors.length));
    document.getElementById("js-errors").textContent = errors.join("\\n");
    body.setAttribute("data-report-status", "done");
  }
  window.addEventListener("load", function () { setTimeout(function () { finish(100); }, 0); });
})();
"""

ONLY_SECTION = """
(function () {
  // report.html?only=KEY shows the heading and that section alone (for a screenshot or print).
  var m = location.search.match(/[?&]only=([\\w-]+)/);
  if (!m) { return; }
  document.querySelectorAll("main > section, main > .summary, main > .setup, nav").forEach(
    function (el) { if (el.id !== m[1]) { el.style.display = "none"; } });
})();
"""

PLOT_CONFIG = {"displaylogo": False, "responsive": True,
               "toImageButtonOptions": {"format": "png", "scale": 2}}


@dataclass
class Section:
    """One titled part of the page: HTML snippets and plotly figures, in order.

    Attributes:
        key: anchor id (``#key``) and the navigation link's target.
        title: heading.
        blocks: raw HTML strings (already escaped) or plotly figures.
    """

    key: str
    title: str
    blocks: list[Any] = field(default_factory=list)

    @property
    def n_charts(self) -> int:
        """How many of the blocks are figures."""
        return sum(not isinstance(b, str) for b in self.blocks)


def paragraph(text: str, css: str = "note") -> str:
    """An escaped ``<p class=css>``."""
    return f'<p class="{css}">{html.escape(text)}</p>'


def key_values(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column table of ``(label, value)`` pairs, escaped."""
    body = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def chart_html(figure: Any, index: int) -> str:
    """One figure as a ``div.tearsheet-chart`` without plotly.js (the page carries it once)."""
    inner = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{index}",
                           config=PLOT_CONFIG)
    return f'<div class="chart tearsheet-chart">{inner}</div>'


def render_page(*, title: str, header: Sequence[str], sections: Sequence[Section]) -> str:
    """The whole page as a string.

    Args:
        title: page title and heading.
        header: HTML under the heading (setup lines, the in-sample warning, the summary).
        sections: the parts, in order; a section with no blocks is left out.
    """
    from plotly.offline import get_plotlyjs

    shown = [s for s in sections if s.blocks]
    nav = "".join(f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in shown)
    body: list[str] = []
    count = 0
    for s in shown:
        body.append(f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>')
        for block in s.blocks:
            if isinstance(block, str):
                body.append(block)
            else:
                body.append(chart_html(block, count))
                count += 1
        body.append("</section>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style>",
        f"<script>{ERROR_HOOK}</script>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        f'</head><body data-charts-expected="{count}">',
        f"<nav>{nav}</nav><main>", f"<h1>{html.escape(title)}</h1>", *header, *body,
        f'<pre id="js-errors"></pre></main><script>{ONLY_SECTION}</script></body></html>',
    ]) + "\n"


def write_page(path: str | os.PathLike[str], *, title: str, header: Sequence[str],
               sections: Sequence[Section]) -> Path:
    """Write :func:`render_page` atomically to ``path``; returns it as a :class:`~pathlib.Path`."""
    return atomic_write(path, render_page(title=title, header=header, sections=sections))


__all__ = ["CSS", "ERROR_HOOK", "PLOT_CONFIG", "Section", "chart_html", "key_values", "paragraph",
           "render_page", "write_page"]
