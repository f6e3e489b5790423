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

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from feature_nets.gan.config import load_market, run_config
from feature_nets.gan.facts import closes_to_log_returns, cut_windows
from feature_nets.gan.judges import return_channels, time_split_judge
from feature_nets.gan.model import load_gan, snapshot_name
from feature_nets.gan.protocols import ReturnSampler
from tradegym.data import MarketData
from tradegym.data.config import train_fingerprint
from tradegym.errors import ConfigError, DataError
from tradegym.io import write_csv
from tradegym.runs import RunDir


def snapshots(run: RunDir) -> list[int]:
    """Iterations of the run's generator snapshots, oldest first (:func:`~.model.snapshot_name`)."""
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


class TrainingSplitJudge:
    """The selection judge, on a training split only.

    A 2-layer GRU (hidden 32) on return and absolute-return channels, trained on real
    windows of the split's blocks and scored on its interleaved held-out blocks
    (:func:`interleaved_windows`) against fresh synthetic windows.

    The real windows are cut once, so every generator scored by one instance meets the same
    real data and the same judge seed: scores differ by the generator, not by the draw.

    Args:
        train_returns: ``(T, N)`` daily log returns of the training split the GAN learned.
        window: days per judge window (the GAN's ``model.window_bars``).
        block: rows per block (default: a sixth of the rows, between 4 windows and 384).
        steps: Adam steps of each judge (batches of 64 real + 64 synthetic windows).
        seed: judge seed; synthetic windows are drawn with ``seed + 1``.

    Raises:
        DataError: the split is too short for the interleaved blocks.
    """

    def __init__(self, train_returns: np.ndarray, *, window: int = 64, block: int | None = None,
                 steps: int = 2000, seed: int = 0) -> None:
        r = np.asarray(train_returns, dtype=np.float64)
        self.scale = r.std(axis=0)
        if block is None:
            block = max(4 * window, min(384, len(r) // 6))
        real_tr, real_te = interleaved_windows(r, window, block=block)
        self.real_tr = return_channels(real_tr, self.scale)
        self.real_te = return_channels(real_te, self.scale)
        self.window, self.steps, self.seed = window, steps, seed

    def score(self, model: ReturnSampler, *, progress: bool = True, desc: str = "judge") -> float:
        """``|accuracy - 0.5|`` of a judge trained against ``model``'s windows (lower: closer to real)."""
        syn = model.sample_returns(len(self.real_tr) + len(self.real_te), self.window, seed=self.seed + 1)
        scores = time_split_judge(self.real_tr, {"held_out": self.real_te}, return_channels(syn, self.scale),
                                  steps=self.steps, seed=self.seed, progress=progress, desc=desc)
        return float(scores["held_out"])


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
        real windows of the split's interleaved held-out blocks and fresh synthetic ones; lower is better),
        also written to ``selection.csv``.

    Raises:
        ConfigError: the run has no snapshots.
        DataError: the training split is too short for the judge's time split.
    """
    run = RunDir.open(run_path, kind="gan")
    found = snapshots(run)
    if not found:
        raise ConfigError(f"{run.path} has no generator snapshots; train with train.snapshot_every > 0")
    judge = TrainingSplitJudge(train_returns, window=window, block=block, steps=steps, seed=seed)
    model = load_gan(run.path, "last")
    rows: list[dict[str, float]] = []
    for iteration in found:
        weights = run.verify(snapshot_name(iteration))
        model.generator.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        model.calibrate(n=512)
        score = judge.score(model, progress=progress, desc=f"select {iteration}")
        rows.append({"iteration": iteration, "judge": round(float(score), 4)})
        echo(f"snapshot {iteration}: judge {score:.3f} on held-out blocks of the training split")
    write_csv(run.file("selection.csv"), rows, ["iteration", "judge"])
    best = min(rows, key=lambda row: row["judge"])
    chosen = run.verify(snapshot_name(int(best["iteration"])))
    state = torch.load(chosen, map_location="cpu", weights_only=True)
    run.save_artifact("best.pt", lambda handle: torch.save(
        {"generator": state, "iteration": int(best["iteration"]), "judge": best["judge"]}, handle))
    return rows


def select_runs(
    run_paths: Sequence[str | Path],
    *,
    steps: int = 2000,
    seed: int = 0,
    out: str | Path | None = None,
    data: MarketData | None = None,
    echo: Callable[[str], Any] = print,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Judge the ``best.pt`` of several runs (e.g. training seeds) on their shared training split.

    Adversarial training is a lottery over seeds: on us_indices, generators with equally good
    stylized facts scored 0.14 to 0.46 with the evaluation's judge. Training a few seeds and
    keeping the one this judge prefers uses the training split only (:class:`TrainingSplitJudge`),
    so the choice cannot leak what evaluation measures on later data.

    Args:
        run_paths: GAN run directories trained on the same data.
        steps: Adam steps of each judge.
        seed: the judge seed, the same for every run.
        out: optional CSV path for the table (written atomically).
        data: the market the runs were trained on (default: loaded from the first run's config).
        echo: where one line per run goes.
        progress: tqdm bars over judge training.

    Returns:
        one row per run, lowest ``judge`` first: ``run``, ``best_iteration``, ``judge``.

    Raises:
        ConfigError: no run, ``steps < 1``, or runs trained on different data.
        DataError: the market no longer matches the runs' training data, or its training split
            is too short for the judge's blocks.
    """
    if not run_paths:
        raise ConfigError("select needs at least one GAN run directory")
    if not (isinstance(steps, int) and steps >= 1):
        raise ConfigError(f"steps must be an integer >= 1, got {steps!r}")
    runs = [RunDir.open(p, kind="gan") for p in run_paths]
    prints = {str(r.path): train_fingerprint(r.read_json("data.json")) for r in runs}
    if len(set(prints.values())) > 1:
        short = ", ".join(f"{path}: {fp[:12]}" for path, fp in prints.items())
        raise ConfigError(f"the runs were trained on different data (fingerprints {short}); "
                          "compare runs of one training split")
    cfg = run_config(runs[0].path)
    market = data if data is not None else load_market(cfg.data)
    train = market.split(cfg.data.train, cfg.data.val).train
    if train.fingerprint() != next(iter(prints.values())):
        raise DataError(f"{cfg.data.source}'s training split no longer matches the data the runs learned")
    judge = TrainingSplitJudge(closes_to_log_returns(train.close), window=cfg.model.window_bars, steps=steps,
                               seed=seed)
    rows: list[dict[str, Any]] = []
    for run in runs:
        score = judge.score(load_gan(run.path, "best"), progress=progress, desc=f"select {run.path.name}")
        best_iteration = run.read_json("metrics.json").get("best_iteration")
        rows.append({"run": str(run.path), "best_iteration": best_iteration, "judge": round(score, 4)})
        echo(f"{run.path}: judge {score:.3f} on held-out blocks of the training split")
    rows.sort(key=lambda row: row["judge"])
    if out is not None:
        write_csv(out, rows, ["run", "best_iteration", "judge"])
    return rows


__all__ = ["TrainingSplitJudge", "interleaved_windows", "select_runs", "select_snapshot", "snapshots"]
