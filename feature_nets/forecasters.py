"""Supervised next-bar forecasters over the env's own causal feature windows.

A forecaster reads exactly what ``PortfolioEnv`` shows an agent — the window ``(W, N, K)``
of :func:`tradegym.features.compute_features` ending at the close of bar ``t`` — and
predicts, per asset, the next log return ``r[t+1] = log(close[t+1] / close[t])``
(``task="regression"``) or the probability that it is positive (``"classification"``).

Model: one of the shared temporal encoders (``lstm``, ``gru``, ``transformer``, ``tcn``,
``mlp``; :mod:`feature_nets.encoders`) applied per asset with shared weights, then a
linear head per position: ``(B, W, N, K) -> WindowEncoder -> (B, N, H) -> Linear -> (B, N)``.

Honesty rules, each enforced here rather than left to the caller:

* windows of each split come from features computed on that split alone, as an env built
  on the split computes them, so the forecast feature matches what an agent sees;
* the target scaler (per-asset mean and sd of ``r[t+1]``) and an optional feature scaler
  (``normalize="train"``) are fitted on the training split only;
* early stopping reads the validation split; the test split is touched by evaluation only
  (:mod:`feature_nets.forecast_eval`).

:func:`train_forecaster` writes a run directory (``kind="forecaster"``)::

    config.yaml  data.json  model.json (shapes, scalers)  model.pt  best.pt  history.csv  metrics.json
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from feature_nets.encoders import ENCODERS, WindowEncoder
from feature_nets.fit import FitConfig, FitResult, fit, seed_everything
from tradegym.config import from_dict, load_config, read_yaml, to_dict
from tradegym.data import MarketData, Split, load, load_spec, source_arguments
from tradegym.errors import ConfigError
from tradegym.features import FeatureScaler, auto_features, compute_features, raw_features
from tradegym.io import write_csv
from tradegym.registry import suggest
from tradegym.runs import RunDir

TASKS = ("regression", "classification")
NORMALIZE = ("rolling", "expanding", "train")


# ---------------------------------------------------------------------- config
@dataclass
class ForecastDataConfig:
    """Which market, and its chronological train / val / test split."""

    source: str = "sp500_stocks"
    """A source spec (``NAME``, ``csv:PATH``, ``module:function``), see :func:`tradegym.data.load_spec`."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Passed to the source (``n_assets``, ``phi``, ``seed`` for synthetic markets)."""
    run: str | None = None
    """A trained model's run directory, for sources sampled from one (``source: gan``)."""
    symbols: list[str] | None = None
    train: float = 0.7
    val: float = 0.15


@dataclass
class ForecastModelConfig:
    """The network and the features it reads (those of the env it will feed)."""

    encoder: str = "lstm"
    """A name in ``feature_nets.encoders.ENCODERS`` or ``module:Class``."""
    task: str = "regression"
    window_bars: int = 30
    """``W``; the env the forecast feeds must use the same window."""
    features: list[str] | str = "auto"
    normalize: str = "rolling"
    """``rolling``/``expanding``: the env's own causal z-scores; ``train``: a FeatureScaler fit on train."""
    hidden_size: int = 32
    encoder_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class ForecastConfig:
    """A forecaster run: data, model, training budget, and the AR order of the baseline."""

    name: str | None = None
    """Run name; defaults to ``forecast_<encoder>``."""
    data: ForecastDataConfig = field(default_factory=ForecastDataConfig)
    model: ForecastModelConfig = field(default_factory=ForecastModelConfig)
    fit: FitConfig = field(default_factory=FitConfig)
    ar_order: int = 5
    """Lags of the least-squares AR(p) baseline."""

    @property
    def run_name(self) -> str:
        """The run directory's name stem."""
        return self.name or f"forecast_{self.model.encoder}"

    def check(self) -> None:
        """Raise ConfigError naming the first value that is unknown or out of range."""
        m = self.model
        ENCODERS.resolve(m.encoder)  # unknown name -> ConfigError with a suggestion
        for name, value, known in (("task", m.task, TASKS), ("normalize", m.normalize, NORMALIZE)):
            if value not in known:
                raise ConfigError(f"unknown model.{name} {value!r}.{suggest(value, list(known))} "
                                  f"Known: {', '.join(known)}")
        if int(self.ar_order) != self.ar_order or self.ar_order < 1:
            raise ConfigError(f"ar_order must be an integer >= 1, got {self.ar_order!r}")
        self.fit.check()


def load_forecast_config(source: str | Path | dict[str, Any] | None = None,
                         overrides: Sequence[str] = ()) -> ForecastConfig:
    """A :class:`ForecastConfig` from a YAML path or mapping plus ``a.b=value`` overrides.

    Raises:
        ConfigError: unknown key (with a suggestion) or value out of range.
    """
    cfg = load_config(ForecastConfig, source if source is not None else {}, overrides)
    cfg.check()
    return cfg


def load_market(cfg: ForecastDataConfig) -> MarketData:
    """Load the configured market (kwargs go to the source function)."""
    kwargs = source_arguments(cfg.source, cfg.kwargs, cfg.run)
    data = load(cfg.source, **kwargs) if kwargs else load_spec(cfg.source)
    return data.select(cfg.symbols) if cfg.symbols else data


# ---------------------------------------------------------------------- windows
@dataclass(frozen=True)
class WindowSet:
    """Samples of one market: windows ending at bar ``t`` and the return from ``t`` to ``t+1``.

    Attributes:
        windows: float32 ``(M, W, N, K)``, a read-only view (no copy) of the features.
        target: ``(M, N)`` next log return ``r[t+1]``.
        last_return: ``(M, N)`` the log return ``r[t]`` known at ``t`` (persistence).
        rows: ``(M,)`` the bar ``t`` of each sample, an index into the market.
        market: the market the samples come from.
    """

    windows: np.ndarray
    target: np.ndarray
    last_return: np.ndarray
    rows: np.ndarray
    market: MarketData

    def __len__(self) -> int:
        return len(self.rows)


def log_returns(data: MarketData) -> np.ndarray:
    """``(T, N)`` close-to-close log returns, row ``t`` = ``log(close[t] / close[t-1])``, row 0 = 0."""
    out = np.zeros(data.close.shape)
    out[1:] = np.diff(np.log(data.close), axis=0)
    return out


def make_windows(data: MarketData, window_bars: int, features: Sequence[str] | str = "auto",
                 normalize: str | FeatureScaler = "rolling") -> WindowSet:
    """All samples of ``data`` whose window is warmed up and whose next bar exists.

    Features are computed on ``data`` alone with :func:`compute_features`, as
    ``PortfolioEnv(data, window_bars=..., features=..., normalize=...)`` computes them, and
    the first sample is the env's first decision bar.

    Raises:
        DataError: fewer rows than the warm-up, one window and one next bar.
        ConfigError: unknown feature names or normalisation.
    """
    fs = compute_features(data, features, normalize=normalize)
    first = fs.warmup_bars + window_bars - 1  # = PortfolioEnv.first_index
    data.require_rows(first + 2, f"a forecaster with a {window_bars}-bar window after "
                                 f"{fs.warmup_bars} warm-up bars plus one next bar")
    rows = np.arange(first, data.n_bars - 1)  # (M,)
    view = np.lib.stride_tricks.sliding_window_view(fs.values, window_bars, axis=0)  # (T-W+1, N, K, W)
    windows = np.moveaxis(view, -1, 1)[first - window_bars + 1 : data.n_bars - window_bars]  # (M, W, N, K)
    r = log_returns(data)  # (T, N)
    return WindowSet(windows, r[rows + 1], r[rows], rows, data)


# ---------------------------------------------------------------------- model
class ForecastNet(nn.Module):
    """Shared temporal encoder per asset and a linear head: ``(B, W, N, K) -> (B, N)``.

    The output is a standardised return (regression) or a logit (classification).
    """

    def __init__(self, encoder: str, window_bars: int, n_assets: int, n_features: int, *,
                 hidden_size: int = 32, encoder_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.encoder = WindowEncoder(encoder, window_bars, n_assets, n_features, hidden_size=hidden_size,
                                     asset_mode="shared", **dict(encoder_kwargs or {}))
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, window: Tensor) -> Tensor:
        """``(B, W, N, K) -> (B, N)``."""
        b, _, n, _ = window.shape
        code = self.encoder(window).reshape(b, n, -1)  # (B, N*H) -> (B, N, H)
        return self.head(code)[..., 0]  # (B, N)


@dataclass
class Forecaster:
    """A trained forecaster: network, the features it reads, and its training-split scalers.

    Attributes:
        net: the :class:`ForecastNet` in eval mode.
        task: ``"regression"`` or ``"classification"``.
        window_bars: ``W``.
        features: the ``K`` feature names.
        normalize: ``"rolling"``, ``"expanding"`` or the train-split :class:`FeatureScaler`.
        target_mean: ``(N,)`` train-split mean of ``r[t+1]``; target_std: ``(N,)`` its sd.
        symbols: the ``N`` assets, in order.
    """

    net: ForecastNet
    task: str
    window_bars: int
    features: tuple[str, ...]
    normalize: str | FeatureScaler
    target_mean: np.ndarray
    target_std: np.ndarray
    symbols: tuple[str, ...]

    @property
    def window_shape(self) -> tuple[int, int, int]:
        """``(W, N, K)`` the model reads."""
        return self.net.encoder.window_shape

    def env_kwargs(self) -> dict[str, Any]:
        """``window_bars``, ``features`` and ``normalize`` for a ``PortfolioEnv`` this model can feed."""
        return {"window_bars": self.window_bars, "features": list(self.features), "normalize": self.normalize}

    def windows(self, data: MarketData) -> WindowSet:
        """Samples of ``data`` with this model's features (see :func:`make_windows`)."""
        return make_windows(data, self.window_bars, self.features, self.normalize)

    @torch.no_grad()
    def score(self, windows: np.ndarray, batch_size: int = 2048) -> np.ndarray:
        """Raw outputs ``(B, N)``: standardised return (regression) or up-probability (classification).

        Raises:
            ValueError: ``windows`` is not ``(B, W, N, K)`` or ``(W, N, K)`` as the model was built.
        """
        arr = np.asarray(windows, dtype=np.float32)
        single = arr.ndim == 3
        arr = arr[None] if single else arr
        if arr.ndim != 4 or arr.shape[1:] != self.window_shape:
            raise ConfigError(f"windows have shape {np.shape(windows)}, expected (B, W, N, K) or (W, N, K) "
                              f"with (W, N, K) = {self.window_shape}, the shape this forecaster was "
                              "trained on; build the env or windows with forecaster.env_kwargs()")
        self.net.eval()
        device = next(self.net.parameters()).device
        out = np.concatenate([self.net(torch.from_numpy(np.ascontiguousarray(arr[lo : lo + batch_size]))
                                       .to(device)).cpu().numpy()
                              for lo in range(0, len(arr), batch_size)])  # (B, N)
        if self.task == "classification":
            out = 1.0 / (1.0 + np.exp(-out))
        return out[0] if single else out

    def predict(self, windows: np.ndarray) -> np.ndarray:
        """Next log return ``(B, N)`` (regression) or up-probability (classification)."""
        out = self.score(windows)
        return out if self.task == "classification" else self.target_mean + self.target_std * out


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
    names = auto_features(train) if model_cfg.features == "auto" else tuple(model_cfg.features)
    normalize: str | FeatureScaler = model_cfg.normalize
    if normalize == "train":
        raw, warmup = raw_features(train, names)
        normalize = FeatureScaler.fit(raw, warmup)
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
    cfg = config if isinstance(config, ForecastConfig) else load_forecast_config(config, overrides)
    if isinstance(config, ForecastConfig) and overrides:
        cfg = load_forecast_config(to_dict(config), overrides)
    cfg.check()
    seed_everything(cfg.fit.seed)

    # 2. data: split by date; the scalers see the training split only
    data = load_market(cfg.data)
    split = data.split(cfg.data.train, cfg.data.val, min_rows=cfg.model.window_bars + 2)
    names, normalize, mean, std = fit_scalers(split.train, cfg.model)
    sets = [make_windows(part, cfg.model.window_bars, names, normalize) for part in split[:2]]

    # 3. model and run directory
    _, n, k = sets[0].windows.shape[1:]
    m = cfg.model
    net = ForecastNet(m.encoder, m.window_bars, n, k, hidden_size=m.hidden_size,
                      encoder_kwargs=m.encoder_kwargs)
    forecaster = Forecaster(net, m.task, m.window_bars, tuple(names), normalize, mean, std, data.symbols)
    run = RunDir.create(runs_root, cfg.run_name, kind="forecaster", path=run_dir)
    run.write_yaml("config.yaml", to_dict(cfg))
    run.write_json("data.json", {
        "description": data.describe(), "symbols": list(data.symbols), "fingerprint": data.fingerprint(),
        "splits": {p: {"start": str(d.dates[0].date()), "end": str(d.dates[-1].date()), "rows": d.n_bars,
                       "samples": len(s) if s is not None else None}
                   for p, d, s in zip(("train", "val", "test"), split, (*sets, None), strict=True)}})
    run.update_marker(status="training", encoder=m.encoder, task=m.task)
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
    run.write_json("metrics.json", metrics)
    run.update_marker(status="finished")
    echo(f"best epoch {result.best_epoch} of {result.epochs} (val loss {result.best_val_loss:.4f}); "
         f"run directory {run.path}")
    return ForecastRun(run, forecaster, result, split, metrics)


# ---------------------------------------------------------------------- save / load
def save_forecaster(run: RunDir, forecaster: Forecaster) -> None:
    """Write ``model.pt`` (weights) and ``model.json`` (shapes, features, scalers) into ``run``."""
    net = forecaster.net
    temporal = net.encoder.temporal
    scaler = forecaster.normalize
    run.save_artifact("model.pt", lambda handle: torch.save(net.state_dict(), handle))
    run.write_json("model.json", {
        "task": forecaster.task, "window_shape": list(forecaster.window_shape),
        "encoder": type(temporal).__module__ + ":" + type(temporal).__name__,
        "hidden_size": net.encoder.hidden_size, "features": list(forecaster.features),
        "normalize": scaler if isinstance(scaler, str) else
        {"mean": scaler.mean.tolist(), "std": scaler.std.tolist()},
        "target_mean": forecaster.target_mean.tolist(), "target_std": forecaster.target_std.tolist(),
        "symbols": list(forecaster.symbols),
    })


def load_forecaster(run_path: str | Path, *, device: str = "cpu") -> Forecaster:
    """Load a trained forecaster from its run directory, the weights' hash checked.

    Raises:
        ConfigError: not a forecaster run directory.
        CacheError: ``model.pt`` is missing or does not match its manifest hash.
    """
    run = RunDir.open(run_path, kind="forecaster")
    meta = run.read_json("model.json")
    cfg = from_dict(ForecastConfig, read_yaml(run.file("config.yaml")))
    w, n, k = meta["window_shape"]
    net = ForecastNet(meta["encoder"], w, n, k, hidden_size=meta["hidden_size"],
                      encoder_kwargs=cfg.model.encoder_kwargs)
    state = torch.load(run.verify("model.pt"), map_location=device, weights_only=True)
    net.load_state_dict(state)
    net.to(device).eval()
    norm = meta["normalize"]
    normalize = norm if isinstance(norm, str) else FeatureScaler(np.asarray(norm["mean"]),
                                                                 np.asarray(norm["std"]))
    return Forecaster(net, meta["task"], w, tuple(meta["features"]), normalize,
                      np.asarray(meta["target_mean"]), np.asarray(meta["target_std"]), tuple(meta["symbols"]))


def forecast_frame(forecaster: Forecaster, data: MarketData) -> pd.DataFrame:
    """Predictions for every decision bar of ``data``: index date of ``t``, one column per symbol."""
    ws = forecaster.windows(data)
    return pd.DataFrame(forecaster.predict(ws.windows), index=data.dates[ws.rows], columns=data.symbols)


__all__ = ["ForecastConfig", "ForecastNet", "Forecaster", "WindowSet", "load_forecaster", "make_windows",
           "train_forecaster"]
