"""Open a report in headless Chromium: did every chart render, without a console error?

The page records its own state (:mod:`~tradegym.backtest.tearsheet.page`): once loaded it
writes ``data-charts-expected``, ``data-charts-rendered``, ``data-js-errors`` and
``data-report-status="done"`` on ``<body>``, and the error messages into ``#js-errors``;
``--dump-dom`` prints the DOM after ``--virtual-time-budget`` ms of page time, so one
Chromium run answers. Static reports (:mod:`tradegym.backtest.html`) write
``data-images-loaded`` / ``data-images-broken`` instead; :func:`check_report` reads both.

Chromium comes from Debian's ``chromium`` package (``apt-get install -y chromium``).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio")


def find_chromium() -> str | None:
    """The first Chromium-like browser on ``PATH``, or ``None``."""
    return next((found for b in BROWSERS if (found := shutil.which(b))), None)


def dump_dom(path: str | os.PathLike[str], *, browser: str | None = None, budget_ms: int = 20000,
             timeout_s: float = 180) -> str:
    """The DOM of ``path`` after ``budget_ms`` of virtual page time.

    Raises:
        FileNotFoundError: no browser, or no such file.
        subprocess.CalledProcessError: Chromium failed.
    """
    browser = browser or find_chromium()
    if browser is None or not Path(path).is_file():
        raise FileNotFoundError(f"needs Chromium on PATH ({', '.join(BROWSERS)}) and the file {path}")
    return subprocess.run(
        [browser, *FLAGS, f"--virtual-time-budget={budget_ms}", "--dump-dom", Path(path).resolve().as_uri()],
        capture_output=True, text=True, timeout=timeout_s, check=True).stdout


def check_report(path: str | os.PathLike[str], **kwargs: Any) -> dict[str, Any]:
    """What the page said about itself after loading in Chromium.

    Returns:
        ``status`` (``"done"`` when the interactive page finished), ``charts_expected``,
        ``charts_rendered``, ``js_errors`` (count) and ``errors`` (messages), ``main_svg``
        (plotly's rendered ``svg.main-svg`` elements), and for a static report
        ``images_loaded`` / ``images_broken``; a missing number is ``None``.
    """
    dom = dump_dom(path, **kwargs)
    body_match = re.search(r"<body[^>]*>", dom)
    body = body_match.group(0) if body_match else ""

    def number(name: str) -> int | None:
        found = re.search(rf'{name}="(\d+)"', body)
        return int(found.group(1)) if found else None

    status = re.search(r'data-report-status="(\w+)"', body)
    errors = re.search(r'<pre id="js-errors">(.*?)</pre>', dom, re.S)
    return {
        "status": status.group(1) if status else None,
        "charts_expected": number("data-charts-expected"),
        "charts_rendered": number("data-charts-rendered"),
        "js_errors": number("data-js-errors"),
        "errors": [html.unescape(e) for e in errors.group(1).splitlines() if e] if errors else [],
        "main_svg": len(re.findall(r'<svg[^>]*class="main-svg"', dom)),
        "images_loaded": number("data-images-loaded"),
        "images_broken": number("data-images-broken"),
    }


def screenshot(path: str | os.PathLike[str], png: str | os.PathLike[str], *, width: int = 1400,
               height: int = 2000, browser: str | None = None, budget_ms: int = 20000) -> Path:
    """Save a ``width`` x ``height`` PNG of the top of ``path``.

    ``path#KEY`` shows the section ``KEY`` alone (the page's ``?only=KEY``).

    Raises:
        FileNotFoundError: no browser.
    """
    browser = browser or find_chromium()
    if browser is None:
        raise FileNotFoundError(f"needs Chromium on PATH ({', '.join(BROWSERS)})")
    file, _, anchor = str(path).partition("#")
    url = Path(file).resolve().as_uri() + (f"?only={anchor}" if anchor else "")
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([browser, *FLAGS, f"--window-size={width},{height}", f"--virtual-time-budget={budget_ms}",
                    f"--screenshot={Path(png).resolve()}", url], capture_output=True, timeout=180, check=True)
    return Path(png)


__all__ = ["BROWSERS", "check_report", "dump_dom", "find_chromium", "screenshot"]
