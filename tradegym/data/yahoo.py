"""Market data downloaded from Yahoo Finance with yfinance, cached on disk as Parquet.

The download is an injectable function (``download=``), so tests and offline users never
touch the network; the default calls :func:`yfinance.download`, imported on first use.
Offline, yfinance does not raise: it returns an empty frame. :func:`load_yahoo` treats an
empty result, or a ticker without a single value, as a failure and says how to load a
CSV instead.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tradegym.data.cache import FrameCache, default_cache_dir
from tradegym.data.market import FIELDS, Align, MarketData, canonical_field
from tradegym.errors import CacheError, ConfigError, DataError
from tradegym.registry import suggest

Download = Callable[..., pd.DataFrame]
"""``download(tickers: list[str], *, start, end, interval, timeout_s) -> DataFrame`` shaped
like :func:`yfinance.download` output: a date index and ``(Price, Ticker)`` columns."""

INTERVALS: tuple[str, ...] = (
    "1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h", "1d", "5d", "1wk", "1mo", "3mo",
)
"""Bar sizes yfinance accepts."""

_OFFLINE_HINT = (
    "Without network access, load a file instead: load('csv', path=...) in Python or "
    "--data csv:PATH on the command line."
)


def load_yahoo(
    tickers: str | Sequence[str],
    *,
    start: Any = None,
    end: Any = None,
    interval: str = "1d",
    cache_dir: str | Path | None = None,
    refresh: bool = False,
    align: Align = "intersection",
    timeout_s: float = 10.0,
    download: Download | None = None,
    adjust: bool = True,
) -> MarketData:
    """Download OHLCV bars from Yahoo Finance, or read them from the on-disk cache.

    Args:
        tickers: Yahoo symbols (``["SPY", "^GSPC", "EURUSD=X"]``) or one string separated by
            commas or spaces; upper-cased, duplicates dropped, order kept.
        start: first date, inclusive (anything ``pandas.Timestamp`` parses; ``None``: the
            earliest Yahoo has).
        end: last date, *exclusive* as in yfinance; ``None`` means up to today, and the cache
            entry is then keyed by today's date so it refreshes once a day.
        interval: bar size, one of :data:`INTERVALS`.
        cache_dir: cache folder (default ``$TRADEGYM_CACHE/yahoo`` or
            ``~/.cache/tradegym/yahoo``).
        refresh: download again even if an entry exists, and overwrite it.
        align: how differing trading calendars are reconciled (see
            :meth:`MarketData.from_frames`); rows where a ticker has no value at all are
            dropped for that ticker first.
        timeout_s: per-request timeout of the default download, in seconds.
        download: replaces :func:`yfinance.download` (see :data:`Download`).
        adjust: fold ``Adj Close`` into OHLC and drop it; ``False`` keeps the raw six fields.

    Returns:
        MarketData ``(T, N, F)`` with ``N`` tickers in the order given, prices in each
        ticker's currency, named ``"yahoo"``; ``meta`` records the query and cache file.

    Raises:
        ConfigError: unknown ``interval`` (with a suggestion).
        DataError: no tickers, or the download returned no data for some ticker (offline,
            unknown ticker or empty range), or the data is invalid.
        CacheError: the cache entry was corrupt (it is removed, with a warning) and
            downloading it again failed.
    """
    symbols = _tickers(tickers)
    if interval not in INTERVALS:
        raise ConfigError(
            f"unknown interval {interval!r}.{suggest(interval, list(INTERVALS))} "
            f"Use one of {', '.join(INTERVALS)}."
        )
    key = {
        "source": "yahoo",
        "tickers": sorted(symbols),
        "start": None if start is None else _timestamp(start, "start"),
        "end": f"open@{dt.date.today()}" if end is None else _timestamp(end, "end"),
        "interval": interval,
    }
    cache = FrameCache(default_cache_dir("yahoo") if cache_dir is None else cache_dir)
    label = f"{'-'.join(sorted(symbols))}_{interval}"
    table, corrupt = None, None
    if refresh:
        cache.remove(key, label)
    else:
        try:
            table = cache.load(key, label)
        except CacheError as exc:
            warnings.warn(f"{exc}; downloading again", stacklevel=2)
            corrupt = exc
    if table is None:
        try:
            raw = _fetch(download or yfinance_download, symbols, start, end, interval, timeout_s)
            table = _to_long(raw, symbols, start, end, interval)
        except DataError as exc:
            if corrupt is None:
                raise
            raise CacheError(f"{corrupt}, and downloading it again failed: {exc}") from exc
        cache.save(key, table, label)
    frames = {sym: _frame_of(table, sym) for sym in symbols}
    meta = {
        "source": "yahoo (yfinance)",
        "licence": "Yahoo Finance terms of use: personal, non-commercial research",
        "tickers": symbols, "start": key["start"], "end": key["end"], "interval": interval,
        "adjusted": adjust, "cache": str(cache.path(key, label)),
    }
    return MarketData.from_frames(frames, align=align, adjust=adjust, name="yahoo", meta=meta)


def yfinance_download(
    tickers: list[str], *, start: Any, end: Any, interval: str, timeout_s: float
) -> pd.DataFrame:
    """Call :func:`yfinance.download` with unadjusted prices and ``(Price, Ticker)`` columns.

    Raises:
        DataError: yfinance is not installed.
    """
    try:
        import yfinance as yf
    except ImportError as exc:
        raise DataError(
            f"load_yahoo needs yfinance: pip install yfinance. {_OFFLINE_HINT}"
        ) from exc
    with warnings.catch_warnings():
        # yfinance's own pandas deprecation warnings say nothing to our users.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="yfinance")
        return yf.download(
            tickers, start=start, end=end, interval=interval, auto_adjust=False,
            progress=False, group_by="column", threads=False, timeout=timeout_s,
        )


# ---------------------------------------------------------------------- helpers
def _tickers(tickers: str | Sequence[str]) -> list[str]:
    items = re.split(r"[,\s]+", tickers) if isinstance(tickers, str) else list(tickers)
    symbols = list(dict.fromkeys(str(t).strip().upper() for t in items if str(t).strip()))
    if not symbols:
        raise DataError("no tickers given: e.g. yahoo:SPY,QQQ (from Python: tickers=['SPY', 'QQQ'])")
    return symbols


def _timestamp(value: Any, what: str) -> str:
    try:
        return str(pd.Timestamp(value))
    except (TypeError, ValueError) as exc:
        raise DataError(f"cannot read {what}={value!r} as a date; use e.g. '2020-01-31'") from exc


def _fetch(
    download: Download, symbols: list[str], start: Any, end: Any, interval: str, timeout_s: float
) -> pd.DataFrame:
    try:
        raw = download(symbols, start=start, end=end, interval=interval, timeout_s=timeout_s)
    except DataError:
        raise
    except Exception as exc:  # any network or parsing failure inside the downloader
        raise DataError(
            f"yahoo download of {', '.join(symbols)} failed ({type(exc).__name__}: {exc}). "
            f"{_OFFLINE_HINT}"
        ) from exc
    if not isinstance(raw, pd.DataFrame):
        raise DataError(f"download returned {type(raw).__name__}, expected a pandas DataFrame")
    return raw


def _to_long(
    raw: pd.DataFrame, symbols: list[str], start: Any, end: Any, interval: str
) -> pd.DataFrame:
    """Turn yfinance's wide frame into a long one: ``(date, symbol, fields...)``.

    Rows where a ticker has no value at all are dropped.

    Raises:
        DataError: some ticker has no values at all.
    """
    parts: dict[str, pd.DataFrame] = {}
    for sym, part in _by_ticker(raw, symbols).items():
        part = part.dropna(how="all")  # a day this ticker did not trade
        if not part.empty:
            parts[sym] = part
    missing = [s for s in symbols if s not in parts]
    if missing:
        raise DataError(
            f"yahoo download returned no data for {', '.join(missing)} (interval {interval}, "
            f"start {start}, end {end}): offline, unknown ticker, or nothing in that range. "
            f"{_OFFLINE_HINT}"
        )
    long = pd.concat(parts, names=["symbol", "date"]).reset_index()
    order = [f for f in FIELDS if f in long.columns]
    return long[["date", "symbol", *order]]


def _by_ticker(raw: pd.DataFrame, symbols: list[str]) -> dict[str, pd.DataFrame]:
    """Per-ticker frames with canonical field columns, from either yfinance layout."""
    columns = raw.columns
    if not isinstance(columns, pd.MultiIndex):  # one ticker, columns are fields
        if len(symbols) != 1:
            raise DataError(
                f"download has single-level columns {list(map(str, columns))} for "
                f"{len(symbols)} tickers; expected (Price, Ticker) columns"
            )
        return {symbols[0]: _canonical(raw)}
    if columns.nlevels != 2:
        raise DataError(f"download has {columns.nlevels} column levels; expected (Price, Ticker)")
    names = [str(n).lower() for n in columns.names]
    # Named levels are trusted; unnamed ones are read as group_by="column": (Price, Ticker).
    ticker_level = names.index("ticker") if "ticker" in names else 1
    found = {str(t).upper(): t for t in columns.get_level_values(ticker_level).unique()}
    return {
        sym: _canonical(raw.xs(found[sym], axis=1, level=ticker_level))
        for sym in symbols if sym in found
    }


def _canonical(part: pd.DataFrame) -> pd.DataFrame:
    part = part.set_axis([canonical_field(c, "yahoo download") for c in part.columns], axis=1)
    part.index = pd.DatetimeIndex(part.index, name="date")
    return part.astype("float64")


def _frame_of(table: pd.DataFrame, symbol: str) -> pd.DataFrame:
    rows = table.loc[table["symbol"] == symbol]
    return rows.drop(columns="symbol").set_index("date")

