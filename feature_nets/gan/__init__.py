"""GAN synthetic markets: a recurrent WGAN-GP generator of multi-asset bars, as MarketData.

A generator learns a market's training split and samples new markets that plug into the env
like any other (``data: {source: gan, run: DIR}``, the string ``"feature_nets.gan:gan_market"``).
The package, one idea per module:

=================  ==========================================================================
``config``         :class:`GanConfig` (data, model, train) and its YAML loader
``codec``          :class:`BarCodec`: bars <-> standardised per-asset channels
``networks``       the :class:`Generator` (GRU + volatility factors) and the :class:`Critic`
``losses``         gradient penalty and the stylized-facts term
``step``           one adversarial iteration over a run's networks and optimisers
``monitor``        :func:`stylized_gap`, the training-time score behind ``best.pt``
``model``          :class:`GanModel` (a trained generator as a market sampler), :func:`load_gan`,
                   :func:`gan_market` (the ``gan`` data source)
``train``          :func:`train_gan`: a run directory, resumable
``protocols``      what evaluation asks of any generator (``ReturnSampler``, ``MarketSampler``)
``facts``          stylized facts, horizon distances, memorization on return windows
``judges``         GRU judges: TimeGAN's scores and the calibrated judge
``controls``       the control generators every score is read against
``evaluate``       one table of generators and controls (protocols (a) and (b))
``select``         choosing a snapshot or a seed with a judge on the training split
``report``         ``tradegym gan evaluate``: tables and plots of a run
``plots``          the stylized-facts figure
=================  ==========================================================================

Evaluation takes the protocols, never a GAN's internals: another generator family is one new
module. Names below are loaded on first use, so ``import feature_nets.gan.facts`` does not
build the training code.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "BARS": "config", "SELECT": "config", "GanConfig": "config", "GanDataConfig": "config",
    "GanModelConfig": "config", "GanTrainConfig": "config", "load_gan_config": "config",
    "run_config": "config",
    "VOLUME_LOOKBACK": "codec", "BarCodec": "codec",
    "SOFT_CLIP": "networks", "Critic": "networks", "Generator": "networks",
    "WINDOW_STATISTICS": "losses", "facts_loss": "losses", "gradient_penalty": "losses",
    "row_corr": "losses", "statistics_quantiles": "losses", "window_statistics": "losses",
    "stylized_gap": "monitor",
    "GanModel": "model", "calibrate_mean": "model", "gan_market": "model", "load_gan": "model",
    "snapshot_name": "model",
    "GanRun": "train", "train_gan": "train",
}
"""Public name -> the module of this package that defines it (the names of the flat ``gan.py``)."""

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """Import the defining module of a public name on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    """The module's globals and every public name, loaded or not."""
    return sorted({*globals(), *_HOME})

