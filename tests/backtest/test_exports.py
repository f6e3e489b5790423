"""Per-bar exports: equity, returns, weights and trades next to metrics.csv, with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegym.backtest import backtest
from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.exports import TRADE_COLUMNS, trades, write_exports
from tradegym.backtest.report import report
from tradegym.data import load
from tradegym.data.market import MarketData


def market() -> MarketData:
    return load("planted", n_assets=3, n_bars=120, seed=0)


@pytest.mark.parametrize("execution", ["next_open", "next_close", "close"])
def test_trades_add_up_to_the_steps_turnover_and_costs(execution) -> None:
    result = backtest("equal_weight", market(),
                      env_kwargs={"window_bars": 5, "execution": execution, "cost_rate": 0.001})
    table = trades(result)
    assert list(table.columns) == list(TRADE_COLUMNS) and len(table) > 0
    moved = (table["to_weight"] - table["from_weight"]).abs().groupby(table["date"]).sum()
    traded = result.turnover[result.turnover > 0]
    np.testing.assert_allclose(moved.reindex(traded.index).to_numpy(), traded.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(table["cost"].sum(), result.costs.sum(), rtol=1e-12)
    # Proportional costs: each row's cost is the rate times its traded notional.
    np.testing.assert_allclose(table["cost"], 0.001 * table["traded_notional"], rtol=1e-9, atol=1e-15)
    # The first step buys 1/3 of each asset from all cash with value 1.
    first = table[table["date"] == table["date"].min()]
    assert first["from_weight"].tolist() == [0.0] * 3
    np.testing.assert_allclose(first["to_weight"], 1 / 3)
    np.testing.assert_allclose(first["traded_notional"], 1 / 3)
    assert (table["decided"] < table["date"]).all()


def test_report_writes_the_exports_next_to_metrics(tmp_path) -> None:
    data = market()
    results = [backtest(name, data, env_kwargs={"window_bars": 5}) for name in ("equal_weight", "cash")]
    paths = report(results, tmp_path, lambda _: None, benchmark=None)
    names = {p.name for p in paths}
    assert {"metrics.csv", "equity.csv", "returns.csv", "weights.csv", "trades.csv"} <= names
    assert not list(tmp_path.glob("*.tmp"))
    equity = pd.read_csv(tmp_path / "equity.csv", index_col="date")
    assert list(equity.columns) == ["equal_weight", "cash"] and equity.iloc[0].tolist() == [1.0, 1.0]
    np.testing.assert_allclose(equity["equal_weight"], results[0].equity.to_numpy())
    returns = pd.read_csv(tmp_path / "returns.csv", index_col="date")
    assert len(returns) == len(results[0].returns) and (returns["cash"] == 0).all()
    weights = pd.read_csv(tmp_path / "weights.csv")
    assert list(weights.columns) == ["policy", "date", "asset", "weight"]
    assert len(weights) == 2 * len(results[0].weights) * 4  # policies x rows x (cash + 3)
    sums = weights.groupby(["policy", "date"])["weight"].sum()
    np.testing.assert_allclose(sums, 1.0)
    table = pd.read_csv(tmp_path / "trades.csv")
    assert set(table["policy"]) == {"equal_weight"}  # cash never trades
    assert str(table["date"].iloc[0]) == str(results[0].returns.index[0].date())


def test_results_without_recorded_targets_export_no_trades(tmp_path) -> None:
    old = backtest("equal_weight", market(), env_kwargs={"window_bars": 5})
    bare = BacktestResult(old.name, old.equity, old.returns, old.weights, old.turnover, old.costs,
                          old.execution, old.cost_rate)  # as built before the new fields
    assert bare.targets is None and trades(bare).empty
    paths = write_exports([bare], tmp_path)
    assert [p.name for p in paths] == ["equity.csv", "returns.csv", "weights.csv", "trades.csv"]
    assert pd.read_csv(tmp_path / "trades.csv").columns.tolist() == list(TRADE_COLUMNS)
