"""``tradegym train`` with a CPU-bound process that starts during the run.

The auto thread policy (``torch_threads: 0``) counts the free cores at the start; this is the
case it cannot see then: ``python -c "while True: pass"`` started ``--after`` seconds after
the training process. Under the auto policy the thread count follows
(:class:`feature_nets.runtime.CoreFollower`); ``--threads N`` pins it, for comparison.

Prints the run's ``learn()`` seconds and steps/s, its thread summary from ``metrics.json`` and
the lines where the count changed; asserts nothing about time.

    python benchmarks/busy_midrun.py [--after 6] [--timesteps 8192] [--threads 0] [--tree DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=float, default=6.0, help="seconds before the busy process starts")
    parser.add_argument("--timesteps", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=0, help="train.torch_threads (0: auto)")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the checkout whose code trains (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        argv = ["train", "--config", "ppo_lstm", "--set", f"train.total_timesteps={args.timesteps}",
                "--set", "train.progress_bar=false", "--set", "train.tensorboard=false",
                "--set", f"train.torch_threads={args.threads}", "--run-dir", str(run)]
        code = f"import sys; from tradegym.cli import main; sys.exit(main({argv!r}))"
        started = time.perf_counter()
        trainer = subprocess.Popen([sys.executable, "-c", code], cwd=args.tree, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env={"PYTHONPATH": str(args.tree), "PATH": "/usr/bin:/bin"})
        time.sleep(args.after)
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            output = trainer.communicate()[0]
        finally:
            busy.kill()
            busy.wait()
        wall = time.perf_counter() - started
        if trainer.returncode:
            sys.exit(f"training failed:\n{output[-2000:]}")
        metrics = json.loads((run / "metrics.json").read_text())
    print(f"busy process from {args.after:g} s; wall {wall:.1f} s; learn() {metrics['wall_s']} s, "
          f"{metrics['steps_per_s']} steps/s; torch threads {metrics.get('torch_threads')}")
    for line in output.splitlines():
        if line.startswith("torch threads"):
            print(" ", line)


if __name__ == "__main__":
    main()
