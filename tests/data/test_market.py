"""MarketData: validating constructors, adjustment, splits, fingerprint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_market
from tradegym.data.market import MarketData
from tradegym.errors import DataError

DATES = pd.bdate_range("2020-03-12", periods=4)


def close_only(values, dates=DATES, symbols=("AAPL", "MSFT"), **kw) -> MarketData:
    return MarketData.from_array(np.array(values, dtype=float), dates, symbols, ("close",), **kw)


GOOD = [[1.0, 2.0], [1.1, 2.1], [1.2, 2.2], [1.3, 2.3]]


def test_nan_price_names_field_symbol_and_date() -> None:
    bad = [row[:] for row in GOOD]
    bad[2][1] = np.nan
    with pytest.raises(DataError, match=r"close NaN or inf for MSFT on 2020-03-16 \(value nan\); .*fill='ffill'"):
        close_only(bad)


def test_non_positive_price_names_symbol_date_and_count() -> None:
    bad = [row[:] for row in GOOD]
    bad[1][0], bad[3][0] = -1.0, 0.0
    with pytest.raises(DataError, match=r"close <= 0 for AAPL on 2020-03-13 \(value -1.0\) and 1 more; clean the source or drop the symbol"):
        close_only(bad)


def test_inf_price_is_rejected() -> None:
    bad = [row[:] for row in GOOD]
    bad[0][0] = np.inf
    with pytest.raises(DataError, match="close NaN or inf for AAPL on 2020-03-12"):
        close_only(bad)


def test_ffill_fills_gaps_but_not_leading_ones() -> None:
    gap = [row[:] for row in GOOD]
    gap[2][0] = np.nan
    filled = close_only(gap, fill="ffill")
    assert filled.close[2, 0] == 1.1
    lead = [row[:] for row in GOOD]
    lead[0][1] = np.nan
    with pytest.raises(DataError, match="close NaN or inf for MSFT on 2020-03-12 .*cannot fill before"):
        close_only(lead, fill="ffill")


def test_negative_volume_is_rejected_zero_volume_is_fine() -> None:
    prices = np.ones((4, 1, 2))
    prices[:, 0, 1] = [0.0, 5.0, -3.0, 1.0]
    with pytest.raises(DataError, match="volume < 0 for X on 2020-03-16"):
        MarketData.from_array(prices, DATES, ["X"], ("close", "volume"))


def test_unsorted_dates_are_named() -> None:
    dates = DATES[[0, 2, 1, 3]]
    with pytest.raises(DataError, match="dates are not sorted: 2020-03-13 comes after 2020-03-16"):
        close_only(GOOD, dates=dates)


def test_duplicated_dates_are_named() -> None:
    dates = DATES[[0, 1, 1, 2]]
    with pytest.raises(DataError, match="duplicated date 2020-03-13; drop duplicates"):
        close_only(GOOD, dates=dates)


def test_empty_data_is_an_error() -> None:
    with pytest.raises(DataError, match="empty market: 0 dates x 2 symbols"):
        MarketData.from_array(np.zeros((0, 2, 1)), [], ["A", "B"])


def test_unknown_column_suggests() -> None:
    frame = pd.DataFrame({"Close": [1.0, 2.0], "Volme": [1.0, 2.0]}, index=DATES[:2])
    with pytest.raises(DataError, match=r"unknown column 'Volme' in market/X. Did you mean 'volume'\?"):
        MarketData.from_frames({"X": frame})


def test_misaligned_calendars_are_an_error_unless_aligned_explicitly() -> None:
    a = pd.DataFrame({"Close": [1.0, 1.1, 1.2, 1.3]}, index=DATES)
    b = pd.DataFrame({"Close": [2.0, 2.1, 2.2]}, index=DATES[[0, 1, 3]])
    with pytest.raises(DataError, match="misaligned calendars: A has 2020-03-16 which B lacks; keep the shared dates with csv:PATH"):
        MarketData.from_frames({"A": a, "B": b})
    inter = MarketData.from_frames({"A": a, "B": b}, align="intersection")
    assert list(inter.dates) == list(DATES[[0, 1, 3]])
    union = MarketData.from_frames({"A": a, "B": b}, align="union+ffill")
    assert union.n_bars == 4 and union.close[2, 1] == 2.1


def test_fewer_rows_than_the_window_needs() -> None:
    with pytest.raises(DataError, match="has 4 rows but a window needs at least 10"):
        close_only(GOOD).require_rows(10, "a window")


def test_adjusted_close_scales_ohlc_by_the_same_daily_factor() -> None:
    # A 2:1 split on day 3: raw prices halve, adjusted closes do not.
    frame = pd.DataFrame({
        "Open": [100.0, 102.0, 51.0, 52.0], "Close": [101.0, 104.0, 52.0, 53.0],
        "Adj Close": [50.5, 52.0, 52.0, 53.0], "Volume": [10.0, 10.0, 20.0, 20.0],
    }, index=DATES)
    data = MarketData.from_frames({"X": frame})
    assert data.fields == ("open", "close", "volume")
    np.testing.assert_allclose(data.close[:, 0], [50.5, 52.0, 52.0, 53.0])
    np.testing.assert_allclose(data.field("open")[:, 0], [50.0, 51.0, 51.0, 52.0])
    # The overnight move across the split is +0 % (52 -> 51 is -1.9 %), not -51 %.
    assert data.field("open")[2, 0] / data.close[1, 0] == pytest.approx(51 / 52)
    np.testing.assert_allclose(data.field("volume")[:, 0], [20.0, 20.0, 20.0, 20.0])
    raw = MarketData.from_frames({"X": frame}, adjust=False)
    assert raw.fields == ("open", "close", "volume", "adj_close")


def test_splits_are_chronological_and_return_market_data() -> None:
    data = make_market(100)
    train, val, test = data.split(0.6, 0.2)
    assert (train.n_bars, val.n_bars, test.n_bars) == (60, 20, 20)
    assert train.dates[-1] < val.dates[0] and val.dates[-1] < test.dates[0]
    with pytest.raises(DataError, match="test split of 'toy' has 1 rows, fewer than the 40 needed"):
        data.split(0.5, 0.49, min_rows=40)
    by_date = data.split(data.dates[59], data.dates[79])
    assert by_date.train.n_bars == 60 and by_date.test.n_bars == 20


def test_walk_forward_folds_tile_the_test_blocks() -> None:
    folds = make_market(100).walk_forward(train_bars=40, test_bars=20)
    assert len(folds) == 3
    for train, test in folds:
        assert train.n_bars == 40 and test.n_bars == 20 and train.dates[-1] < test.dates[0]
    with pytest.raises(DataError, match="one fold needs 90 \\+ 20"):
        make_market(100).walk_forward(90, 20)


def test_fingerprint_is_stable_and_content_sensitive() -> None:
    a, b = make_market(50, seed=1), make_market(50, seed=1)
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != make_market(50, seed=2).fingerprint()
    assert a.fingerprint() != a.slice_rows(0, 49).fingerprint()


def test_prices_are_read_only() -> None:
    data = make_market(10)
    with pytest.raises(ValueError, match="read-only"):
        data.prices[0, 0, 0] = 1.0
