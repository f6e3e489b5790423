"""PortfolioEnv steps/s against peers from PyPI on the same synthetic market, random actions.

Peers are installed into the benchmark's own folder ``benchmarks/.peers`` (``pip install
--target``, no dependencies: what they import — gymnasium, numpy, pandas, matplotlib,
stable-baselines3 — is already in tradegym's environment):

- gym-anytrading 2.0.0, ``stocks-v0`` (``StocksEnv``): one asset (the first synthetic
  asset's OHLCV), window 60, ``Discrete(2)`` actions;
- FinRL 0.3.7, ``StockPortfolioEnv`` (``finrl/meta/env_portfolio_allocation/env_portfolio.py``):
  the 30 assets, loaded from its own file with ``importlib`` because ``import finrl``
  pulls broker SDKs; its observation is a 60-bar covariance matrix plus the 5 features,
  as the FinRL tutorials build it. It looks up each step's rows in a DataFrame indexed
  by day, so its step cost grows with the number of bars: all envs use the same 2,500.

Both are stepped on their unwrapped class (no Gymnasium wrappers), as is PortfolioEnv,
and reset before they reach their last bar (FinRL's terminal step writes plots).

    python benchmarks/peer_speed.py [--steps 5000]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

PEERS_DIR = Path(__file__).resolve().parent / ".peers"
PEERS = {"finrl": "0.3.7", "gym-anytrading": "2.0.0"}
FINRL_ENV = "finrl/meta/env_portfolio_allocation/env_portfolio.py"


def ensure_peers(echo=print) -> Path:
    """Install the peers into ``PEERS_DIR`` once (``pip install --target --no-deps``)."""
    marker = PEERS_DIR / ".installed"
    wanted = " ".join(f"{name}=={version}" for name, version in PEERS.items())
    if marker.is_file() and marker.read_text() == wanted:
        return PEERS_DIR
    echo(f"installing {wanted} into {PEERS_DIR} (once)")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--upgrade",
                    "--target", str(PEERS_DIR), *wanted.split()], check=True)
    marker.write_text(wanted)
    return PEERS_DIR


def load_peers() -> tuple[type, type]:
    """``(StocksEnv, StockPortfolioEnv)`` imported from ``PEERS_DIR`` (not from site-packages).

    Raises:
        RuntimeError: gym_anytrading was already imported from elsewhere.
    """
    sys.path.insert(0, str(PEERS_DIR))
    import gym_anytrading
    from gym_anytrading.envs import StocksEnv

    if not Path(gym_anytrading.__file__).resolve().is_relative_to(PEERS_DIR):
        raise RuntimeError(f"gym_anytrading came from {gym_anytrading.__file__}, not {PEERS_DIR}")
    spec = importlib.util.spec_from_file_location("finrl_env_portfolio", PEERS_DIR / FINRL_ENV)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return StocksEnv, module.StockPortfolioEnv


def anytrading_env(stocks_env: type, data, window: int):
    """gym-anytrading's StocksEnv on the first asset's OHLCV."""
    cols = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}
    df = pd.DataFrame({name: data.field(field)[:, 0] for name, field in cols.items()}, index=data.dates)
    return stocks_env(df=df, window_size=window, frame_bound=(window, data.n_bars))


def finrl_env(portfolio_env: type, data, features: np.ndarray, names: tuple[str, ...], lookback: int):
    """FinRL's StockPortfolioEnv: rows per (day, asset), a covariance matrix of the last ``lookback`` days."""
    t, n = data.close.shape
    returns = np.vstack([np.zeros((1, n)), data.close[1:] / data.close[:-1] - 1])  # (T, N)
    covs = [np.cov(returns[max(0, d - lookback + 1): d + 1].T) if d >= 2 else np.eye(n) for d in range(t)]
    df = pd.DataFrame({
        "date": np.repeat(data.dates.strftime("%Y-%m-%d"), n), "tic": np.tile(data.symbols, t),
        "close": data.close.reshape(-1),
        "cov_list": [covs[d] for d in range(t) for _ in range(n)],
        **{name: features[:, :, k].reshape(-1) for k, name in enumerate(names)},
    }, index=np.repeat(np.arange(t), n))
    return portfolio_env(df=df, stock_dim=n, hmax=100, initial_amount=1_000_000, transaction_cost_pct=0.001,
                         reward_scaling=1e-4, state_space=n, action_space=n,
                         tech_indicator_list=list(names), lookback=lookback)


def rate(env, actions, max_steps: int) -> float:
    """Steps/s over ``actions``, resetting every ``max_steps`` steps (before the last bar)."""
    env.reset(seed=0)
    step = env.step
    t0 = time.perf_counter()
    for i, action in enumerate(actions):
        step(action)
        if (i + 1) % max_steps == 0:
            env.reset()
    return len(actions) / (time.perf_counter() - t0)


def run(steps: int = 5_000, repeats: int = 3, echo=print) -> dict[str, float]:
    """Steps/s of PortfolioEnv, gym-anytrading and FinRL, best of ``repeats``, interleaved."""
    from env_speed import FEATURES, N_ASSETS, N_BARS, WINDOW

    from tradegym.data import load
    from tradegym.envs.portfolio import PortfolioEnv

    ensure_peers(echo)
    stocks_env, portfolio_env = load_peers()
    data = load("gbm", n_assets=N_ASSETS, n_bars=N_BARS, ohlc=True, seed=0)
    ours = PortfolioEnv(data, window_bars=WINDOW, features=FEATURES, start="first")
    span = N_BARS - 2 - ours.first_index  # steps every env can take before its last bar
    rng = np.random.default_rng(0)  # actions drawn before timing
    envs = {
        "PortfolioEnv": (ours, rng.uniform(-1, 1, (steps, N_ASSETS + 1)).astype(np.float32)),
        "gym-anytrading": (anytrading_env(stocks_env, data, WINDOW), rng.integers(0, 2, steps)),
        "FinRL": (finrl_env(portfolio_env, data, np.asarray(ours.feature_set.values), FEATURES, WINDOW),
                  rng.uniform(0, 1, (steps, N_ASSETS)).astype(np.float32)),
    }
    rates: dict[str, list[float]] = {name: [] for name in envs}
    for env, actions in envs.values():  # warm-up: first calls load compiled code and caches
        rate(env, actions[:50], span)
    for _ in range(repeats):
        for name, (env, actions) in envs.items():
            rates[name].append(rate(env, actions, span))
    return {name: max(r) for name, r in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rates = run(args.steps, args.repeats)
    print(f"{'':24s}{'steps/s':>12s}{'PortfolioEnv / it':>20s}")
    for name, r in rates.items():
        print(f"{name:24s}{r:12,.0f}{rates['PortfolioEnv'] / r:20.1f}")


if __name__ == "__main__":
    main()
