"""A forecaster run's configuration: the market, the network, the training budget.

The market part (:class:`~feature_nets.windows.ForecastDataConfig`, :func:`load_market`) is
the core's, shared with the autoencoder; it is re-exported here because forecaster configs
and the GAN have always named it from the forecasters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feature_nets.encoders import ENCODERS
from feature_nets.fit import FitConfig
from feature_nets.windows import ForecastDataConfig, load_market
from tradegym.config import load_config
from tradegym.errors import ConfigError
from tradegym.registry import check_choice

TASKS = ("regression", "classification")
NORMALIZE = ("rolling", "expanding", "train")


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
        check_choice("model.task", m.task, TASKS)
        check_choice("model.normalize", m.normalize, NORMALIZE)
        if int(self.ar_order) != self.ar_order or self.ar_order < 1:
            raise ConfigError(f"ar_order must be an integer >= 1, got {self.ar_order!r}")
        self.fit.check()


def load_forecast_config(source: ForecastConfig | str | Path | dict[str, Any] | None = None,
                         overrides: Sequence[str] = ()) -> ForecastConfig:
    """A :class:`ForecastConfig` from a config, a YAML path or a mapping, plus ``a.b=value`` overrides.

    Raises:
        ConfigError: unknown key (with a suggestion) or value out of range.
    """
    return load_config(ForecastConfig, source, overrides)


__all__ = ["NORMALIZE", "TASKS", "ForecastConfig", "ForecastDataConfig", "ForecastModelConfig",
           "load_forecast_config", "load_market"]
