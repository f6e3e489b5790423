"""Adversarial training of the generator into a run directory, resumable, in page-sized steps.

:func:`train_gan` reads top to bottom: config -> data -> networks -> run directory (new or
resumed) -> loop -> choice of ``best.pt`` -> mean calibration. Each iteration takes
``n_critic`` critic steps, one step of the optional recurrent discriminator and one generator
step; every ``monitor_every`` iterations a sample is scored by
:func:`~feature_nets.gan.monitor.stylized_gap`.

**Honesty.** The generator learns from windows of the training split only; the codec's
statistics come from it too. Model selection reads the training split only (never validation
or test): the monitored stylized facts (``select: facts``) or a judge on held-out blocks of
the training split (``select: judge``, :mod:`feature_nets.gan.select`).

A run directory (``kind="gan"``)::

    config.yaml  data.json  codec.json  history.csv  metrics.json
    checkpoints/step_000001000.zip ...   (generator, critic, optimisers, RNG: resumable)
    generator.pt   (last)   best.pt   (best monitored)

Shape letters: ``B`` batch, ``L`` window bars, ``M`` training windows, ``C`` channels.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from feature_nets.fit import seed_everything
from feature_nets.gan.codec import BarCodec
from feature_nets.gan.config import GanConfig, load_gan_config, load_market
from feature_nets.gan.facts import closes_to_log_returns
from feature_nets.gan.model import GanModel, load_calibrated, snapshot_name
from feature_nets.gan.monitor import stylized_gap
from feature_nets.gan.select import select_snapshot
from feature_nets.gan.step import Losses, Nets, build_nets, iteration
from feature_nets.runtime import follow_cores, torch_runtime
from tradegym.config import to_dict
from tradegym.data import MarketData
from tradegym.data.config import describe_data
from tradegym.errors import ConfigError, DataError
from tradegym.io import write_csv
from tradegym.runs import RunDir, finish_run, open_run, start_run


@dataclass
class GanRun:
    """What :func:`train_gan` returns."""

    run: RunDir
    model: GanModel
    history: list[dict[str, float]]
    metrics: dict[str, Any]


# ---------------------------------------------------------------------- data
@dataclass
class _Data:
    """The training split as the loop sees it."""

    train: MarketData
    codec: BarCodec
    windows: np.ndarray  # (M, L, C) float32, a strided view
    return_cols: list[int]  # the r channel of each asset
    described: dict[str, Any]  # data.json


def _windows(x: np.ndarray, length: int) -> np.ndarray:
    """All windows ``(M, length, C)`` of a ``(T, C)`` array (a strided view)."""
    if len(x) < length:
        raise DataError(
            f"the training split has {len(x)} bars of channels; model.window_bars = {length} "
            "needs at least that many"
        )
    return np.lib.stride_tricks.sliding_window_view(x, length, axis=0).transpose(0, 2, 1)


def _prepare_data(cfg: GanConfig, data: MarketData | None) -> _Data:
    """Load the market (unless given), split it, fit the codec and cut the training windows."""
    market = data if data is not None else load_market(cfg.data)
    split = market.split(cfg.data.train, cfg.data.val)
    train = split.train
    codec = BarCodec.fit(train, cfg.model.bars)
    x = codec.encode(train).reshape(train.n_bars - 1, -1).astype(np.float32)  # (T-1, C)
    windows = _windows(x, cfg.model.window_bars)  # (M, L, C)
    described = describe_data(market, split, samples=(len(windows), None, None))
    return_cols = list(range(0, x.shape[1], len(codec.channels)))
    return _Data(train, codec, windows, return_cols, described)


# ---------------------------------------------------------------------- the run directory
def _save_state(run: RunDir, name: str, state: dict[str, Any]) -> None:
    run.save_artifact(name, lambda handle: torch.save(state, handle))


def _write_history(run: RunDir, history: list[dict[str, float]]) -> None:
    # Columns are every key of any row: a run resumed across versions may have gained one.
    write_csv(run.file("history.csv"), history)


def _resolve_config(
    config: GanConfig | str | Path | dict[str, Any] | None,
    overrides: Sequence[str],
    resume: str | Path | None,
) -> tuple[GanConfig, RunDir | None]:
    """The checked config, and the run to resume (``None`` for a new run)."""
    if resume is None:
        return load_gan_config(config, overrides), None
    if config is not None:
        raise ConfigError("pass either a config or resume=RUN_DIR, not both")
    run = open_run(resume, "gan")
    return load_gan_config(run.file("config.yaml"), overrides), run


def _write_codec(run: RunDir, cfg: GanConfig, d: _Data) -> None:
    """``codec.json``: how bars become channels, and the sizes a loader rebuilds the generator with."""
    m = cfg.model
    run.write_json(
        "codec.json",
        {
            **d.codec.to_json(),
            "symbols": list(d.train.symbols),
            "noise_dim": m.noise_dim,
            "hidden_size": m.hidden_size,
            "burn_in": m.burn_in,
            "vol_timescales": [float(x) for x in m.vol_timescales],
            "feedback": bool(m.feedback),
        },
    )


def _resume(
    run: RunDir, d: _Data, nets: Nets, echo: Callable[[str], Any]
) -> tuple[int, float, list[dict[str, float]]]:
    """Restore the newest valid checkpoint: ``(iteration, best score, history)``."""
    step, path = run.latest_valid_checkpoint(echo)
    state = torch.load(path, map_location=nets.device, weights_only=False)
    nets.load(state, path)
    torch.set_rng_state(state["torch_rng"])
    history = [h for h in state["history"] if h["iteration"] <= step]
    echo(f"resuming {run.path} from iteration {step}")
    return step, state["best"], history


def _checkpoint(run: RunDir, nets: Nets, it: int, history: list[dict[str, float]], best: float) -> None:
    """A resumable checkpoint at iteration ``it``; the last 3 are kept."""
    state = {**nets.state(), "torch_rng": torch.get_rng_state(), "history": history, "best": best,
             "iteration": it}
    _save_state(run, f"checkpoints/step_{it:09d}.zip", state)
    for _, old in run.checkpoints()[:-3]:
        run.remove_artifact(old)


def _monitor_row(
    cfg: GanConfig, d: _Data, nets: Nets, it: int, losses: Losses, real_sample: np.ndarray, started: float
) -> tuple[dict[str, float], dict[str, float]]:
    """A history row for iteration ``it``, and the stylized-fact gap of a fresh sample."""
    m = cfg.model
    shown = nets.shown
    shown.eval()
    with torch.no_grad():
        sample = shown(len(real_sample), m.window_bars, m.burn_in).cpu().numpy()  # (1024, L, C)
    shown.train()
    gap = stylized_gap(real_sample, sample, d.return_cols)
    row = {
        "iteration": it,
        "critic_loss": round(losses.critic.item(), 5),
        "wasserstein": round(losses.wasserstein.item(), 5),
        "gp": round(losses.gp.item(), 5),
        "generator_loss": round(losses.generator.item(), 5),
        **({"seq_accuracy": round(losses.seq_accuracy.item(), 3)} if nets.seq is not None else {}),
        **{k: round(v, 5) for k, v in gap.items()},
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    return row, gap


# ---------------------------------------------------------------------- the loop
def _loop(
    cfg: GanConfig, d: _Data, nets: Nets, run: RunDir, start_it: int, best: float,
    history: list[dict[str, float]], started: float,
) -> float:
    """Iterations ``start_it + 1 ..``: train, monitor, snapshot, checkpoint; returns the best score."""
    t = cfg.train
    windows = d.windows
    rng = np.random.default_rng(t.seed + start_it)
    real_sample = windows[rng.choice(len(windows), size=min(len(windows), 1024), replace=False)]

    def real_batch() -> Tensor:
        idx = rng.integers(0, len(windows), size=t.batch_size)
        return torch.from_numpy(np.ascontiguousarray(windows[idx])).to(nets.device)  # (B, L, C)

    from tqdm.auto import tqdm

    losses = Losses()
    with torch_runtime(t.torch_threads, t.device) as runtime:
        follower = follow_cores(runtime)  # torch_threads 0: follow the cores others leave free
        bar = tqdm(range(start_it + 1, t.iterations + 1), desc="gan", disable=not t.progress_bar,
                   initial=start_it, total=t.iterations)
        for it in bar:
            iteration(cfg, nets, real_batch, losses, d.return_cols)
            if follower is not None:
                follower.poll()
            if not all(math.isfinite(v.item()) for v in (losses.critic, losses.generator)):
                raise FloatingPointError(
                    f"GAN training diverged at iteration {it} (loss not finite); "
                    "lower train.lr_* or raise train.gp_weight"
                )
            if it % t.monitor_every == 0 or it == t.iterations:
                row, gap = _monitor_row(cfg, d, nets, it, losses, real_sample, started)
                history.append(row)
                _write_history(run, history)  # readable while training runs
                bar.set_postfix(W=f"{row['wasserstein']:.3f}", score=f"{gap['score']:.3f}")
                if gap["score"] < best:
                    best = gap["score"]
                    _save_state(run, "best.pt", {"generator": nets.shown.state_dict(), "iteration": it,
                                                 "score": best})
            if t.select == "judge" and (it % t.snapshot_every == 0 or it == t.iterations) and (
                it >= t.select_from * t.iterations
            ):
                _save_state(run, snapshot_name(it), nets.shown.state_dict())
            if it % t.checkpoint_every == 0 and it != t.iterations:
                _checkpoint(run, nets, it, history, best)
        bar.close()
    return best


def _choose_best(
    cfg: GanConfig, d: _Data, nets: Nets, run: RunDir, history: list[dict[str, float]],
    started: float, echo: Callable[[str], Any],
) -> dict[str, Any]:
    """Settle ``best.pt`` by ``train.select`` and return the run's metrics."""
    t = cfg.train
    best_row = min(history, key=lambda h: h["score"]) if history else {}
    metrics: dict[str, Any] = {
        "iterations": t.iterations,
        "selected_by": t.select,
        "best_iteration": best_row.get("iteration"),  # the iteration in best.pt
        "facts_best_iteration": best_row.get("iteration"),
        "facts_best_score": best_row.get("score"),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    if t.select == "last":
        _save_state(run, "best.pt", {"generator": nets.shown.state_dict(), "iteration": t.iterations})
        metrics["best_iteration"] = t.iterations
    if t.select == "judge":
        echo("choosing best.pt among the snapshots with a judge on the training split")
        r_train = closes_to_log_returns(d.train.close)  # (T-1, N)
        with torch_runtime(t.torch_threads, t.device):
            rows = select_snapshot(run.path, r_train, window=cfg.model.window_bars,
                                   steps=t.select_judge_steps, seed=t.seed, echo=echo,
                                   progress=t.progress_bar)
        chosen = min(rows, key=lambda row: row["judge"])
        metrics.update(best_iteration=int(chosen["iteration"]), best_judge=chosen["judge"],
                       wall_s=round(time.perf_counter() - started, 1))
    return metrics


def train_gan(
    config: GanConfig | str | Path | dict[str, Any] | None = None,
    *,
    overrides: Sequence[str] = (),
    runs_root: str | Path = "runs",
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    data: MarketData | None = None,
    echo: Callable[[str], Any] = print,
) -> GanRun:
    """Train a WGAN-GP generator on the training split into a run directory (or resume one).

    Args:
        config: a :class:`~feature_nets.gan.config.GanConfig`, a YAML path or a mapping
            (defaults if ``None``).
        overrides: ``section.key=value`` strings, e.g. ``train.iterations=200``.
        runs_root: parent of the new run directory.
        run_dir: an exact new run directory instead.
        resume: an existing GAN run directory to continue from its newest valid checkpoint
            (its own config; ``overrides`` may raise ``train.iterations``).
        data: a market to use instead of loading ``config.data``.
        echo: where progress lines go.

    Raises:
        ConfigError: bad config; a resume directory that is not a GAN run, has no valid
            checkpoint, or whose data changed.
        DataError: a training split shorter than a window.
    """
    cfg, run = _resolve_config(config, overrides, resume)
    seed_everything(cfg.train.seed)
    d = _prepare_data(cfg, data)
    nets = build_nets(cfg, d.windows, d.return_cols)
    history: list[dict[str, float]] = []
    start_it, best = 0, math.inf
    resumed = run is not None
    run = start_run("gan", cfg.run_name, config=to_dict(cfg), data=d.described, runs_root=runs_root,
                    run_dir=run_dir, resume=run, echo=echo)
    if resumed:
        start_it, best, history = _resume(run, d, nets, echo)
    else:
        _write_codec(run, cfg, d)
    echo(
        f"run {run.path}: WGAN-GP on {d.train.describe()}; channels {list(d.codec.channels)} x "
        f"{d.train.n_assets} assets; {len(d.windows)} training windows of {cfg.model.window_bars} bars"
    )
    started = time.perf_counter()
    best = _loop(cfg, d, nets, run, start_it, best, history, started)
    run.save_artifact("generator.pt", lambda handle: torch.save(nets.shown.state_dict(), handle))
    _checkpoint(run, nets, cfg.train.iterations, history, best)
    _write_history(run, history)
    metrics = _choose_best(cfg, d, nets, run, history, started, echo)
    finish_run(run, metrics)
    echo(
        f"done: best.pt is iteration {metrics['best_iteration']} (selected by {cfg.train.select}); "
        f"run directory {run.path}"
    )
    model = load_calibrated(run.path)  # best.pt, its mean offset measured and stored
    echo(
        "mean offset of the bars (training sds), removed when sampling: "
        f"{np.round(model.mean_offset, 3).tolist()}"
    )
    return GanRun(run, model, history, metrics)


__all__ = ["GanRun", "train_gan"]
