"""PortfolioEnv steps/s against a pure-numpy reference step, measured in the same run.

Shape: 30 synthetic assets x 2,500 bars (OHLCV), window 60, 5 features. Actions are drawn
before timing. The reference does the minimum a portfolio step needs — a window view,
the weighted return, proportional costs on turnover, weight drift — with weights drawn
directly on the simplex (no action mapping, no validation, no copies, no info); a second
reference row adds a plain softmax of the drawn scores. Ratios are against the first. The
env is timed with its defaults and, as further rows, with a long/short book (gross 2, interest,
borrow fees, the margin rule) and with every cost model at once.

    python benchmarks/env_speed.py [--steps 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time

import numpy as np

from tradegym.data import load
from tradegym.envs.portfolio import PortfolioEnv

N_ASSETS, N_BARS, WINDOW = 30, 2500, 60
FEATURES = ("log_return", "open_gap", "high_rel", "low_rel", "volume_z")
VARIANTS = {  # extra env rows: name -> PortfolioEnv keywords
    "  long/short, gross 2, carry": {"action_mapping": "long_short", "max_gross": 2.0, "cash_rate": 0.03},
    "  every cost model": {"initial_value": 1e7, "costs": [
        "proportional", {"name": "spread", "bps": 2, "range_fraction": 0.5}, "min_commission",
        {"name": "impact", "coef": 0.5}, {"name": "participation", "max_participation": 0.1}]},
}


def env_rate(env: PortfolioEnv, actions: np.ndarray) -> float:
    env.reset(seed=0, options={"start": "first"})
    step, reset = env.step, env.reset
    t0 = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated, _ = step(a)
        if terminated or truncated:
            reset(options={"start": "first"})
    return len(actions) / (time.perf_counter() - t0)


def reference_rate(features: np.ndarray, growth: np.ndarray, targets: np.ndarray,
                   first: int, cost_rate: float = 0.001, softmax: bool = False) -> float:
    """Steps/s of the bare step; with ``softmax`` the drawn rows are scores mapped to weights."""
    n_bars = features.shape[0]
    t, w, value = first, np.eye(targets.shape[1])[0], 1.0
    t0 = time.perf_counter()
    for target in targets:
        if softmax:
            e = np.exp(target * 5.0)
            target = e / e.sum()
        window = features[t - WINDOW + 1 : t + 1]  # (W, N, K) view
        r = growth[t]  # (A,)
        cost = cost_rate * np.abs(target[1:] - w[1:]).sum()
        g = target @ r
        new_value = value * (1.0 - cost) * g
        reward = math.log(new_value / value)
        w, value = target * r / g, new_value
        t += 1
        if t >= n_bars - 1:
            t, value = first, 1.0
    del window, reward
    return len(targets) / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    data = load("gbm", n_assets=N_ASSETS, n_bars=N_BARS, ohlc=True, seed=0)
    env = PortfolioEnv(data, window_bars=WINDOW, features=FEATURES, start="first")
    variants = {name: PortfolioEnv(data, window_bars=WINDOW, features=FEATURES, start="first", **kwargs)
                for name, kwargs in VARIANTS.items()}
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (args.steps, N_ASSETS + 1)).astype(np.float32)
    targets = rng.dirichlet(np.ones(N_ASSETS + 1), args.steps)
    growth = np.hstack([np.ones((N_BARS - 1, 1)), data.close[1:] / data.close[:-1]])
    features = np.asarray(env.feature_set.values)

    env_rates, ref_rates, soft_rates = [], [], []
    variant_rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits all alike
        env_rates.append(env_rate(env, actions))
        for name, variant in variants.items():
            variant_rates[name].append(env_rate(variant, actions))
        ref_rates.append(reference_rate(features, growth, targets, env.first_index))
        soft_rates.append(reference_rate(features, growth, actions.astype(np.float64),
                                         env.first_index, softmax=True))
    env_best, ref_best, soft_best = max(env_rates), max(ref_rates), max(soft_rates)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, python "
          f"{platform.python_version()}, numpy {np.__version__}")
    print(f"shape: {N_ASSETS} assets x {N_BARS} bars, window {WINDOW}, {len(FEATURES)} features; "
          f"{args.steps} steps, best of {args.repeats}")
    print(f"{'':34s}{'steps/s':>12s}{'ratio':>8s}")
    print(f"{'numpy reference step':34s}{ref_best:12,.0f}{1.0:8.2f}")
    print(f"{'  + softmax of drawn scores':34s}{soft_best:12,.0f}{soft_best / ref_best:8.2f}")
    print(f"{'PortfolioEnv.step':34s}{env_best:12,.0f}{env_best / ref_best:8.2f}")
    for name, rates in variant_rates.items():
        print(f"{name:34s}{max(rates):12,.0f}{max(rates) / ref_best:8.2f}")


if __name__ == "__main__":
    main()
