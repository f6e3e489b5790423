"""A self-contained HTML report: tables and charts in one file, viewable offline.

Images are embedded as base64 ``data:`` URIs and the style sheet is inline, so the file
can be mailed, archived or opened on a machine with no network and still show every
chart. A few lines of inline script record, after load, how many images decoded
(``<body data-images-loaded="K" data-images-broken="0">``): a headless browser can check
that the report renders (see ``tests/backtest/test_report.py``) without a screenshot diff.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.metrics import format_metric
from tradegym.errors import ConfigError
from tradegym.io import atomic_write

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
p.verdict { margin: 0.2em 0; font-size: 0.95em; }
.setup { color: #555; margin: 0.2em 0; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { padding: 0.25em 0.6em; text-align: right; border-bottom: 1px solid #ddd; }
th:first-child, td:first-child { text-align: left; }
th { background: #f4f4f4; } tr.policy td:first-child { font-weight: bold; }
td.best { background: #e3f4e3; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.85em; }
.notes { font-size: 0.85em; color: #444; }
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-loaded", String(ok));
  document.body.setAttribute("data-images-broken", String(imgs.length - ok));
});
"""

# Metrics where larger is better (highlighted per column); the rest are not ranked.
_HIGHER_IS_BETTER = {"total_return", "cagr", "sharpe", "sortino", "calmar", "hit_rate"}
_LOWER_IS_BETTER = {"max_drawdown", "max_drawdown_bars"}


def embed_png(path: str | os.PathLike[str]) -> str:
    """A ``data:image/png;base64,...`` URI of a PNG file.

    Raises:
        ConfigError: the file is missing or not a PNG.
    """
    raw = Path(path).read_bytes() if Path(path).is_file() else b""
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ConfigError(f"{path} is not a PNG file; cannot embed it in the report")
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def metrics_table_html(results: Sequence[BacktestResult], columns: Sequence[tuple[str, str]],
                       policies: Sequence[str] = (),
                       extra_columns: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """An HTML table, one row per result; the best value of ranked columns is highlighted.

    ``policies`` are the rows under test (printed bold); the others are baselines.
    ``extra_columns`` (``{header: {policy: text}}``) follow the metrics, e.g. the Sharpe
    interval and the p-value against the benchmark.
    """
    extra = dict(extra_columns or {})
    best: dict[str, float] = {}
    for key, _ in columns:
        # Cash trivially has the smallest drawdown; ranking it would say nothing.
        values = [r.metrics.get(key) for r in results if r.name != "cash"]
        finite = [v for v in values if v is not None and math.isfinite(v)]
        if finite and key in _HIGHER_IS_BETTER:
            best[key] = max(finite)
        elif finite and key in _LOWER_IS_BETTER:
            best[key] = min(finite)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ["policy", *(h for _, h in columns), *extra])
    rows = []
    for r in results:
        cells = [f"<td>{html.escape(r.name)}</td>"]
        for key, _ in columns:
            value = r.metrics.get(key)
            mark = ' class="best"' if r.name != "cash" and value == best.get(key, None) else ""
            cells.append(f"<td{mark}>{html.escape(format_metric(key, value))}</td>")
        cells += [f"<td>{html.escape(texts.get(r.name, '-'))}</td>" for texts in extra.values()]
        css = ' class="policy"' if r.name in policies else ""
        rows.append(f"<tr{css}>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def frame_html(frame: pd.DataFrame) -> str:
    """A plain HTML table of a small frame (strings shown as they are, escaped)."""
    return frame.to_html(index=False, border=0, escape=True, na_rep="-")


def write_html_report(
    path: str | os.PathLike[str],
    *,
    title: str,
    setup: Sequence[str],
    results: Sequence[BacktestResult],
    columns: Sequence[tuple[str, str]],
    images: Mapping[str, str | os.PathLike[str]],
    policies: Sequence[str] = (),
    tables: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str] = (),
    extra_columns: Mapping[str, Mapping[str, str]] | None = None,
    evidence: tuple[Sequence[str], Mapping[str, str]] = ((), {}),
) -> Path:
    """Write one self-contained HTML report atomically.

    Args:
        path: the ``.html`` file to write.
        title: the page heading.
        setup: lines under the heading (market, period, execution, costs, conventions).
        results: backtests for the metrics table.
        columns: ``(metric key, header)`` of the metrics table.
        images: caption -> PNG path, embedded in order.
        policies: names of the rows under test (bold); the rest are baselines.
        tables: extra titled tables (walk-forward folds, seed summaries), in order.
        notes: closing paragraphs (metric conventions).
        extra_columns: more columns of the metrics table, ``{header: {policy: text}}``.
        evidence: ``(lines, methods)``: the verdicts in words under the table, and the
            method of each evidence number (``{number: method}``) for the conventions.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ConfigError: no results, or an image that is not a PNG.
    """
    if not results:
        raise ConfigError("an HTML report needs at least one BacktestResult")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>",
        f"<script>{_SCRIPT}</script></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        *(f'<p class="setup">{html.escape(line)}</p>' for line in setup),
        "<h2>Metrics</h2>", metrics_table_html(results, columns, policies, extra_columns),
        *(f'<p class="verdict">{html.escape(line)}</p>' for line in evidence[0]),
    ]
    for caption, frame in (tables or {}).items():
        parts += [f"<h2>{html.escape(caption)}</h2>", frame_html(frame)]
    for caption, image in images.items():
        parts.append(f'<figure><img src="{embed_png(image)}" alt="{html.escape(caption)}">'
                     f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    if notes:
        parts += ['<h2>Conventions</h2><div class="notes">',
                  *(f"<p>{html.escape(n)}</p>" for n in notes),
                  *(f"<p><b>{html.escape(k)}</b>: {html.escape(v)}</p>" for k, v in evidence[1].items()),
                  "</div>"]
    parts.append("</body></html>")
    return atomic_write(path, "\n".join(parts) + "\n")


__all__ = ["embed_png", "frame_html", "metrics_table_html", "write_html_report"]
