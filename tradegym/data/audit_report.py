"""What :func:`tradegym.data.audit.audit` returns, and its text and JSON forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

CHECKS: tuple[str, ...] = (
    "gap", "nan", "high_below_body", "low_above_body", "price_nonpositive", "volume_negative",
    "volume_zero", "stale", "move",
)
"""Every check's name, in report order."""

ERRORS: frozenset[str] = frozenset({"price_nonpositive", "volume_negative"})
"""Checks whose findings make the data unusable (loading rejects them); the rest are warnings."""

_TITLES: Mapping[str, str] = {
    "gap": "dates missing against the union calendar",
    "nan": "empty values",
    "high_below_body": "bars with high < max(open, close)",
    "low_above_body": "bars with low > min(open, close)",
    "price_nonpositive": "prices <= 0",
    "volume_negative": "volumes < 0",
    "volume_zero": "bars with volume 0",
    "stale": "runs of identical closes",
    "move": "one-day moves beyond the threshold",
}
_HEADERS: Mapping[str, str] = {
    "high_below_body": "high<body", "low_above_body": "low>body", "price_nonpositive": "price<=0",
    "volume_negative": "vol<0", "volume_zero": "vol=0",
}


def day(stamp: pd.Timestamp) -> str:
    """The date alone for a daily bar, the full timestamp for an intraday one."""
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


@dataclass(frozen=True)
class Finding:
    """One suspicious or unusable value.

    Attributes:
        symbol: the symbol.
        date: the bar's date (``YYYY-MM-DD``; a full timestamp for intraday bars).
        check: a name from :data:`CHECKS`.
        value: the offending value (a return for ``move``, a run length for ``stale``);
            ``None`` for ``gap`` and ``nan``.
        detail: one line saying what is wrong.
    """

    symbol: str
    date: str
    check: str
    value: float | None
    detail: str

    @property
    def severity(self) -> str:
        """``"error"`` (unusable) or ``"warning"`` (suspicious)."""
        return "error" if self.check in ERRORS else "warning"


@dataclass(frozen=True)
class SymbolSummary:
    """One symbol's span and missing data.

    Attributes:
        symbol: the symbol.
        first: first date with a row.
        last: last date with a row.
        rows: number of rows.
        gaps: union-calendar dates missing between ``first`` and ``last``.
        nans: empty values per field.
        adjusted: whether its prices were taken as split-adjusted.
    """

    symbol: str
    first: str
    last: str
    rows: int
    gaps: int
    nans: Mapping[str, int]
    adjusted: bool


@dataclass(frozen=True)
class AuditReport:
    """Per-symbol summaries and findings of one audit."""

    symbols: tuple[SymbolSummary, ...]
    findings: tuple[Finding, ...]

    def counts(self) -> dict[str, int]:
        """``{check: number of findings}`` for every check run (zeros included)."""
        out = dict.fromkeys(CHECKS, 0)
        for finding in self.findings:
            out[finding.check] += 1
        return out

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings that make the data unusable."""
        return tuple(f for f in self.findings if f.severity == "error")

    def of(self, check: str, symbol: str | None = None) -> list[Finding]:
        """The findings of one check (and one symbol)."""
        return [f for f in self.findings if f.check == check and symbol in (None, f.symbol)]

    def messages(self, name: str, lines: int = 5) -> list[str]:
        """One message per check with findings: a title line, up to ``lines`` findings, the rest counted."""
        out = []
        for check in CHECKS:
            found = self.of(check)
            if not found:
                continue
            body = [f"  {f.symbol} {f.date}: {f.detail}" for f in found[:lines]]
            if len(found) > lines:
                body.append(f"  and {len(found) - lines} more")
            out.append("\n".join([f"{name}: {len(found)} {_TITLES[check]}:", *body]))
        return out

    def table(self, limit: int = 20) -> str:
        """The per-symbol table, then the findings (at most ``limit`` per check; 0: all)."""
        columns = ["symbol", "first", "last", "rows", "gaps", "nan"]
        columns += [_HEADERS.get(c, c) for c in CHECKS[2:]]
        rows = [columns]
        for s in self.symbols:
            counts = [len(self.of(c, s.symbol)) for c in CHECKS[2:]]
            cells = [s.symbol, s.first, s.last, s.rows, s.gaps, sum(s.nans.values()), *counts]
            rows.append([str(v) for v in cells])
        widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
        lines = ["  ".join(v.ljust(w) if i < 3 else v.rjust(w) for i, (v, w) in
                           enumerate(zip(row, widths, strict=True))) for row in rows]
        lines.append("")
        if not self.findings:
            lines.append("no findings")
        for check in CHECKS:
            found = self.of(check)
            shown = found if limit <= 0 else found[:limit]
            for f in shown:
                value = "" if f.value is None else f"{f.value:.6g}"
                lines.append(f"{f.severity:<7}  {f.symbol}  {f.date}  {check}  {value}  {f.detail}")
            if len(found) > len(shown):
                lines.append(f"...      and {len(found) - len(shown)} more {check} (--limit 0 shows all)")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``symbols``, ``findings`` (each with its ``severity``), ``counts``."""
        return {
            "symbols": [asdict(s) | {"nans": dict(s.nans)} for s in self.symbols],
            "findings": [asdict(f) | {"severity": f.severity} for f in self.findings],
            "counts": self.counts(),
        }
