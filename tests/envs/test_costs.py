"""Cost models on known trades: spread, minimum commission, impact, the participation cap.

Every expected number below comes from bookkeeping in cash and share counts, independent of
the kernel: per asset, the traded notional at the fill price and each term's formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegym.data.market import MarketData
from tradegym.envs import costs as cost_terms
from tradegym.envs import kernel
from tradegym.envs.portfolio import COSTS, PortfolioEnv
from tradegym.errors import ConfigError

CLOSE = np.array([[10.0, 20.0], [10.0, 20.0], [11.0, 19.0], [12.1, 20.0], [11.0, 21.0]])
OPEN = np.array([[10.0, 20.0], [10.0, 20.0], [10.5, 19.5], [12.0, 19.0], [11.5, 20.5]])
HIGH = np.maximum(OPEN, CLOSE) + np.array([[0.2, 0.4], [0.3, 0.5], [0.6, 0.2], [0.1, 1.0], [0.5, 0.5]])
LOW = np.minimum(OPEN, CLOSE) - np.array([[0.1, 0.2], [0.2, 0.3], [0.1, 0.4], [0.3, 0.2], [0.4, 0.1]])
VOLUME = np.array([[40.0, 20.0], [30.0, 10.0], [50.0, 30.0], [20.0, 40.0], [60.0, 10.0]])  # shares
TARGETS = np.array([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
LONG_SHORT_TARGETS = np.array([[0.5, 0.8, -0.3], [1.2, -0.6, 0.4], [-0.3, 0.6, 0.7]])  # short, then borrow
BOOK = {"action_mapping": "long_short", "max_gross": 1.5, "borrow_rate": 0.0, "financing_rate": 0.0}
VALUE = 1000.0  # currency: the minimum commission and the volumes make size matter
WINDOW = 2

MODELS = {
    "spread_bps": [{"name": "spread", "bps": 20}],
    "spread_range": [{"name": "spread", "range_fraction": 0.5}],
    "min_commission": [{"name": "proportional", "cost_rate": 0.001},
                       {"name": "min_commission", "min_currency": 0.4}],
    "impact": [{"name": "impact", "coef": 0.5, "window_bars": WINDOW}],
    "participation": [{"name": "participation", "max_participation": 0.5, "window_bars": WINDOW}],
    "all": [{"name": "proportional", "cost_rate": 0.002}, {"name": "spread", "bps": 3, "range_fraction": 0.2},
            {"name": "min_commission", "min_currency": 0.7}, {"name": "impact", "coef": 0.8, "window_bars": 3},
            {"name": "participation", "max_participation": 0.3, "window_bars": WINDOW}],
}
EXECUTIONS = ["close", "next_close", "next_open"]


def ohlcv_market() -> MarketData:
    prices = np.stack([OPEN, HIGH, LOW, CLOSE, VOLUME], axis=-1)  # (5, 2, 5)
    return MarketData.from_array(prices, pd.bdate_range("2021-01-04", periods=5), ["A", "B"],
                                 ("open", "high", "low", "close", "volume"))


def cost_env(costs, execution: str, data: MarketData | None = None, **kwargs) -> PortfolioEnv:
    return PortfolioEnv(data or ohlcv_market(), window_bars=1, features=["log_return"], normalize="none",
                        costs=costs, execution=execution, start="first", initial_value=VALUE, **kwargs)


def params(costs: list[dict]) -> dict[str, dict]:
    return {c["name"]: c for c in costs}


def trailing(rows: np.ndarray, t: int, window: int, first: int = 0) -> np.ndarray:
    """Rows ``max(first, t-window+1)..t`` of a ``(T, 2)`` table: the bars a cost may read at ``t``."""
    return rows[max(first, t - window + 1) : t + 1]


def asset_costs(p: dict[str, dict], t: int, notional: np.ndarray, fill_px: np.ndarray) -> np.ndarray:
    """Each term's formula per asset (currency), on the traded notionals ``(2,)``."""
    rate = p.get("proportional", {}).get("cost_rate", 0.0)
    cost = rate * notional
    if "spread" in p:
        half = p["spread"].get("bps", 0.0) / 1e4
        half += p["spread"].get("range_fraction", 0.0) * (HIGH[t] - LOW[t]) / CLOSE[t]
        cost = cost + half * notional
    if "min_commission" in p:
        cost = cost + np.where(notional > 0, np.maximum(p["min_commission"]["min_currency"] - rate * notional, 0), 0)
    if "impact" in p:
        w = p["impact"]["window_bars"]
        log_ret = np.log(CLOSE[1:] / CLOSE[:-1])  # row s-1 is the return into bar s
        sigma = log_ret[max(1, t - w + 1) - 1 : t].std(axis=0)  # returns of bars max(1, t-w+1)..t
        adv = trailing(VOLUME, t, w).mean(axis=0)  # shares
        cost = cost + np.minimum(p["impact"]["coef"] * sigma * np.sqrt(notional / fill_px / adv), 1) * notional
    return cost


def fill(p: dict[str, dict], t: int, target: np.ndarray, cash: float, shares: np.ndarray,
         fill_px: np.ndarray, value: float, long_short: bool = False) -> np.ndarray:
    """Signed notionals traded per asset ``(2,)``: the wish, clipped by the participation cap.

    A long-only book scales its buys so that cash ends at 0; a long/short one borrows.
    """
    wish = target[1:] * value - shares * fill_px
    if "participation" not in p:
        return wish
    cap = p["participation"]["max_participation"] * trailing(VOLUME, t, WINDOW).mean(axis=0) * fill_px
    done = np.clip(wish, -cap, cap)
    if cash - done.sum() < 0 and not long_short:  # buys scaled so that cash ends at 0
        buys = done[done > 0].sum()
        done = np.where(done > 0, done * (buys + cash - done.sum()) / buys, done)
    return done


def by_hand(costs: list[dict], execution: str, targets: np.ndarray = TARGETS) -> list[dict]:
    """Values, costs, turnovers and filled weights at each step, bookkept in (signed) shares."""
    p = params(costs)
    long_short = targets is LONG_SHORT_TARGETS
    cash, shares, out = VALUE, np.zeros(2), []
    for step, target in enumerate(targets):
        t = 1 + step  # decision at the close of row t
        fill_px = {"close": CLOSE[t], "next_close": CLOSE[t + 1], "next_open": OPEN[t + 1]}[execution]
        value = cash + shares @ fill_px
        traded = fill(p, t, target, cash, shares, fill_px, value, long_short)  # (2,) signed currency
        cost = asset_costs(p, t, np.abs(traded), fill_px).sum()
        held = np.concatenate([[cash - traded.sum()], shares * fill_px + traded])  # (3,) currency
        filled = held / value
        wanted = np.abs(target[1:] * value - shares * fill_px).sum() / value
        value -= cost
        cash, shares = filled[0] * value, filled[1:] * value / fill_px
        out.append({"value": cash + shares @ CLOSE[t + 1], "cost": cost, "filled": filled,
                    "turnover": np.abs(traded).sum() / (value + cost), "wanted": wanted})
    return out


@pytest.mark.parametrize("book", ["long_only", "long_short"])
@pytest.mark.parametrize("execution", EXECUTIONS)
@pytest.mark.parametrize("model", list(MODELS))
def test_each_cost_model_matches_a_hand_computed_trade(model: str, execution: str, book: str) -> None:
    targets = LONG_SHORT_TARGETS if book == "long_short" else TARGETS
    env = cost_env(MODELS[model], execution, **(BOOK if book == "long_short" else {}))
    env.reset(seed=0)
    for target, expected in zip(targets, by_hand(MODELS[model], execution, targets), strict=True):
        _, _, terminated, _, info = env.step_weights(target)
        assert info["value"] == pytest.approx(expected["value"], abs=1e-9)
        assert info["cost"] == pytest.approx(expected["cost"], abs=1e-9)
        assert info["turnover"] == pytest.approx(expected["turnover"], abs=1e-12)
        np.testing.assert_allclose(info["target"], target, atol=0)  # the wish is reported as given
        if env.capped:
            np.testing.assert_allclose(info["filled"], expected["filled"], atol=1e-12)
            assert info["wanted_turnover"] == pytest.approx(expected["wanted"], abs=1e-12)
        assert not terminated
    steps = by_hand(MODELS[model], execution, targets)
    if model == "participation":  # costs nothing; every step is a partial fill
        assert all(s["turnover"] < s["wanted"] for s in steps)
    else:  # impact is 0 at row 1: one return in its window, so sigma is 0
        assert all(s["cost"] > 0 for s in steps[int(model == "impact") :])


def test_a_partial_fill_under_the_participation_cap_in_numbers() -> None:
    """``close``: decide and fill at the close of row 1 (A at 10, B at 20), 1000 in cash."""
    env = cost_env(MODELS["participation"], "close")
    env.reset(seed=0)
    _, _, _, _, info = env.step_weights(TARGETS[0])
    # Average volume of rows 0-1: A 35 shares, B 15 shares; half of it at the fill price:
    # A 175, B 150 of the 500 each wanted. The rest is cancelled; cash keeps 675.
    np.testing.assert_allclose(info["filled"], [0.675, 0.175, 0.150], atol=1e-15)
    assert info["turnover"] == pytest.approx(0.325) and info["wanted_turnover"] == pytest.approx(1.0)
    assert info["cost"] == 0.0 and info["value"] == pytest.approx(675 + 17.5 * 11 + 7.5 * 19)
    # The next decision starts from the filled weights drifted, not from the cancelled target.
    _, _, _, _, info = env.step_weights(TARGETS[0])
    assert info["wanted_turnover"] < 1.0 and info["turnover"] > 0.0


def test_cancelled_sales_scale_the_buys_so_cash_never_goes_negative() -> None:
    env = cost_env(MODELS["participation"], "close")
    env.reset(seed=0)
    env.step_weights([0.0, 1.0, 0.0])  # A capped at 175 of 1000: cash 825
    _, _, _, _, info = env.step_weights([0.0, 0.0, 1.0])  # sell A, buy B: B capped as well
    assert info["filled"][0] >= 0.0 and info["filled"].sum() == pytest.approx(1.0, abs=1e-12)
    env.reset(seed=0)
    env.step_weights([0.0, 1.0, 0.0])
    env.step_weights([0.0, 1.0, 0.0])
    env.step_weights([0.0, 1.0, 0.0])  # A at 0.175 + more: all cash spent on A where allowed
    assert (env.weights >= 0).all()


@pytest.mark.parametrize("execution", EXECUTIONS)
def test_proportional_plus_spread_costs_the_sum_of_both(execution: str) -> None:
    rng = np.random.default_rng(0)
    data = ohlcv_market()
    pre, post = kernel.execution_ratios(data, execution)
    w, a = rng.dirichlet(np.ones(3), 4), rng.dirichlet(np.ones(3), 4)  # (4, 3) each
    value, rows = rng.uniform(500, 2000, 4), np.array([1, 2, 3, 1])
    parts = [cost_terms.resolve_costs(data, COSTS, "proportional", 0.0, c)[0] for c in
             ([{"name": "proportional", "cost_rate": 0.003}], [{"name": "spread", "bps": 7, "range_fraction": 0.3}],
              [{"name": "proportional", "cost_rate": 0.003}, {"name": "spread", "bps": 7, "range_fraction": 0.3}])]
    paid = [kernel.portfolio_step(value, w, a, pre[rows], post[rows], c, rows=rows).cost.copy() for c in parts]
    np.testing.assert_allclose(paid[2], paid[0] + paid[1], rtol=1e-13)
    assert (paid[1] > 0).all()


def test_a_proportional_composition_is_bit_identical_to_cost_rate() -> None:
    runs = []
    for kwargs in ({"cost_rate": 0.004}, {"costs": [{"name": "proportional", "cost_rate": 0.004}]},
                   {"costs": ["proportional"], "cost_rate": 0.004}, {"costs": ["spread"], "cost_rate": 0.004}):
        env = PortfolioEnv(ohlcv_market(), window_bars=1, features=["log_return"], normalize="none",
                           start="first", **kwargs)
        env.reset(seed=0)
        runs.append([env.step_weights(t)[4]["value"] for t in TARGETS])
    assert runs[0] == runs[1] == runs[2]  # a bare "proportional" is at the cost_rate keyword
    assert runs[3] != runs[0]  # a list without "proportional" has no proportional cost


def test_a_term_named_as_cost_model_adds_to_cost_rate() -> None:
    named = PortfolioEnv(ohlcv_market(), window_bars=1, features=["log_return"], normalize="none",
                         cost_model="spread", cost_rate=0.002, execution="close", start="first")
    listed = PortfolioEnv(ohlcv_market(), window_bars=1, features=["log_return"], normalize="none",
                          costs=[{"name": "proportional", "cost_rate": 0.002}, "spread"],
                          execution="close", start="first")
    for env in (named, listed):
        env.reset(seed=0)
    for t in TARGETS:
        assert named.step_weights(t)[4]["cost"] == listed.step_weights(t)[4]["cost"]
    assert named.cost_rate == listed.cost_rate == 0.002


def test_volume_terms_refuse_data_without_volume_naming_its_fields() -> None:
    close_only = MarketData.from_array(CLOSE, pd.bdate_range("2021-01-04", periods=5), ["A", "B"], ("close",))
    for name in ("impact", "participation"):
        with pytest.raises(ConfigError, match=rf"cost model '{name}' needs volume but 'market' has only \['close'\]"):
            cost_env([name], "close", close_only)
    with pytest.raises(ConfigError, match=r"spread range_fraction needs high and low .* only \['close'\]; give bps"):
        cost_env([{"name": "spread", "range_fraction": 0.5}], "close", close_only)
    silent = np.stack([OPEN, HIGH, LOW, CLOSE, VOLUME * [1, 0]], axis=-1)
    data = MarketData.from_array(silent, pd.bdate_range("2021-01-04", periods=5), ["A", "B"],
                                 ("open", "high", "low", "close", "volume"))
    with pytest.raises(ConfigError, match=r"\['B'\] of 'market' have volume 0 on every bar"):
        cost_env(["impact"], "close", data)


def test_bad_terms_are_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError, match="cost model 'spread' has no parameter 'bsp'. Did you mean 'bps'?"):
        cost_env([{"name": "spread", "bsp": 5}], "close")
    with pytest.raises(ConfigError, match="unknown cost model 'sprad'. Did you mean 'spread'?"):
        cost_env(["sprad"], "close")
    with pytest.raises(ConfigError, match="cost model 'spread' is given twice"):
        cost_env(["spread", {"name": "spread", "bps": 1}], "close")
    with pytest.raises(ConfigError, match="participation max_participation must be in"):
        cost_env([{"name": "participation", "max_participation": 0}], "close")
    with pytest.raises(ConfigError, match="is a Python cost function, which cannot be composed"):
        cost_env([{"name": "examples.custom_env:fixed_plus_proportional", "cost_rate": 0.001}, "spread"], "close")
    with pytest.raises(ConfigError, match="rejected its parameters {}: .* missing 1 required positional"):
        cost_env(["examples.custom_env:fixed_plus_proportional"], "close")


def test_costs_never_exceed_the_value_and_ruin_ends_the_episode() -> None:
    env = PortfolioEnv(ohlcv_market(), window_bars=1, features=["log_return"], normalize="none",
                       costs=[{"name": "min_commission", "min_currency": 5.0}], start="first")
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step_weights(TARGETS[0])  # 10 of minimum on a value of 1
    assert info["value"] == 0.0 and info["cost"] == 1.0 and terminated and reward == -np.inf
