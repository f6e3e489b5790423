"""The autoencoder wing: compress the env's observation window into a code agents can read.

The windows are the core's (:mod:`feature_nets.windows`, the same samples the forecasters
read); PCA at the same code size is the yardstick.

==============================  ==============================================================
:mod:`~.networks`               :class:`WindowAutoencoder` ``(B, W, N, K) -> (B, C)`` and back,
                                the trained :class:`Autoencoder`
:mod:`~.pca`                    :class:`PCA` of flattened windows (numpy), the yardstick
:mod:`~.config`                 :class:`AutoencoderConfig` (data, model, fit), its loader
:mod:`~.train`                  :func:`train_autoencoder`: one run directory; save / load
:mod:`~.evaluate`               MSE against PCA and the mean window on a split; charts
:mod:`~.observation`            the code as an observation: wrapper, env, SB3 extractor
==============================  ==============================================================

The old flat modules ``feature_nets.autoencoder_net``, ``autoencoder_eval``,
``compressed_obs`` and ``pca`` still import (:mod:`feature_nets._moved`); this package, the
old ``feature_nets.autoencoder`` module's path, re-exports every public name of all of them.
"""

from __future__ import annotations

import importlib
from typing import Any

from feature_nets.autoencoder.config import (
    NORMALIZE,
    PREDICT_TARGETS,
    AutoencoderConfig,
    AutoencoderModelConfig,
    load_autoencoder_config,
)
from feature_nets.autoencoder.evaluate import (
    SPLITS,
    evaluate_autoencoder,
    plot_error_vs_code_size,
    plot_reconstructions,
)
from feature_nets.autoencoder.networks import (
    ASSET_MODES,
    KINDS,
    Autoencoder,
    WindowAutoencoder,
    per_asset_windows,
)
from feature_nets.autoencoder.pca import PCA, check_code_size, reconstruction_mse
from feature_nets.autoencoder.train import (
    AutoencoderRun,
    load_autoencoder,
    load_pca,
    next_bar_target,
    resolve_predict_target,
    run_config,
    save_autoencoder,
    split_window_sets,
    split_windows,
    train_autoencoder,
)

__all__ = [
    "ASSET_MODES", "CODE_BOUND", "KINDS", "NORMALIZE", "PCA", "PREDICT_TARGETS", "SPLITS", "Autoencoder",
    "AutoencoderConfig", "AutoencoderModelConfig", "AutoencoderRun", "CompressedExtractor",
    "CompressedObservation", "CompressedPortfolioEnv", "WindowAutoencoder", "check_code_size",
    "check_compatible", "compress", "compressed_space", "evaluate_autoencoder", "load_autoencoder",
    "load_autoencoder_config", "load_pca", "next_bar_target", "per_asset_windows", "plot_error_vs_code_size",
    "plot_reconstructions", "reconstruction_mse", "resolve_predict_target", "run_config", "save_autoencoder",
    "split_window_sets", "split_windows", "train_autoencoder",
]

_LAZY = dict.fromkeys(("CODE_BOUND", "CompressedExtractor", "CompressedObservation", "CompressedPortfolioEnv",
                       "check_compatible", "compress", "compressed_space"),
                      "feature_nets.autoencoder.observation")
"""Names loaded on first use: :mod:`~.observation` imports stable-baselines3, which training does not need."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
