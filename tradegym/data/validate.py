"""Validation and alignment behind :class:`~tradegym.data.market.MarketData`'s constructors.

Each check raises :class:`~tradegym.errors.DataError` naming the field, symbol and date,
how many more are bad, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tradegym.errors import DataError, describe_more


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
            "forward fill cannot fill before the first value: start the data later or drop the symbol"
            if filled else "clean the source, drop the symbol, or pass fill='ffill'"
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


def forward_fill(values: np.ndarray) -> np.ndarray:
    """Carry the last finite value forward along ``T`` in ``(T, N, F)``; leading gaps stay NaN."""
    # Carry the last finite value forward per (symbol, field); leading gaps stay NaN.
    # Where nothing came before, the index stays 0 and row 0 is itself missing.
    ok = np.isfinite(values)
    idx = np.where(ok, np.arange(values.shape[0])[:, None, None], 0)  # (T, N, F)
    np.maximum.accumulate(idx, axis=0, out=idx)
    return np.take_along_axis(values, idx, axis=0)


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
    """The common calendar under ``align`` (strict, intersection, union+ffill); raise if empty."""
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
                    "pass align='intersection' or align='union+ffill'"
                )
        return pd.DatetimeIndex(first)
    if align == "intersection":
        cal = items[0][1]
        for _, idx in items[1:]:
            cal = cal.intersection(idx)
    elif align == "union+ffill":
        cal = items[0][1]
        for _, idx in items[1:]:
            cal = cal.union(idx)
    else:
        raise DataError(f"unknown align {align!r}; use 'strict', 'intersection' or 'union+ffill'")
    cal = pd.DatetimeIndex(cal.unique()).sort_values()
    if len(cal) == 0:
        raise DataError("the symbols share no dates: the aligned calendar is empty")
    return cal
