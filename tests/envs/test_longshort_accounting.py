"""Known-answer accounting of long/short books: shorts with a borrow fee, leverage with
financing, idle cash with interest, a margin call, and a capped fill — under each execution.

Every expected number comes from bookkeeping in cash and signed share counts, independent of
the kernel: trade at the fill price, pay the costs, hold the shares to the close, add the
interest of the bar to cash, then check the margin at the close.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv

CLOSE = np.array([[10.0, 20.0], [10.0, 20.0], [11.0, 19.0], [12.1, 20.0], [11.0, 21.0]])
OPEN = np.array([[10.0, 20.0], [10.0, 20.0], [10.5, 19.5], [12.0, 19.0], [11.5, 20.5]])
VOLUME = np.array([[40.0, 20.0], [30.0, 10.0], [50.0, 30.0], [20.0, 40.0], [60.0, 10.0]])  # shares
PPY = 252.0  # a business-day calendar: the env infers daily bars
EXECUTIONS = ["close", "next_close", "next_open"]
FILL = {"close": lambda t: CLOSE[t], "next_close": lambda t: CLOSE[t + 1], "next_open": lambda t: OPEN[t + 1]}

SCENARIOS = {
    # Short B for three bars (19 -> 20 -> 21 after 20: down, then up) with a 20 % borrow fee.
    "short": {"targets": [[1.5, 0.0, -0.5]] * 3,
              "kwargs": {"borrow_rate": 0.2, "cash_rate": 0.0, "financing_rate": 0.0}},
    # 150 % long (A and B), financed at 30 % a year; idle cash earns 5 % once the loan is repaid.
    "leveraged_long": {"targets": [[-0.5, 0.8, 0.7], [-0.5, 0.8, 0.7], [0.2, 0.4, 0.4]],
                       "kwargs": {"financing_rate": 0.3, "cash_rate": 0.05, "borrow_rate": 0.0}},
    # Long/short with every rate, then back to long-only with cash earning interest.
    "all_rates": {"targets": [[0.7, 0.8, -0.5], [1.2, -0.4, 0.2], [0.5, 0.5, 0.0]],
                  "kwargs": {"cash_rate": 0.04, "financing_rate": 0.09, "borrow_rate": 0.15}},
    # Both short, each at its own borrow fee: A is hard to borrow (40 %), B pays the default 0.5 %.
    "hard_to_borrow": {"targets": [[1.6, -0.4, -0.2], [1.6, -0.4, -0.2], [1.3, 0.0, -0.3]],
                       "kwargs": {"borrow_rate": {"A": 0.4}, "cash_rate": 0.0}},
    # Short A at 100 % and long B: A rises 10 %, the equity falls to 0.85 and gross to 2.41 > 1 / 0.45.
    "margin_call": {"targets": [[1.0, -1.0, 1.0], None, None],
                    "kwargs": {"margin_maintenance": 0.45, "borrow_rate": 0.0}},
    # The participation cap clips A; cash goes negative (borrowed), which a long-only fill forbids.
    "capped": {"targets": [[-0.5, 1.0, 0.5], [1.3, -0.6, 0.3], [0.0, 0.5, 0.5]],
               "kwargs": {"costs": ["proportional", {"name": "participation", "max_participation": 0.5,
                                                     "window_bars": 2}], "initial_value": 200.0,
                          "borrow_rate": 0.1}},
}
COST_RATE = 0.01
MAX_GROSS = 2.0


def market() -> MarketData:
    prices = np.stack([OPEN, CLOSE, VOLUME], axis=-1)  # (5, 2, 3)
    return MarketData.from_array(prices, pd.bdate_range("2021-01-04", periods=5), ["A", "B"],
                                 ("open", "close", "volume"))


def book_env(execution: str, **kwargs) -> PortfolioEnv:
    return PortfolioEnv(market(), window_bars=1, features=["log_return"], normalize="none",
                        cost_rate=COST_RATE, execution=execution, start="first",
                        action_mapping="long_short", max_gross=MAX_GROSS, **kwargs)


def by_hand(case: dict, execution: str) -> list[dict]:
    """Value, cost, carry and margin call at each close, bookkept in cash and signed shares."""
    kw = case["kwargs"]
    value0 = kw.get("initial_value", 1.0)
    rates = kw.get("borrow_rate", 0.005)
    by_asset = [rates.get(s, 0.005) for s in "AB"] if isinstance(rates, dict) else [rates] * 2
    cash_rate, borrow = kw.get("cash_rate", 0.0) / PPY, np.array(by_asset) / PPY  # (2,) per bar
    financing = kw.get("financing_rate", kw.get("cash_rate", 0.0) + 0.01) / PPY
    maintenance = kw.get("margin_maintenance", 0.25)
    cap = next((c["max_participation"] for c in kw.get("costs", []) if isinstance(c, dict)), None)
    cash, shares, out = value0, np.zeros(2), []
    for step, target in enumerate(case["targets"]):
        t = 1 + step
        px = FILL[execution](t)
        value = cash + shares @ px  # at the fill, before costs
        if target is None:  # hold: no trade
            wish = np.zeros(2)
        else:
            wish = np.asarray(target[1:]) * value - shares * px  # signed currency per asset
        if cap is not None:
            limit = cap * VOLUME[max(0, t - 1) : t + 1].mean(axis=0) * px
            wish = np.clip(wish, -limit, limit)
        cost = COST_RATE * np.abs(wish).sum()
        held = np.concatenate([[cash - wish.sum()], shares * px + wish]) / value  # weights at the fill
        after = value - cost  # costs come out of every position in proportion (the kernel's rule)
        cash, shares = held[0] * after, held[1:] * after / px
        carry = after * (cash_rate * max(held[0], 0) - financing * max(-held[0], 0)
                         - borrow @ np.maximum(-held[1:], 0))
        cash += carry
        close_value = cash + shares @ CLOSE[t + 1]
        exposure = np.abs(shares * CLOSE[t + 1]).sum()
        call = exposure > close_value / maintenance
        if call:  # deleverage to MAX_GROSS at the close, paying the cost rate on the trade
            scale = MAX_GROSS * close_value / exposure
            paid = COST_RATE * exposure * (1 - scale)
            cash += (shares * CLOSE[t + 1]).sum() * (1 - scale) - paid
            shares = shares * scale
            cost += paid
            close_value = cash + shares @ CLOSE[t + 1]
        out.append({"value": close_value, "cost": cost, "carry": carry, "margin_call": bool(call),
                    "cash": cash / close_value})
    return out


@pytest.mark.parametrize("execution", EXECUTIONS)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_long_short_books_match_hand_bookkeeping(name: str, execution: str) -> None:
    case = SCENARIOS[name]
    env = book_env(execution, **case["kwargs"])
    env.reset(seed=0)
    prev = case["kwargs"].get("initial_value", 1.0)
    for target, expected in zip(case["targets"], by_hand(case, execution), strict=True):
        _, reward, terminated, _, info = env.step_weights(target)
        assert info["value"] == pytest.approx(expected["value"], rel=1e-9, abs=1e-9)
        assert info["cost"] == pytest.approx(expected["cost"], rel=1e-9, abs=1e-12)
        assert info["carry"] == pytest.approx(expected["carry"], rel=1e-9, abs=1e-15)
        assert info["margin_call"] == expected["margin_call"]
        assert info["weights"][0] == pytest.approx(expected["cash"], abs=1e-9)
        assert reward == pytest.approx(np.log(expected["value"] / prev), abs=1e-9)
        assert not terminated
        prev = expected["value"]


def test_the_scenarios_exercise_what_they_name() -> None:
    short = by_hand(SCENARIOS["short"], "close")
    assert all(s["carry"] < 0 for s in short)  # the borrow fee is paid every bar
    long_ = by_hand(SCENARIOS["leveraged_long"], "close")
    assert long_[0]["carry"] < 0 and long_[2]["carry"] > 0  # financing, then interest on idle cash
    calls = [s["margin_call"] for s in by_hand(SCENARIOS["margin_call"], "close")]
    assert calls[0]  # and again a bar later: A rises another 10 % against the short
    capped = by_hand(SCENARIOS["capped"], "close")
    assert capped[0]["cash"] < 0  # borrowed: the cap clipped A, the rest was bought on margin


def test_a_short_position_in_numbers() -> None:
    """``close``: short 0.5 of B at 20 with 1.0 of value, B closes at 19 a bar later."""
    env = book_env("close", borrow_rate=0.252, cash_rate=0.0, financing_rate=0.0)
    env.reset(seed=0)
    _, _, _, _, info = env.step_weights([1.5, 0.0, -0.5])
    after = 1.0 - COST_RATE * 0.5  # 0.995, every position scaled by it
    fee = after * 0.5 * 0.252 / 252  # 0.001 a bar on the short notional
    # Cash 1.5 * 0.995, short 0.025 * 0.995 shares of B gains (20 - 19) each.
    assert info["value"] == pytest.approx(after * 1.5 - fee - after * 0.025 * 19, abs=1e-12)
    assert info["carry"] == pytest.approx(-fee, abs=1e-15)


def test_a_margin_call_can_end_the_episode_instead() -> None:
    env = book_env("close", margin_maintenance=0.45, margin_call="end")
    env.reset(seed=0)
    _, _, terminated, _, info = env.step_weights([1.0, -1.0, 1.0])
    assert terminated and info["margin_call"]


def test_a_short_squeeze_past_the_equity_is_ruin() -> None:
    prices = CLOSE.copy()
    prices[2, 0] = 40.0  # A quadruples in a bar
    data = MarketData.from_array(prices[:, :, None], pd.bdate_range("2021-01-04", periods=5), ["A", "B"],
                                 ("close",))
    env = PortfolioEnv(data, window_bars=1, features=["log_return"], normalize="none", start="first",
                       action_mapping="long_short", max_gross=2.0, execution="close")
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step_weights([2.0, -1.0, 0.0])
    assert info["value"] == 0.0 and terminated and reward == -np.inf
    np.testing.assert_array_equal(info["weights"], [1.0, 0.0, 0.0])


def test_long_only_books_earn_cash_rate_on_idle_cash_only() -> None:
    env = PortfolioEnv(market(), window_bars=1, features=["log_return"], normalize="none", start="first",
                       cost_rate=0.0, execution="close", cash_rate=0.0504)
    env.reset(seed=0)
    _, _, _, _, info = env.step_weights([0.25, 0.75, 0.0])
    assert info["carry"] == pytest.approx(0.25 * 0.0504 / 252, abs=1e-15)
    assert info["value"] == pytest.approx(0.25 + 0.25 * 0.0002 + 0.075 * 11, abs=1e-12)
    assert env.book is not None and not env.long_short
    plain = PortfolioEnv(market(), window_bars=1, features=["log_return"], normalize="none")
    assert plain.book is None  # long-only without interest: the plain step, bit for bit as before


def test_a_cash_rate_series_is_read_as_of_each_bar() -> None:
    dates = pd.bdate_range("2021-01-04", periods=5)
    series = pd.Series([0.0, 0.252], index=[dates[0] - pd.Timedelta(days=3), dates[2]])
    env = PortfolioEnv(market(), window_bars=1, features=["log_return"], normalize="none", start="first",
                       cost_rate=0.0, execution="close", cash_rate=series)
    env.reset(seed=0)
    infos = [env.step_weights([1.0, 0.0, 0.0])[4] for _ in range(3)]  # decisions at rows 1, 2, 3
    assert infos[0]["carry"] == 0.0  # the rate changes at row 2: not seen at row 1
    assert infos[1]["carry"] == pytest.approx(0.001, abs=1e-15)
    assert infos[2]["carry"] == pytest.approx(1.001 * 0.001, abs=1e-15)


def test_a_borrow_rate_per_asset_names_unknown_symbols_and_shows_in_the_book() -> None:
    from tradegym.errors import ConfigError

    with pytest.raises(ConfigError, match=r"borrow_rate names \['ZZZ'\], not symbols of 'market' \(\['A', 'B'\]\)"):
        book_env("close", borrow_rate={"ZZZ": 0.3})
    env = book_env("close", borrow_rate={"A": 0.4})
    assert "borrow 20.2 % on average" in env.book.describe(PPY)  # (40 % + 0.5 %) / 2
