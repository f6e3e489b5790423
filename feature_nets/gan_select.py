"""Pick a GAN's generator among its training snapshots with a judge that sees dynamics.

Adversarial training does not settle: from one snapshot to the next, and from one training
seed to another, the generator's dynamics move while its stylized facts stay put (on
us_indices, three seeds with equally good facts scored 0.14, 0.21 and 0.46 with the
calibrated judge). :func:`select_snapshot` scores each snapshot with the evaluation's
judge (a 2-layer GRU on return and absolute-return channels), but on the generator's
**training split only**: the judge trains on real windows of most of the split and is scored
on real windows of interleaved held-out blocks (:func:`interleaved_windows`), so every market
regime of the split has real windows on both sides and none touches another.
No validation or test row is read, so the selection cannot leak what evaluation measures.
Every snapshot is judged with the same seed and the same real windows, so their scores
differ by the generator, not by the draw.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from feature_nets.gan import load_gan, snapshot_name
from feature_nets.gan_facts import cut_windows
from feature_nets.gan_judges import return_channels, time_split_judge
from tradegym.errors import ConfigError, DataError
from tradegym.io import atomic_write
from tradegym.runs import RunDir


def snapshots(run: RunDir) -> list[int]:
    """Iterations of the run's generator snapshots (:func:`~feature_nets.gan.snapshot_name`), oldest first."""
    folder = run.path / "snapshots"
    return sorted(int(p.stem.split("_")[1]) for p in folder.glob("gen_*.pt")) if folder.is_dir() else []


def interleaved_windows(
    returns: np.ndarray, window: int, *, block: int = 384, every: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Real judge windows ``(n, window, N)`` for training and for testing, from interleaved blocks.

    Rows are cut into blocks of ``block``; every ``every``-th block is a test block, the rest
    train. A test block gives up ``window`` rows at each end, so no test window shares a day
    with, or touches, a training window (the judge cannot score by recognising sequences).
    Each market regime (calm years, crises) then has real windows on both sides: with one
    later test block, as in the evaluation, a judge meets that block's regime in training only
    through the generator's windows, learns it as "synthetic", and scores every generator that
    learned the block near 0 (measured: 0.001-0.05 for snapshots the evaluation put at 0.26-0.48).

    Raises:
        DataError: fewer than 10 windows on either side.
    """
    r = np.asarray(returns, dtype=np.float64)
    train, test = [], []
    for k, start in enumerate(range(0, len(r), block)):
        rows = r[start : start + block]
        if k % every == every - 1:
            rows = rows[window:-window]
            if len(rows) >= window:
                test.append(cut_windows(rows, window, 1))
        elif len(rows) >= window:
            train.append(cut_windows(rows, window, 1))
    n_train, n_test = sum(map(len, train)), sum(map(len, test))
    if n_train < 10 or n_test < 10:
        raise DataError(
            f"{len(r)} rows give {n_train} training and {n_test} test windows of {window} days in "
            f"blocks of {block}; need 10 of each: use more data or smaller blocks"
        )
    return np.concatenate(train), np.concatenate(test)


def select_snapshot(
    run_path: str | Path,
    train_returns: np.ndarray,
    *,
    window: int = 64,
    block: int | None = None,
    steps: int = 2000,
    seed: int = 0,
    echo: Callable[[str], Any] = print,
    progress: bool = True,
) -> list[dict[str, float]]:
    """Judge every snapshot of a run on its training split; the best becomes ``best.pt``.

    Args:
        run_path: a GAN run directory with ``snapshots/``.
        train_returns: ``(T, N)`` daily log returns of the training split the GAN learned.
        window: days per judge window (the GAN's ``model.window_bars``).
        block: rows per block of :func:`interleaved_windows` (default: a sixth of the rows,
            between 4 windows and 384).
        steps: Adam steps of each snapshot's judge (2-layer GRU, hidden 32, batches 64 + 64).
        seed: the judge seed, the same for every snapshot.
        echo: where one line per snapshot goes.
        progress: tqdm bars over judge training.

    Returns:
        one row per snapshot: ``iteration`` and ``judge`` (``|accuracy - 0.5|`` on held-out
        real windows of the split's last block and fresh synthetic ones; lower is better),
        also written to ``selection.csv``.

    Raises:
        ConfigError: the run has no snapshots.
        DataError: the training split is too short for the judge's time split.
    """
    run = RunDir.open(run_path, kind="gan")
    found = snapshots(run)
    if not found:
        raise ConfigError(f"{run.path} has no generator snapshots; train with train.snapshot_every > 0")
    r = np.asarray(train_returns, dtype=np.float64)
    scale = r.std(axis=0)
    if block is None:
        block = max(4 * window, min(384, len(r) // 6))
    real_tr, real_te = interleaved_windows(r, window, block=block)
    real_tr, real_te = return_channels(real_tr, scale), return_channels(real_te, scale)
    model = load_gan(run.path, "last")
    rows: list[dict[str, float]] = []
    for iteration in found:
        weights = run.verify(snapshot_name(iteration))
        model.generator.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        model.calibrate(n=512)
        syn = model.sample_returns(len(real_tr) + len(real_te), window, seed=seed + 1)
        score = time_split_judge(real_tr, {"held_out": real_te}, return_channels(syn, scale), steps=steps,
                                 seed=seed, progress=progress, desc=f"select {iteration}")["held_out"]
        rows.append({"iteration": iteration, "judge": round(float(score), 4)})
        echo(f"snapshot {iteration}: judge {score:.3f} on the training split's last block")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ["iteration", "judge"])
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(run.file("selection.csv"), buffer.getvalue())
    best = min(rows, key=lambda row: row["judge"])
    chosen = run.verify(snapshot_name(int(best["iteration"])))
    state = torch.load(chosen, map_location="cpu", weights_only=True)
    run.save_artifact("best.pt", lambda handle: torch.save(
        {"generator": state, "iteration": int(best["iteration"]), "judge": best["judge"]}, handle))
    return rows


__all__ = ["interleaved_windows", "select_snapshot", "snapshots"]
