"""Market data from a user's CSV or Parquet files.

Three layouts are understood, per file:

* **long**: a date column, a symbol column and field columns (``Open``, ``High``, ``Low``,
  ``Close``, ``Adj Close``, ``Volume``, any case or alias), one row per (date, symbol);
* **one symbol per file**: a date column and field columns only; the symbol is the file
  name without its suffix (Yahoo's ``Date,Open,High,Low,Close,Adj Close,Volume`` export);
* **wide**: a date column and one column of closes per symbol (no column is a field name).

A path may be one file or a folder of such files (``AAPL.csv``, ``MSFT.parquet``...), which
are combined. Calendars are reconciled by :meth:`MarketData.from_frames` under the ``align``
policy, never silently. Every option is reachable from a data spec, e.g.
``csv:prices/?symbol_column=Name&align=intersection&date_format=%d/%m/%Y``; errors that
suggest one show it that way.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradegym.data.market import Align, Fill, MarketData, canonical_field
from tradegym.data.spec import format_spec
from tradegym.errors import DataError, DataWarning, describe_more
from tradegym.registry import suggest

_DATE_NAMES: tuple[str, ...] = ("date", "datetime", "timestamp", "time")
SYMBOL_NAMES: tuple[str, ...] = ("symbol", "ticker", "name", "code")
"""Column names (any case) recognised as a long file's symbol column by default."""
_SUFFIXES: tuple[str, ...] = (".csv.gz", ".csv", ".parquet", ".pq")  # longest first
_PARQUET: tuple[str, ...] = (".parquet", ".pq")


def load_csv(
    path: str | os.PathLike[str],
    *,
    symbol_column: str | None = "symbol",
    date_column: str | None = None,
    align: Align = "strict",
    fill: Fill = None,
    adjust: bool = True,
    name: str | None = None,
    date_format: str | None = None,
    dayfirst: bool = False,
) -> MarketData:
    """Load a CSV/Parquet file, or a folder of them, into a market.

    Args:
        path: a ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file (other suffixes are read
            as CSV), or a folder; in a folder every file with one of those suffixes is read
            and hidden files are skipped.
        symbol_column: the symbol column of long files, any case (the default ``"symbol"``
            finds any of :data:`SYMBOL_NAMES`: ``symbol``, ``ticker``, ``Name``, ``code``).
            ``None`` means files have none.
        date_column: the date column (default: the first of ``date``, ``datetime``,
            ``timestamp``, ``time``, any case). A Parquet file may instead carry the dates
            as its index.
        align: ``"strict"`` (calendars must match), ``"intersection"``, ``"union"`` (every
            date; a symbol is not tradable before its first or after its last bar) or
            ``"union+ffill"``; see :meth:`MarketData.from_frames`.
        fill: ``None`` or ``"ffill"``, as :meth:`MarketData.from_array`.
        adjust: fold an ``Adj Close`` column into OHLC and drop it (``False`` keeps it).
        name: label of the market in reports (default: the folder's name, or the file's
            without suffix).
        date_format: strftime format of the dates, e.g. ``%d/%m/%Y``; by default pandas
            infers one from the first date.
        dayfirst: read ambiguous dates such as ``01/02/2006`` day first (1 February).

    Returns:
        MarketData ``(T, N, F)``: ``N`` symbols in file order (folders: by file name),
        ``F`` the fields the files have. Rows where every field of a symbol is empty are
        dropped for that symbol before alignment; rows within a symbol are sorted by date.

    Raises:
        DataError: missing path, empty folder or file, unreadable file, no date column,
            unparseable dates or non-numeric values (naming the file and value), unknown
            columns, a symbol with duplicate dates or in two files, misaligned calendars
            under ``align="strict"``, or anything :meth:`MarketData.from_frames` rejects.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise DataError(
            f"no such file or folder: {root}; pass a .csv/.parquet file or a folder of "
            "per-symbol files"
        )
    files = _list_files(root) if root.is_dir() else [root]
    how = _Reading(symbol_column, date_column, date_format, dayfirst, str(path))
    frames: dict[str, pd.DataFrame] = {}
    origin: dict[str, Path] = {}
    for file in files:
        for symbol, frame in _read_file(file, how).items():
            if symbol in frames:
                raise DataError(
                    f"symbol {symbol} is in both {origin[symbol]} and {file}; keep one of them"
                )
            frames[symbol], origin[symbol] = frame, file
    meta = {
        "source": "csv",
        "path": str(root),
        "files": [f.name for f in files],
        "align": align,
        "adjusted": adjust and all({"adj_close", "close"} <= set(f.columns) for f in frames.values()),
    }
    try:
        return MarketData.from_frames(
            frames, align=align, fill=fill, adjust=adjust, name=name or _market_name(root), meta=meta
        )
    except DataError as exc:  # the alignment's hints, written with this folder's own spec
        raise DataError(str(exc).replace("csv:PATH", format_spec("csv", str(path)))) from None


@dataclass(frozen=True)
class _Reading:
    """How every file of one load is read, and the spec that loaded it (for hints)."""

    symbol_column: str | None
    date_column: str | None
    date_format: str | None
    dayfirst: bool
    path: str

    def hint(self, **options: object) -> str:
        """The spec that fixes it: ``csv:PATH?key=value``."""
        return format_spec("csv", self.path, options)


# ---------------------------------------------------------------------- one file
def _read_file(file: Path, how: _Reading) -> dict[str, pd.DataFrame]:
    """Split one file into ``symbol -> frame`` (index: dates; columns: canonical fields)."""
    table = _read_table(file)
    date_col = _find_date_column(table, how, file)
    dates = _parse_dates(table[date_col], file, date_col, how)
    body = table.drop(columns=date_col).set_axis(dates, axis=0)
    sym_col = _find_symbol_column(body, how, file)
    if sym_col is not None:
        symbols = body[sym_col]
        if symbols.isna().any():
            row = int(np.flatnonzero(symbols.isna().to_numpy())[0])
            raise DataError(f"empty symbol in column {sym_col!r} of {file}, row {row + 1}")
        parts = {
            str(sym): group.drop(columns=sym_col)
            for sym, group in body.groupby(symbols.astype(str), sort=False)
        }
    elif any(_is_field(c) for c in body.columns):
        _refuse_text_columns(body, file, how)
        parts = {_stem(file): body}
    else:  # wide: every column is a symbol holding closes
        parts = {str(c): body[[c]].set_axis(["close"], axis=1) for c in body.columns}
    return {sym: _clean(part, sym, file) for sym, part in parts.items()}


def _clean(part: pd.DataFrame, symbol: str, file: Path) -> pd.DataFrame:
    part = part.set_axis([canonical_field(c, str(file)) for c in part.columns], axis=1)
    for column in part.columns:
        part[column] = _numeric(part[column], column, symbol, file)
    part = part.dropna(how="all")
    if part.empty:
        raise DataError(f"{symbol} in {file} has no values; every row is empty")
    dup = part.index[part.index.duplicated()]
    if len(dup):
        raise DataError(
            f"duplicate date {_when(dup[0])} for {symbol} in {file}{describe_more(len(dup))}; "
            "each symbol needs one row per date (drop duplicates, or check the symbol column)"
        )
    return part.sort_index()


def _read_table(file: Path) -> pd.DataFrame:
    try:
        if file.name.lower().endswith(_PARQUET):
            table = pd.read_parquet(file)
            if isinstance(table.index, pd.DatetimeIndex) and table.index.name is None:
                table = table.rename_axis("date")
            if any(level is not None for level in table.index.names):  # dates in the index
                table = table.reset_index()
        else:
            table = pd.read_csv(file)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{file} is empty") from exc
    except (OSError, ValueError) as exc:  # parser, decoding and pyarrow errors
        raise DataError(f"cannot read {file}: {exc}") from exc
    if table.empty:
        raise DataError(f"{file} has no data rows (columns: {[str(c) for c in table.columns]})")
    return table


def _find_date_column(table: pd.DataFrame, how: _Reading, file: Path) -> str:
    names = [str(c) for c in table.columns]
    date_column = how.date_column
    if date_column is not None:
        if date_column in table.columns:
            return date_column
        raise DataError(
            f"date column {date_column!r} not in {file}; columns are {names}."
            f"{suggest(date_column, names)}"
        )
    lowered = {str(c).strip().lower(): c for c in table.columns}
    for candidate in _DATE_NAMES:
        if candidate in lowered:
            return lowered[candidate]
    raise DataError(
        f"no date column in {file}: columns are {names}; name it 'date' (or Date, datetime, "
        f"timestamp) or name it in the spec: {how.hint(date_column=names[0])}"
    )


def _parse_dates(column: pd.Series, file: Path, name: str, how: _Reading) -> pd.DatetimeIndex:
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed = column
    elif pd.api.types.is_integer_dtype(column) and column.between(10_000_101, 29_991_231).all():
        parsed = pd.to_datetime(column.astype(str), format="%Y%m%d", errors="coerce")  # 20200131
    elif pd.api.types.is_numeric_dtype(column):
        raise DataError(
            f"date column {name!r} of {file} holds numbers (first {column.iloc[0]}); "
            "write dates as text such as 2020-01-31"
        )
    else:
        parsed = _text_dates(column, how)
        _warn_if_ambiguous(column, file, how)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        row = int(bad[0])
        if how.date_format is not None:
            fix = (f"it does not match date_format={how.date_format!r}; correct the format "
                   f"(strftime codes, e.g. {how.hint(date_format='%Y-%m-%d')})")
        else:
            # pandas infers the format from the first date, so 13/01/2006 after 01/02/2006 fails.
            fix = (f"if the dates have another format, give it in the spec: "
                   f"{how.hint(date_format='%d/%m/%Y')} (or ?dayfirst=true for day-first dates)")
        raise DataError(
            f"cannot parse date {column.iloc[row]!r} in column {name!r} of {file}, row {row + 1}"
            f"{describe_more(len(bad))}; {fix}"
        )
    return pd.DatetimeIndex(parsed, name="date")


def _warn_if_ambiguous(column: pd.Series, file: Path, how: _Reading) -> None:
    """Warn when no date in the file tells day-first from month-first (both numbers <= 12 everywhere).

    Such a file (``05/06/2020, 06/06/2020, ...`` over a few days) parses both ways without an
    error; read month first, a day-first file would be silently reordered into other dates.
    """
    if how.date_format is not None:
        return
    parts = column.astype(str).str.extract(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b")
    if parts.isna().any().any() or parts.empty:
        return  # not a d/m/y or m/d/y text format
    numbers = parts.astype(int)
    if (numbers <= 12).all().all():
        spans = {}
        for first in (False, True):
            read = pd.to_datetime(column, errors="coerce", dayfirst=first)
            spans[first] = f"{read.min().date()} to {read.max().date()}"
        order = "day first (?dayfirst=true)" if how.dayfirst else "month first (pandas' default)"
        warnings.warn(DataWarning(
            f"{file}: every date reads both day-first and month-first ({column.iloc[0]!r}: month first "
            f"{spans[False]}, day first {spans[True]}); read {order}. If that is wrong, give the format "
            f"in the spec: {how.hint(date_format='%d/%m/%Y')}"), stacklevel=4)


def _text_dates(column: pd.Series, how: _Reading) -> pd.Series:
    """Dates parsed from text under the spec's format or day-first choice; NaT where they fail."""
    options = {"format": how.date_format} if how.date_format else {"dayfirst": how.dayfirst}
    with warnings.catch_warnings():
        # Unparseable values are reported by the caller; pandas' format warnings add nothing.
        warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
        warnings.filterwarnings("ignore", "Parsing dates in", UserWarning)
        try:
            return pd.to_datetime(column, errors="coerce", **options)
        except ValueError:  # mixed UTC offsets, e.g. across a daylight-saving change
            return pd.to_datetime(column, errors="coerce", utc=True, **options)


def _find_symbol_column(body: pd.DataFrame, how: _Reading, file: Path) -> str | None:
    symbol_column = how.symbol_column
    if symbol_column is None:
        return None
    wanted = [symbol_column.lower()] if symbol_column != "symbol" else list(SYMBOL_NAMES)
    lowered = {str(c).strip().lower(): c for c in body.columns}
    for candidate in wanted:
        if candidate in lowered:
            return lowered[candidate]
    if symbol_column != "symbol":  # asked for by name: its absence is a mistake
        names = [str(c) for c in body.columns]
        raise DataError(
            f"symbol column {symbol_column!r} not in {file}; columns are {names}."
            f"{suggest(symbol_column, names)}"
        )
    return None


def _refuse_text_columns(body: pd.DataFrame, file: Path, how: _Reading) -> None:
    """A text column next to the fields is most likely an unrecognised symbol column."""
    for column in body.columns:
        if not _is_field(column) and not pd.api.types.is_numeric_dtype(body[column]):
            names = [str(c) for c in body.columns]
            raise DataError(
                f"column {str(column)!r} of {file} is not a field and holds text "
                f"(first {body[column].iloc[0]!r}); if it names the symbols, say so in the spec: "
                f"{how.hint(symbol_column=str(column))}. Columns: {names}; recognised symbol "
                f"columns: {', '.join(SYMBOL_NAMES)} (any case)"
            )


def _numeric(values: pd.Series, column: str, symbol: str, file: Path) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(np.float64)
    coerced = pd.to_numeric(values, errors="coerce")
    bad = np.flatnonzero((coerced.isna() & values.notna()).to_numpy())
    if len(bad):
        row = int(bad[0])
        raise DataError(
            f"non-numeric {column} {values.iloc[row]!r} for {symbol} on {_when(values.index[row])} "
            f"in {file}{describe_more(len(bad))}; clean the file"
        )
    return coerced.astype(np.float64)


# ---------------------------------------------------------------------- names
def _when(stamp: pd.Timestamp) -> str:
    """The date alone for a daily bar, the full timestamp for an intraday one."""
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _is_field(column: object) -> bool:
    try:
        canonical_field(str(column))
    except DataError:
        return False
    return True


def _list_files(folder: Path) -> list[Path]:
    files = sorted(
        p for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(_SUFFIXES)
    )
    if not files:
        raise DataError(
            f"folder {folder} has no {', '.join(_SUFFIXES)} files; put one file per symbol "
            "there (AAPL.csv, MSFT.parquet...)"
        )
    return files


def _market_name(root: Path) -> str:
    """A folder's name, or a file's without suffix (``.`` and ``..`` resolved first)."""
    return _stem(Path(os.path.normpath(root.absolute())))


def _stem(path: Path) -> str:
    lowered = path.name.lower()
    for suffix in _SUFFIXES:
        if lowered.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem
