"""Tear-sheet analytics against answers worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_market
from tradegym.backtest import BacktestResult, backtest
from tradegym.backtest.analytics import (
    DRAWDOWN_COLUMNS,
    asset_contributions,
    benchmark_series,
    capture_ratios,
    concentration,
    contribution_summary,
    drawdown_table,
    monthly_returns,
    return_distribution,
    rolling_stats,
    top_weights,
    turnover_costs,
    yearly_returns,
)
from tradegym.backtest.evidence.relative import relative_metrics
from tradegym.backtest.metrics import compute_metrics, max_drawdown
from tradegym.data import load
from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError

EXECUTIONS = ("next_open", "next_close", "close")
TINY_ENV = {"window_bars": 1, "features": ("log_return",), "normalize": "none", "cost_rate": 0.0}
FIXED = np.array([0.2, 0.5, 0.3])  # cash, A, B


class Fixed:
    """Trade to the same target weights at every bar."""

    name = "fixed"

    def __init__(self, weights: np.ndarray = FIXED) -> None:
        self.weights = weights

    def target_weights(self, obs: Any, env: Any) -> np.ndarray:
        return self.weights


def tiny_market() -> MarketData:
    """Two assets, five bars; the first bar is warm-up, so three steps from bar 1."""
    close = np.array([[10, 20], [10, 20], [11, 19], [9.9, 20.9], [10.89, 20.9]])
    opens = np.array([[10, 20], [10, 20], [10.5, 19.5], [10, 20], [11, 21]])
    prices = np.stack([opens, close], axis=-1)  # (T, N, 2)
    return MarketData.from_array(prices, pd.bdate_range("2024-01-01", periods=5), ["A", "B"],
                                 ("open", "close"), name="tiny")


def days(*stamps: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(stamps)))


# ----------------------------------------------------------------------------- drawdowns
def test_drawdown_table_of_a_hand_built_path() -> None:
    dates = pd.bdate_range("2024-01-01", periods=7)  # Mon 1 .. Tue 9 January
    equity = pd.Series([1, 1.1, 0.99, 1.05, 1.2, 0.9, 1.0], dates)
    table = drawdown_table(equity)
    assert list(table.columns) == list(DRAWDOWN_COLUMNS)
    assert table.index.tolist() == [1, 2]
    deep, first = table.iloc[0], table.iloc[1]
    # 1.2 on Jan 5 falls to 0.9 on Jan 8 (-25 %) and is not back by Jan 9.
    assert (deep.start, deep.trough) == (pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-08"))
    assert pd.isna(deep.recovery) and math.isnan(deep.bars_to_recovery)
    assert deep.depth == pytest.approx(0.25) and (deep.bars_to_trough, deep.length) == (1, 2)
    # 1.1 on Jan 2 falls to 0.99 on Jan 3 (-10 %), back above 1.1 on Jan 5.
    assert (first.start, first.trough, first.recovery) == (
        pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-05"))
    assert first.depth == pytest.approx(0.1)
    assert (first.bars_to_trough, first.bars_to_recovery, first.length) == (1, 3.0, 3)
    assert len(drawdown_table(equity, top=1)) == 1


def test_drawdown_table_agrees_with_max_drawdown() -> None:
    rng = np.random.default_rng(1)
    equity = pd.Series(np.cumprod(1 + rng.normal(0, 0.02, 400)), pd.bdate_range("2020-01-01", periods=400))
    table = drawdown_table(equity, top=50)
    depth, bars = max_drawdown(equity.to_numpy())
    assert table.depth.iloc[0] == pytest.approx(depth) and table.length.iloc[0] == bars
    assert table.depth.is_monotonic_decreasing
    # Episodes never overlap: each starts at or after the previous one's recovery.
    spans = table.sort_values("start")
    assert (spans.start.iloc[1:].to_numpy() >= spans.recovery.iloc[:-1].to_numpy()).all()


def test_drawdown_table_edge_cases_and_errors() -> None:
    rising = pd.Series([1.0, 2.0, 3.0], pd.bdate_range("2024-01-01", periods=3))
    assert drawdown_table(rising).empty and list(drawdown_table(rising).columns) == list(DRAWDOWN_COLUMNS)
    with pytest.raises(ConfigError, match="top must be an integer >= 1, got 0"):
        drawdown_table(rising, top=0)
    with pytest.raises(DataError, match="equity must be a pandas Series indexed by dates"):
        drawdown_table(pd.Series([1.0, 0.5]))
    with pytest.raises(DataError, match="equity must be positive, got 0.0 on 2024-01-02"):
        drawdown_table(rising * [1, 0, 1])


# ----------------------------------------------------------------------------- calendar
def test_monthly_and_yearly_returns_compound_by_hand() -> None:
    dates = days("2023-12-28", "2023-12-29", "2024-01-02", "2024-01-31", "2024-02-01")
    returns = pd.Series([0.01, 0.02, -0.01, 0.03, 0.05], dates)
    table = monthly_returns(returns)
    assert table.index.tolist() == [2023, 2024] and table.columns.tolist() == list(range(1, 13))
    assert table.loc[2023, 12] == pytest.approx(1.01 * 1.02 - 1)  # 0.0302
    assert table.loc[2024, 1] == pytest.approx(0.99 * 1.03 - 1)  # 0.0197
    assert table.loc[2024, 2] == pytest.approx(0.05)
    assert table.loc[2023, :11].isna().all() and table.loc[2024, 3:].isna().all()
    yearly = yearly_returns(returns)
    assert yearly.to_dict() == pytest.approx({2023: 0.0302, 2024: 0.99 * 1.03 * 1.05 - 1})
    with pytest.raises(DataError, match="below -1 on 2024-01-02"):
        monthly_returns(returns * [1, 1, 200, 1, 1])


# ----------------------------------------------------------------------------- distribution
def test_return_distribution_known_answers() -> None:
    r = pd.Series((np.arange(100) - 50) / 1000, pd.bdate_range("2020-01-01", periods=100))
    d = return_distribution(r, bins=10)
    assert d["counts"].tolist() == [10] * 10 and len(d["edges"]) == 11
    # 5 % quantile: position 4.95 between -0.046 and -0.045; the tail is -0.050..-0.046.
    assert d["var_95"] == pytest.approx(0.04505) and d["cvar_95"] == pytest.approx(0.048)
    assert d["mean"] == pytest.approx(-0.0005) and d["sd"] == pytest.approx(r.std())
    assert d["skew"] == pytest.approx(0.0, abs=1e-12)
    assert d["excess_kurtosis"] == pytest.approx(r.kurt()) and d["excess_kurtosis"] < -1.1
    width = d["edges"][1] - d["edges"][0]
    pdf = np.exp(-0.5 * ((d["centres"] - d["mean"]) / d["sd"]) ** 2) / (d["sd"] * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(d["normal_pdf"], 100 * width * pdf, rtol=1e-12)


def test_capture_ratios_of_a_levered_copy() -> None:
    rng = np.random.default_rng(2)
    b = pd.Series(rng.normal(0, 0.01, 300), pd.bdate_range("2020-01-01", periods=300))
    assert capture_ratios(2 * b, b) == pytest.approx({"up": 2.0, "down": 2.0})
    with pytest.raises(DataError, match="benchmark lacks 1 of the 300 dates"):
        capture_ratios(b, b.iloc[1:])


# ----------------------------------------------------------------------------- rolling
def test_rolling_stats_match_a_direct_window() -> None:
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=80)
    b = pd.Series(rng.normal(0, 0.01, 80), dates)
    r = 0.5 * b + pd.Series(rng.normal(0, 0.005, 80), dates)
    stats = rolling_stats(r, b, window=20)
    assert stats.iloc[:19].isna().all().all() and stats.iloc[19:].notna().all().all()
    window = r.iloc[30:50]
    m = compute_metrics(window.to_numpy())
    assert stats.sharpe.iloc[49] == pytest.approx(m["sharpe"])
    assert stats.volatility.iloc[49] == pytest.approx(m["volatility"])
    cov = np.cov(window, b.iloc[30:50])
    assert stats.beta.iloc[49] == pytest.approx(cov[0, 1] / cov[1, 1])
    assert list(rolling_stats(r, window=20).columns) == ["sharpe", "volatility"]
    long = pd.Series(rng.normal(0, 0.01, 5000), pd.bdate_range("2000-01-03", periods=5000))
    chunked = rolling_stats(long, window=10)  # more windows than one chunk
    np.testing.assert_allclose(chunked.volatility, long.rolling(10).std() * math.sqrt(252), rtol=1e-9)
    with pytest.raises(ConfigError, match="window must be an integer >= 2, got 1"):
        rolling_stats(r, window=1)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-0.05, 0.05), min_size=12, max_size=40),
    st.integers(0, 39),
    st.floats(-0.05, 0.05),
)
def test_rolling_stats_are_causal(values: list[float], cut: int, shift: float) -> None:
    cut = min(cut, len(values) - 1)
    dates = pd.bdate_range("2020-01-01", periods=len(values))
    r = pd.Series(values, dates)
    b = pd.Series(values[::-1], dates)
    changed = r.copy()
    changed.iloc[cut + 1:] += shift
    other_b = b.copy()
    other_b.iloc[cut + 1:] -= shift
    before, after = rolling_stats(r, b, window=5), rolling_stats(changed, other_b, window=5)
    pd.testing.assert_frame_equal(before.iloc[: cut + 1], after.iloc[: cut + 1], check_exact=True)


# ----------------------------------------------------------------------------- contributions
@pytest.mark.parametrize("execution", EXECUTIONS)
def test_contributions_of_fixed_weights_by_hand(execution: str) -> None:
    market = tiny_market()
    result = backtest(Fixed(), market, env_kwargs={**TINY_ENV, "execution": execution})
    parts = asset_contributions(result, market)
    assert list(parts.columns) == ["cash", "A", "B", "costs"] and len(parts) == 3
    # Closes: A 10 -> 11 -> 9.9 -> 10.89 (+10 %, -10 %, +10 %); B 20 -> 19 -> 20.9 -> 20.9.
    if execution == "close":  # the new weights carry every bar, from the first
        expected = [[0.5 * 0.1, 0.3 * -0.05], [0.5 * -0.1, 0.3 * 0.1], [0.5 * 0.1, 0.0]]
    elif execution == "next_close":  # all cash over the first bar, then filled at its close
        expected = [[0.0, 0.0], [0.5 * -0.1, 0.3 * 0.1], [0.5 * 0.1, 0.0]]
    else:  # all cash until the open of bar 2, then open -> close with the target
        a1, b1 = 11 / 10.5, 19 / 19.5  # open -> close of bar 2
        g1 = 0.2 + 0.5 * a1 + 0.3 * b1  # growth of bar 2
        wa, wb = 0.5 * a1 / g1, 0.3 * b1 / g1  # drifted weights at the close of bar 2
        a2, b2 = 10 / 11, 20 / 19  # close of bar 2 -> open of bar 3
        g2 = 0.2 / g1 + wa * a2 + wb * b2  # cash drifted to 0.2 / g1
        a3, b3 = 9.9 / 10, 20.9 / 20  # open -> close of bar 3
        g3 = 0.2 + 0.5 * a3 + 0.3 * b3
        wa3, wb3 = 0.5 * a3 / g3, 0.3 * b3 / g3
        a4, b4 = 11 / 9.9, 21 / 20.9
        g4 = 0.2 / g3 + wa3 * a4 + wb3 * b4
        a5, b5 = 10.89 / 11, 20.9 / 21
        expected = [
            [0.5 * (a1 - 1), 0.3 * (b1 - 1)],
            [wa * (a2 - 1) + g2 * 0.5 * (a3 - 1), wb * (b2 - 1) + g2 * 0.3 * (b3 - 1)],
            [wa3 * (a4 - 1) + g4 * 0.5 * (a5 - 1), wb3 * (b4 - 1) + g4 * 0.3 * (b5 - 1)],
        ]
    np.testing.assert_allclose(parts[["A", "B"]].to_numpy(), expected, rtol=1e-12, atol=1e-15)
    assert (parts.cash == 0).all() and (parts.costs == 0).all()
    np.testing.assert_allclose(parts.sum(axis=1), result.returns, rtol=0, atol=1e-10)


@pytest.mark.parametrize("execution", EXECUTIONS)
@pytest.mark.parametrize("policy", ["fixed", "random_actions", "buy_and_hold"])
def test_contributions_add_up_to_returns_with_costs(execution: str, policy: str) -> None:
    market = make_market(80, 3, seed=4)
    rng = np.random.default_rng(5)
    chosen: Any = {
        "fixed": lambda: Fixed(np.array([0.1, 0.4, 0.3, 0.2])),
        "random_actions": lambda: (lambda obs: rng.uniform(-1, 1, 4)),  # new weights every bar
        "buy_and_hold": lambda: "buy_and_hold",  # holds: weights drift, no trades after the first
    }[policy]()
    result = backtest(chosen, market, env_kwargs={"window_bars": 5, "cost_rate": 0.005,
                                                  "execution": execution})
    parts = asset_contributions(result, market)
    np.testing.assert_allclose(parts.sum(axis=1), result.returns, rtol=0, atol=1e-10)
    np.testing.assert_allclose(-parts.costs * result.equity.to_numpy()[:-1], result.costs, atol=1e-15)
    assert (parts.costs < 0).any()
    summary = contribution_summary(parts, result.weights)
    assert summary.total.sum() == pytest.approx(result.equity.iloc[-1] / result.equity.iloc[0] - 1, abs=1e-12)
    assert summary.share.sum() == pytest.approx(1.0)
    assert summary.loc["costs", "total"] < 0 and math.isnan(summary.loc["costs", "mean_weight"])


def square_cost(cost_rate: float) -> Any:
    """A cost model that is not proportional: ``cost_rate * turnover ** 2``."""
    return lambda trade, turnover: cost_rate * turnover ** 2


@pytest.mark.parametrize("execution", EXECUTIONS)
def test_contributions_add_up_under_a_cost_model(execution: str) -> None:
    market = make_market(80, 3, seed=11)
    rng = np.random.default_rng(12)
    result = backtest(lambda obs: rng.uniform(-1, 1, 4), market, env_kwargs={
        "window_bars": 5, "cost_rate": 0.01, "cost_model": square_cost, "execution": execution})
    parts = asset_contributions(result, market)
    assert (parts.costs < 0).all()
    np.testing.assert_allclose(parts.sum(axis=1), result.returns, rtol=0, atol=1e-10)


def test_contributions_reject_another_market() -> None:
    market = make_market(60, 3, seed=6)
    result = backtest("equal_weight", market, env_kwargs={"window_bars": 5})
    with pytest.raises(DataError, match=r"holds \['A0', 'A1', 'A2'\] but market 'toy' has \['A0', 'A1'\]"):
        asset_contributions(result, market.select(["A0", "A1"]))
    with pytest.raises(DataError, match="market 'toy' lacks 10 dates of backtest 'equal_weight'"):
        asset_contributions(result, market.slice_rows(0, 50))


def test_turnover_costs_sum_per_month() -> None:
    market = make_market(120, 3, seed=7)
    result = backtest("equal_weight_monthly", market, env_kwargs={"window_bars": 5, "cost_rate": 0.002})
    monthly = turnover_costs(result)
    assert monthly.index.is_month_end.all() and list(monthly.columns) == [
        "turnover", "costs", "cost_drag", "bars"]
    assert monthly.turnover.sum() == pytest.approx(result.turnover.sum())
    assert monthly.costs.sum() == pytest.approx(result.costs.sum())
    assert monthly.bars.sum() == len(result.returns)
    with pytest.raises(ConfigError, match="unknown resampling frequency 'monthly'"):
        turnover_costs(result, "monthly")


# ----------------------------------------------------------------------------- holdings
def test_concentration_and_top_weights() -> None:
    n = 8
    equal = pd.DataFrame(np.full((3, n + 1), 1 / (n + 1)), columns=["cash", *map(str, range(n))])
    np.testing.assert_allclose(concentration(equal), n)
    rng = np.random.default_rng(8)
    weights = pd.DataFrame(rng.dirichlet(np.ones(n + 1), 50), columns=["cash", *map(str, range(n))])
    top = top_weights(weights, k=3)
    assert list(top.columns[-2:]) == ["other", "cash"] and top.shape == (50, 5)
    np.testing.assert_allclose(top.sum(axis=1), 1.0)
    means = top.iloc[:, :3].mean()
    assert means.is_monotonic_decreasing and means.min() >= weights.drop(columns="cash").mean().nlargest(3).min()
    assert (top_weights(weights, k=20)["other"] == 0).all()


# ----------------------------------------------------------------------------- benchmarks
def test_benchmark_series_on_sp500_index() -> None:
    index = load("sp500_index", start="2010-01-01", end="2010-06-30")
    result = backtest("buy_and_hold", index, env_kwargs={
        "window_bars": 1, "features": ("log_return",), "normalize": "none", "cost_rate": 0.0,
        "execution": "close"})
    bench = benchmark_series("sp500_index", result.equity.index)
    assert bench.index.equals(result.returns.index) and bench.name == "sp500_index"
    # All in the index from the first close, no costs: the backtest's returns are the index's.
    np.testing.assert_allclose(bench, result.returns, rtol=0, atol=1e-12)
    # Skipping bars compounds over them.
    every_other = benchmark_series("sp500_index", result.equity.index[::2])
    expected = (1 + result.returns).groupby(np.arange(len(result.returns)) // 2).prod() - 1
    np.testing.assert_allclose(every_other, expected.to_numpy()[: len(every_other)], atol=1e-12)
    # A baseline's own result gives back exactly its returns.
    pd.testing.assert_series_equal(benchmark_series(result, result.equity.index), result.returns,
                                   check_names=False)


def test_benchmark_series_errors() -> None:
    with pytest.raises(DataError, match=r"benchmark spec 'us_indices' has 2 symbols .*single-series spec"):
        benchmark_series("us_indices", pd.bdate_range("2010-01-04", periods=5))
    with pytest.raises(DataError, match=r"benchmark 'sp500_index' lacks 3 of the backtest's 4 dates "
                                         r"\(first: 2019-01-02, 2019-01-03, 2019-01-04\); it covers "
                                         r"1999-01-04 to 2018-12-31"):
        benchmark_series("sp500_index", days("2018-12-31", "2019-01-02", "2019-01-03", "2019-01-04"))


def test_alpha_beta_of_half_the_benchmark_plus_noise() -> None:
    dates = load("sp500_index", start="2005-01-01", end="2012-12-31").dates
    bench = benchmark_series("sp500_index", dates)
    rng = np.random.default_rng(9)
    returns = 0.5 * bench + rng.normal(0, 0.002, len(bench))
    m = relative_metrics(returns, bench)
    assert m.beta == pytest.approx(0.5, abs=0.01) and m.beta_ci_low < 0.5 < m.beta_ci_high
    assert m.alpha_ci_low < 0 < m.alpha_ci_high
    assert rolling_stats(returns, bench, window=252).beta.dropna().between(0.45, 0.55).all()


def test_all_cash_has_no_drawdown_contribution_or_holdings() -> None:
    market = make_market(60, 2, seed=10)
    result = backtest("cash", market, env_kwargs={"window_bars": 5})
    assert isinstance(result, BacktestResult)
    assert drawdown_table(result.equity).empty and (asset_contributions(result, market) == 0).all().all()
    assert concentration(result.weights).isna().all()
