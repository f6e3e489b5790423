"""Training a forecaster: config -> data -> scalers -> model -> fit -> save, into a run directory.

A forecaster reads exactly what ``PortfolioEnv`` shows an agent — the window ``(W, N, K)``
ending at the close of bar ``t`` (:func:`feature_nets.windows.make_windows`) — and learns,
per asset, the next log return ``r[t+1]`` (``task="regression"``) or whether it is positive
(``"classification"``).

Honesty rules, each enforced here rather than left to the caller:

* windows of each split come from features computed on that split alone, as an env built
  on the split computes them, so the forecast feature matches what an agent sees;
* the target scaler (per-asset mean and sd of ``r[t+1]``) and an optional feature scaler
  (``normalize="train"``) are fitted on the training split only;
* early stopping reads the validation split; the test split is touched by evaluation only
  (:mod:`feature_nets.forecast.evaluate`).

:func:`train_forecaster` writes a run directory (``kind="forecaster"``)::

    config.yaml  data.json  model.json (shapes, scalers)  model.pt  best.pt  history.csv  metrics.json
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from feature_nets.fit import FitResult, fit, seed_everything
from feature_nets.forecast.config import ForecastConfig, ForecastModelConfig, load_forecast_config
from feature_nets.forecast.model import Forecaster, ForecastNet, save_forecaster
from feature_nets.windows import (
    WindowSet,
    fit_feature_normalization,
    load_market,
    make_windows,
    split_market,
    train_feature_names,
)
from tradegym.config import to_dict
from tradegym.data import MarketData, Split
from tradegym.data.config import describe_data
from tradegym.features import FeatureScaler
from tradegym.io import write_csv
from tradegym.runs import RunDir, finish_run, start_run


def _loss(task: str) -> Callable[..., Tensor]:
    if task == "classification":
        return lambda model, x, y: nn.functional.binary_cross_entropy_with_logits(model(x), y)
    return lambda model, x, y: nn.functional.mse_loss(model(x), y)


def _tensors(ws: WindowSet, task: str, mean: np.ndarray, std: np.ndarray) -> tuple[Tensor, Tensor]:
    x = torch.from_numpy(np.ascontiguousarray(ws.windows, dtype=np.float32))  # (M, W, N, K)
    y = (ws.target > 0).astype(np.float32) if task == "classification" else (ws.target - mean) / std
    return x, torch.from_numpy(np.asarray(y, dtype=np.float32))  # (M, N)


def fit_scalers(train: MarketData, model_cfg: ForecastModelConfig
                ) -> tuple[tuple[str, ...], str | FeatureScaler, np.ndarray, np.ndarray]:
    """Feature names, feature normalisation, and target mean and sd ``(N,)``, from the training split only."""
    names = train_feature_names(train, model_cfg.features)
    normalize = fit_feature_normalization(train, names, model_cfg.normalize)
    target = make_windows(train, model_cfg.window_bars, names, normalize).target  # (M, N)
    std = target.std(axis=0)
    return names, normalize, target.mean(axis=0), np.where(std > 1e-12, std, 1.0)


@dataclass
class ForecastRun:
    """What :func:`train_forecaster` produced."""

    run: RunDir
    forecaster: Forecaster
    fit: FitResult
    split: Split
    metrics: dict[str, Any]


def train_forecaster(
    config: ForecastConfig | str | Path | dict[str, Any] | None = None,
    *,
    overrides: Sequence[str] = (),
    runs_root: str | Path = "runs",
    run_dir: str | Path | None = None,
    echo: Callable[[str], Any] = print,
) -> ForecastRun:
    """Train a forecaster into a new run directory: config -> data -> scalers -> model -> fit -> save.

    Args:
        config: a :class:`ForecastConfig`, a YAML path or a mapping (defaults if ``None``).
        overrides: ``section.key=value`` strings, e.g. ``model.encoder=gru``.
        runs_root: parent of the new run directory.
        run_dir: an exact new run directory instead.
        echo: where progress lines go.

    Raises:
        ConfigError: bad config (unknown encoder with a suggestion, out-of-range value).
        DataError: a split too short for the window and warm-up.
    """
    # 1. config
    cfg = load_forecast_config(config, overrides)
    seed_everything(cfg.fit.seed)

    # 2. data: split by date; the scalers see the training split only
    data = load_market(cfg.data)
    split = split_market(data, cfg.data, cfg.model.window_bars)
    names, normalize, mean, std = fit_scalers(split.train, cfg.model)
    sets = [make_windows(part, cfg.model.window_bars, names, normalize) for part in split[:2]]

    # 3. model and run directory
    _, n, k = sets[0].windows.shape[1:]
    m = cfg.model
    net = ForecastNet(m.encoder, m.window_bars, n, k, hidden_size=m.hidden_size,
                      encoder_kwargs=m.encoder_kwargs)
    forecaster = Forecaster(net, m.task, m.window_bars, tuple(names), normalize, mean, std, data.symbols)
    described = describe_data(data, split, samples=(len(sets[0]), len(sets[1]), None))
    run = start_run("forecaster", cfg.run_name, config=to_dict(cfg), data=described, runs_root=runs_root,
                    run_dir=run_dir, echo=echo, encoder=m.encoder, task=m.task)
    echo(f"run {run.path}: {m.encoder} {m.task} on {data.describe()}; "
         f"{len(sets[0])} train / {len(sets[1])} val samples of (W, N, K) = {forecaster.window_shape}")

    # 4. fit with early stopping on the validation loss
    started = time.perf_counter()
    result = fit(net, _tensors(sets[0], m.task, mean, std), _tensors(sets[1], m.task, mean, std),
                 _loss(m.task), cfg.fit, run=run, describe=f"{m.encoder} {m.task}")
    wall_s = time.perf_counter() - started

    # 5. save the best weights with what is needed to use them
    save_forecaster(run, forecaster)
    write_csv(run.file("history.csv"), result.history, ["epoch", "train_loss", "val_loss"])
    metrics = {"best_epoch": result.best_epoch, "best_val_loss": result.best_val_loss,
               "epochs": result.epochs, "stopped_early": result.stopped_early, "wall_s": round(wall_s, 2)}
    finish_run(run, metrics)
    echo(f"best epoch {result.best_epoch} of {result.epochs} (val loss {result.best_val_loss:.4f}); "
         f"run directory {run.path}")
    return ForecastRun(run, forecaster, result, split, metrics)


__all__ = ["ForecastRun", "fit_scalers", "train_forecaster"]
