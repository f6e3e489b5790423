"""The benchmark suite, one command: every table measured in one run, ratios against references.

1. ``PortfolioEnv`` vs a pure-numpy reference step (env_speed.py);
2. ``PortfolioVectorEnv`` env-steps/s for B = 1, 64, 1024 vs a numpy batched reference, the
   bytes of observation produced per second and a memory copy of this machine (vector_speed.py);
3. peers from PyPI, installed into ``benchmarks/.peers``: gym-anytrading's ``stocks-v0`` and
   FinRL 0.3.7's ``StockPortfolioEnv`` on the same synthetic market, random actions (peer_speed.py);
4. PPO training steps/s with SB3's ``DummyVecEnv`` vs the vector env, same ``n_envs`` (train_speed.py).

Absolute rates depend on the machine and its load; the ratios are measured in the same run,
interleaved, best of the repeats. Prints the tables and writes them, with the machine
description, to ``benchmarks/RESULTS.md`` (atomically).

    python benchmarks/run_all.py [--quick] [--skip-peers] [--skip-train] [--out PATH]
    make bench
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import env_speed
import numpy as np
import peer_speed
import train_speed
import vector_speed

from tradegym.data import load
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.io import atomic_write

HERE = Path(__file__).resolve().parent
TARGETS = {"finrl": 10.0, "vector_1024": 0.5, "ppo": 1.0}
"""PortfolioEnv >= 10x FinRL per step; vector env >= 50 % of the batched reference at B = 1,024;
PPO faster with the vector env than with DummyVecEnv."""
PPO_SETTINGS = {
    "16 envs x 64 steps, 5 epochs": ("train.n_envs=16", "agent.hyperparams.n_steps=64"),
    "64 envs x 32 steps, 1 epoch, batch 512": (
        "train.n_envs=64", "agent.hyperparams.n_steps=32", "agent.hyperparams.n_epochs=1",
        "agent.hyperparams.batch_size=512"),
}
"""The shipped PPO settings with 16 envs, and a rollout-heavy one (many envs, one pass per update)."""


def machine() -> str:
    """CPU model, cores, and the versions that matter, in one line."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import torch

    versions = ", ".join(f"{name} {version(name)}" for name in
                         ("numpy", "numba", "gymnasium", "stable-baselines3"))
    return (f"{model}, {os.cpu_count()} logical cores ({usable} usable), {platform.system()} "
            f"{platform.machine()}; python {platform.python_version()}, {versions}, torch "
            f"{torch.__version__} ({torch.get_num_threads()} threads)")


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (also readable as plain text)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    def cell(text: str, width: int) -> str:  # numbers to the right, words to the left
        return text.rjust(width) if re.fullmatch(r"[\d,.]+x?( / [\d,.]+x?)*", text) else text.ljust(width)

    body = ["| " + " | ".join(cell(c, w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, rule, *body])


def single_env(steps: int, repeats: int) -> tuple[str, float]:
    data = load("gbm", n_assets=env_speed.N_ASSETS, n_bars=env_speed.N_BARS, ohlc=True, seed=0)
    env = PortfolioEnv(data, window_bars=env_speed.WINDOW, features=env_speed.FEATURES, start="first")
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (steps, env_speed.N_ASSETS + 1)).astype(np.float32)
    targets = rng.dirichlet(np.ones(env_speed.N_ASSETS + 1), steps)
    growth = np.hstack([np.ones((env_speed.N_BARS - 1, 1)), data.close[1:] / data.close[:-1]])
    features = np.asarray(env.feature_set.values)
    env_speed.env_rate(env, actions[:100])  # warm-up: load the compiled kernel
    envs, refs = [], []
    for _ in range(repeats):
        envs.append(env_speed.env_rate(env, actions))
        refs.append(env_speed.reference_rate(features, growth, targets, env.first_index))
    env_best, ref_best = max(envs), max(refs)
    text = table(["", "steps/s", "ratio"], [
        ["numpy reference step", f"{ref_best:,.0f}", "1.00"],
        ["PortfolioEnv.step", f"{env_best:,.0f}", f"{env_best / ref_best:.2f}"],
    ])
    return text, env_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats (~1 minute)")
    parser.add_argument("--skip-peers", action="store_true", help="no gym-anytrading / FinRL table")
    parser.add_argument("--skip-train", action="store_true", help="no PPO table")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"), help="'' to write nothing")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch threads for the PPO table (1: steadier on a shared machine, and "
                             "slower updates make the vector env's gain look smaller, not larger)")
    args = parser.parse_args()
    repeats = 2 if args.quick else 3
    started = time.perf_counter()
    load_start = os.getloadavg()[0]  # other work on the machine shows in the rates, not in the ratios
    shape = (f"{env_speed.N_ASSETS} synthetic assets x {env_speed.N_BARS:,} bars (OHLCV, GBM), window "
             f"{env_speed.WINDOW}, {len(env_speed.FEATURES)} features; actions drawn before timing; "
             f"best of {repeats}, interleaved")
    sections, verdicts = [], []

    def say(text: str) -> None:
        print(text, flush=True)

    say(f"machine: {machine()}\n{shape}\n")
    say("1/4 PortfolioEnv vs numpy reference step")
    text, env_rate = single_env(5_000 if args.quick else 20_000, repeats)
    sections.append(("PortfolioEnv vs a pure-numpy reference step", text))
    say(text + "\n")

    say("2/4 PortfolioVectorEnv vs numpy batched reference")
    rows = vector_speed.run(args.quick, repeats)
    memcpy = rows[-1]["memcpy"]
    header = ["B", "vector env-steps/s", "numpy batched reference", "ratio", "obs GB/s", "memcpy GB/s"]
    text = table(header, [
        [str(r["batch"]), f"{r['env']:,.0f}", f"{r['reference']:,.0f}", f"{r['env'] / r['reference']:.2f}",
         f"{r['env'] * r['obs_bytes'] / 1e9:.2f}", f"{memcpy / 1e9:.2f}"] for r in rows[:-1]
    ])
    text += (f"\n\nobs GB/s: bytes of observation produced per second ({rows[0]['obs_bytes']:,} bytes per "
             "env-step: the float32 window and weights); memcpy GB/s: `np.copyto` of 256 MiB, bytes per "
             "second (each read once and written once, as the window gather does).")
    sections.append(("PortfolioVectorEnv vs a numpy batched reference", text))
    say(text + "\n")
    big = rows[-2]
    ratio = big["env"] / big["reference"]
    verdicts.append(("vector env >= 50 % of the numpy batched reference at B = 1,024", f"{ratio:.2f}",
                     ratio >= TARGETS["vector_1024"]))

    if not args.skip_peers:
        say("3/4 peers from PyPI (gym-anytrading, FinRL)")
        rates = peer_speed.run(2_000 if args.quick else 5_000, repeats, echo=say)
        notes = {"PortfolioEnv": "30 assets, window (60, 30, 5) copied per step",
                 "gym-anytrading": "stocks-v0: 1 asset, window (60, 2) returned as a view",
                 "FinRL": "StockPortfolioEnv: 30 assets, (35, 30) covariance + features"}
        text = table(["env", "steps/s", "PortfolioEnv / it", "what one step is"], [
            [name, f"{r:,.0f}", f"{rates['PortfolioEnv'] / r:.2f}", notes[name]] for name, r in rates.items()
        ])
        peers = ", ".join(f"{n}=={v}" for n, v in peer_speed.PEERS.items())
        text += (f"\n\nPeers: {peers}, installed with `pip install --no-deps --target benchmarks/.peers`; "
                 "FinRL's env module loaded from its file.")
        sections.append(("Peers on the same market, random actions", text))
        say(text + "\n")
        ratio = rates["PortfolioEnv"] / rates["FinRL"]
        verdicts.append(("PortfolioEnv >= 10x FinRL's StockPortfolioEnv per step", f"{ratio:.1f}x",
                         ratio >= TARGETS["finrl"]))

    if not args.skip_train:
        say("4/4 PPO training: DummyVecEnv vs PortfolioVectorEnv")
        import torch

        torch.set_num_threads(args.torch_threads)
        timesteps, rows, ratios = 2048 if args.quick else 4096, [], []
        for label, overrides in PPO_SETTINGS.items():
            rates = train_speed.vec_env_rates("ppo_mlp", overrides, timesteps, repeats=2)
            dummy, vector = rates["dummy"], rates["vector"]
            ratios.append(vector["total"] / dummy["total"])
            rows.append([label, f"{dummy['total']:,.0f}", f"{vector['total']:,.0f}", f"{ratios[-1]:.2f}",
                         f"{dummy['rollout']:,.0f}", f"{vector['rollout']:,.0f}",
                         f"{vector['rollout'] / dummy['rollout']:.2f}"])
        text = table(["PPO + MLP (config ppo_mlp)", "DummyVecEnv steps/s", "vector env steps/s", "ratio",
                      "rollout: Dummy", "rollout: vector", "ratio"], rows)
        text += (f"\n\nSame config, seed and n_envs for both VecEnvs (DummyVecEnv of PortfolioEnv as "
                 "`train.vec_env=dummy` builds it, PortfolioVectorEnv as `vector`); sp500_stocks train split "
                 f"(20 assets, window 30), CPU with {args.torch_threads} torch thread(s); {timesteps} steps "
                 "after one update of warm-up, best of 2. "
                 "'rollout' counts only rollout collection (policy inference + env steps); the rest of "
                 "training is the gradient updates, identical for both, which bound the overall ratio.")
        sections.append(("PPO training steps/s: DummyVecEnv vs the vector env", text))
        say(text + "\n")
        verdicts.append(("PPO faster with the vector env than with DummyVecEnv (same n_envs)",
                         " / ".join(f"{r:.2f}x" for r in ratios), min(ratios) > TARGETS["ppo"]))

    text = table(["target", "measured", "met"],
                 [[name, value, "yes" if ok else "NO"] for name, value, ok in verdicts])
    sections.append(("Targets", text))
    say(text)
    elapsed = time.perf_counter() - started
    load = f"load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (1-minute)"
    say(load)
    if args.out:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        command = "python benchmarks/run_all.py" + "".join(f" {a}" for a in sys.argv[1:])
        parts = [f"# Benchmark results\n\n`{command}` on {now}, {elapsed:.0f} s.\n\nMachine: {machine()}; "
                 f"{load}.\n\n"
                 f"Shape: {shape}. Rates depend on the machine and its load (this one is shared); "
                 "compare the ratios, measured in the same run.\n"]
        parts += [f"\n## {title}\n\n{body}\n" for title, body in sections]
        atomic_write(args.out, "".join(parts))
        say(f"\nwrote {args.out} ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
