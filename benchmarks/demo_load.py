"""``tradegym demo`` on an idle machine and beside a busy process, one right after the other.

The demo trains PPO + LSTM for 3 seeds and backtests them: what a new user runs first. This
times it twice in fresh processes: idle, then with ``python -c "while True: pass"`` started
before and killed after (one core taken on a 2-core machine). With ``--reference DIR`` the
same two runs are made with another checkout's code first (e.g. a ``git worktree`` of an
older commit), so the ratio between the two trees is measured in the same session.

Prints wall seconds and ratios; asserts nothing about time.

    python benchmarks/demo_load.py [--reference DIR [--reference-busy]] [--no-busy] [--timesteps N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def demo_seconds(tree: Path, busy: bool, timesteps: int | None) -> float:
    """Wall seconds of one ``tradegym demo`` with ``tree``'s code, in a fresh process."""
    args = ["demo", "--out", tempfile.mkdtemp(prefix="demo_load_")]
    if timesteps:
        args += ["--timesteps", str(timesteps)]
    code = f"import sys; from tradegym.cli import main; sys.exit(main({args!r}))"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()


def main() -> int:
    """Time the demo(s) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=None, help="another checkout to time first")
    parser.add_argument("--no-busy", action="store_true", help="idle runs only")
    parser.add_argument("--reference-busy", action="store_true",
                        help="time the reference beside a busy process too (slow where it thrashes)")
    parser.add_argument("--timesteps", type=int, default=None, help="per seed (default: the demo's)")
    args = parser.parse_args()
    trees = ([("reference", args.reference.resolve())] if args.reference else []) + [("this tree", ROOT)]
    rows = []
    for label, tree in trees:
        idle = demo_seconds(tree, False, args.timesteps)
        skip = args.no_busy or (label == "reference" and not args.reference_busy)
        busy = None if skip else demo_seconds(tree, True, args.timesteps)
        rows.append((label, idle, busy))
        print(f"{label}: idle {idle:.1f} s" + ("" if busy is None else f", busy {busy:.1f} s"), flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (1-minute); {os.cpu_count()} cores\n")
    print("| code | idle s | busy s | busy / idle | idle speed-up vs reference |")
    print("|---|---|---|---|---|")
    for label, idle, busy in rows:
        ratio = "" if busy is None else f"{busy / idle:.2f}"
        speed = f"{rows[0][1] / idle:.2f}" if args.reference else ""
        print(f"| {label} | {idle:.1f} | {'' if busy is None else f'{busy:.1f}'} | {ratio} | {speed} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
