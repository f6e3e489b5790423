"""An autoencoder run's configuration: the market, the network and its code, the training budget.

The market part is the core's :class:`~feature_nets.windows.ForecastDataConfig`, the same
data config the forecasters read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from feature_nets.autoencoder.networks import ASSET_MODES, KINDS
from feature_nets.fit import FitConfig
from feature_nets.windows import ForecastDataConfig
from tradegym.config import load_config
from tradegym.errors import ConfigError
from tradegym.registry import check_choice

NORMALIZE = ("rolling", "expanding")
PREDICT_TARGETS = ("auto", "intraday", "close")
"""The predictive head's label; see :mod:`feature_nets.autoencoder.train`."""


@dataclass
class AutoencoderModelConfig:
    """The network, its code size, and the features it reads (those of the env it will feed)."""

    kind: str = "mlp"
    """``mlp``, or a sequence encoder: ``lstm`` or ``conv`` (causal TCN)."""
    code_size: int = 16
    """``C``, total over all assets; must not exceed ``W*N*K``."""
    window_bars: int = 30
    """``W``; the env the code feeds must use the same window."""
    features: list[str] | str = "auto"
    normalize: str = "rolling"
    """The env's own causal z-scores: ``rolling`` (the env default) or ``expanding``."""
    hidden_size: int = 128
    noise_std: float = 0.0
    """Denoising: sd of the Gaussian noise added to training inputs (0 = plain autoencoder)."""
    linear_path: bool = True
    """Add a linear encoder/decoder path initialised with the training PCA, the nonlinear layers
    at zero: training starts from PCA's reconstruction and learns the nonlinear residual (on
    the real data a plain autoencoder of this size does not reach PCA; see the benchmark)."""
    predict_weight: float = 0.0
    """Weight of the auxiliary next-bar return prediction from the code (a linear head, MSE on
    standardised targets) in the loss; 0 = a pure autoencoder (no head)."""
    asset_mode: str = "joint"
    """``joint``: one code of the whole window, all assets mixed; ``shared``: each asset's
    ``(W, K)`` series is encoded by the same weights into ``C/N`` numbers (``C`` a multiple of
    ``N``), the head predicts each asset from its own part (module docstring)."""
    predict_target: str = "auto"
    """The head's label for bar ``t+1``: ``intraday`` (open -> close, what the env's default
    ``next_open`` execution earns), ``close`` (close -> close), or ``auto``: intraday where the
    data has opens, close otherwise."""


@dataclass
class AutoencoderConfig:
    """An autoencoder run: data, model, training budget."""

    name: str | None = None
    """Run name; defaults to ``autoencoder_<kind>_c<code_size>``."""
    data: ForecastDataConfig = field(default_factory=ForecastDataConfig)
    model: AutoencoderModelConfig = field(default_factory=AutoencoderModelConfig)
    fit: FitConfig = field(default_factory=lambda: FitConfig(max_epochs=60, patience=6))

    @property
    def run_name(self) -> str:
        """The run directory's name stem."""
        return self.name or f"autoencoder_{self.model.kind}_c{self.model.code_size}"

    def check(self) -> None:
        """Raise ConfigError naming the first value that is unknown or out of range."""
        m = self.model
        for name, value, known in (("kind", m.kind, tuple(KINDS)), ("normalize", m.normalize, NORMALIZE),
                                   ("asset_mode", m.asset_mode, ASSET_MODES),
                                   ("predict_target", m.predict_target, PREDICT_TARGETS)):
            check_choice(f"model.{name}", value, known)
        if not m.noise_std >= 0:
            raise ConfigError(f"model.noise_std must be >= 0, got {m.noise_std!r}")
        if not (m.predict_weight >= 0 and np.isfinite(m.predict_weight)):
            raise ConfigError(f"model.predict_weight must be a finite number >= 0, got {m.predict_weight!r}")
        self.fit.check()


def load_autoencoder_config(source: AutoencoderConfig | str | Path | dict[str, Any] | None = None,
                            overrides: Sequence[str] = ()) -> AutoencoderConfig:
    """An :class:`AutoencoderConfig` from a config, a YAML path or a mapping, plus ``a.b=value`` overrides.

    Raises:
        ConfigError: unknown key (with a suggestion) or value out of range.
    """
    return load_config(AutoencoderConfig, source, overrides)


__all__ = ["NORMALIZE", "PREDICT_TARGETS", "AutoencoderConfig", "AutoencoderModelConfig",
           "load_autoencoder_config"]
