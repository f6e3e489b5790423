import importlib.util
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from tradegym.data import SOURCES, load, sample
from tradegym.errors import ConfigError, DataError

OHLCV = ("open", "high", "low", "close", "volume")
SP500_SYMBOLS = (
    "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO",
    "LLY", "MRK", "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
)
# name -> (shape, first date, last date, symbols, fields, licence)
EMBEDDED = {
    "sp500_stocks": ((8313, 20, 1), "1990-01-02", "2022-12-28", SP500_SYMBOLS, ("close",),
                     "BSD-3-Clause (skfolio)"),
    "sp500_index": ((5031, 1, 5), "1999-01-04", "2018-12-31", ("SP500",), OHLCV, "NCSA (arch)"),
    "nasdaq_index": ((5031, 1, 5), "1999-01-04", "2018-12-31", ("NASDAQ",), OHLCV, "NCSA (arch)"),
    "googl": ((2335, 1, 5), "2009-05-22", "2018-08-29", ("GOOGL",), OHLCV, "MIT (gym-anytrading)"),
}


def googl_raw() -> pd.DataFrame:
    folder = importlib.util.find_spec("gym_anytrading").submodule_search_locations[0]
    return pd.read_csv(f"{folder}/datasets/data/STOCKS_GOOGL.csv", index_col="Date")


@pytest.mark.parametrize("name", list(EMBEDDED))
def test_embedded_sets_have_documented_shape_dates_and_provenance(name):
    shape, first, last, symbols, fields, licence = EMBEDDED[name]
    data = load(name)
    assert data.prices.shape == shape
    assert data.dates[0] == pd.Timestamp(first)
    assert data.dates[-1] == pd.Timestamp(last)
    assert data.symbols == symbols
    assert data.fields == fields
    assert data.name == name
    assert data.meta["licence"] == licence
    assert (data.meta["start"], data.meta["end"]) == (first, last)
    assert data.dates.is_monotonic_increasing and data.dates.is_unique


def test_sp500_stocks_values_are_the_files_adjusted_closes():
    data = sample.load_sp500_stocks()
    assert data.meta["adjusted"] is True
    assert "adjusted" in data.meta["note"]
    # First row of skfolio's file: AAPL 0.264, XOM 4.068 on 1990-01-02.
    assert_allclose(data.close[0, [0, -1]], [0.264, 4.068])


def test_googl_adjusted_close_equals_the_raw_adj_close():
    raw = googl_raw()
    data = sample.load_googl()
    assert "adj_close" not in data.fields
    assert_allclose(data.close[:, 0], raw["Adj Close"].to_numpy())
    factor = raw["Adj Close"].to_numpy() / raw["Close"].to_numpy()
    assert_allclose(data.field("open")[:, 0], raw["Open"].to_numpy() * factor)


def test_googl_unadjusted_keeps_all_six_raw_fields():
    raw = googl_raw()
    data = sample.load_googl(adjust=False)
    assert data.fields == ("open", "high", "low", "close", "volume", "adj_close")
    assert data.meta["adjusted"] is False
    columns = ["Open", "High", "Low", "Close", "Volume", "Adj Close"]
    assert_array_equal(data.prices[:, 0, :], raw[columns].to_numpy(dtype=np.float64))


@pytest.mark.parametrize("loader", [sample.load_sp500_index, sample.load_nasdaq_index])
def test_index_loaders_pass_adjust_through(loader):
    assert loader(adjust=False).fields == (*OHLCV, "adj_close")
    assert loader().fields == OHLCV


def test_repeated_loads_return_fresh_markets_from_the_cached_file():
    first, second = sample.load_sp500_stocks(), sample.load_sp500_stocks()
    assert first is not second and first.prices is not second.prices
    assert first.fingerprint() == second.fingerprint()
    assert sample._read_csv.cache_info().hits >= 1


def test_missing_package_raises_with_an_install_hint(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        sample.importlib.util, "find_spec",
        lambda name, *args: None if name == "gym_anytrading" else real(name, *args),
    )
    with pytest.raises(DataError, match=re.escape("not installed; pip install gym-anytrading")):
        sample.load_googl()


def test_loading_does_not_import_the_host_packages():
    code = (
        "import sys; from tradegym.data import load\n"
        "for name in ['sp500_stocks', 'sp500_index', 'googl']: load(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('skfolio', 'arch', 'gym_anytrading')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registry_lists_the_embedded_sources():
    assert set(EMBEDDED) <= set(SOURCES.names())


def test_misspelt_source_gets_did_you_mean():
    with pytest.raises(ConfigError, match=re.escape(
        "unknown data source 'sp500_stock'. Did you mean 'sp500_stocks'?"
    )):
        load("sp500_stock")


def test_load_filters_dates_and_symbols():
    data = load("sp500_stocks", start="2020-01-01", end="2020-12-31", symbols=["MSFT", "AAPL"])
    assert data.symbols == ("MSFT", "AAPL")
    assert data.dates[0] == pd.Timestamp("2020-01-02")
    assert data.dates[-1] == pd.Timestamp("2020-12-31")
