"""The docs stay a building with a door: a small README, and links that lead somewhere."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_a_door_of_at_most_10_kb_that_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.encode()) <= 10_240
    first_block = text.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_every_relative_link_in_the_docs_resolves() -> None:
    spec = importlib.util.spec_from_file_location("check_links", ROOT / "scripts" / "check_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checked, problems = module.broken_links(ROOT)
    assert checked > 50 and problems == []
