"""PortfolioVectorEnv: equals B separate PortfolioEnvs, speaks Gymnasium's and SB3's vector APIs."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, VectorEnv
from hypothesis import given, settings
from hypothesis import strategies as st
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.env_util import make_vec_env

from agents.vec_env import PortfolioSB3VecEnv
from tests.conftest import make_market
from tests.envs.test_no_lookahead import perturb_after
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.envs.vector import PortfolioVectorEnv
from tradegym.errors import ConfigError, DataError

B = 4


def user_reward(ctx) -> float:
    """A plain-float user reward: the vector env must run it once per sub-environment."""
    return float(ctx.log_return) - 0.5 * float(ctx.turnover)


CASES = {
    "softmax-next_open": {},
    "max_steps": {"max_steps": 25},
    "simplex-next_close": {"action_mapping": "simplex", "execution": "next_close"},
    "close-differential_sharpe": {"execution": "close", "reward": "differential_sharpe", "reward_scale": 10.0},
    "drawdown_penalized-custom_cost": {"reward": "drawdown_penalized", "reward_kwargs": {"penalty": 2.0},
                                       "cost_model": "examples.custom_env:fixed_plus_proportional"},
    "user_reward": {"reward": user_reward},
    # Costs of 40 % per unit of turnover and ruin below 90 %: churning ruins within a few steps.
    "ruin": {"cost_rate": 0.4, "ruin_fraction": 0.9},
    # The cost models of tradegym.envs.costs, at sizes where each one bites (volumes ~1.6e7 a bar).
    "spread": {"costs": ["proportional", {"name": "spread", "bps": 2, "range_fraction": 0.5}]},
    "min_commission": {"cost_model": "min_commission", "initial_value": 200.0},
    "impact": {"costs": [{"name": "impact", "coef": 1.0, "window_bars": 10}], "initial_value": 1e7},
    "participation": {"costs": [{"name": "participation", "max_participation": 0.05}], "initial_value": 2e7},
    "timeframes": {"timeframes": ("1D", "1W", "1M"), "timeframe_bars": {"1W": 4, "1M": 3}},
    # Long/short books (tradegym.envs.longshort): carry, the margin rule both ways, every cost model.
    "long_short": {"action_mapping": "long_short", "max_gross": 2.0, "cash_rate": 0.03, "borrow_rate": 0.05},
    "long_short-neutral-capped": {"action_mapping": "long_short", "max_gross": 1.5, "net_exposure": (0, 0),
                                  "costs": [{"name": "participation", "max_participation": 0.05}],
                                  "initial_value": 2e7},
    # Gross 3 against a threshold of 1 / 0.33 = 3.03: a 1 % drift is a margin call.
    "long_short-margin-deleverage": {"action_mapping": "long_short", "max_gross": 3.0,
                                     "margin_maintenance": 0.33},
    "long_short-margin-end": {"action_mapping": "long_short", "max_gross": 3.0, "margin_maintenance": 0.33,
                              "margin_call": "end"},
    "long_short-costs": {"action_mapping": "long_short", "initial_value": 1e7, "financing_rate": 0.08,
                         "borrow_rate": {"A0": 0.3, "A2": 0.02},
                         "costs": ["proportional", {"name": "spread", "bps": 2, "range_fraction": 0.5},
                                   {"name": "impact", "coef": 1.0, "window_bars": 10},
                                   {"name": "min_commission", "min_currency": 50.0}]},
}


def random_actions(rng: np.random.Generator, n_steps: int, discrete: bool, slots: int,
                   targets: int | None = None) -> np.ndarray:
    if discrete:  # M = N + 3 targets (long-only) unless given, hold included
        return rng.integers(0, targets or slots + 2, (n_steps, B))
    # Mostly concentrated scores so that weights swing (turnover, costs, ruin) and some in between.
    return rng.choice([-1.0, 1.0, 0.3], p=[0.6, 0.2, 0.2], size=(n_steps, B, slots))


def assert_info_equal(vec_info: dict, single_info: dict) -> None:
    assert set(vec_info) - {"TimeLimit.truncated", "terminal_observation"} == set(single_info)
    for key, value in single_info.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_allclose(vec_info[key], value, rtol=1e-12, atol=1e-14, err_msg=key)
        elif isinstance(value, float):
            assert vec_info[key] == pytest.approx(value, rel=1e-12, abs=1e-14), key
        else:
            assert vec_info[key] == value, key


def assert_obs_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key.startswith("window"):  # the daily window and every coarse timeframe's
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    np.testing.assert_allclose(a["weights"], b["weights"], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("discrete", [False, True], ids=["box", "discrete"])
@pytest.mark.parametrize("case", list(CASES))
def test_vector_env_equals_separate_envs_over_hundreds_of_steps(case: str, discrete: bool) -> None:
    # Without max_steps, random starts end at the last bar after different numbers of steps:
    # sub-environments reset one by one, not all at once.
    kwargs = {"window_bars": 8, "start": "random", "max_steps": None, **CASES[case]}
    market = make_market(100, 3)
    cls = PortfolioDiscreteEnv if discrete else PortfolioEnv
    # SB3's make_vec_env seeds env i with seed + i at the first reset: the reference.
    ref = make_vec_env(lambda: cls(market, **kwargs), n_envs=B, seed=7)
    vec = PortfolioSB3VecEnv(PortfolioVectorEnv(B, market, discrete=discrete, **kwargs))
    vec.seed(7)
    assert_obs_equal(vec.reset(), ref.reset())
    for i in range(B):
        assert_info_equal(vec.reset_infos[i], ref.reset_infos[i])
    n_targets = int(vec.venv.env.action_space.n) if discrete else None
    actions = random_actions(np.random.default_rng(1), 300, discrete, 4, n_targets)
    ends = terminations = staggered = margin_calls = 0
    for action in actions:
        obs, reward, done, infos = vec.step(action)
        ref_obs, ref_reward, ref_done, ref_infos = ref.step(action)
        assert_obs_equal(obs, ref_obs)
        np.testing.assert_allclose(reward, ref_reward, rtol=1e-6, atol=1e-9)
        np.testing.assert_array_equal(done, ref_done)
        for i in range(B):
            ref_info = {k: v for k, v in ref_infos[i].items() if k != "episode"}  # Monitor's
            assert_info_equal(infos[i], {k: v for k, v in ref_info.items()
                                         if k not in ("TimeLimit.truncated", "terminal_observation")})
            assert infos[i]["TimeLimit.truncated"] == ref_info["TimeLimit.truncated"]
            if done[i]:
                assert_obs_equal(infos[i]["terminal_observation"], ref_info["terminal_observation"])
                assert_info_equal(vec.reset_infos[i], ref.reset_infos[i])
                terminations += not ref_info["TimeLimit.truncated"]
            margin_calls += bool(infos[i].get("margin_call"))
        ends += int(done.sum())
        staggered += 0 < done.sum() < B
    assert ends >= 20 and (staggered > 0 or case == "max_steps")  # many resets, mostly one by one
    if case == "ruin" or case.endswith("margin-end"):
        assert terminations > 0
    if "margin" in case:
        assert margin_calls > 0


def test_gymnasium_vector_api_matches_separate_envs_with_same_step_autoreset() -> None:
    market = make_market(120, 3)
    venv = PortfolioVectorEnv(B, market, window_bars=8, max_steps=10, copy=True)
    envs = [PortfolioEnv(market, window_bars=8, max_steps=10) for _ in range(B)]
    assert isinstance(venv, VectorEnv) and venv.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert venv.action_space.shape == (B, 4) and venv.observation_space["window"].shape[0] == B
    obs, info = venv.reset(seed=3)
    singles = [env.reset(seed=3 + i) for i, env in enumerate(envs)]
    assert obs in venv.observation_space
    for i, (o, inf) in enumerate(singles):
        assert_obs_equal({k: v[i] for k, v in obs.items()}, o)
        assert info["index"][i] == inf["index"] and info["_index"][i]
    rng = np.random.default_rng(0)
    for _ in range(25):
        action = rng.uniform(-1, 1, (B, 4)).astype(np.float32)
        obs, reward, terminated, truncated, info = venv.step(action)
        for i, env in enumerate(envs):
            o, r, term, trunc, inf = env.step(action[i])
            assert r == pytest.approx(reward[i], rel=1e-12) and (term, trunc) == (terminated[i], truncated[i])
            if term or trunc:  # same step: the final obs/info aside, the rest is the new episode's
                assert info["_final_obs"][i] and info["final_info"]["_value"][i]
                assert_obs_equal(info["final_obs"][i], o)
                assert info["final_info"]["turnover"][i] == pytest.approx(inf["turnover"], rel=1e-12)
                o, inf = env.reset()
                assert not info["_turnover"][i]
            assert_obs_equal({k: v[i] for k, v in obs.items()}, o)
            assert info["value"][i] == pytest.approx(inf["value"], rel=1e-12)
            assert info["date"][i] == inf["date"] and info["index"][i] == inf["index"]
    assert obs in venv.observation_space


def test_observations_stay_valid_through_the_next_step_without_copy() -> None:
    venv = PortfolioVectorEnv(2, make_market(), window_bars=5)
    first, _ = venv.reset(seed=0)
    kept = {k: v.copy() for k, v in first.items()}
    second, *_ = venv.step(np.zeros((2, 4)))
    assert_obs_equal(first, kept)  # SB3 stores the previous obs after stepping: it must be intact
    assert second["window"] is not first["window"]


def test_ppo_and_dqn_train_on_the_sb3_vec_env() -> None:
    market = make_market(200, 3)
    vec = PortfolioSB3VecEnv(PortfolioVectorEnv(2, market, window_bars=5, max_steps=20))
    PPO("MultiInputPolicy", vec, n_steps=32, batch_size=32, n_epochs=1, seed=0, device="cpu").learn(64)
    dvec = PortfolioSB3VecEnv(PortfolioVectorEnv(2, market, discrete=True, window_bars=5, max_steps=20))
    DQN("MultiInputPolicy", dvec, learning_starts=16, buffer_size=200, batch_size=16, seed=0,
        device="cpu").learn(64)
    assert vec.get_attr("value")[0] > 0 and vec.get_attr("window_bars") == [5, 5]
    assert vec.env_is_wrapped(object) == [False, False]
    assert vec.env_method("weights_to_action", [1.0, 0, 0, 0], indices=[0])[0].shape == (4,)
    with pytest.raises(NotImplementedError, match="share one configuration"):
        vec.set_attr("cost_rate", 0.0)


def test_ppo_learns_the_same_policy_on_the_vector_env_as_on_dummy_vec_env() -> None:
    market = make_market(200, 3)
    kwargs = {"window_bars": 5, "max_steps": 20}
    ref = make_vec_env(lambda: PortfolioEnv(market, **kwargs), n_envs=2, seed=3)
    vec = PortfolioSB3VecEnv(PortfolioVectorEnv(2, market, **kwargs))
    vec.seed(3)
    models = [PPO("MultiInputPolicy", env, n_steps=32, batch_size=32, n_epochs=1, seed=0, device="cpu").learn(128)
              for env in (ref, vec)]
    # Bitwise equal where numpy's log equals math.log; a tolerance covers 1-ulp SIMD differences.
    for a, b in zip(*(m.policy.parameters() for m in models), strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_bad_actions_name_the_env_step_and_date() -> None:
    venv = PortfolioVectorEnv(3, make_market(), window_bars=5, start="first")
    venv.reset(seed=0)
    bad = np.zeros((3, 4))
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"action has non-finite scores \[nan\] at slots \[2\] in env 1 at step 0 "
                                         r"\(\d{4}-\d\d-\d\d\); a policy produced NaN or inf"):
        venv.step(bad)
    with pytest.raises(ValueError, match=r"actions have shape \(3, 3\), expected \(3, 4\) = \(B, N\+1\)"):
        venv.step(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"non-finite .* in env 0 .* \(and 2 more envs\)"):
        venv.step(np.full((3, 4), np.inf))
    dvec = PortfolioVectorEnv(3, make_market(), discrete=True, window_bars=5)
    dvec.reset(seed=0)
    with pytest.raises(ValueError, match=r"action 9 outside \[0, 6\) in env 2 at step 0"):
        dvec.step(np.array([0, 1, 9]))
    with pytest.raises(ValueError, match=r"expected \(3,\) integers in \[0, 6\)"):
        dvec.step(np.zeros(3))


def test_bad_configuration_and_misuse_are_clear_errors() -> None:
    with pytest.raises(ConfigError, match="num_envs must be >= 1, got 0"):
        PortfolioVectorEnv(0, make_market())
    with pytest.raises(ConfigError, match="does not render"):
        PortfolioVectorEnv(2, make_market(), render_mode="ansi")
    with pytest.raises(ConfigError, match="got 3 seeds for 2 envs"):
        PortfolioVectorEnv(2, make_market(), window_bars=5).reset(seed=[1, 2, 3])
    with pytest.raises(DataError, match=r"step before reset\(\): call reset\(seed=...\) first"):
        PortfolioVectorEnv(2, make_market(), window_bars=5).step(np.zeros((2, 4)))


@settings(max_examples=15, deadline=None)
@given(t=st.integers(60, 118), seed=st.integers(0, 1_000))
def test_vector_observations_and_rewards_up_to_t_ignore_later_prices(t: int, seed: int) -> None:
    data = make_market(120, 3, seed=seed % 5)
    actions = np.random.default_rng(seed).uniform(-1, 1, (120, B, 4))

    def trajectory(market):
        venv = PortfolioVectorEnv(B, market, window_bars=10, start="first", max_steps=None, copy=True)
        obs, _ = venv.reset(seed=0)
        out = [(obs, np.zeros(B))]
        for action in actions:
            if venv.index[0] + 1 > t:  # the next transition ends after t: it may see later prices
                break
            obs, reward, *_ = venv.step(action)
            out.append((obs, reward))
        return out

    base, moved = trajectory(data), trajectory(perturb_after(data, t, seed))
    assert len(base) == len(moved) > 1
    for (obs_a, r_a), (obs_b, r_b) in zip(base, moved, strict=True):
        assert_obs_equal(obs_a, obs_b)
        np.testing.assert_array_equal(r_a, r_b)


@pytest.mark.parametrize(("env_id", "discrete"), [("tradegym/Portfolio-v0", False),
                                                  ("tradegym/PortfolioDiscrete-v0", True)])
def test_make_vec_builds_the_batched_env(env_id: str, discrete: bool) -> None:
    import gymnasium as gym

    import tradegym

    tradegym.envs.register_envs()
    venv = gym.make_vec(env_id, num_envs=3, data=make_market(), window_bars=5)
    assert isinstance(venv, PortfolioVectorEnv) and venv.num_envs == 3 and venv.discrete == discrete
    obs, _ = venv.reset(seed=0)
    assert obs["window"].shape == (3, 5, 3, len(venv.env.feature_set.names))
