import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from tradegym.data import load
from tradegym.data.csv import load_csv
from tradegym.errors import DataError

YAHOO_HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def yahoo_rows(dates, close0=100.0, factor=0.5):
    """Yahoo export rows; Adj Close = factor * Close (a 2:1 split later on)."""
    lines = []
    for i, day in enumerate(dates):
        close = close0 + i
        lines.append(
            f"{day},{close - 1},{close + 2},{close - 2},{close},{close * factor},{1000 + i}\n"
        )
    return "".join(lines)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def long_csv(tmp_path):
    rows = ["date,symbol,open,high,low,close,volume"]
    for day in ["2021-01-04", "2021-01-05", "2021-01-06"]:
        for k, sym in enumerate(["BBB", "AAA"]):
            base = 10.0 * (k + 1)
            rows.append(f"{day},{sym},{base},{base + 1},{base - 1},{base + 0.5},{100 * (k + 1)}")
    return write(tmp_path / "prices.csv", "\n".join(rows) + "\n")


@pytest.fixture
def yahoo_folder(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    days = ["2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07"]
    write(folder / "MSFT.csv", YAHOO_HEADER + yahoo_rows(days, 200.0))
    write(folder / "AAPL.csv", YAHOO_HEADER + yahoo_rows(days, 100.0))
    write(folder / "notes.txt", "ignored")
    return folder


def test_long_file_splits_by_symbol_in_file_order(long_csv):
    data = load_csv(long_csv)
    assert data.symbols == ("BBB", "AAA")
    assert data.fields == ("open", "high", "low", "close", "volume")
    assert data.prices.shape == (3, 2, 5)
    assert_allclose(data.close[0], [10.5, 20.5])
    assert data.name == "prices"
    assert data.meta["source"] == "csv"


def test_long_file_is_read_through_the_registry(long_csv):
    data = load("csv", path=long_csv, symbols=["AAA"])
    assert data.symbols == ("AAA",)


def test_folder_of_yahoo_exports_is_adjusted_by_default(yahoo_folder):
    data = load_csv(yahoo_folder)
    assert data.symbols == ("AAPL", "MSFT")  # by file name
    assert data.fields == ("open", "high", "low", "close", "volume")
    assert data.name == "exports"
    # Adj Close = 0.5 * Close: prices halve, volume doubles.
    assert_allclose(data.close[:, 0], 0.5 * np.array([100.0, 101.0, 102.0, 103.0]))
    assert_allclose(data.field("volume")[:, 1], 2 * np.array([1000.0, 1001.0, 1002.0, 1003.0]))


def test_folder_unadjusted_keeps_adj_close(yahoo_folder):
    data = load_csv(yahoo_folder, adjust=False)
    assert data.fields[-1] == "adj_close"
    assert_allclose(data.close[:, 0], [100.0, 101.0, 102.0, 103.0])


def test_yahoo_null_rows_are_dropped(tmp_path):
    text = YAHOO_HEADER + yahoo_rows(["2021-01-04"]) + "2021-01-05,null,null,null,null,null,null\n"
    data = load_csv(write(tmp_path / "SPY.csv", text))
    assert data.symbols == ("SPY",)
    assert list(data.dates) == [pd.Timestamp("2021-01-04")]


def test_wide_close_only_file(tmp_path):
    text = "Date,AAA,BBB\n2021-01-04,1.0,2.0\n2021-01-05,1.5,2.5\n"
    data = load_csv(write(tmp_path / "closes.csv", text))
    assert data.symbols == ("AAA", "BBB")
    assert data.fields == ("close",)
    assert_array_equal(data.close, [[1.0, 2.0], [1.5, 2.5]])


def test_parquet_long_file_and_folder_mix(tmp_path, long_csv):
    frame = pd.read_csv(long_csv, parse_dates=["date"])
    frame.to_parquet(tmp_path / "long.parquet", index=False)
    from_parquet = load("parquet", path=tmp_path / "long.parquet")
    assert from_parquet.fingerprint() == load_csv(long_csv).fingerprint()

    folder = tmp_path / "mixed"
    folder.mkdir()
    days = pd.to_datetime(["2021-01-04", "2021-01-05"])
    pd.DataFrame({"Close": [1.0, 2.0]}, index=days).to_parquet(folder / "MSFT.parquet")
    write(folder / "AAPL.csv", "date,close\n2021-01-04,3.0\n2021-01-05,4.0\n")
    data = load_csv(folder)
    assert data.symbols == ("AAPL", "MSFT")
    assert_array_equal(data.close, [[3.0, 1.0], [4.0, 2.0]])


def test_given_date_and_symbol_columns(tmp_path):
    text = "when;name;price\n".replace(";", ",") + "2021-01-04,X,1\n2021-01-05,X,2\n"
    data = load_csv(write(tmp_path / "f.csv", text), date_column="when", symbol_column="name")
    assert data.symbols == ("X",)
    assert_array_equal(data.close[:, 0], [1.0, 2.0])


def misaligned_folder(tmp_path) -> Path:
    folder = tmp_path / "mis"
    folder.mkdir()
    write(folder / "AAA.csv", "date,close\n2021-01-04,1\n2021-01-05,2\n2021-01-06,3\n")
    write(folder / "BBB.csv", "date,close\n2021-01-04,10\n2021-01-06,30\n2021-01-07,40\n")
    return folder


def test_misaligned_calendars_are_an_error_under_strict(tmp_path):
    folder = misaligned_folder(tmp_path)
    with pytest.raises(DataError, match=re.escape(
        "misaligned calendars: AAA has 2021-01-05 which BBB lacks and 1 more; "
        f"keep the shared dates with csv:{folder}?align=intersection, or every date with "
        f"csv:{folder}?align=union&fill=ffill"
    )):
        load_csv(folder)


def test_intersection_keeps_common_dates(tmp_path):
    data = load_csv(misaligned_folder(tmp_path), align="intersection")
    assert list(data.dates.strftime("%m-%d")) == ["01-04", "01-06"]
    assert_array_equal(data.close, [[1.0, 10.0], [3.0, 30.0]])


def test_union_ffill_carries_prices_forward(tmp_path):
    data = load_csv(misaligned_folder(tmp_path), align="union+ffill")
    assert list(data.dates.strftime("%m-%d")) == ["01-04", "01-05", "01-06", "01-07"]
    assert_array_equal(data.close, [[1.0, 10.0], [2.0, 10.0], [3.0, 30.0], [3.0, 40.0]])


def test_unsorted_rows_are_sorted_per_symbol(tmp_path):
    data = load_csv(write(tmp_path / "u.csv", "date,close\n2021-01-05,2\n2021-01-04,1\n"))
    assert_array_equal(data.close[:, 0], [1.0, 2.0])


# ---------------------------------------------------------------------- errors
def test_missing_path(tmp_path):
    with pytest.raises(DataError, match=r"^no such file or folder: .*nope\.csv; pass a"):
        load_csv(tmp_path / "nope.csv")


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match=r"^folder .* has no \.csv\.gz, \.csv, \.parquet, \.pq "):
        load_csv(tmp_path)


def test_empty_file(tmp_path):
    with pytest.raises(DataError, match=r"e\.csv is empty$"):
        load_csv(write(tmp_path / "e.csv", ""))


def test_header_only_file(tmp_path):
    with pytest.raises(DataError, match=re.escape("has no data rows (columns: ['date', 'close'])")):
        load_csv(write(tmp_path / "h.csv", "date,close\n"))


def test_no_date_column(tmp_path):
    path = write(tmp_path / "n.csv", "day,close\n2021-01-04,1\n")
    with pytest.raises(DataError, match=re.escape(
        "n.csv: columns are ['day', 'close']; name it 'date' (or Date, datetime, timestamp) "
        f"or name it in the spec: csv:{path}?date_column=day"
    )):
        load_csv(path)


def test_unknown_date_column_suggests(tmp_path):
    with pytest.raises(DataError, match=re.escape("columns are ['Date', 'close'].")):
        load_csv(write(tmp_path / "d.csv", "Date,close\n2021-01-04,1\n"), date_column="Dates")


def test_unparseable_date_names_file_value_and_row(tmp_path):
    text = "date,close\n2021-01-04,1\n2021-13-45,2\n2021-01-06,3\n"
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=re.escape(
        f"cannot parse date '2021-13-45' in column 'date' of {path}, row 2; if the dates have "
        f"another format, give it in the spec: csv:{path}?date_format=%d/%m/%Y "
        "(or ?dayfirst=true for day-first dates)"
    )):
        load_csv(path)


def test_numeric_dates_other_than_yyyymmdd_are_rejected(tmp_path):
    with pytest.raises(DataError, match="holds numbers \\(first 1609459200\\)"):
        load_csv(write(tmp_path / "t.csv", "timestamp,close\n1609459200,1\n"))


def test_yyyymmdd_integer_dates_are_read(tmp_path):
    data = load_csv(write(tmp_path / "i.csv", "date,close\n20210104,1\n20210105,2\n"))
    assert data.dates[1] == pd.Timestamp("2021-01-05")


def test_unknown_column_names_the_file_and_suggests(tmp_path):
    text = "date,symbol,close,volumes\n2021-01-04,X,1,5\n"
    with pytest.raises(DataError, match=re.escape("unknown column 'volumes' in ")
                       + r".*u\.csv\. Did you mean 'volume'\?"):
        load_csv(write(tmp_path / "u.csv", text))


def test_duplicate_dates_per_symbol(tmp_path):
    text = "date,symbol,close\n2021-01-04,X,1\n2021-01-04,X,2\n2021-01-04,Y,3\n"
    with pytest.raises(DataError, match=r"^duplicate date 2021-01-04 for X in .*dup\.csv; "):
        load_csv(write(tmp_path / "dup.csv", text))


def test_non_numeric_value(tmp_path):
    text = "date,close\n2021-01-04,1\n2021-01-05,$2\n"
    with pytest.raises(DataError, match=r"^non-numeric close '\$2' for v on 2021-01-05 in "):
        load_csv(write(tmp_path / "v.csv", text))


def test_symbol_in_two_files(tmp_path):
    write(tmp_path / "a.csv", "date,symbol,close\n2021-01-04,X,1\n")
    write(tmp_path / "b.csv", "date,symbol,close\n2021-01-04,X,1\n")
    with pytest.raises(DataError, match=r"^symbol X is in both .*a\.csv and .*b\.csv"):
        load_csv(tmp_path)


def test_named_symbol_column_must_exist(tmp_path):
    with pytest.raises(DataError, match=re.escape("symbol column 'Ticker' not in")):
        load_csv(write(tmp_path / "s.csv", "date,close\n2021-01-04,1\n"), symbol_column="Ticker")


def test_garbled_parquet(tmp_path):
    (tmp_path / "g.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match=r"^cannot read .*g\.parquet: "):
        load_csv(tmp_path / "g.parquet")


def test_dates_that_read_both_day_and_month_first_are_a_warning_naming_both(tmp_path):
    from tradegym.errors import DataWarning

    dates = ["05/06/2020", "06/06/2020", "07/06/2020", "08/06/2020"]
    pd.DataFrame({"date": dates, "close": [100.0, 101.0, 102.0, 103.0]}).to_csv(tmp_path / "AAA.csv", index=False)
    with pytest.warns(DataWarning, match=r"AAA.csv: every date reads both day-first and month-first \('05/06/2020': "
                                         r"month first 2020-05-06 to 2020-08-06, day first 2020-06-05 to "
                                         r"2020-06-08\); read month first .*date_format=%d/%m/%Y"):
        load_csv(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # a day above 12 settles it: no warning
        pd.DataFrame({"date": [*dates, "13/06/2020"], "close": [100.0] * 5}).to_csv(tmp_path / "AAA.csv",
                                                                                    index=False)
        load_csv(tmp_path, dayfirst=True)
