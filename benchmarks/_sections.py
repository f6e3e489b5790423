"""One helper for the benchmark scripts: replace a ``<!-- name -->`` section of a markdown report."""

from __future__ import annotations

import re
from pathlib import Path

from tradegym.io import atomic_write


def write_section(report: Path, name: str, text: str, intro: str) -> None:
    """Replace the ``<!-- name -->`` section of ``report``, or append it, atomically.

    ``intro`` starts the file when it does not exist yet.
    """
    old = report.read_text() if report.exists() else intro
    block = f"<!-- {name} -->\n{text.rstrip()}\n<!-- /{name} -->"
    pattern = re.compile(rf"<!-- {name} -->.*?<!-- /{name} -->", re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else f"{old.rstrip()}\n\n{block}\n"
    atomic_write(report, new)
