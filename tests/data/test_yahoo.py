import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from tradegym.data import load
from tradegym.data.cache import FrameCache, default_cache_dir
from tradegym.data.yahoo import load_yahoo
from tradegym.errors import CacheError, ConfigError, DataError

PRICES = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]
DAYS = pd.to_datetime(["2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07"])


def ticker_bars(days, base: float) -> pd.DataFrame:
    close = base + np.arange(len(days), dtype=float)
    return pd.DataFrame(
        {"Adj Close": close / 2, "Close": close, "High": close + 1, "Low": close - 1,
         "Open": close - 0.5, "Volume": 1000.0 + np.arange(len(days))},
        index=pd.DatetimeIndex(days, name="Date"),
    )


def yf_frame(bars: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """A frame laid out like yfinance 1.x: columns (Price, Ticker), sorted by Price."""
    frame = pd.concat(bars, axis=1, names=["Ticker", "Price"])  # outer join of dates
    frame = frame.swaplevel(axis=1).sort_index(axis=1)
    frame.columns = frame.columns.set_names(["Price", "Ticker"])
    frame.index.name = "Date"
    return frame


def empty_yf_frame(tickers) -> pd.DataFrame:
    """What yfinance.download returns offline: no rows, the full column MultiIndex."""
    columns = pd.MultiIndex.from_product([PRICES, tickers], names=["Price", "Ticker"])
    return pd.DataFrame(index=pd.DatetimeIndex([], name="Date"), columns=columns, dtype=float)


class FakeDownload:
    def __init__(self, frame: pd.DataFrame):
        self.frame, self.calls = frame, []

    def __call__(self, tickers, *, start, end, interval, timeout_s):
        self.calls.append({"tickers": tickers, "start": start, "end": end, "interval": interval})
        return self.frame.copy()


@pytest.fixture
def two_tickers():
    # MSFT has no bar on 2021-01-05 (all NaN there after the outer join).
    return FakeDownload(yf_frame({
        "AAPL": ticker_bars(DAYS, 100.0),
        "MSFT": ticker_bars(DAYS.delete(1), 200.0),
    }))


def fetch(download, tmp_path, tickers=("AAPL", "MSFT"), **kwargs):
    return load_yahoo(list(tickers), start="2021-01-01", end="2021-01-08",
                      cache_dir=tmp_path, download=download, **kwargs)


def test_yfinance_layout_becomes_an_aligned_adjusted_market(two_tickers, tmp_path):
    data = fetch(two_tickers, tmp_path)
    assert data.symbols == ("AAPL", "MSFT")
    assert data.fields == ("open", "high", "low", "close", "volume")
    # The default intersection drops 2021-01-05, MSFT's missing day.
    assert list(data.dates) == list(DAYS.delete(1))
    assert_allclose(data.close[:, 0], [50.0, 51.0, 51.5])  # AAPL closes 100, 102, 103 halved
    assert data.meta["interval"] == "1d" and data.name == "yahoo"
    assert two_tickers.calls == [{"tickers": ["AAPL", "MSFT"], "start": "2021-01-01",
                                  "end": "2021-01-08", "interval": "1d"}]


def test_union_ffill_keeps_every_day(two_tickers, tmp_path):
    data = fetch(two_tickers, tmp_path, align="union+ffill", adjust=False)
    assert list(data.dates) == list(DAYS)
    assert data.fields[-1] == "adj_close"
    assert_array_equal(data.close[:, 1], [200.0, 200.0, 201.0, 202.0])


def test_strict_names_the_missing_day(two_tickers, tmp_path):
    with pytest.raises(DataError, match=re.escape(
        "misaligned calendars: AAPL has 2021-01-05 which MSFT lacks; keep the shared dates with"
    )):
        fetch(two_tickers, tmp_path, align="strict")


def test_second_call_is_served_from_the_cache(two_tickers, tmp_path):
    first = fetch(two_tickers, tmp_path)
    again = fetch(two_tickers, tmp_path)
    reordered = fetch(two_tickers, tmp_path, tickers=("msft", "AAPL"))
    assert len(two_tickers.calls) == 1
    assert again.fingerprint() == first.fingerprint()
    assert reordered.symbols == ("MSFT", "AAPL")
    parquet = sorted(tmp_path.glob("*.parquet"))
    assert [p.name.split("-")[0] for p in parquet] == ["AAPL"]
    manifest = json.loads(parquet[0].with_suffix(".json").read_text())
    assert manifest["key"]["tickers"] == ["AAPL", "MSFT"] and len(manifest["sha256"]) == 64


def test_refresh_downloads_again(two_tickers, tmp_path):
    fetch(two_tickers, tmp_path)
    fetch(two_tickers, tmp_path, refresh=True)
    assert len(two_tickers.calls) == 2


def test_a_different_key_is_a_different_entry(two_tickers, tmp_path):
    fetch(two_tickers, tmp_path)
    load_yahoo(["AAPL", "MSFT"], start="2021-01-02", end="2021-01-08", cache_dir=tmp_path,
               download=two_tickers)
    assert len(two_tickers.calls) == 2
    assert len(list(tmp_path.glob("*.parquet"))) == 2


def truncate_cache(tmp_path):
    (parquet,) = tmp_path.glob("*.parquet")
    parquet.write_bytes(parquet.read_bytes()[:100])
    return parquet


def test_corrupt_cache_warns_is_removed_and_rebuilt(two_tickers, tmp_path):
    first = fetch(two_tickers, tmp_path)
    parquet = truncate_cache(tmp_path)
    with pytest.warns(UserWarning, match=re.escape(f"corrupt cache entry {parquet}: sha256 ")):
        rebuilt = fetch(two_tickers, tmp_path)
    assert len(two_tickers.calls) == 2
    assert rebuilt.fingerprint() == first.fingerprint()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fetch(two_tickers, tmp_path)  # healthy again: no warning, no download
    assert len(two_tickers.calls) == 2


def test_cache_without_manifest_is_treated_as_corrupt(two_tickers, tmp_path):
    fetch(two_tickers, tmp_path)
    (manifest,) = tmp_path.glob("*.json")
    manifest.unlink()
    with pytest.warns(UserWarning, match="no manifest"):
        fetch(two_tickers, tmp_path)
    assert len(two_tickers.calls) == 2


def test_corrupt_cache_and_failed_download_name_the_path(two_tickers, tmp_path):
    fetch(two_tickers, tmp_path)
    parquet = truncate_cache(tmp_path)
    offline = FakeDownload(empty_yf_frame(["AAPL", "MSFT"]))
    with pytest.warns(UserWarning), pytest.raises(CacheError, match=re.escape(
        f"corrupt cache entry {parquet}: "
    ) + r".*removed, and downloading it again failed: yahoo download returned no data"):
        fetch(offline, tmp_path)
    assert not parquet.exists()


def test_offline_empty_result_is_a_clear_error(tmp_path):
    offline = FakeDownload(empty_yf_frame(["AAPL", "MSFT"]))
    with pytest.raises(DataError, match=re.escape(
        "yahoo download returned no data for AAPL, MSFT (interval 1d, start 2021-01-01, "
        "end 2021-01-08): offline, unknown ticker, or nothing in that range. Without network "
        "access, load a file instead: load('csv', path=...) in Python or --data csv:PATH "
        "on the command line."
    )):
        fetch(offline, tmp_path)
    assert list(tmp_path.iterdir()) == []  # failures are not cached


def test_a_ticker_without_any_value_is_named(tmp_path):
    frame = yf_frame({"AAPL": ticker_bars(DAYS, 100.0), "ZZZZ": ticker_bars(DAYS, 1.0)})
    frame.loc[:, (slice(None), "ZZZZ")] = np.nan
    with pytest.raises(DataError, match=r"^yahoo download returned no data for ZZZZ \("):
        fetch(FakeDownload(frame), tmp_path, tickers=("AAPL", "ZZZZ"))


def test_single_level_columns_for_one_ticker(tmp_path):
    data = fetch(FakeDownload(ticker_bars(DAYS, 10.0)), tmp_path, tickers=("SPY",))
    assert data.symbols == ("SPY",)
    assert data.prices.shape == (4, 1, 5)


def test_downloader_exceptions_become_data_errors(tmp_path):
    def broken(tickers, **kwargs):
        raise ConnectionError("name resolution failed")

    with pytest.raises(DataError, match=re.escape(
        "yahoo download of AAPL failed (ConnectionError: name resolution failed). Without network"
    )):
        fetch(broken, tmp_path, tickers=("AAPL",))


def test_default_download_calls_yfinance_and_reports_offline(monkeypatch, tmp_path):
    yfinance = pytest.importorskip("yfinance")
    seen = {}

    def offline_download(tickers, **kwargs):
        seen.update(kwargs, tickers=tickers)
        return empty_yf_frame(tickers)

    monkeypatch.setattr(yfinance, "download", offline_download)
    with pytest.raises(DataError, match=r"^yahoo download returned no data for SPY \(.*csv:PATH"):
        load_yahoo("spy", cache_dir=tmp_path, timeout_s=2.0)
    assert seen["tickers"] == ["SPY"]
    assert seen["auto_adjust"] is False and seen["group_by"] == "column"
    assert seen["progress"] is False and seen["threads"] is False and seen["timeout"] == 2.0


def test_registry_and_default_cache_dir(two_tickers, tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEGYM_CACHE", str(tmp_path))
    assert default_cache_dir("yahoo") == tmp_path / "yahoo"
    data = load("yahoo", tickers="AAPL, MSFT", start="2021-01-01", end="2021-01-08",
                download=two_tickers)
    assert data.symbols == ("AAPL", "MSFT")
    assert len(list((tmp_path / "yahoo").glob("*.parquet"))) == 1


def test_bad_arguments(tmp_path, two_tickers):
    with pytest.raises(ConfigError, match=re.escape("unknown interval '1day'. Did you mean '1d'?")):
        fetch(two_tickers, tmp_path, interval="1day")
    with pytest.raises(DataError, match=re.escape("no tickers given")):
        load_yahoo(" , ", cache_dir=tmp_path, download=two_tickers)
    with pytest.raises(DataError, match=re.escape("cannot read start='soon' as a date")):
        load_yahoo("AAPL", start="soon", cache_dir=tmp_path, download=two_tickers)
    assert two_tickers.calls == []


def test_frame_cache_round_trip_and_key_check(tmp_path):
    cache = FrameCache(tmp_path)
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    path = cache.save({"a": 1}, frame, label="a/b c")
    assert path.name.startswith("a_b_c-") and path.suffix == ".parquet"
    pd.testing.assert_frame_equal(cache.load({"a": 1}, label="a/b c"), frame)
    assert cache.load({"a": 2}, label="a/b c") is None
    manifest = path.with_suffix(".json")
    record = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**record, "key": {"a": 3}}))
    with pytest.raises(CacheError, match=re.escape(f"corrupt cache entry {path}: manifest is for")):
        cache.load({"a": 1}, label="a/b c")
    assert not path.exists() and not manifest.exists()
