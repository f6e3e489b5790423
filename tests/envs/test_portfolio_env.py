"""PortfolioEnv and PortfolioDiscreteEnv: API, checkers, actions, episodes, errors."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from hypothesis import given, settings
from hypothesis import strategies as st
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import tradegym
from tests.conftest import make_market
from tradegym.envs import kernel
from tradegym.envs.costs import resolve_costs
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.portfolio import COSTS, PortfolioEnv
from tradegym.errors import ConfigError, DataError


@pytest.mark.parametrize("cls", [PortfolioEnv, PortfolioDiscreteEnv])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_env_passes_gymnasium_and_sb3_checkers(cls, market) -> None:
    env = cls(market, window_bars=10)
    gym_check_env(env, skip_render_check=True)
    sb3_check_env(env)


@pytest.mark.parametrize("env_id", ["tradegym/Portfolio-v0", "tradegym/PortfolioDiscrete-v0"])
def test_registered_ids_make_envs(env_id: str, market) -> None:
    env = gym.make(env_id, data=market, window_bars=5)
    obs, _ = env.reset(seed=1)
    assert obs["window"].shape == (5, 3, len(env.unwrapped.feature_set.names))
    assert tradegym.make(env_id, data=market, window_bars=5).unwrapped.window_bars == 5


def test_unknown_env_id_suggests() -> None:
    with pytest.raises(ConfigError, match="Did you mean 'tradegym/Portfolio-v0'"):
        tradegym.make("tradegym/Portfolio-v1")


@pytest.mark.parametrize("n_assets", [20, 30])
def test_fully_concentrated_portfolio_is_reachable(n_assets: int) -> None:
    scores = -np.ones(n_assets + 1)
    scores[3] = 1.0
    assert kernel.scores_to_weights(scores).max() == 1.0
    assert kernel.scores_to_weights(scores, "simplex").max() == 1.0
    # The plain softmax of scores in [-1, 1] (FinRL's mapping) cannot exceed ~e^2 / (e^2 + N).
    plain = np.exp(scores) / np.exp(scores).sum()
    assert plain.max() < 0.3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(1e-3, 1.0), min_size=2, max_size=31), st.data())
def test_every_simplex_point_above_dust_is_reached_exactly(raw: list[float], data) -> None:
    w = np.array(raw) / np.sum(raw)
    zeros = data.draw(st.lists(st.integers(0, len(raw) - 1), max_size=len(raw) - 1))
    w[zeros] = 0.0
    w = w / w.sum()
    w = np.where(w >= 1e-3, w, 0.0)
    w = w / w.sum()
    for mapping in kernel.MAPPINGS:
        s = kernel.weights_to_scores(w, mapping)
        assert np.all(np.abs(s) <= 1.0)
        np.testing.assert_allclose(kernel.scores_to_weights(s, mapping), w, atol=1e-12)


COST_TERMS = [None, ["spread"], [{"name": "spread", "range_fraction": 0.5}], ["proportional", "min_commission"],
              ["impact"], [{"name": "participation", "max_participation": 0.01}],
              ["proportional", "spread", "min_commission", "impact", "participation"]]


@pytest.mark.parametrize("terms", COST_TERMS, ids=lambda t: "+".join(map(str, t or ["callable"])))
def test_kernel_batch_rows_equal_single_calls(market, terms) -> None:
    rng = np.random.default_rng(0)
    pre, post = kernel.execution_ratios(market, "next_open")
    w = rng.dirichlet(np.ones(4), 5)
    a = rng.dirichlet(np.ones(4), 5)
    value = rng.uniform(0.5, 2, 5) * (1 if terms is None else 1e7)  # currency: sizes that bite
    rows = np.arange(10, 15)  # (5,) decision bars
    models = (0.002, lambda trade, turnover: 0.002 * turnover) if terms is None else (
        resolve_costs(market, COSTS, "proportional", 0.002, terms)[0],)
    for cost in models:
        batch = [x.copy() for x in kernel.portfolio_step(value, w, a, pre[10:15], post[10:15], cost, rows=rows)]
        for b in range(5):
            single = kernel.portfolio_step(value[b : b + 1], w[b : b + 1], a[b : b + 1],
                                           pre[10 + b : 11 + b], post[10 + b : 11 + b], cost,
                                           rows=rows[b : b + 1])
            for x, y in zip(batch, single, strict=True):
                np.testing.assert_allclose(x[b], y[0], rtol=0, atol=1e-15)


def test_weights_drift_and_stay_on_simplex(market) -> None:
    env = PortfolioEnv(market, window_bars=5, start="first")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        _, reward, terminated, truncated, info = env.step(rng.uniform(-1, 1, 4))
        assert info["weights"].min() >= 0 and info["weights"].sum() == pytest.approx(1.0)
        assert np.isfinite(reward) and info["cost"] >= 0
        if terminated or truncated:
            break


def test_episode_truncates_at_max_steps_and_end_of_data(market) -> None:
    env = PortfolioEnv(market, window_bars=5, max_steps=7)
    env.reset(seed=3)
    flags = [env.step(env.action_space.sample())[3] for _ in range(7)]
    assert flags == [False] * 6 + [True]
    env = PortfolioEnv(market, window_bars=5, start="first")
    env.reset()
    steps, truncated = 0, False
    while not truncated:
        truncated = env.step(np.zeros(4))[3]
        steps += 1
    assert steps == market.n_bars - 1 - env.first_index
    with pytest.raises(DataError, match="episode is over"):
        env.step(np.zeros(4))


def test_random_start_is_seeded(market) -> None:
    env = PortfolioEnv(market, window_bars=5)
    starts = [env.reset(seed=s)[1]["index"] for s in (1, 1, 2)]
    assert starts[0] == starts[1]
    assert all(env.first_index <= s <= market.n_bars - 2 for s in starts)


def test_ruin_terminates(market) -> None:
    env = PortfolioEnv(market, window_bars=5, start="first", ruin_fraction=0.999, cost_rate=0.01)
    env.reset()
    _, _, terminated, _, _ = env.step(env.weights_to_action([0, 1, 0, 0]))
    assert terminated


def test_wrong_action_shape_names_step_and_date(market) -> None:
    env = PortfolioEnv(market, window_bars=5, start="first")
    env.reset()
    date = str(market.dates[env.first_index].date())
    with pytest.raises(ValueError, match=rf"action has shape \(3,\), expected \(4,\).*at step 0 \({date}\)"):
        env.step(np.zeros(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_action_names_the_slot(bad: float, market) -> None:
    env = PortfolioEnv(market, window_bars=5, start="first")
    env.reset()
    action = np.zeros(4)
    action[2] = bad
    with pytest.raises(ValueError, match=r"non-finite scores .* at slots \[2\] at step 0"):
        env.step(action)


def test_next_open_on_close_only_data_names_the_other_modes(close_market) -> None:
    with pytest.raises(ConfigError, match="needs opens.*'next_close'.*'close'"):
        PortfolioEnv(close_market, execution="next_open")
    assert PortfolioEnv(close_market, window_bars=5).execution == "next_close"


def test_too_short_data_for_the_window_is_an_error() -> None:
    with pytest.raises(DataError, match="has 30 rows but a window of 20 bars .* needs at least"):
        PortfolioEnv(make_market(30), window_bars=20)


def test_unknown_reward_and_cost_model_suggest(market) -> None:
    with pytest.raises(ConfigError, match="unknown reward 'log_retrun'. Did you mean 'log_return'"):
        PortfolioEnv(market, reward="log_retrun")
    with pytest.raises(ConfigError, match="unknown cost model 'proportionl'"):
        PortfolioEnv(market, cost_model="proportionl")


def test_user_reward_by_module_attribute(market) -> None:
    env = PortfolioEnv(market, window_bars=5, reward="tests.envs.test_portfolio_env:turnover_penalty",
                       start="first")
    env.reset()
    _, reward, _, _, info = env.step(env.weights_to_action([0, 1, 0, 0]))
    assert reward == pytest.approx(-info["turnover"])


def turnover_penalty(ctx) -> float:
    return -ctx.turnover


def test_discrete_hold_trades_nothing(market) -> None:
    env = PortfolioDiscreteEnv(market, window_bars=5, start="first")
    env.reset()
    env.step(2)  # equal weight
    for _ in range(5):
        _, _, _, _, info = env.step(0)
        assert info["turnover"] == pytest.approx(0.0, abs=1e-15) and info["cost"] == 0.0
    with pytest.raises(ValueError, match=r"action 9 outside \[0, 6\)"):
        env.step(9)


def test_render_returns_a_picture_and_text(market) -> None:
    env = PortfolioEnv(market, window_bars=5, start="first", render_mode="rgb_array")
    env.reset()
    for _ in range(5):
        env.step(env.action_space.sample())
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
    env = PortfolioEnv(market, window_bars=5, start="first", render_mode="ansi")
    env.reset()
    assert "value=1.0000" in env.render()


def test_planted_oracle_drives_the_real_env_and_beats_equal_weight() -> None:
    from tradegym.data import load
    from tradegym.data.synthetic import OraclePolicy

    data = load("planted", n_assets=5, n_bars=600, seed=3)
    growth = {}
    for name in ("oracle", "equal"):
        env = PortfolioEnv(data, window_bars=10, start="first")
        obs, _ = env.reset()
        oracle = OraclePolicy(env)
        done, info = False, {}
        while not done:
            action = oracle.predict(obs)[0] if name == "oracle" else env.weights_to_action(
                [0.0] + [0.2] * 5)
            obs, _, terminated, truncated, info = env.step(action)
            done = terminated or truncated
        growth[name] = np.log(info["value"])
    assert growth["oracle"] > growth["equal"] + 0.5
