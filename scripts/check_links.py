"""Check that every relative markdown link in the docs resolves to an existing file.

Run from the repository root: ``python scripts/check_links.py`` (tests/test_docs.py runs it
too). It reads README.md,
CONTRIBUTING.md, docs/**/*.md and benchmarks/*.md, follows each ``[text](target)`` and
``![alt](target)`` that is not a URL, and checks the file (and a ``#heading`` anchor in a
markdown target, by GitHub's slug rule) exists. Exit code 1 lists the broken ones.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a markdown file's headings."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(CODE.sub(lambda m: m.group(0).strip("`"), line.lstrip("#")))
            for line in text.splitlines() if line.startswith("#")}


def broken_links(root: Path) -> tuple[int, list[str]]:
    """How many relative links there are, and ``file: target (why)`` for each that does not resolve."""
    files = [root / "README.md", root / "CONTRIBUTING.md",
             *sorted((root / "docs").rglob("*.md")), *sorted((root / "benchmarks").glob("*.md"))]
    problems, checked = [], 0
    for md in files:
        if not md.is_file():
            problems.append(f"{md.relative_to(root)}: missing")
            continue
        text = CODE.sub("", FENCE.sub("", md.read_text(encoding="utf-8")))
        for target in LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            checked += 1
            path_part, _, anchor = target.partition("#")
            dest = (md.parent / path_part).resolve() if path_part else md
            where = f"{md.relative_to(root)}: {target}"
            if not dest.exists():
                problems.append(f"{where} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where} (no heading #{anchor})")
    return checked, problems


def main() -> int:
    """Print the broken links; 0 when there are none."""
    root = Path(__file__).resolve().parent.parent
    checked, problems = broken_links(root)
    for line in problems:
        print(line)
    print(f"{checked} relative link(s) checked, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
