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


# ---------------------------------------------------------------------- a listing and a delisting
# A trades throughout; B lists at row 3 (rows 0-2 missing); C's last bar is row 3 (rows 4-5 missing).
NAN = np.nan
U_CLOSE = np.array([[10.0, NAN, 30.0], [10.0, NAN, 30.0], [11.0, NAN, 33.0], [12.0, 21.0, 36.0],
                    [11.0, 22.0, NAN], [12.0, 23.0, NAN]])
U_OPEN = np.array([[10.0, NAN, 30.0], [10.0, NAN, 30.0], [10.5, NAN, 31.0], [11.5, 20.0, 34.0],
                   [12.5, 21.5, NAN], [11.5, 22.5, NAN]])
U_LIFE = np.isfinite(U_CLOSE)  # (6, 3)


def universe_env(execution: str) -> PortfolioEnv:
    prices = np.stack([U_OPEN, U_CLOSE], axis=-1)  # (6, 3, 2)
    data = MarketData.from_array(prices, pd.bdate_range("2021-01-04", periods=6), ["A", "B", "C"],
                                 ("open", "close"), tradable=U_LIFE)
    return PortfolioEnv(data, window_bars=1, features=["log_return"], normalize="none",
                        cost_rate=COST_RATE, execution=execution, start="first")


def held_price(table: np.ndarray, row: int) -> np.ndarray:
    """Prices ``(3,)`` of ``row``; a delisted asset is worth its last close, an unlisted one 0."""
    last_close = np.array([U_CLOSE[np.flatnonzero(U_LIFE[:, n])[-1], n] for n in range(3)])
    after = row > np.array([np.flatnonzero(U_LIFE[:, n])[-1] for n in range(3)])
    return np.nan_to_num(np.where(after, last_close, table[row]))


def universe_by_hand(execution: str) -> tuple[list[float], list[float]]:
    """Equal weight over the assets listed at each decision bar, bookkept in shares."""
    cash, shares = 1.0, np.zeros(3)
    values, costs = [], []
    for t in range(1, 5):  # decisions at the closes of rows 1..4
        listed = U_LIFE[t]
        target = np.where(listed, 1.0 / listed.sum(), 0.0)  # (3,), no cash
        fill_px = {"close": held_price(U_CLOSE, t), "next_close": held_price(U_CLOSE, t + 1),
                   "next_open": held_price(U_OPEN, t + 1)}[execution]
        value = cash + shares @ fill_px
        cost = COST_RATE * np.abs(target * value - shares * fill_px).sum()
        value -= cost
        with np.errstate(divide="ignore", invalid="ignore"):
            cash, shares = 0.0, np.where(target > 0, target * value / fill_px, 0.0)
        values.append(cash + shares @ held_price(U_CLOSE, t + 1))
        costs.append(cost)
    return values, costs


@pytest.mark.parametrize("execution", ["close", "next_close", "next_open"])
def test_a_listing_and_a_delisting_match_hand_computation(execution: str) -> None:
    env = universe_env(execution)
    env.reset(seed=0)
    expected_values, expected_costs = universe_by_hand(execution)
    targets = []
    for value, cost in zip(expected_values, expected_costs, strict=True):
        _, _, _, _, info = env.step_weights([0.0, 1 / 3, 1 / 3, 1 / 3])
        assert info["value"] == pytest.approx(value, abs=1e-12)
        assert info["cost"] == pytest.approx(cost, abs=1e-12)
        targets.append(info["target"])
    # B is bought only from row 3, the first bar it is seen listed; C is sold at row 4, the
    # first bar it is not, at its last close (36), whatever the execution.
    np.testing.assert_allclose(targets, [[0, 0.5, 0, 0.5], [0, 0.5, 0, 0.5], [0, 1 / 3, 1 / 3, 1 / 3],
                                         [0, 0.5, 0.5, 0]])
    assert info["weights"][3] == 0.0


def test_close_execution_listing_and_delisting_in_numbers() -> None:
    """The ``close`` case written out: every number below is a price of the table above."""
    env = universe_env("close")
    env.reset(seed=0)
    v = [env.step_weights([0.0, 1 / 3, 1 / 3, 1 / 3])[4]["value"] for _ in range(4)]
    # Row 1: B is not listed: half in A, half in C, bought from cash (turnover 1); row 1 -> 2.
    v1 = (1 - COST_RATE) * (0.5 * 11 / 10 + 0.5 * 33 / 30)
    assert v[0] == pytest.approx(v1)
    # Row 2: A and C at 1/2 after drifting (both +10 %): no trade; row 2 -> 3: A +9.09 %, C +9.09 %.
    v2 = v1 * (0.5 * 12 / 11 + 0.5 * 36 / 33)
    assert v[1] == pytest.approx(v2)
    # Row 3: B lists; from (1/2, 0, 1/2) to thirds: turnover 2/3. Row 3 -> 4: A 12 -> 11,
    # B 21 -> 22, C held at its last close 36.
    v3 = v2 * (1 - COST_RATE * 2 / 3) * (11 / 12 + 22 / 21 + 36 / 36) / 3
    assert v[2] == pytest.approx(v3)
    # Row 4: C is not tradable: sold at 36. Drifted weights w, target (1/2, 1/2, 0).
    w = np.array([11 / 12, 22 / 21, 1.0]) / (11 / 12 + 22 / 21 + 1.0)
    turnover = abs(0.5 - w[0]) + abs(0.5 - w[1]) + w[2]
    v4 = v3 * (1 - COST_RATE * turnover) * (0.5 * 12 / 11 + 0.5 * 23 / 22)
    assert v[3] == pytest.approx(v4)
