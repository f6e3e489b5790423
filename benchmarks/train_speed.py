"""PPO training speed per extractor: steps/s, CPU seconds, rollout vs update, against references.

For the shipped PPO configs (LSTM, the default; Transformer; TCN; MLP), each measurement is
one fresh subprocess that trains as ``tradegym train`` does (same VecEnv, model, seed and
:func:`feature_nets.runtime.apply_runtime` threads) and times ``learn()`` after one update of
warm-up: steps/s, user and system CPU seconds (``getrusage`` of that process), and the share
of rollout collection (policy inference + env steps) vs gradient updates. References, in the
same run, interleaved, best of the repeats:

- *old heap*: the same, without :func:`~feature_nets.runtime.keep_heap` (glibc's default
  allocator behaviour: large blocks mmap'ed and unmapped on every pass);
- *before*: old heap and torch's default thread count (one per core), what
  ``torch_threads: 0`` meant before ``feature_nets.runtime`` (``--before`` on the full run);
- *null env*: a constant env with the same spaces, so the ratio shows what the market costs.

:func:`vec_env_rates` compares the training VecEnvs instead: PPO steps/s with SB3's
``DummyVecEnv`` of ``PortfolioEnv`` vs the batched ``PortfolioVectorEnv`` (``--vec``).

Prints ratios; asserts nothing about time. Absolute rates depend on the machine's load
(printed at the start and the end).

    python benchmarks/train_speed.py [--quick] [--configs ppo_lstm,...] [--timesteps 4096]
        [--repeats 2] [--threads 0] [--device cpu] [--no-before] [--vec]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# isort: off
import feature_nets  # noqa: F401  first, as in `tradegym train`: it sets GOMP_SPINCOUNT before torch
# isort: on
import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env

from agents.config import load_run_config
from agents.factory import make_model
from agents.train import make_vec_env as train_vec_env
from tradegym.data import load

LIBGOMP_SPIN = "300000"
"""libgomp's default ``GOMP_SPINCOUNT`` (no ``OMP_WAIT_POLICY``): what "before" ran with."""
CONFIGS = ("ppo_lstm", "ppo_transformer", "ppo_tcn", "ppo_mlp")
"""The default agent first, then the other extractors with the same PPO settings."""


class NullEnv(gym.Env):
    """Same observation and action spaces as a PortfolioEnv; no market behind them."""

    def __init__(self, observation_space: gym.spaces.Dict, action_space: gym.spaces.Box,
                 max_steps: int) -> None:
        self.observation_space, self.action_space, self.max_steps = observation_space, action_space, max_steps
        self._obs = {k: np.zeros(s.shape, s.dtype) for k, s in observation_space.spaces.items()}
        self._steps = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._steps = 0
        return {k: v.copy() for k, v in self._obs.items()}, {}

    def step(self, action):
        self._steps += 1
        return {k: v.copy() for k, v in self._obs.items()}, 0.0, False, self._steps >= self.max_steps, {}


class RolloutTimer(BaseCallback):
    """Seconds spent collecting rollouts (policy inference + env steps), apart from the updates."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds, self._t0 = 0.0, 0.0

    def _on_rollout_start(self) -> None:
        self._t0 = time.perf_counter()

    def _on_rollout_end(self) -> None:
        self.seconds += time.perf_counter() - self._t0

    def _on_step(self) -> bool:
        return True


def vec_env_rates(config: str = "ppo_mlp", overrides: tuple[str, ...] = ("train.n_envs=16",),
                  timesteps: int = 4096, repeats: int = 2,
                  device: str = "cpu") -> dict[str, dict[str, float]]:
    """PPO steps/s per ``train.vec_env`` kind (``dummy``, ``vector``), best of ``repeats``, interleaved.

    Returns ``{kind: {"total": steps/s of learn(), "rollout": steps/s of rollout collection}}``
    on the sp500_stocks train split, after one update of warm-up.
    """
    cfg = load_run_config(config, list(overrides))
    data = load(cfg.data.source).split(cfg.data.train, cfg.data.val).train
    rates: dict[str, dict[str, list[float]]] = {k: {"total": [], "rollout": []} for k in ("dummy", "vector")}
    for _ in range(repeats):
        for kind, rate_lists in rates.items():
            kind_cfg = copy.deepcopy(cfg)
            kind_cfg.train.vec_env = kind
            vec = train_vec_env(kind_cfg, data)
            model = make_model(kind_cfg.agent, vec, seed=0, device=device)
            model.learn(model.n_steps * vec.num_envs)  # warm-up: one update
            timer = RolloutTimer()
            t0 = time.perf_counter()
            model.learn(timesteps, reset_num_timesteps=False, callback=timer)
            rate_lists["total"].append(timesteps / (time.perf_counter() - t0))
            rate_lists["rollout"].append(timesteps / timer.seconds)
            vec.close()
    return {kind: {key: max(values) for key, values in r.items()} for kind, r in rates.items()}


def measure(config: str, env: str = "real", heap: bool = True, threads: int | None = 0,
            timesteps: int = 4096, device: str = "cpu") -> dict[str, float]:
    """One :func:`agents.train.train` run of a shipped config in this process, ``learn()`` timed.

    The run is what ``tradegym train --config CONFIG`` does (validation and checkpoints every
    4,096 steps, no progress bar or TensorBoard), in a temporary directory. PPO's
    ``collect_rollouts`` (policy inference, env steps, callbacks) and ``train`` (gradient
    updates) are wrapped with timers.

    Args:
        config: a shipped config name.
        env: ``"real"`` (the config's VecEnv) or ``"null"`` (NullEnv copies, same spaces).
        heap: keep glibc's heap; ``False`` is the allocator's default behaviour
            (``TRADEGYM_KEEP_HEAP=0``; the subprocess gets it in its environment).
        threads: ``train.torch_threads``; ``None`` is torch's default count (one per core),
            what ``torch_threads: 0`` meant before :mod:`feature_nets.runtime`.

    Returns:
        ``steps_per_s``, ``user_s`` / ``sys_s`` (CPU seconds of ``learn()``), ``rollout_s`` /
        ``update_s`` (wall seconds), ``threads``.
    """
    import tempfile

    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

    import agents.train
    from feature_nets.runtime import choose_threads

    seconds = {"collect_rollouts": 0.0, "train": 0.0, "learn": 0.0}
    usage: list[resource.struct_rusage] = []

    def timed(owner: type, name: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if name == "learn":
                usage.append(resource.getrusage(resource.RUSAGE_SELF))
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - t0
                if name == "learn":
                    usage.append(resource.getrusage(resource.RUSAGE_SELF))

        setattr(owner, name, wrapper)

    timed(OnPolicyAlgorithm, "collect_rollouts")
    timed(PPO, "train")
    timed(OnPolicyAlgorithm, "learn")
    if env == "null":
        def null_vec_env(cfg: Any, data: Any) -> Any:
            probe = real_vec_env(cfg, data)
            spaces = probe.observation_space, probe.action_space
            probe.close()
            return make_vec_env(lambda: NullEnv(*spaces, cfg.env.max_steps), n_envs=cfg.train.n_envs,
                                seed=cfg.train.seed)

        real_vec_env = agents.train.make_vec_env
        agents.train.make_vec_env = null_vec_env
    count = torch.get_num_threads() if threads is None else threads
    overrides = [f"train.total_timesteps={timesteps}", "train.progress_bar=false", "train.tensorboard=false",
                 f"train.torch_threads={count}", f"train.device={device}"]
    with tempfile.TemporaryDirectory() as tmp:
        agents.train.train(config, overrides=overrides, run_dir=Path(tmp) / "run", echo=lambda _: None)
    before, after = usage
    return {"steps_per_s": timesteps / seconds["learn"], "user_s": after.ru_utime - before.ru_utime,
            "sys_s": after.ru_stime - before.ru_stime, "rollout_s": seconds["collect_rollouts"],
            "update_s": seconds["train"], "learn_s": seconds["learn"], "threads": choose_threads(count)}


def measure_in_subprocess(**kwargs: Any) -> dict[str, float]:
    """:func:`measure` in a fresh Python process (its own heap and thread pool)."""
    env = dict(os.environ)
    if kwargs.get("threads", 0) is None:  # torch's own default, not a benchmark-wide OMP_NUM_THREADS
        env.pop("OMP_NUM_THREADS", None)
        env.pop("MKL_NUM_THREADS", None)
        env.setdefault("GOMP_SPINCOUNT", LIBGOMP_SPIN)  # and libgomp's own spin, as before runtime.py
    env["TRADEGYM_KEEP_HEAP"] = "1" if kwargs.get("heap", True) else "0"
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(kwargs)], check=True,
                         capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


VARIANTS = {"now": {}, "old heap": {"heap": False}, "before": {"heap": False, "threads": None},
            "null env": {"env": "null"}}
"""Each measurement's arguments beyond the config's: the current setting and the references."""


def compare_configs(configs: tuple[str, ...] = CONFIGS, timesteps: int = 4096, repeats: int = 2,
                    threads: int = 0, device: str = "cpu", before: bool = True,
                    echo: Any = print) -> dict[str, dict[str, dict[str, float]]]:
    """``{config: {variant: measurement}}`` for :data:`VARIANTS`, interleaved, best of ``repeats``.

    The best repeat (highest steps/s) is kept whole, so its CPU seconds and split belong to it.
    """
    variants = [v for v in VARIANTS if before or v != "before"]
    best: dict[str, dict[str, dict[str, float]]] = {c: {} for c in configs}
    for repeat in range(repeats):
        for config in configs:
            for variant in variants:
                kwargs = {"config": config, "threads": threads, "timesteps": timesteps,
                          "device": device, **VARIANTS[variant]}
                row = measure_in_subprocess(**kwargs)
                echo(f"  [{repeat + 1}/{repeats}] {config:16s} {variant:9s} "
                     f"{row['steps_per_s']:7,.0f} steps/s "
                     f"user {row['user_s']:5.1f} s sys {row['sys_s']:5.1f} s, {row['threads']} thread(s)")
                kept = best[config].get(variant)
                if kept is None or row["steps_per_s"] > kept["steps_per_s"]:
                    best[config][variant] = row
    return best


def table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """A Markdown table: current rates, CPU seconds, rollout share, and ratios to each reference."""
    refs = [v for v in VARIANTS if v != "now" and v in next(iter(results.values()))]
    header = ["config", "steps/s", "user s", "sys s", "sys/user", "rollout", "update",
              *(f"/ {ref}" for ref in refs)]
    rows = []
    for config, by_variant in results.items():
        now = by_variant["now"]
        total = now["learn_s"]
        rows.append([config, f"{now['steps_per_s']:,.0f}", f"{now['user_s']:.1f}", f"{now['sys_s']:.2f}",
                     f"{now['sys_s'] / now['user_s']:.0%}", f"{now['rollout_s'] / total:.0%}",
                     f"{now['update_s'] / total:.0%}",
                     *(f"{now['steps_per_s'] / by_variant[ref]['steps_per_s']:.2f}" for ref in refs)])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,048 steps, 1 repeat, no 'before'")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated shipped configs")
    parser.add_argument("--timesteps", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: the auto policy)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--no-before", action="store_true", help="skip the old heap + old threads reference")
    parser.add_argument("--vec", action="store_true", help="DummyVecEnv vs PortfolioVectorEnv instead")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(**json.loads(args.child))))
        return
    if args.vec:
        rates = vec_env_rates(timesteps=args.timesteps, repeats=args.repeats, device=args.device)
        for what in ("total", "rollout"):
            dummy, vector = rates["dummy"][what], rates["vector"][what]
            print(f"PPO + MLP, 16 envs, {what}: DummyVecEnv {dummy:,.0f} steps/s, PortfolioVectorEnv "
                  f"{vector:,.0f} steps/s, ratio {vector / dummy:.2f}")
        return
    timesteps, repeats = (2048, 1) if args.quick else (args.timesteps, args.repeats)
    configs = tuple(c for c in args.configs.split(",") if c)
    load_start = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} (default "
          f"{torch.get_num_threads()} threads), device {args.device}, heap kept where glibc: "
          f"{platform.libc_ver()[0] == 'glibc'}; load {load_start:.1f}")
    results = compare_configs(configs, timesteps, repeats, args.threads, args.device,
                              before=not (args.quick or args.no_before))
    print(f"\n`tradegym train --config C --set train.total_timesteps={timesteps}` (no progress bar or "
          f"TensorBoard), learn() timed, best of {repeats}; threads {args.threads or 'auto'}; load average "
          f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (1-minute)")
    print("rollout: collect_rollouts (inference, env steps, validation and checkpoint callbacks); "
          "update: PPO.train; shares of learn()'s wall time. '/ X': steps/s now / steps/s of reference X\n")
    print(table(results))


if __name__ == "__main__":
    main()
