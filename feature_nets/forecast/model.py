"""The forecaster network and the trained model: :class:`ForecastNet`, :class:`Forecaster`, save / load.

Model: one of the shared temporal encoders (``lstm``, ``gru``, ``transformer``, ``tcn``,
``mlp``; :mod:`feature_nets.encoders`) applied per asset with shared weights, then a
linear head per position: ``(B, W, N, K) -> WindowEncoder -> (B, N, H) -> Linear -> (B, N)``.

A :class:`Forecaster` carries what is needed to use the network honestly: the features it
reads and the scalers fitted on the training split
(:func:`feature_nets.forecast.train.train_forecaster`). Its run directory holds
``model.pt`` (weights) and ``model.json`` (shapes, features, scalers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from feature_nets.encoders import WindowEncoder
from feature_nets.forecast.config import ForecastConfig
from feature_nets.windows import WindowSet, make_windows
from tradegym.config import from_dict, read_yaml
from tradegym.data import MarketData
from tradegym.errors import ConfigError
from tradegym.features import FeatureScaler
from tradegym.runs import RunDir


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



__all__ = ["ForecastNet", "Forecaster", "forecast_frame", "load_forecaster", "save_forecaster"]
