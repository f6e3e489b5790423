"""Validation and alignment behind :class:`~tradegym.data.market.MarketData`'s constructors.

:func:`build_array` is the body of ``MarketData.from_array`` and :func:`stack_frames` the
alignment step of ``MarketData.from_frames``; the checks below them raise
:class:`~tradegym.errors.DataError` naming the field, symbol and date, how many more are
bad, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from tradegym.data.fields import FIELDS, canonical_field
from tradegym.data.filling import hold_outside_life, honest_fill, reference_field
from tradegym.errors import DataError, describe_more

Align = Literal["strict", "intersection", "union", "union+ffill"]
Fill = Literal["ffill"] | None


def build_array(
    prices: np.ndarray,
    dates: Sequence[Any] | pd.DatetimeIndex,
    symbols: Sequence[str],
    fields: Sequence[str],
    *,
    fill: Fill,
    adjust: bool,
    life: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.DatetimeIndex, tuple[str, ...], tuple[str, ...], np.ndarray | None]:
    """Validate ``MarketData.from_array``'s arguments (documented there) into its parts.

    ``life`` ``(T, N)`` bool marks each symbol's listed bars (``from_array``'s ``tradable``);
    values outside it may be NaN and become placeholders (:mod:`tradegym.data.filling`).
    Without it, ``fill="ffill"`` takes a symbol's life to end at its last price (trailing
    gaps are a delisting, not filled) and to start at row 0 (leading gaps stay an error).

    Returns:
        ``(values, dates, symbols, fields, tradable)``: float64 values ``(T, N, F)`` in
        :data:`FIELDS` order (adjusted and without ``adj_close`` when ``adjust``), a
        ``DatetimeIndex``, the symbol and field names as tuples, and the ``(T, N)`` bool
        life (``None`` when every bar is tradable by construction).

    Raises:
        DataError: as ``MarketData.from_array``.
    """
    values = np.array(prices, dtype=np.float64, copy=True)
    if values.ndim == 2:
        values = values[:, :, None]  # (T, N, 1)
    if values.ndim != 3:
        raise DataError(f"prices must be (T, N, F) or (T, N); got shape {values.shape}")
    names = [canonical_field(f, "fields") for f in fields]
    if len(set(names)) != len(names):
        raise DataError(f"duplicate fields {list(fields)}: each field may appear once")
    symbols = tuple(str(s) for s in symbols)
    if len(set(symbols)) != len(symbols):
        dup = sorted({s for s in symbols if symbols.count(s) > 1})
        raise DataError(f"duplicate symbols {dup}: each symbol may appear once")
    index = pd.DatetimeIndex(pd.to_datetime(list(dates) if not isinstance(dates, pd.Index) else dates))
    expected = (len(index), len(symbols), len(names))
    if values.shape != expected:
        raise DataError(
            f"prices shape {values.shape} does not match (dates, symbols, fields) = {expected}"
        )
    if values.size == 0:
        raise DataError(
            f"empty market: {len(index)} dates x {len(symbols)} symbols x {len(names)} fields; "
            "check the source path, tickers and date range"
        )
    order = [FIELDS.index(n) for n in names]
    perm = np.argsort(order)
    values = values[:, :, perm]  # (T, N, F) in canonical field order
    names = [names[i] for i in perm]
    check_dates(index)
    if fill not in (None, "ffill"):
        raise DataError(f"unknown fill policy {fill!r}; use None or 'ffill'")
    life = listed_life(values, names, life, fill)
    if fill == "ffill":
        values = honest_fill(values, names)
    if life is not None:
        values = hold_outside_life(values, names, life)
    check_values(values, index, symbols, names, filled=fill == "ffill")
    if adjust and "adj_close" in names and "close" in names:
        values, names = apply_adjustment(values, names)
    return values, index, symbols, tuple(names), life


def listed_life(
    values: np.ndarray, names: list[str], life: np.ndarray | None, fill: Fill
) -> np.ndarray | None:
    """The ``(T, N)`` life ``build_array`` uses: as given, or row 0 to the last price under ffill.

    Raises:
        DataError: ``life`` has the wrong shape or a symbol with no listed bar.
    """
    if life is not None:
        life = np.asarray(life, dtype=bool)
        if life.shape != values.shape[:2]:
            raise DataError(
                f"tradable has shape {life.shape}, expected (dates, symbols) = {values.shape[:2]}"
            )
        if not life.any(axis=0).all():
            raise DataError(f"symbol column {int(np.flatnonzero(~life.any(axis=0))[0])} is never tradable")
        return life.copy()
    if fill != "ffill":
        return None
    ok = np.isfinite(values[:, :, reference_field(names)])  # (T, N)
    last = ok.shape[0] - 1 - ok[::-1].argmax(axis=0)  # (N,); an all-NaN column is reported later
    inferred = np.arange(ok.shape[0])[:, None] <= last  # (T, N)
    return None if inferred.all() else inferred


def stack_frames(
    frames: Mapping[str, pd.DataFrame], align: Align, name: str
) -> tuple[np.ndarray, pd.DatetimeIndex, list[str], tuple[str, ...], np.ndarray | None]:
    """Stack one frame per symbol onto one calendar: the alignment of ``MarketData.from_frames``.

    Returns:
        ``(values (T, N, F), calendar, symbols, fields, life)``, not yet validated (missing
        values from reindexing stay NaN for ``build_array``). ``life`` ``(T, N)`` bool is,
        under ``"union"``/``"union+ffill"``, each symbol's first to last date; else ``None``.

    Raises:
        DataError: no frames, an empty frame, unknown columns, differing field sets,
            duplicated dates or misaligned calendars under ``"strict"``.
    """
    if not frames:
        raise DataError("no symbols given: pass at least one frame")
    canon: dict[str, pd.DataFrame] = {}
    for sym, df in frames.items():
        require_datetime_index(df, f"{name}/{sym}")
        if df.empty:
            raise DataError(f"symbol {sym} has no rows; check its file or ticker")
        cols = [canonical_field(c, f"{name}/{sym}") for c in df.columns]
        canon[str(sym)] = df.set_axis(cols, axis=1)
    field_sets = {sym: tuple(sorted(df.columns, key=FIELDS.index)) for sym, df in canon.items()}
    first_sym, first_fields = next(iter(field_sets.items()))
    for sym, fs in field_sets.items():
        if fs != first_fields:
            raise DataError(
                f"symbol {sym} has fields {list(fs)} but {first_sym} has {list(first_fields)}; "
                "every symbol must carry the same fields"
            )
    for sym, df in canon.items():
        dup = df.index[df.index.duplicated()]
        if len(dup):
            raise DataError(
                f"duplicated date {dup[0].date()} for {sym}{describe_more(len(dup))}; drop duplicates"
            )
    indexes = {sym: df.index for sym, df in canon.items()}
    calendar = align_calendars(indexes, align)
    arrays = []
    for df in canon.values():
        part = df.sort_index().reindex(calendar) if align != "strict" else df
        arrays.append(part[list(first_fields)].to_numpy(dtype=np.float64))
    values = np.stack(arrays, axis=1)  # (T, N, F)
    life = None
    if align in ("union", "union+ffill"):
        # datetime64 arrays compare across units (a file's dates may be s, the calendar ns).
        stamps = calendar.to_numpy()[:, None]  # (T, 1)
        first = np.array([df.index.min().to_datetime64() for df in canon.values()])  # (N,)
        last = np.array([df.index.max().to_datetime64() for df in canon.values()])  # (N,)
        life = (stamps >= first) & (stamps <= last)  # (T, N)
    return values, calendar, list(canon), first_fields, life


def require_datetime_index(frame: pd.DataFrame, where: str) -> None:
    """Raise unless ``frame`` is indexed by dates."""
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(
            f"{where}: index must be dates (DatetimeIndex), got {type(frame.index).__name__}; "
            "parse the date column first"
        )


def check_dates(index: pd.DatetimeIndex) -> None:
    """Raise on missing, duplicated or unsorted dates, naming the first offender."""
    if index.hasnans:
        raise DataError(f"{int(index.isna().sum())} missing dates (NaT) in the index")
    dup = index[index.duplicated()]
    if len(dup):
        raise DataError(f"duplicated date {dup[0].date()}{describe_more(len(dup))}; drop duplicates")
    if len(index) > 1:
        bad = np.flatnonzero(np.diff(index.asi8) < 0)
        if len(bad):
            raise DataError(
                f"dates are not sorted: {index[bad[0] + 1].date()} comes after "
                f"{index[bad[0]].date()}{describe_more(len(bad))}; sort by date"
            )


def check_values(
    values: np.ndarray, index: pd.DatetimeIndex, symbols: tuple[str, ...], names: list[str],
    filled: bool = False,
) -> None:
    """Raise on NaN/inf, non-positive prices or negative volume, naming field, symbol and date."""
    for k, fname in enumerate(names):
        col = values[:, :, k]  # (T, N)
        bad = ~np.isfinite(col)
        problem = "NaN or inf"
        hint = (
            "forward fill cannot fill before the first value: start the data later, drop the symbol, "
            "or load one frame per symbol with align='union' (a spec: csv:PATH?align=union) so it "
            "lists late"
            if filled else "clean the source, drop the symbol, or fill gaps (a spec: csv:PATH?fill=ffill; "
            "from Python: fill='ffill')"
        )
        if not bad.any():
            bad = col < 0 if fname == "volume" else col <= 0
            problem = "< 0" if fname == "volume" else "<= 0"
            hint = "clean the source or drop the symbol"
        if bad.any():
            t, n = np.argwhere(bad)[0]
            raise DataError(
                f"{fname} {problem} for {symbols[n]} on {index[t].date()} "
                f"(value {float(col[t, n])!r}){describe_more(int(bad.sum()))}; {hint}"
            )


def apply_adjustment(values: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Scale O/H/L/C by ``adj_close / close`` (volume by its inverse); drop ``adj_close``."""
    close_k, adj_k = names.index("close"), names.index("adj_close")
    factor = values[:, :, adj_k] / values[:, :, close_k]  # (T, N)
    out = values.copy()
    for k, fname in enumerate(names):
        if fname in ("open", "high", "low", "close"):
            out[:, :, k] *= factor
        elif fname == "volume":
            out[:, :, k] /= factor
    keep = [k for k, f in enumerate(names) if f != "adj_close"]
    return out[:, :, keep], [names[k] for k in keep]


def align_calendars(indexes: Mapping[str, pd.DatetimeIndex], align: str) -> pd.DatetimeIndex:
    """The common calendar under ``align`` (strict, intersection, union, union+ffill); raise if empty."""
    items = list(indexes.items())
    if align == "strict":
        first_sym, first = items[0]
        for sym, idx in items[1:]:
            if not idx.equals(first):
                only_a = first.difference(idx)
                only_b = idx.difference(first)
                where = (
                    f"{first_sym} has {only_a[0].date()} which {sym} lacks" if len(only_a)
                    else f"{sym} has {only_b[0].date()} which {first_sym} lacks"
                )
                n_diff = len(only_a) + len(only_b)
                raise DataError(
                    f"misaligned calendars: {where}{describe_more(n_diff)}; "
                    "keep the shared dates with csv:PATH?align=intersection, or every date with "
                    "csv:PATH?align=union&fill=ffill (symbols listed late or delisted early are "
                    "then not tradable outside their life; from Python: align=...)"
                )
        return pd.DatetimeIndex(first)
    if align == "intersection":
        cal = items[0][1]
        for _, idx in items[1:]:
            cal = cal.intersection(idx)
    elif align in ("union", "union+ffill"):
        cal = items[0][1]
        for _, idx in items[1:]:
            cal = cal.union(idx)
    else:
        raise DataError(
            f"unknown align {align!r}; use 'strict', 'intersection', 'union' or 'union+ffill'"
        )
    cal = pd.DatetimeIndex(cal.unique()).sort_values()
    if len(cal) == 0:
        raise DataError("the symbols share no dates: the aligned calendar is empty")
    return cal
