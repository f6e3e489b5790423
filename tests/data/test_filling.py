"""Honest filling and listed lives: filled bars trade nothing, nothing is filled outside a life."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from tradegym.data.market import MarketData
from tradegym.errors import DataError

DAYS = pd.bdate_range("2021-01-04", periods=5)


def ohlcv(rows, days) -> pd.DataFrame:
    return pd.DataFrame(rows, index=days, columns=["Open", "High", "Low", "Close", "Volume"])


def test_a_filled_bar_is_a_bar_with_no_trade() -> None:
    prices = np.array([[10, 11, 9, 10.5, 100], [np.nan] * 5, [12, 13, 11, 12.5, 50]], dtype=float)
    data = MarketData.from_array(prices[:, None, :], DAYS[:3], ["X"],
                                 ("open", "high", "low", "close", "volume"), fill="ffill")
    assert_array_equal(data.prices[1, 0], [10.5, 10.5, 10.5, 10.5, 0.0])
    assert data.tradable.all() and not data.dynamic


def test_a_missing_open_in_a_bar_with_a_close_is_that_close_not_yesterdays_open() -> None:
    prices = np.array([[10, 10.5, 100], [np.nan, 11.0, np.nan]], dtype=float)
    data = MarketData.from_array(prices[:, None, :], DAYS[:2], ["X"], ("open", "close", "volume"),
                                 fill="ffill")
    assert_array_equal(data.prices[1, 0], [11.0, 11.0, 0.0])


def test_trailing_gaps_end_a_life_instead_of_being_filled() -> None:
    close = np.array([[1.0, 2.0], [1.1, 2.1], [1.2, np.nan], [1.3, np.nan]])
    data = MarketData.from_array(close, DAYS[:4], ["A", "B"], fill="ffill")
    assert_array_equal(data.tradable, [[1, 1], [1, 1], [1, 0], [1, 0]])
    assert_array_equal(data.close[:, 1], [2.0, 2.1, 2.1, 2.1])  # placeholders: the last close
    assert data.dynamic


def test_union_lists_late_and_delists_without_filling_outside_the_life() -> None:
    a = ohlcv([[10, 11, 9, 10, 5]] * 5, DAYS)
    b = ohlcv([[20, 21, 19, 20.5, 7], [21, 22, 20, 21.5, 8]], DAYS[1:3])  # lists on day 1, ends day 2
    c = ohlcv([[30, 31, 29, 30.5, 9], [31, 32, 30, 31.5, 9]], DAYS[[0, 2]])  # day 1 missing
    with pytest.raises(DataError, match=r"NaN or inf for C on 2021-01-05 .*fill='ffill'"):
        MarketData.from_frames({"A": a, "B": b, "C": c}, align="union")
    data = MarketData.from_frames({"A": a, "B": b, "C": c}, align="union", fill="ffill")
    assert_array_equal(data.tradable[:, 1], [False, True, True, False, False])
    assert_array_equal(data.tradable[:, 2], [True, True, True, False, False])
    assert_array_equal(data.field("open")[:, 1], [20, 20, 21, 21.5, 21.5])  # first open / last close
    assert_array_equal(data.field("volume")[:, 1], [0, 7, 8, 0, 0])
    assert_array_equal(data.prices[1, 2], [30.5, 30.5, 30.5, 30.5, 0.0])  # C's filled day
    assert data.dynamic and np.isfinite(data.prices).all()
    legacy = MarketData.from_frames({"A": a, "B": b, "C": c}, align="union+ffill")
    assert_array_equal(legacy.tradable, data.tradable)
    assert data.life_events() == [(DAYS[1], "B", "listed"), (DAYS[2], "B", "delisted"),
                                  (DAYS[2], "C", "delisted")]
    assert data.between(DAYS[3]).life_events() == []


def test_slices_and_selections_carry_tradable_and_dynamic() -> None:
    close = np.array([[1.0, 2.0], [1.1, 2.1], [1.2, np.nan], [1.3, np.nan]])
    data = MarketData.from_array(close, DAYS[:4], ["A", "B"], fill="ffill")
    head = data.slice_rows(0, 2)
    assert head.tradable.all() and head.dynamic  # the universe is still dynamic: same obs space
    assert_array_equal(data.between(DAYS[2]).tradable, [[1, 0], [1, 0]])
    assert_array_equal(data.select(["B"]).tradable[:, 0], [1, 1, 0, 0])
    assert data.split(0.5, 0.25, min_rows=1).test.dynamic


def test_static_fingerprint_is_unchanged_by_the_mask() -> None:
    close = np.array([[1.0, 2.0], [1.1, 2.1], [1.2, 2.2]])
    data = MarketData.from_array(close, DAYS[:3], ["A", "B"])
    same = MarketData(data.prices, data.dates, data.symbols, data.fields, tradable=np.ones((3, 2), bool),
                      dynamic=True)
    assert data.fingerprint() != same.fingerprint()
    assert data.fingerprint() == MarketData(data.prices, data.dates, data.symbols, data.fields).fingerprint()
