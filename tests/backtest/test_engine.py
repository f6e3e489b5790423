"""The backtest engine and baselines against independent portfolio arithmetic."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_market
from tradegym.backtest import (
    BacktestResult,
    EqualWeight,
    backtest,
    format_table,
    make_baseline,
    write_metrics,
)
from tradegym.backtest.baselines import equal_weights
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

COST_RATE = 0.002
ENV_KWARGS = {"window_bars": 10, "cost_rate": COST_RATE}


@pytest.fixture(scope="module")
def close_only() -> MarketData:
    return make_market(150, 4, ohlc=False, seed=3)


def decision_closes(data: MarketData, result: BacktestResult) -> pd.DataFrame:
    """Closes from the first decision bar to the end, as a frame (dates x symbols)."""
    close = pd.DataFrame(data.close, index=data.dates, columns=list(data.symbols))
    return close.loc[result.equity.index[0]:]


def equal_weight_by_hand(close: pd.DataFrame, execution: str) -> tuple[np.ndarray, np.ndarray]:
    """Daily-rebalanced 1/N portfolio with proportional costs, from closes alone.

    Every bar k (close k-1 -> close k) the book is traded back to 1/N, paying COST_RATE
    on the risky turnover measured against the weights drifted over the previous bar.
    ``next_close``: the trade decided at close k-1 fills at close k, so bar k is carried
    by the old weights (bar 1 by cash) and the trade happens after it. ``close``: the trade
    fills at close k-1 and bar k is carried by the new weights. Returns (values, costs).
    """
    n = close.shape[1]
    ratio = (close / close.shift(1)).iloc[1:].to_numpy()  # (S, N) gross return of each bar
    bar_gross = ratio.mean(axis=1)  # (S,) of a 1/N book held through the bar
    drift_turnover = np.abs(ratio / (n * bar_gross[:, None]) - 1.0 / n).sum(axis=1)  # (S,)
    values, costs, value = [1.0], [], 1.0
    for k in range(len(ratio)):
        if execution == "next_close":
            gross = 1.0 if k == 0 else bar_gross[k]  # old weights: cash on the first bar
            turnover = 1.0 if k == 0 else drift_turnover[k]  # after this bar's drift
            pre_trade = value * gross
            cost = COST_RATE * turnover * pre_trade
            value = pre_trade - cost
        else:  # "close": trade first, against the drift of the previous bar
            turnover = 1.0 if k == 0 else drift_turnover[k - 1]
            cost = COST_RATE * turnover * value
            value = (value - cost) * bar_gross[k]
        values.append(value)
        costs.append(cost)
    return np.array(values), np.array(costs)


@pytest.mark.parametrize("execution", ["next_close", "close"])
def test_equal_weight_matches_hand_computed_rebalanced_portfolio(
    close_only: MarketData, execution: str
) -> None:
    result = backtest("equal_weight", close_only, env_kwargs={**ENV_KWARGS, "execution": execution})
    values, costs = equal_weight_by_hand(decision_closes(close_only, result), execution)
    assert result.execution == execution
    np.testing.assert_allclose(result.equity.to_numpy(), values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.costs.to_numpy(), costs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.returns.to_numpy(), values[1:] / values[:-1] - 1, atol=1e-9)


def test_close_only_data_defaults_to_next_close(close_only: MarketData) -> None:
    assert backtest("cash", close_only, env_kwargs=ENV_KWARGS).execution == "next_close"
    assert backtest("cash", make_market(80), env_kwargs=ENV_KWARGS).execution == "next_open"


def test_buy_and_hold_equals_initial_shares_times_prices(close_only: MarketData) -> None:
    result = backtest("buy_and_hold", close_only, env_kwargs=ENV_KWARGS)
    close = decision_closes(close_only, result)
    n = close.shape[1]
    # next_close: bought at the close after the first decision, paying the cost once.
    shares = (1.0 - COST_RATE) / n / close.iloc[1].to_numpy()  # (N,)
    expected = close.iloc[1:].to_numpy() @ shares  # (S,)
    assert result.equity.iloc[0] == 1.0
    np.testing.assert_allclose(result.equity.iloc[1:].to_numpy(), expected, rtol=0, atol=1e-9)
    assert result.turnover.iloc[0] == pytest.approx(1.0)
    assert (result.turnover.iloc[1:] == 0.0).all()
    assert (result.costs.iloc[1:] == 0.0).all()
    assert result.metrics["total_costs"] == pytest.approx(COST_RATE)


def test_equal_weight_without_rebalancing_is_buy_and_hold(close_only: MarketData) -> None:
    hold = backtest("buy_and_hold", close_only, env_kwargs=ENV_KWARGS)
    never = backtest(EqualWeight(rebalance=10**9), close_only, env_kwargs=ENV_KWARGS)
    pd.testing.assert_series_equal(hold.equity, never.equity, check_names=False)


def test_equal_weight_trades_only_on_rebalance_bars(close_only: MarketData) -> None:
    result = backtest(make_baseline("equal_weight", rebalance=5), close_only,
                      env_kwargs=ENV_KWARGS)
    traded = np.flatnonzero(result.turnover.to_numpy() > 0)
    assert traded.tolist() == list(range(0, len(result.turnover), 5))


def test_cash_keeps_its_value(close_only: MarketData) -> None:
    result = backtest("cash", close_only, env_kwargs=ENV_KWARGS)
    assert (result.equity == 1.0).all()
    assert result.metrics["total_return"] == 0.0
    assert np.isnan(result.metrics["sharpe"])


def test_result_shapes_and_labels(close_only: MarketData) -> None:
    result = backtest("equal_weight", close_only, env_kwargs=ENV_KWARGS, name="1/N")
    env = PortfolioEnv(close_only, start="first", **ENV_KWARGS)
    steps = close_only.n_bars - 1 - env.first_index
    assert result.name == "1/N"
    assert result.equity.index[0] == close_only.dates[env.first_index]
    assert result.equity.index[-1] == close_only.dates[-1]
    assert len(result.equity) == steps + 1 and len(result.returns) == steps
    assert result.returns.index.equals(result.equity.index[1:])
    assert list(result.weights.columns) == ["cash", *close_only.symbols]
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0, atol=1e-12)
    assert result.metrics["bars"] == steps
    assert result.cost_rate == COST_RATE and result.data_name == close_only.name
    assert "equal" not in result.summary() and "1/N on toy" in result.summary()


def test_plain_function_policy_runs_through_the_action_mapping(close_only: MarketData) -> None:
    def same_scores(obs: dict) -> np.ndarray:
        return np.ones_like(obs["weights"])  # softmax of equal scores: 1/A everywhere

    result = backtest(same_scores, close_only, env_kwargs=ENV_KWARGS)
    assert result.name == "same_scores"
    np.testing.assert_allclose(result.weights.iloc[1], 1 / 5, atol=1e-12)  # next_close: = target


def test_predict_policies_get_sb3_arguments(close_only: MarketData) -> None:
    calls: list[tuple[bool, bool]] = []

    class Recorder:
        def predict(self, observation, state=None, episode_start=None, deterministic=False):
            calls.append((bool(episode_start[0]), deterministic))
            return np.zeros(5, dtype=np.float32), state

    backtest(Recorder(), close_only, env_kwargs=ENV_KWARGS)
    assert calls[0] == (True, True)
    assert all(call == (False, True) for call in calls[1:])


def test_sb3_model_backtests(close_only: MarketData) -> None:
    sb3 = pytest.importorskip("stable_baselines3")
    env = PortfolioEnv(close_only, **ENV_KWARGS)
    model = sb3.PPO("MultiInputPolicy", env, n_steps=16, batch_size=16, seed=0, device="cpu")
    result = backtest(model, close_only, env_kwargs=ENV_KWARGS, name="ppo")
    assert np.isfinite(result.equity).all() and result.metrics["bars"] == len(result.returns)


def test_nan_action_fails_with_step_and_date(close_only: MarketData) -> None:
    with pytest.raises(ValueError, match=r"non-finite scores .* at step 0 \(\d{4}-\d\d-\d\d\)"):
        backtest(lambda obs: np.full(5, np.nan), close_only, env_kwargs=ENV_KWARGS)


def test_nan_action_later_in_the_episode_names_that_step(close_only: MarketData) -> None:
    def fails_at_step_3(obs: dict, calls: list[int] = []) -> np.ndarray:  # noqa: B006
        calls.append(1)
        return np.full(5, np.nan if len(calls) == 4 else 0.0)

    with pytest.raises(ValueError, match=r"at step 3 \("):
        backtest(fails_at_step_3, close_only, env_kwargs=ENV_KWARGS)


def test_wrong_shape_action_fails_with_step(close_only: MarketData) -> None:
    with pytest.raises(ValueError, match=r"action has shape \(2,\), expected \(5,\).* at step 0"):
        backtest(lambda obs: np.zeros(2), close_only, env_kwargs=ENV_KWARGS)


def test_bad_target_weights_fail_with_step(close_only: MarketData) -> None:
    class Broken(EqualWeight):
        name = "broken"

        def target_weights(self, obs, env):
            return np.full(env.n_slots, np.nan) if env.steps == 2 else equal_weights(env.n_slots)

    with pytest.raises(ValueError, match=r"target weights \[nan, .*\] at step 2 \(\d{4}-\d\d-\d\d\) must be finite"):
        backtest(Broken(), close_only, env_kwargs=ENV_KWARGS)
    with pytest.raises(ValueError, match=r"shape \(3,\), expected \(5,\).* at step 0"):
        backtest(type("Short", (EqualWeight,), {"target_weights": lambda s, o, e: np.ones(3) / 3})(),
                 close_only, env_kwargs=ENV_KWARGS)


def test_start_cannot_be_overridden(close_only: MarketData) -> None:
    with pytest.raises(ConfigError, match="always starts at the first bar"):
        backtest("cash", close_only, env_kwargs={"start": "random"})


def test_unknown_baseline_suggests_a_name(close_only: MarketData) -> None:
    with pytest.raises(ConfigError, match="Did you mean 'buy_and_hold'"):
        backtest("buy_and_hodl", close_only)
    with pytest.raises(ConfigError, match="rebalance must be an integer >= 1"):
        make_baseline("equal_weight", rebalance=0)
    with pytest.raises(ConfigError, match="bad options"):
        make_baseline("equal_weight", rebalance_every=5)




def test_baseline_predict_needs_and_uses_its_env(close_only: MarketData) -> None:
    env = PortfolioEnv(close_only, start="first", **ENV_KWARGS)
    obs, _ = env.reset()
    with pytest.raises(ConfigError, match="needs its env"):
        make_baseline("equal_weight").predict(obs)
    action, state = make_baseline("equal_weight", env).predict(obs)
    assert state is None
    np.testing.assert_allclose(env.action_to_weights(action), equal_weights(5), atol=1e-6)


def test_table_and_metric_files(close_only: MarketData, tmp_path) -> None:
    results = [backtest(n, close_only, env_kwargs=ENV_KWARGS) for n in ("cash", "equal_weight")]
    table = format_table(results).splitlines()
    assert table[0].split()[:3] == ["policy", "total", "CAGR"]
    assert [row.split()[0] for row in table[2:]] == ["cash", "equal_weight"]
    csv_path, json_path = write_metrics(results, tmp_path / "out")
    records = json.loads(json_path.read_text())
    assert [r["policy"] for r in records] == ["cash", "equal_weight"]
    assert records[0]["sharpe"] is None  # undefined for a constant series: null, not NaN
    assert records[1]["execution"] == "next_close" and records[1]["cost_rate"] == COST_RATE
    assert pd.read_csv(csv_path)["policy"].tolist() == ["cash", "equal_weight"]


def test_policies_see_the_observation_of_a_wrapped_env(close_only: MarketData) -> None:
    """An env id may build a wrapped env (an extra feature): the policy gets the wrapped obs."""
    seen: list[set] = []

    def policy(obs):
        seen.append(set(obs))
        return np.zeros(obs["weights"].shape, np.float32)

    result = backtest(policy, close_only, env_id=f"{__name__}:flagged_env", env_kwargs=ENV_KWARGS)
    assert seen and all(keys == {"window", "weights", "flag"} for keys in seen)
    assert len(result.returns) == len(seen)


def flagged_env(**kwargs):
    """A PortfolioEnv whose observations carry one extra key."""
    import gymnasium as gym

    class Flag(gym.ObservationWrapper):
        def __init__(self, env):
            super().__init__(env)
            self.observation_space = gym.spaces.Dict(
                {**env.observation_space.spaces, "flag": gym.spaces.Box(0, 1, (1,), np.float32)})

        def observation(self, obs):
            return {**obs, "flag": np.ones(1, np.float32)}

    return Flag(PortfolioEnv(**kwargs))


class _Model:
    """A policy that declares the observation it was built for, as an SB3 model does."""

    def __init__(self, space) -> None:
        self.observation_space = space

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        return np.zeros(len(obs["weights"]), dtype=np.float32), state


def test_a_model_built_for_another_observation_is_a_clear_error() -> None:
    from tests.envs.test_universe import dynamic_market

    static = PortfolioEnv(make_market(120, 3), window_bars=5).observation_space
    with pytest.raises(ConfigError, match="trained on a market where every asset is always tradable; dyn has"):
        backtest(_Model(static), dynamic_market(), env_kwargs={"window_bars": 5})
    with pytest.raises(ConfigError, match=r"reads observation keys \['weights', 'window'\] but this env gives "
                                          r"\['weights', 'window', 'window_1W'\]"):
        backtest(_Model(static), make_market(120, 3), env_kwargs={"window_bars": 5, "timeframes": ("1D", "1W")})
    assert backtest(_Model(static), make_market(120, 3), env_kwargs={"window_bars": 5}).metrics
