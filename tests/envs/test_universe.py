"""A dynamic universe in the envs: masked targets, zero features, a ``mask`` key, forced sales."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_market
from tradegym.data.market import MarketData
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.envs.vector import PortfolioVectorEnv


def dynamic_market(n_bars: int = 120, seed: int = 0, *, listing: int = 60, delisting: int = 90) -> MarketData:
    """``make_market`` with A1 listing at row ``listing`` and A2 delisting after row ``delisting``."""
    base = make_market(n_bars, 3, seed=seed)
    life = np.ones((n_bars, 3), dtype=bool)  # (T, N)
    life[:listing, 1] = False
    life[delisting + 1 :, 2] = False
    prices = np.where(life[:, :, None], base.prices, np.nan)  # (T, N, F)
    return MarketData.from_array(prices, base.dates, base.symbols, base.fields, tradable=life, name="dyn")


def test_static_markets_keep_their_observation_space() -> None:
    env = PortfolioEnv(make_market(), window_bars=5)
    assert set(env.observation_space.spaces) == {"window", "weights"}
    assert "mask" not in env.reset(seed=0)[0]


def test_non_tradable_assets_get_weight_zero_and_zero_features() -> None:
    data = dynamic_market()
    env = PortfolioEnv(data, window_bars=5, start=50, execution="close", cost_rate=0.0)
    obs, _ = env.reset(seed=0)
    assert obs["mask"].tolist() == [1.0, 0.0, 1.0]
    assert not obs["window"][:, 1].any() and obs["window"][:, 0].any()
    *_, info = env.step(env.weights_to_action([0.0, 0.0, 1.0, 0.0]))  # all in A1, not listed yet
    assert info["target"].tolist() == [1.0, 0.0, 0.0, 0.0]  # cash takes it
    *_, info = env.step_weights([0.1, 0.3, 0.3, 0.3])
    np.testing.assert_allclose(info["target"], [1 / 7, 3 / 7, 0.0, 3 / 7])  # the rest renormalised


@pytest.mark.parametrize("discrete", [False, True])
def test_vector_env_equals_separate_envs_on_a_dynamic_universe(discrete: bool) -> None:
    data, b = dynamic_market(), 3
    kwargs = {"window_bars": 8, "start": "random", "cost_rate": 0.002}
    cls = PortfolioDiscreteEnv if discrete else PortfolioEnv
    singles = [cls(data, **kwargs) for _ in range(b)]
    vec = PortfolioVectorEnv(b, data, discrete=discrete, copy=True, **kwargs)
    obs, _ = vec.reset(seed=5)
    ref = [env.reset(seed=5 + i)[0] for i, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    for _ in range(150):
        actions = rng.integers(0, 6, b) if discrete else rng.choice([-1.0, 1.0], size=(b, 4))
        for i in range(b):
            for key in ("window", "weights", "mask"):
                np.testing.assert_allclose(obs[key][i], ref[i][key], rtol=1e-6, atol=1e-7, err_msg=key)
        obs, reward, term, trunc, info = vec.step(actions)
        for i, env in enumerate(singles):
            ref[i], r, t1, t2, inf = env.step(actions[i])
            assert reward[i] == pytest.approx(r, rel=1e-12, abs=1e-14)
            np.testing.assert_allclose(info["target"][i], inf["target"], rtol=1e-12, atol=1e-15)
            if t1 or t2:
                ref[i] = env.reset()[0]
                assert term[i] == t1 and trunc[i] == t2


def test_a_long_short_book_moves_non_tradable_weights_to_cash_without_renormalising() -> None:
    data = dynamic_market()
    env = PortfolioEnv(data, window_bars=5, start=50, execution="close", cost_rate=0.0,
                       action_mapping="long_short", max_gross=2.0)
    env.reset(seed=0)
    *_, info = env.step_weights([0.9, 0.6, -0.8, 0.3])  # A1 not listed yet: its short goes to cash
    np.testing.assert_allclose(info["target"], [0.1, 0.6, 0.0, 0.3])
    env.reset(seed=0, options={"start": 95})
    *_, info = env.step_weights([1.0, 0.5, 0.3, -0.8])  # A2 delisted: its short is closed into cash
    np.testing.assert_allclose(info["target"], [0.2, 0.5, 0.3, 0.0])
