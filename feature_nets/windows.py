"""Causal window sets: the samples every supervised wing of ``feature_nets`` trains on.

A sample is what ``PortfolioEnv`` shows an agent at bar ``t`` — the window ``(W, N, K)`` of
:func:`tradegym.features.compute_features` ending at the close of ``t`` — with the log
return ``r[t+1] = log(close[t+1] / close[t])`` of the next bar as its label. The forecasters
(:mod:`feature_nets.forecast`) and the autoencoder (:mod:`feature_nets.autoencoder`) both
build their data here, so both keep the same look-ahead guarantees:

* the market is split by date into train / val / test (:func:`split_market`), and the
  windows of each split come from features computed on that split alone
  (:func:`make_windows`), as an env built on the split computes them;
* whatever is fitted on data — the feature list of ``features="auto"``
  (:func:`train_feature_names`) and the ``normalize="train"`` feature scaler
  (:func:`fit_feature_normalization`) — is fitted on the training split only;
* a window ending at ``t`` reads bars ``<= t``; ``r[t+1]`` is a label, never an input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tradegym.data import MarketData, Split
from tradegym.data.config import DataConfig, load_market
from tradegym.features import FeatureScaler, auto_features, compute_features, raw_features

# ---------------------------------------------------------------------- the market
ForecastDataConfig = DataConfig
"""The old name of :class:`tradegym.data.config.DataConfig`, the one data config of every run."""


def split_market(data: MarketData, cfg: DataConfig, window_bars: int) -> Split:
    """``data`` split by date into the configured train / val / test parts.

    Each part keeps at least ``window_bars + 2`` rows: one window and one next bar.

    Raises:
        DataError: a part too short for that.
    """
    return data.split(cfg.train, cfg.val, min_rows=window_bars + 2)


# ---------------------------------------------------------------------- train-split fits
def train_feature_names(train: MarketData, features: Sequence[str] | str = "auto") -> tuple[str, ...]:
    """The ``K`` feature names; ``"auto"`` picks them from the training split's fields only."""
    return auto_features(train) if features == "auto" else tuple(features)


def fit_feature_normalization(train: MarketData, names: Sequence[str],
                              normalize: str) -> str | FeatureScaler:
    """``normalize`` as the env takes it: ``"train"`` becomes a :class:`FeatureScaler` fit on ``train`` only.

    ``"rolling"`` and ``"expanding"`` are the env's own causal z-scores and fit nothing.
    """
    if normalize != "train":
        return normalize
    raw, warmup = raw_features(train, names)
    return FeatureScaler.fit(raw, warmup)


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


__all__ = ["ForecastDataConfig", "WindowSet", "fit_feature_normalization", "load_market", "log_returns",
           "make_windows", "split_market", "train_feature_names"]
