"""Shared pieces of the autoencoder wing's tests: a tiny config and small untrained models."""

from __future__ import annotations

import torch

from feature_nets.autoencoder.networks import Autoencoder, WindowAutoencoder

FEATURES = ("log_return", "volatility_20", "momentum_20")

TINY = {"data": {"source": "ar1", "kwargs": {"n_assets": 2, "n_bars": 600, "seed": 0}},
        "model": {"window_bars": 5, "code_size": 4, "hidden_size": 8},
        "fit": {"max_epochs": 2, "progress_bar": False}}


def make_model(kind: str = "mlp", window_bars: int = 8, n_assets: int = 3, code_size: int = 4,
               linear_path: bool = False, predict_head: bool = False, asset_mode: str = "joint") -> Autoencoder:
    torch.manual_seed(0)
    net = WindowAutoencoder(kind, (window_bars, n_assets, len(FEATURES)), code_size, hidden_size=8,
                            linear_path=linear_path, predict_head=predict_head, asset_mode=asset_mode)
    return Autoencoder(net.eval(), window_bars, FEATURES, "rolling", tuple(f"A{i}" for i in range(n_assets)))
