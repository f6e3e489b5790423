"""Wall time of one 8-trial sweep on local Ray with 1 worker, then with 2 workers.

Every run is the same sweep (8 learning rates x 1 seed, the same small PPO + LSTM budget
on a planted market, no early stopping so every trial does the same work) on an embedded
Ray with this machine's cores; only ``max_concurrent`` differs. The wall time includes
starting Ray and its worker processes (importing torch), as a user sees it.
Writes the numbers to ``benchmarks/SWEEP.md``.

    python benchmarks/sweep_scaling.py [--timesteps 2048] [--out results/bench-sweep]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import time
from pathlib import Path

import torch

from agents.sweep import sweep
from agents.sweep_config import load_sweep_config
from tradegym.io import atomic_write

LEARNING_RATES = [1e-4, 2e-4, 3e-4, 5e-4, 7e-4, 1e-3, 2e-3, 3e-3]


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def cpu_control(n: int = 20_000_000) -> float:
    """Speed-up of two processes over one on a pure-Python loop: the ceiling right now."""
    t0 = time.perf_counter()
    _spin(n), _spin(n)
    serial = time.perf_counter() - t0
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1000, 1000])  # start both processes before timing
        t0 = time.perf_counter()
        pool.map(_spin, [n, n], chunksize=1)
        parallel = time.perf_counter() - t0
    return serial / parallel


def sweep_config(timesteps: int, workers: int):
    tiny = load_sweep_config("tiny")
    overrides = [o for o in tiny.overrides if not o.startswith(("train.", "agent.hyperparams"))]
    overrides += [f"train.total_timesteps={timesteps}", f"train.eval_freq={timesteps // 2}",
                  f"train.checkpoint_freq={timesteps // 2}", "train.n_envs=2", "train.progress_bar=false",
                  "train.tensorboard=false", "agent.hyperparams={n_steps: 64, batch_size: 64, n_epochs: 2}"]
    return load_sweep_config({
        "name": f"scaling-{workers}w", "base": "ppo_lstm", "overrides": overrides,
        "space": {"agent.hyperparams.learning_rate": {"grid": LEARNING_RATES}}, "seeds": [0],
        "resources_per_trial": {"cpu": 1}, "max_concurrent": workers,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=16384, help="per trial (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=2, help="runs per worker count (default: %(default)s)")
    parser.add_argument("--out", default="results/bench-sweep")
    args = parser.parse_args()
    import ray

    cores = len(os.sched_getaffinity(0))
    load_before = os.getloadavg()
    walls: dict[int, list[float]] = {1: [], 2: []}
    trial_s: dict[int, list[float]] = {1: [], 2: []}
    controls = [cpu_control()]
    print(f"control: 2 processes of a pure-Python loop ran {controls[-1]:.2f}x as fast as 1", flush=True)
    for i, workers in enumerate([w for r in range(args.repeats) for w in ((1, 2) if r % 2 == 0 else (2, 1))]):
        out = Path(args.out) / f"{workers}w-{i}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        result = sweep(sweep_config(args.timesteps, workers), out=out, backtest=False, echo=lambda _: None)
        walls[workers].append(time.perf_counter() - t0)
        trial_s[workers].append(float(result.trials["wall_s"].sum()))
        assert (result.trials["status"] == "finished").all(), result.trials
        print(f"{workers} worker(s): 8 trials in {walls[workers][-1]:.1f} s wall "
              f"(trial time summed over trials {trial_s[workers][-1]:.1f} s)", flush=True)
    controls.append(cpu_control())
    print(f"control: 2 processes of a pure-Python loop ran {controls[-1]:.2f}x as fast as 1", flush=True)
    load_after = os.getloadavg()
    mean = {w: sum(v) / len(v) for w, v in walls.items()}
    ratio = mean[1] / mean[2]
    machine = (f"{platform.machine()}, {cores} CPU cores, Python {platform.python_version()}, "
               f"torch {torch.__version__}, Ray {ray.__version__}")
    load = (f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
            f"on {cores} cores")
    print(f"speed-up 2 vs 1 worker: {ratio:.2f}x (control {controls[0]:.2f}x, {controls[1]:.2f}x); "
          f"{machine}; {load}")
    if min(controls) < 1.8:
        verdict = ("Other jobs held part of the cores during the measurement, so the two workers did not\n"
                   "have two idle cores: the speed-up above is what this loaded machine gave.")
    else:
        verdict = ("The control saw two free cores, so the gap to 2x is this sweep's own: Ray's start-up\n"
                   "and scheduling, and the two trials slowing each other (the summed trial time).")

    def each(values: list[float]) -> str:
        return " · ".join(f"{v:.1f}" for v in values)

    text = f"""# Sweep scaling: 1 vs 2 Ray workers

`python benchmarks/sweep_scaling.py --timesteps {args.timesteps} --repeats {args.repeats}` — one
sweep of 8 trials (8 learning rates x 1 seed; PPO + LSTM, {args.timesteps} steps per trial on a
planted market of 3 assets, validation every {args.timesteps // 2} steps, no early stopping) on an
embedded Ray, `max_concurrent` 1 or 2 (runs alternating 1, 2, 2, 1, ...), one CPU and one torch
thread per trial. Wall time includes starting Ray and its worker processes.

| workers | wall s, each run | mean wall s | trial s summed over trials, each run |
|---|---|---|---|
| 1 | {each(walls[1])} | {mean[1]:.1f} | {each(trial_s[1])} |
| 2 | {each(walls[2])} | {mean[2]:.1f} | {each(trial_s[2])} |

Speed-up with 2 workers (mean wall times): **{ratio:.2f}x**. On two idle cores the ceiling is
2x; the control (the same pure-Python loop in 1 process twice, then in 2 processes at once)
gave **{controls[0]:.2f}x** before and **{controls[1]:.2f}x** after the sweeps: that is the
parallelism this machine actually had during the measurement.

Machine: {machine} (a KVM guest), shared with other jobs ({load}). {verdict}
"""
    atomic_write(Path(__file__).with_name("SWEEP.md"), text)
    print(f"wrote {Path(__file__).with_name('SWEEP.md')}")


if __name__ == "__main__":
    main()
