"""PortfolioVectorEnv env-steps/s against a numpy batched reference step, in the same run.

Shape as env_speed.py: 30 synthetic assets x 2,500 bars (OHLCV), window 60, 5 features,
for B = 1, 64, 1024 parallel envs. The reference does the minimum a batched portfolio step
needs — the same one-``np.take`` gather of the (B, W, N, K) windows into a preallocated
array, the weighted return, proportional costs, weight drift — with targets drawn on the
simplex before timing (no action mapping, no validation, no info, no autoreset). Next to
each row: the bytes of observation produced per second, and a plain memory copy of a
256 MiB array on this machine (the gather cannot beat it: it reads and writes every byte).

    python benchmarks/vector_speed.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tradegym.data import load
from tradegym.envs.vector import PortfolioVectorEnv

N_ASSETS, N_BARS, WINDOW = 30, 2500, 60
FEATURES = ("log_return", "open_gap", "high_rel", "low_rel", "volume_z")
BATCHES = (1, 64, 1024)


def steps_per_batch(batch: int, quick: bool) -> int:
    """Calls per timing: about 20,000 env-steps (6,000 quick), at least 30 calls."""
    return max(30, (6_000 if quick else 20_000) // batch)


def vector_rate(venv: PortfolioVectorEnv, actions: np.ndarray) -> float:
    """Env-steps/s of ``venv.step`` over the drawn ``actions (calls, B, A)``."""
    venv.reset(seed=0)
    step = venv.step
    t0 = time.perf_counter()
    for action in actions:
        step(action)
    return actions.shape[0] * actions.shape[1] / (time.perf_counter() - t0)


def reference_rate(features: np.ndarray, growth: np.ndarray, targets: np.ndarray, first: int,
                   cost_rate: float = 0.001) -> float:
    """Env-steps/s of the bare batched step over ``targets (calls, B, A)`` drawn on the simplex."""
    calls, b, a = targets.shape
    n_bars = features.shape[0]
    index = np.random.default_rng(0).integers(first, n_bars - 1, b)  # (B,)
    offsets = np.arange(1 - WINDOW, 1)  # (W,)
    rows = np.empty((b, WINDOW), dtype=np.intp)  # (B, W)
    window = np.empty((b, WINDOW, *features.shape[1:]), dtype=features.dtype)  # (B, W, N, K)
    w, value = np.eye(a)[np.zeros(b, dtype=int)], np.ones(b)  # (B, A), (B,)
    t0 = time.perf_counter()
    for target in targets:
        np.add(index[:, None], offsets, out=rows)
        np.take(features, rows, axis=0, out=window, mode="clip")  # (B, W, N, K)
        r = growth[index]  # (B, A)
        cost = cost_rate * np.abs(target[:, 1:] - w[:, 1:]).sum(axis=1)  # (B,)
        g = np.einsum("ba,ba->b", target, r)  # (B,)
        new_value = value * (1.0 - cost) * g
        reward = np.log(new_value / value)
        w, value = target * r / g[:, None], new_value
        index += 1
        index[index >= n_bars - 1] = first
    del reward
    return calls * b / (time.perf_counter() - t0)


def memcpy_rate(n_bytes: int = 256 << 20, repeats: int = 5) -> float:
    """Bytes/s of ``np.copyto`` between two ``n_bytes`` arrays (best of ``repeats``)."""
    src = np.ones(n_bytes // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # touch the pages first
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = max(best, n_bytes / (time.perf_counter() - t0))
    return best


def run(quick: bool = False, repeats: int = 3) -> list[dict]:
    """Rows ``{batch, env, reference, obs_bytes}`` (best of ``repeats``, interleaved) and a memcpy row."""
    data = load("gbm", n_assets=N_ASSETS, n_bars=N_BARS, ohlc=True, seed=0)
    growth = np.hstack([np.ones((N_BARS - 1, 1)), data.close[1:] / data.close[:-1]])  # (T-1, A)
    rows = []
    for b in BATCHES:
        venv = PortfolioVectorEnv(b, data, window_bars=WINDOW, features=FEATURES, start="random")
        rng = np.random.default_rng(0)
        calls = steps_per_batch(b, quick)
        actions = rng.uniform(-1, 1, (calls, b, N_ASSETS + 1)).astype(np.float32)
        targets = rng.dirichlet(np.ones(N_ASSETS + 1), (calls, b))
        features = venv.env.feature_set.values
        env_rates, ref_rates = [], []
        for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
            env_rates.append(vector_rate(venv, actions))
            ref_rates.append(reference_rate(features, growth, targets, venv.env.first_index))
        obs_bytes = sum(int(np.prod(s.shape)) * s.dtype.itemsize
                        for s in venv.single_observation_space.spaces.values())
        rows.append({"batch": b, "env": max(env_rates), "reference": max(ref_rates), "obs_bytes": obs_bytes})
    rows.append({"memcpy": memcpy_rate()})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = run(args.quick)
    memcpy = rows[-1]["memcpy"]
    print(f"{'B':>6s}{'vector env-steps/s':>20s}{'reference':>14s}{'ratio':>8s}{'obs GB/s':>10s}")
    for r in rows[:-1]:
        print(f"{r['batch']:6d}{r['env']:20,.0f}{r['reference']:14,.0f}{r['env'] / r['reference']:8.2f}"
              f"{r['env'] * r['obs_bytes'] / 1e9:10.2f}")
    print(f"memory copy (np.copyto, 256 MiB): {memcpy / 1e9:.2f} GB/s")


if __name__ == "__main__":
    main()
