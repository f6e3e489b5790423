"""Shared inputs of the GAN tests: tiny training overrides and small return series and markets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradegym.data import MarketData

TINY = [
    "model.window_bars=16",
    "model.burn_in=4",
    "model.hidden_size=8",
    "model.critic_size=8",
    "model.noise_dim=2",
    "train.iterations=4",
    "train.n_critic=1",
    "train.batch_size=8",
    "train.monitor_every=2",
    "train.checkpoint_every=2",
    "train.progress_bar=false",
    "train.torch_threads=1",
]
"""Overrides that train a GAN in about a second."""


def ar1(n, phi, seed=0, assets=1):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, assets))
    e = rng.standard_normal((n, assets))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def returns(n=1500, assets=2, seed=0):
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])[:assets, :assets] * 1e-4
    return rng.multivariate_normal(np.zeros(assets), cov, size=n)


def market(n=900, seed=0):
    r = returns(n, seed=seed)
    close = 100 * np.exp(np.cumsum(r, axis=0))
    return MarketData.from_array(close, pd.bdate_range("2000-01-03", periods=n), ["A", "B"])
