"""Data audit: what in a market is unusable, and what is merely suspicious.

:func:`audit` looks at one frame per symbol, before alignment when the raw frames are at
hand (``tradegym data check`` reads a ``csv:``/``parquet:`` spec's files itself), or at a
built :class:`~tradegym.data.market.MarketData` otherwise (every :func:`tradegym.data.load`
does this through :func:`check_market`). Checks, by name:

=====================  ========  ===============================================================
check                  severity  finding
=====================  ========  ===============================================================
``gap``                warning   a date of the union calendar missing inside a symbol's own span
``nan``                warning   an empty value (loading fails on it unless ``fill`` fills it)
``high_below_body``    warning   ``high < max(open, close)``
``low_above_body``     warning   ``low > min(open, close)``
``price_nonpositive``  error     a price ``<= 0``
``volume_negative``    error     a volume ``< 0``
``volume_zero``        warning   a volume of exactly 0
``stale``              warning   ``stale_bars`` or more identical closes in a row
``move``               warning   a one-day return beyond ``move_threshold``; without an
                                 adjusted close, a price ratio within ``split_tolerance`` of a
                                 split factor is called a possible unadjusted split
=====================  ========  ===============================================================

Errors make data unusable (loading rejects them, as it always did); warnings are reported
by :func:`check_market` as :class:`~tradegym.errors.DataWarning` (``strict=True``: a
:class:`~tradegym.errors.DataError`). The report's text and JSON forms are in
:mod:`tradegym.data.audit_report`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradegym.data.audit_report import CHECKS, AuditReport, Finding, SymbolSummary, day
from tradegym.data.fields import canonical_field
from tradegym.data.market import MarketData
from tradegym.errors import DataError, DataWarning

SPLIT_FACTORS: tuple[float, ...] = (2.0, 3.0, 1.5, 4.0, 5.0, 7.0, 10.0)
"""Share-count multipliers of common splits; their inverses are reverse splits."""

_PRICES = ("open", "high", "low", "close", "adj_close")


@dataclasses.dataclass(frozen=True)
class _Params:
    stale_bars: int
    move_threshold: float
    split_tolerance: float


def audit(
    data: MarketData | Mapping[str, pd.DataFrame],
    *,
    stale_bars: int = 5,
    move_threshold: float = 0.4,
    split_tolerance: float = 0.02,
    adjusted: bool | None = None,
) -> AuditReport:
    """Run every check of this module over a market or over raw per-symbol frames.

    Args:
        data: a built market, or ``symbol -> frame`` (index: dates; columns: field names or
            aliases such as ``"Adj Close"``), as a loader reads them before alignment.
        stale_bars: a run of at least this many identical closes is a ``stale`` finding.
        move_threshold: a one-day simple return with ``|r| >`` this is a ``move`` finding.
        split_tolerance: a move whose price ratio is within this relative distance of
            ``1/f`` (a split) or ``f`` (a reverse split), ``f`` in :data:`SPLIT_FACTORS`, is
            called a possible unadjusted split, unless the prices are adjusted.
        adjusted: whether prices already include splits; ``None``: frames with an
            ``adj_close`` column are (returns are then taken on it), and a market is when its
            ``meta["adjusted"]`` is true or it keeps an ``adj_close`` field.

    Returns:
        AuditReport: one :class:`SymbolSummary` per symbol and every finding, in symbol
        order then date order.

    Raises:
        DataError: ``stale_bars < 2``, a threshold ``<= 0``, or a frame not indexed by dates.
    """
    if stale_bars < 2 or move_threshold <= 0 or split_tolerance <= 0:
        raise DataError(
            f"audit needs stale_bars >= 2, move_threshold > 0 and split_tolerance > 0; got "
            f"{stale_bars}, {move_threshold}, {split_tolerance}"
        )
    params = _Params(stale_bars, move_threshold, split_tolerance)
    if isinstance(data, MarketData):
        frames = _market_frames(data)
        market_adjusted = bool(data.meta.get("adjusted")) or data.has("adj_close")
    else:
        frames = {str(s): _canonical(f, str(s)) for s, f in data.items()}
        market_adjusted = False
    calendar = _union_calendar(frames)
    summaries, findings = [], []
    for symbol, frame in frames.items():
        own = adjusted if adjusted is not None else market_adjusted or "adj_close" in frame.columns
        summary, found = _audit_symbol(symbol, frame, calendar, own, params)
        summaries.append(summary)
        findings.extend(found)
    return AuditReport(tuple(summaries), tuple(findings))


def check_market(market: MarketData, *, strict: bool = False, **options: Any) -> MarketData:
    """Audit a loaded market: warn about what is suspicious and record the checks in ``meta``.

    Args:
        market: a validated market (so it holds no errors: loading has rejected them).
        strict: raise instead of warning.
        **options: passed to :func:`audit` (``stale_bars``, ``move_threshold``...).

    Returns:
        MarketData: the same prices with ``meta["checks"]``, ``{check: count}`` for every
        check run.

    Raises:
        DataError: ``strict`` and a finding, naming the first few (symbol, date, what).

    Warns:
        DataWarning: one per kind of finding, naming up to 5 (symbol, date) and how many more.
    """
    report = audit(market, **options)
    messages = report.messages(market.name)
    if messages and strict:
        raise DataError(
            f"strict data checks failed: {messages[0]}"
            + (f" (and {len(messages) - 1} more kinds)" if len(messages) > 1 else "")
            + "; clean the data, or load without strict to get warnings"
        )
    for message in messages:
        warnings.warn(message, DataWarning, stacklevel=3)  # points at load()'s caller
    return dataclasses.replace(market, meta={**market.meta, "checks": report.counts()})


def check_spec(spec: str, **options: Any) -> tuple[AuditReport, str | None]:
    """Audit a data spec as ``tradegym data check`` does; nothing is written.

    A ``csv:PATH``/``parquet:PATH`` spec's files are read and audited before alignment (gaps
    show against the union calendar); other specs, or files that cannot be read that way,
    are loaded and the market is audited. Either way the spec is then loaded as
    :func:`~tradegym.data.load_spec` would, to learn whether the data is usable.

    Args:
        spec: a data spec (``sp500_stocks``, ``csv:prices/``...).
        **options: passed to :func:`audit`.

    Returns:
        ``(report, problem)``: ``problem`` is ``None`` when the spec loads, else the
        loader's error message (the data is unusable as given).

    Raises:
        ConfigError: the spec names no known source.
        DataError: the spec's data can neither be read nor loaded (the loader's message).
    """
    from tradegym.data import load_spec

    frames = _raw_frames(spec)
    market, problem = None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the report says it all
        try:
            market = load_spec(spec)
        except DataError as err:
            if frames is None:
                raise
            problem = str(err)
    report = audit(frames if frames is not None else market, **options)  # type: ignore[arg-type]
    return report, problem


# ---------------------------------------------------------------------- inputs
def _raw_frames(spec: str) -> dict[str, pd.DataFrame] | None:
    """A file spec's per-symbol frames as its files hold them, or ``None`` (not files, unreadable)."""
    from tradegym.data.csv import _list_files, _read_file, _Reading  # the loader's own reader
    from tradegym.data.spec import parse_spec

    try:
        parsed = parse_spec(spec)
    except ValueError:
        return None  # the load that follows reports why
    if parsed.source not in ("csv", "parquet") or "path" not in parsed.kwargs:
        return None
    options = parsed.kwargs
    root = Path(str(options["path"])).expanduser()
    how = _Reading(symbol_column=options.get("symbol_column"), date_column=options.get("date_column"),
                   date_format=options.get("date_format"), dayfirst=bool(options.get("dayfirst", False)),
                   path=str(options["path"]))
    try:
        frames: dict[str, pd.DataFrame] = {}
        for file in _list_files(root) if root.is_dir() else [root]:
            frames.update(_read_file(file, how))
    except (DataError, OSError):
        return None  # the load that follows reports why
    return frames or None


def _market_frames(market: MarketData) -> dict[str, pd.DataFrame]:
    """One frame per symbol; bars a ``tradable`` mask marks as not traded are left out."""
    tradable = getattr(market, "tradable", None)  # (T, N) bool, where the market has one
    frames = {}
    for n, symbol in enumerate(market.symbols):
        frame = pd.DataFrame(market.prices[:, n, :], index=market.dates, columns=list(market.fields))
        frames[symbol] = frame[np.asarray(tradable)[:, n]] if tradable is not None else frame
    return frames


def _canonical(frame: pd.DataFrame, symbol: str) -> pd.DataFrame:
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"audit: frame of {symbol} must be indexed by dates (DatetimeIndex)")
    columns = [canonical_field(c, symbol) for c in frame.columns]
    return frame.set_axis(columns, axis=1).astype(np.float64).sort_index()


def _union_calendar(frames: Mapping[str, pd.DataFrame]) -> pd.DatetimeIndex:
    calendar = pd.DatetimeIndex([])
    for frame in frames.values():
        calendar = calendar.union(frame.index)
    return calendar


# ---------------------------------------------------------------------- one symbol
def _audit_symbol(
    symbol: str, frame: pd.DataFrame, calendar: pd.DatetimeIndex, adjusted: bool, params: _Params
) -> tuple[SymbolSummary, list[Finding]]:
    dates = frame.index
    cols = {c: frame[c].to_numpy(dtype=np.float64) for c in frame.columns}  # each (T_s,)
    findings: list[Finding] = []

    def add(check: str, mask: np.ndarray, values: np.ndarray, detail: Any) -> None:
        for t in np.flatnonzero(mask):
            text = detail(t) if callable(detail) else detail
            value = None if np.isnan(values[t]) else float(values[t])
            findings.append(Finding(symbol, day(dates[t]), check, value, text))

    gaps = _gaps(dates, calendar)
    findings += [Finding(symbol, day(d), "gap", None, "no bar on a date other symbols have")
                 for d in gaps]
    for name, col in cols.items():
        add("nan", np.isnan(col), col, f"{name} is empty")
    _check_bars(cols, add)
    price = cols.get("adj_close", cols.get("close"))
    if "close" in cols:
        findings += _stale(symbol, dates, cols["close"], params.stale_bars)
    if price is not None:
        findings += _moves(symbol, dates, price, adjusted, params)
    findings.sort(key=lambda f: (f.date, CHECKS.index(f.check)))
    summary = SymbolSummary(
        symbol, day(dates[0]) if len(dates) else "", day(dates[-1]) if len(dates) else "",
        len(dates), len(gaps), {name: int(np.isnan(col).sum()) for name, col in cols.items()},
        adjusted,
    )
    return summary, findings


def _gaps(dates: pd.DatetimeIndex, calendar: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Calendar dates between the symbol's first and last bar that it lacks (listing is no gap)."""
    if len(dates) == 0:
        return dates
    inside = calendar[(calendar >= dates[0]) & (calendar <= dates[-1])]
    return inside.difference(dates)


def _check_bars(cols: Mapping[str, np.ndarray], add: Any) -> None:
    """OHLC consistency, non-positive prices and volumes."""
    with np.errstate(invalid="ignore"):
        body = [cols[c] for c in ("open", "close") if c in cols]
        if body and "high" in cols:
            top = np.fmax.reduce(body)  # (T_s,) NaN only where every body field is
            high = cols["high"]
            add("high_below_body", high < top * (1 - 1e-9), high,
                lambda t: f"high {high[t]:g} < max(open, close) {top[t]:g}")
        if body and "low" in cols:
            bottom = np.fmin.reduce(body)
            low = cols["low"]
            add("low_above_body", low > bottom * (1 + 1e-9), low,
                lambda t: f"low {low[t]:g} > min(open, close) {bottom[t]:g}")
        for name in _PRICES:
            if name in cols:
                add("price_nonpositive", cols[name] <= 0, cols[name], f"{name} <= 0")
        if "volume" in cols:
            volume = cols["volume"]
            add("volume_negative", volume < 0, volume, "volume < 0")
            add("volume_zero", volume == 0, volume, "volume is 0")


def _stale(symbol: str, dates: pd.DatetimeIndex, close: np.ndarray, min_run: int) -> list[Finding]:
    """Runs of at least ``min_run`` identical closes (NaNs end a run), dated at their first bar."""
    out = []
    start = 0
    for t in range(1, len(close) + 1):
        if t < len(close) and close[t] == close[t - 1]:
            continue
        if t - start >= min_run and not np.isnan(close[start]):
            out.append(Finding(symbol, day(dates[start]), "stale", float(t - start),
                               f"close {close[start]:g} unchanged for {t - start} bars "
                               f"to {day(dates[t - 1])}"))
        start = t
    return out


def _moves(
    symbol: str, dates: pd.DatetimeIndex, price: np.ndarray, adjusted: bool, params: _Params
) -> list[Finding]:
    """One-day returns beyond the threshold, between consecutive non-empty prices."""
    ok = np.flatnonzero(np.isfinite(price) & (price > 0))
    if len(ok) < 2:
        return []
    ratio = price[ok[1:]] / price[ok[:-1]]  # (M-1,)
    out = []
    for i in np.flatnonzero(np.abs(ratio - 1) > params.move_threshold):
        detail = f"one-day move {ratio[i] - 1:+.1%}"
        split = None if adjusted else _split_name(float(ratio[i]), params.split_tolerance)
        if split:
            detail += f"; possible unadjusted {split} (no adjusted close)"
        out.append(Finding(symbol, day(dates[ok[i + 1]]), "move", float(ratio[i] - 1), detail))
    return out


def _split_name(ratio: float, tolerance: float) -> str | None:
    """``"7:1 split"`` for a ratio near 1/7, ``"1:10 reverse split"`` near 10, else ``None``."""
    for factor in SPLIT_FACTORS:
        new, old = (3, 2) if factor == 1.5 else (int(factor), 1)
        if abs(ratio * factor - 1) <= tolerance:
            return f"{new}:{old} split"
        if abs(ratio / factor - 1) <= tolerance:
            return f"{old}:{new} reverse split"
    return None


__all__ = [
    "SPLIT_FACTORS", "AuditReport", "Finding", "SymbolSummary", "audit", "check_market", "check_spec",
]
