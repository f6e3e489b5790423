"""Wall time of one 8-trial sweep on local Ray with 1 worker, then with 2 workers.

Both runs are the same sweep (8 learning rates x 1 seed, the same small PPO + LSTM budget
on a planted market, no early stopping so every trial does the same work) on an embedded
Ray with this machine's cores; only ``max_concurrent`` differs. The wall time includes
starting Ray and one worker process per trial (importing torch), as a user sees it.
Writes the numbers to ``benchmarks/SWEEP.md``.

    python benchmarks/sweep_scaling.py [--timesteps 2048] [--out results/bench-sweep]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--timesteps", type=int, default=2048, help="per trial (default: %(default)s)")
    parser.add_argument("--out", default="results/bench-sweep")
    args = parser.parse_args()
    import ray

    cores = len(os.sched_getaffinity(0))
    load_before = os.getloadavg()
    walls, train_s = {}, {}
    for workers in (1, 2):
        out = Path(args.out) / f"{workers}w"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        result = sweep(sweep_config(args.timesteps, workers), out=out, backtest=False, echo=lambda _: None)
        walls[workers] = time.perf_counter() - t0
        train_s[workers] = float(result.trials["wall_s"].sum())
        assert (result.trials["status"] == "finished").all(), result.trials
        print(f"{workers} worker(s): 8 trials in {walls[workers]:.1f} s wall "
              f"(training time summed over trials {train_s[workers]:.1f} s)")
    load_after = os.getloadavg()
    ratio = walls[1] / walls[2]
    machine = (f"{platform.machine()}, {cores} CPU cores, Python {platform.python_version()}, "
               f"torch {torch.__version__}, Ray {ray.__version__}")
    load = (f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
            f"on {cores} cores")
    print(f"speed-up 2 vs 1 worker: {ratio:.2f}x; {machine}; {load}")
    text = f"""# Sweep scaling: 1 vs 2 Ray workers

`python benchmarks/sweep_scaling.py --timesteps {args.timesteps}` — one sweep of 8 trials
(8 learning rates x 1 seed; PPO + LSTM, {args.timesteps} steps per trial on a planted market of
3 assets, validation every {args.timesteps // 2} steps, no early stopping) on an embedded Ray,
`max_concurrent` 1 then 2, one CPU and one torch thread per trial. Wall time includes starting
Ray and one worker process per trial.

| workers | wall s | training s summed over trials |
|---|---|---|
| 1 | {walls[1]:.1f} | {train_s[1]:.1f} |
| 2 | {walls[2]:.1f} | {train_s[2]:.1f} |

Speed-up with 2 workers: **{ratio:.2f}x** (2x is the ceiling on 2 cores).

Machine: {machine}. It was shared with other jobs during the measurement ({load}), so
the two workers did not have two idle cores: the speed-up above is what this loaded machine
gave, not what an idle one would. Summed training time grows with 2 workers when they compete
with each other and the other jobs for the cores.
"""
    atomic_write(Path(__file__).with_name("SWEEP.md"), text)
    print(f"wrote {Path(__file__).with_name('SWEEP.md')}")


if __name__ == "__main__":
    main()
