"""Every registry, over every registered name: a new entry is covered the moment it is registered.

Data sources, rewards and cost models are checked here; baselines, encoders and algorithms
are parametrised over their registries in tests/backtest/test_baselines.py,
tests/feature_nets/test_encoders.py and tests/feature_nets/test_extractors.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradegym.data import SOURCES, MarketData, load
from tradegym.envs.portfolio import COSTS, PortfolioEnv
from tradegym.envs.rewards import REWARDS

ROOT = Path(__file__).resolve().parents[1]
DAYS = pd.bdate_range("2021-01-04", periods=60)


def _frame() -> pd.DataFrame:
    rows = []
    for i, sym in enumerate(("AAA", "BBB")):
        close = 100.0 + i + np.linspace(0, 5, len(DAYS))
        rows.append(pd.DataFrame({"date": DAYS, "symbol": sym, "close": close}))
    return pd.concat(rows, ignore_index=True)


def _yahoo_download(tickers, *, start, end, interval, timeout_s) -> pd.DataFrame:
    frames = {t: pd.DataFrame({"Adj Close": 10.0 + np.arange(len(DAYS)), "Close": 10.0 + np.arange(len(DAYS))},
                              index=pd.DatetimeIndex(DAYS, name="Date")) for t in tickers}
    frame = pd.concat(frames, axis=1, names=["Ticker", "Price"]).swaplevel(axis=1).sort_index(axis=1)
    frame.columns = frame.columns.set_names(["Price", "Ticker"])
    return frame


def source_arguments(name: str, tmp_path: Path) -> dict:
    """Offline arguments that make each built-in source produce a small market."""
    if name in ("csv", "parquet"):
        path = tmp_path / f"prices.{name}"
        _frame().to_csv(path, index=False) if name == "csv" else _frame().to_parquet(path)
        return {"path": path}
    synthetic = {"n_assets": 2, "n_bars": 80, "seed": 0}
    return {
        "yahoo": {"tickers": ["AAA"], "cache_dir": tmp_path, "download": _yahoo_download},
        "gan": {"run": str(ROOT / "docs" / "gan" / "us_indices_generator"), "n_bars": 40, "seed": 0},
        "gbm": synthetic, "regime": synthetic, "planted": synthetic, "ar1": synthetic,
    }.get(name, {})


EMBEDDED = {"sp500_stocks", "sp500_index", "nasdaq_index", "googl", "us_indices"}
"""Sources that need no arguments: the datasets that ship inside installed packages."""


@pytest.mark.parametrize("name", SOURCES.names())
def test_every_data_source_loads_a_valid_market(name: str, tmp_path: Path) -> None:
    kwargs = source_arguments(name, tmp_path)
    assert kwargs or name in EMBEDDED, f"add offline arguments for the new source {name!r} above"
    data = load(name, **kwargs)
    assert isinstance(data, MarketData)
    assert data.n_bars >= 2 and len(data.symbols) >= 1
    prices = data.prices[..., [i for i, f in enumerate(data.fields) if f != "volume"]]
    assert np.isfinite(data.prices).all() and (prices > 0).all()


def _episode(data_kwargs: dict | None = None, **env_kwargs) -> list[dict]:
    data = load("gbm", n_assets=3, n_bars=120, seed=1, **(data_kwargs or {}))
    env = PortfolioEnv(data, window_bars=5, start="first", **env_kwargs)
    env.reset(seed=0)
    rng, infos = np.random.default_rng(0), []
    for _ in range(30):
        _, reward, terminated, truncated, info = env.step(rng.uniform(-1, 1, env.action_space.shape))
        assert np.isfinite(reward)
        infos.append(info)
        if terminated or truncated:
            break
    return infos


@pytest.mark.parametrize("name", REWARDS.names())
def test_every_reward_gives_finite_rewards_over_an_episode(name: str) -> None:
    assert len(_episode(reward=name)) == 30


@pytest.mark.parametrize("name", COSTS.names())
def test_every_cost_model_charges_nonnegative_costs_that_grow_with_turnover(name: str) -> None:
    # OHLCV (impact and participation read volume) and a value in currency (min_commission).
    infos = _episode({"ohlc": True}, cost_model=name, initial_value=1e5)
    costs = np.array([i["cost"] for i in infos])
    turnover = np.array([i["turnover"] for i in infos])
    assert (costs >= 0).all() and costs[turnover > 0].sum() > 0
    composed = _episode({"ohlc": True}, costs=[name], initial_value=1e5)  # the term alone, by name
    assert all(np.isfinite(i["value"]) and i["cost"] >= 0 for i in composed)


def test_cost_registry_holds_the_size_and_liquidity_models() -> None:
    assert {"proportional", "spread", "min_commission", "impact", "participation"} <= set(COSTS.names())
