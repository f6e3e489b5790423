"""Known-answer accounting: 2 assets + cash over 3 steps, computed by hand with shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv

CLOSE = np.array([[10.0, 20.0], [10.0, 20.0], [11.0, 19.0], [12.1, 20.0], [11.0, 21.0]])
OPEN = np.array([[10.0, 20.0], [10.0, 20.0], [10.5, 19.5], [12.0, 19.0], [11.5, 20.5]])
TARGETS = np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
COST_RATE = 0.01


def tiny_market() -> MarketData:
    prices = np.stack([OPEN, CLOSE], axis=-1)  # (5, 2, 2)
    return MarketData.from_array(prices, pd.bdate_range("2021-01-04", periods=5), ["A", "B"],
                                 ("open", "close"))


def tiny_env(execution: str) -> PortfolioEnv:
    """Raw log returns, a 1-bar window: the first decision is at row 1."""
    return PortfolioEnv(tiny_market(), window_bars=1, features=["log_return"], normalize="none",
                        cost_rate=COST_RATE, execution=execution, start="first")


def shares_accounting(execution: str) -> tuple[list[float], list[float]]:
    """Independent bookkeeping in cash and share counts. Returns values at each close, costs."""
    cash, shares = 1.0, np.zeros(2)
    values, costs = [], []
    for step, target in enumerate(TARGETS):
        t = 1 + step  # decision at the close of row t
        fill_row, fill_px = {"close": (t, CLOSE[t]), "next_close": (t + 1, CLOSE[t + 1]),
                             "next_open": (t + 1, OPEN[t + 1])}[execution]
        del fill_row
        value = cash + shares @ fill_px
        trade_value = np.abs(target[1:] * value - shares * fill_px).sum()
        cost = COST_RATE * trade_value
        value -= cost
        cash, shares = target[0] * value, target[1:] * value / fill_px
        values.append(cash + shares @ CLOSE[t + 1])
        costs.append(cost)
    return values, costs


@pytest.mark.parametrize("execution", ["close", "next_close", "next_open"])
def test_value_and_costs_match_hand_computation(execution: str) -> None:
    env = tiny_env(execution)
    env.reset(seed=0)
    expected_values, expected_costs = shares_accounting(execution)
    prev = 1.0
    for target, value, cost in zip(TARGETS, expected_values, expected_costs, strict=True):
        _, reward, terminated, _, info = env.step_weights(target)
        assert info["value"] == pytest.approx(value, abs=1e-9)
        assert info["cost"] == pytest.approx(cost, abs=1e-9)
        assert reward == pytest.approx(np.log(value / prev), abs=1e-9)
        assert not terminated
        prev = value


def test_close_execution_first_step_by_hand() -> None:
    # Trade 1.0 cash into 50/50 at the close of row 1: cost 0.01 * (0.5 + 0.5) = 0.01.
    # Shares: 0.495 / 10 = 0.0495 A and 0.495 / 20 = 0.02475 B; row 2 closes at 11 and 19.
    env = tiny_env("close")
    env.reset()
    _, _, _, _, info = env.step_weights(TARGETS[0])
    assert info["cost"] == pytest.approx(0.01, abs=1e-12)
    assert info["value"] == pytest.approx(0.0495 * 11 + 0.02475 * 19, abs=1e-12)  # 1.01475
    # Weights drift with prices: A grew 10 %, B fell 5 %.
    assert info["weights"] == pytest.approx([0.0, 0.5445 / 1.01475, 0.47025 / 1.01475], abs=1e-12)


def test_next_close_old_weights_carry_the_whole_bar() -> None:
    # All cash until the fill at the close of row 2: the first bar earns nothing.
    env = tiny_env("next_close")
    env.reset()
    _, reward, _, _, info = env.step_weights(TARGETS[0])
    assert info["value"] == pytest.approx(0.99, abs=1e-12)
    assert info["weights"] == pytest.approx([0.0, 0.5, 0.5], abs=1e-12)
    assert reward == pytest.approx(np.log(0.99), abs=1e-12)


def test_costs_are_charged_on_turnover_only() -> None:
    env = tiny_env("close")
    env.reset()
    _, _, _, _, info = env.step_weights(np.array([1.0, 0.0, 0.0]))
    assert info["turnover"] == 0.0 and info["cost"] == 0.0 and info["value"] == 1.0
