"""Bars per year read from a market's calendar, and the backtests that annualise with it."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from tradegym.backtest import backtest
from tradegym.data import SOURCES, load
from tradegym.data.config import DataConfig, load_market
from tradegym.data.frequency import infer_periods_per_year, resolve_periods_per_year
from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError, DataWarning

HOLIDAYS = ["2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31", "2021-07-05",
            "2021-09-06", "2021-11-25", "2021-12-24", "2022-01-17", "2022-02-21", "2022-04-15"]


def business_days_with_holidays() -> pd.DatetimeIndex:
    days = pd.bdate_range("2021-01-01", "2022-06-30")
    # Holidays, and a three-week hole where the vendor has nothing: neither moves the spacing.
    return days.drop(pd.DatetimeIndex(HOLIDAYS)).drop(pd.bdate_range("2022-05-02", "2022-05-20"))


def hourly_sessions() -> pd.DatetimeIndex:
    """Hourly bars of a 9:30-16:00 session (7 a day), business days with holidays and a half-day."""
    days = business_days_with_holidays()
    stamps = [day + pd.Timedelta(hours=9, minutes=30) + pd.Timedelta(hours=h) for day in days for h in range(7)]
    half_day = pd.Timestamp("2021-11-26")  # closes at 13:00: four bars
    return pd.DatetimeIndex([s for s in stamps if s.normalize() != half_day or s.hour < 13])


CALENDARS = {
    "business days with holidays": (business_days_with_holidays, 252.0, "daily, weekdays"),
    "weekly": (lambda: pd.date_range("2015-01-02", periods=200, freq="W-FRI"), 52.0, "weekly"),
    "monthly": (lambda: pd.date_range("2000-01-31", periods=120, freq="BME"), 12.0, "monthly"),
    "quarterly": (lambda: pd.date_range("2000-03-31", periods=40, freq="QE"), 4.0, "quarterly"),
    "hourly 9:30-16:00": (hourly_sessions, 1764.0, "hourly, 7 bars a day, weekdays"),
    "24/7 hourly": (lambda: pd.date_range("2023-01-01", periods=24 * 60, freq="h"), 8760.0,
                    "hourly, 24 bars a day, every day"),
    "24/7 daily": (lambda: pd.date_range("2023-01-01", periods=400, freq="D"), 365.0, "daily, every day"),
}


@pytest.mark.parametrize("calendar", list(CALENDARS))
def test_each_calendar_gives_its_periods_per_year(calendar: str) -> None:
    make, value, description = CALENDARS[calendar]
    assert infer_periods_per_year(make()) == (value, description)


def test_a_stray_weekend_bar_in_stock_data_stays_daily_weekdays() -> None:
    days = business_days_with_holidays().append(pd.DatetimeIndex(["2021-03-06", "2021-03-07"])).sort_values()
    assert infer_periods_per_year(days) == (252.0, "daily, weekdays")


def test_an_unusual_spacing_is_read_as_a_fraction_of_a_year() -> None:
    value, description = infer_periods_per_year(pd.date_range("2020-01-03", periods=30, freq="14D"))
    assert value == pytest.approx(365.25 / 14) and description == "every 14 days"


def test_too_few_dates_ask_for_the_value() -> None:
    with pytest.raises(DataError, match=r"from 1 date\(s\): it needs two or more; pass periods_per_year"):
        infer_periods_per_year(pd.DatetimeIndex(["2020-01-02"]))


def weekly_market() -> MarketData:
    rng = np.random.default_rng(5)
    dates = pd.date_range("2010-01-01", periods=260, freq="W-FRI")
    close = 100 * np.exp(np.cumsum(rng.normal(0.002, 0.02, (len(dates), 2)), axis=0))  # (T, N)
    return MarketData.from_array(close, dates, ["A", "B"], ("close",), name="weekly")


def test_a_backtest_on_weekly_data_annualises_with_52() -> None:
    result = backtest("equal_weight", weekly_market(), env_kwargs={"window_bars": 10})
    assert (result.periods_per_year, result.periods_per_year_source) == (52.0, "inferred: weekly")
    r = result.returns
    assert result.metrics["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(52), rel=1e-12)
    assert result.metrics["volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(52), rel=1e-12)
    assert "52 periods per year (inferred: weekly)" in result.summary()
    # The same trades annualised as daily would overstate the Sharpe ratio by sqrt(252 / 52).
    daily = backtest("equal_weight", weekly_market(), env_kwargs={"window_bars": 10}, periods_per_year=252)
    assert daily.metrics["sharpe"] == pytest.approx(result.metrics["sharpe"] * math.sqrt(252 / 52), rel=1e-12)


def test_the_evidence_annualises_with_the_results_periods_per_year() -> None:
    from tradegym.backtest.compare import compare
    from tradegym.backtest.evidence import compare_evidence

    results = compare([], weekly_market(), baselines=["equal_weight", "buy_and_hold"],
                      env_kwargs={"window_bars": 10})
    evidence = compare_evidence(results, benchmark="equal_weight", n_resamples=50)
    assert evidence.periods_per_year == 52.0
    r = results[1].returns
    record = next(rec for rec in evidence.records if rec.name == "buy_and_hold")
    assert record.sharpe == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(52), rel=1e-9)


def test_the_override_wins_over_the_data_and_the_calendar() -> None:
    given = backtest("equal_weight", weekly_market(), env_kwargs={"window_bars": 10}, periods_per_year=12)
    assert (given.periods_per_year, given.periods_per_year_source) == (12.0, "given")
    dates = pd.bdate_range("2020-01-01", periods=10)
    assert resolve_periods_per_year(dates, {"periods_per_year": 52}, 365) == (365.0, "given")
    assert resolve_periods_per_year(dates, {"periods_per_year": 52}) == (52.0, "declared by the data")
    assert resolve_periods_per_year(dates) == (252.0, "inferred: daily, weekdays")
    with pytest.raises(ConfigError, match=r"periods_per_year must be a number > 0 .* got -1"):
        backtest("equal_weight", weekly_market(), env_kwargs={"window_bars": 10}, periods_per_year=-1)


def test_a_configs_periods_per_year_reaches_the_backtest() -> None:
    market = load_market(DataConfig(source="planted", kwargs={"n_assets": 2, "n_bars": 600},
                                    periods_per_year=52))
    validation = market.split(0.7, 0.15).val  # what the training's validation backtests
    result = backtest("equal_weight", validation, env_kwargs={"window_bars": 10})
    assert (result.periods_per_year, result.periods_per_year_source) == (52.0, "declared by the data")
    with pytest.raises(ConfigError, match=r"data.periods_per_year must be a number > 0 .* got 0"):
        load_market(DataConfig(source="planted", periods_per_year=0))


def test_synthetic_generators_declare_the_value_they_de_annualise_with() -> None:
    assert load("gbm", n_bars=50, periods_per_year=52).meta["periods_per_year"] == 52.0
    assert load("regime", n_bars=50).meta["periods_per_year"] == 252.0


NEEDS_MORE = {"csv": "a path", "parquet": "a path", "yahoo": "the network", "gan": "a trained run"}
"""Registered sources that cannot load offline with no arguments, and what they need."""


@pytest.mark.parametrize("name", [n for n in SOURCES.names() if n not in NEEDS_MORE])
def test_every_shipped_source_infers_252(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the real data's audit findings
        data = load(name)
    assert infer_periods_per_year(data.dates) == (252.0, "daily, weekdays")
    value, source = resolve_periods_per_year(data.dates, data.meta)
    assert value == 252.0 and source in ("inferred: daily, weekdays", "declared by the data")
