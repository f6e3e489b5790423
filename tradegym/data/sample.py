"""Real market data embedded in installed wheels: offline, read as files on first use.

The files ship inside packages tradegym already depends on. They are located with
:func:`importlib.util.find_spec` on the *top-level* package, which finds the install folder
without importing it: skfolio and arch are slow to import, and gym-anytrading reads and
deep-copies its CSVs at import time. Each parsed file is cached per process; every call
still returns a fresh :class:`~tradegym.data.market.MarketData`.

==================  ====================================================  ============
loader              data                                                  ``(T, N, F)``
==================  ====================================================  ============
sp500_stocks        20 US stocks, adjusted closes, 1990-01-02..2022-12-28  (8313, 20, 1)
sp500_index         S&P 500 index OHLCV, 1999-01-04..2018-12-31           (5031, 1, 5)
nasdaq_index        NASDAQ Composite OHLCV, 1999-01-04..2018-12-31        (5031, 1, 5)
googl               GOOGL OHLCV, 2009-05-22..2018-08-29                   (2335, 1, 5)
us_indices          S&P 500 and NASDAQ Composite OHLCV, 1999..2018       (5031, 2, 5)
==================  ====================================================  ============
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from tradegym.data.market import MarketData
from tradegym.errors import DataError


class _Embedded(NamedTuple):
    package: str  # top-level import name
    relative: str  # file path inside the package folder
    pip_name: str  # what to ``pip install``
    licence: str
    url: str
    date_format: str | None  # explicit format: the arch files write 1/4/1999


_SP500_STOCKS = _Embedded(
    "skfolio", "datasets/data/sp500_dataset.csv.gz", "skfolio", "BSD-3-Clause (skfolio)",
    "https://github.com/skfolio/skfolio", "%Y-%m-%d",
)
_SP500_INDEX = _Embedded(
    "arch", "data/sp500/sp500.csv.gz", "arch", "NCSA (arch)",
    "https://github.com/bashtage/arch", "%m/%d/%Y",
)
_NASDAQ_INDEX = _Embedded(
    "arch", "data/nasdaq/nasdaq.csv.gz", "arch", "NCSA (arch)",
    "https://github.com/bashtage/arch", "%m/%d/%Y",
)
_GOOGL = _Embedded(
    "gym_anytrading", "datasets/data/STOCKS_GOOGL.csv", "gym-anytrading", "MIT (gym-anytrading)",
    "https://github.com/AminHP/gym-anytrading", "%Y-%m-%d",
)


def load_sp500_stocks() -> MarketData:
    """Twenty large US stocks (AAPL, AMD, BAC, ... XOM), daily closes, from skfolio.

    The values are Yahoo adjusted closes (splits and dividends folded in), so the market
    has the single field ``"close"`` and its returns are total returns.

    Returns:
        MarketData ``(8313, 20, 1)``, 1990-01-02 to 2022-12-28, prices in USD,
        named ``"sp500_stocks"``.

    Raises:
        DataError: skfolio is not installed or its data file is missing.

    >>> load_sp500_stocks().describe()
    "sp500_stocks: 8313 bars x 20 assets, fields ['close'], 1990-01-02 to 2022-12-28"
    """
    frame = _read(_SP500_STOCKS)
    return MarketData.from_wide(
        frame, "close", name="sp500_stocks",
        meta={**_meta(_SP500_STOCKS, frame, adjusted=True,
                      note="values are split- and dividend-adjusted closes (Yahoo 'Adj Close')"),
              "warning": "survivorship-biased: 20 of today's large US stocks chosen with hindsight "
                         "(none delisted, none failed); compare strategies on it, do not read "
                         "absolute returns as achievable"},
    )


def load_sp500_index(*, adjust: bool = True) -> MarketData:
    """The S&P 500 index, daily OHLCV, from arch; symbol ``"SP500"``.

    Args:
        adjust: fold ``adj_close / close`` into open/high/low/close and drop ``adj_close``
            (for an index the two closes agree, so only the column goes); ``False`` keeps
            all six fields.

    Returns:
        MarketData ``(5031, 1, 5)`` (``(5031, 1, 6)`` unadjusted), 1999-01-04 to
        2018-12-31, index points and share volume, named ``"sp500_index"``.

    Raises:
        DataError: arch is not installed or its data file is missing.
    """
    return _ohlcv(_SP500_INDEX, "SP500", "sp500_index", adjust)


def load_nasdaq_index(*, adjust: bool = True) -> MarketData:
    """The NASDAQ Composite index, daily OHLCV, from arch; symbol ``"NASDAQ"``.

    Args:
        adjust: as :func:`load_sp500_index`.

    Returns:
        MarketData ``(5031, 1, 5)`` (``(5031, 1, 6)`` unadjusted), 1999-01-04 to
        2018-12-31, named ``"nasdaq_index"``.

    Raises:
        DataError: arch is not installed or its data file is missing.
    """
    return _ohlcv(_NASDAQ_INDEX, "NASDAQ", "nasdaq_index", adjust)


def load_googl(adjust: bool = True) -> MarketData:
    """Alphabet class A (GOOGL), daily OHLCV, from gym-anytrading; symbol ``"GOOGL"``.

    Args:
        adjust: scale open/high/low/close by ``adj_close / close`` and drop ``adj_close``;
            ``False`` keeps the raw six fields (open, high, low, close, volume, adj_close).

    Returns:
        MarketData ``(2335, 1, 5)`` (``(2335, 1, 6)`` unadjusted), 2009-05-22 to
        2018-08-29, prices in USD, named ``"googl"``.

    Raises:
        DataError: gym-anytrading is not installed or its data file is missing.
    """
    return _ohlcv(_GOOGL, "GOOGL", "googl", adjust)


def load_us_indices(*, adjust: bool = True) -> MarketData:
    """The S&P 500 and the NASDAQ Composite together, daily OHLCV, from arch.

    The two files share one calendar; a difference would raise (``align="strict"``).
    The GAN benchmarks use this two-asset universe: long, with opens, and correlated.

    Args:
        adjust: as :func:`load_sp500_index`.

    Returns:
        MarketData ``(5031, 2, 5)``, symbols ``("SP500", "NASDAQ")``, 1999-01-04 to
        2018-12-31, named ``"us_indices"``.

    Raises:
        DataError: arch is not installed, a file is missing, or the calendars differ.

    >>> data = load_us_indices()
    >>> data.symbols, data.prices.shape, str(data.dates[0].date()), str(data.dates[-1].date())
    (('SP500', 'NASDAQ'), (5031, 2, 5), '1999-01-04', '2018-12-31')
    """
    frames = {"SP500": _read(_SP500_INDEX), "NASDAQ": _read(_NASDAQ_INDEX)}
    note = "OHLC scaled by Adj Close / Close" if adjust else "raw OHLCV and Adj Close"
    meta = _meta(_SP500_INDEX, frames["SP500"], adjusted=adjust, note=note)
    meta["source"] += f" and {_NASDAQ_INDEX.relative}"
    return MarketData.from_frames(frames, name="us_indices", adjust=adjust, meta=meta)


# ---------------------------------------------------------------------- helpers
def _ohlcv(spec: _Embedded, symbol: str, name: str, adjust: bool) -> MarketData:
    frame = _read(spec)
    note = "OHLC scaled by Adj Close / Close" if adjust else "raw OHLCV and Adj Close"
    return MarketData.from_frames(
        {symbol: frame}, name=name, adjust=adjust,
        meta=_meta(spec, frame, adjusted=adjust, note=note),
    )


def _meta(spec: _Embedded, frame: pd.DataFrame, *, adjusted: bool, note: str) -> dict[str, Any]:
    return {
        "source": f"{spec.pip_name} (pip): {spec.package}/{spec.relative}",
        "url": spec.url,
        "licence": spec.licence,
        "adjusted": adjusted,
        "note": note,
        "start": str(frame.index[0].date()),
        "end": str(frame.index[-1].date()),
    }


def _read(spec: _Embedded) -> pd.DataFrame:
    # A copy, so no caller can alter the per-process cache.
    return _read_csv(_locate(spec), spec.date_format).copy()


def _locate(spec: _Embedded) -> Path:
    # find_spec on a top-level name does not import the package (a dotted name would
    # import its parents, which is what we avoid).
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise DataError(
            f"this dataset ships inside the {spec.pip_name!r} package, which is not installed; "
            f"pip install {spec.pip_name}"
        )
    folders = list(found.submodule_search_locations)
    for folder in folders:
        path = Path(folder) / spec.relative
        if path.is_file():
            return path
    raise DataError(
        f"{spec.relative} not found in the installed {spec.pip_name} ({', '.join(folders)}); "
        f"pip install --force-reinstall {spec.pip_name}"
    )


@functools.cache  # parsed once per process; _read hands out copies
def _read_csv(path: Path, date_format: str | None) -> pd.DataFrame:
    frame = pd.read_csv(path)
    dates = pd.to_datetime(frame.iloc[:, 0], format=date_format)
    return frame.iloc[:, 1:].set_axis(pd.DatetimeIndex(dates, name="date"), axis=0)
