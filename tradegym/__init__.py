"""tradegym: reinforcement-learning trading research.

Layer 1 of the package: data (:mod:`tradegym.data`), causal features
(:mod:`tradegym.features`), environments (:mod:`tradegym.envs`) and evaluation
(:mod:`tradegym.backtest`). Importing it pulls numpy, pandas and gymnasium only — no
torch, matplotlib or yfinance — and registers the environments with Gymnasium.
"""

from __future__ import annotations

from tradegym.envs import make, register_envs
from tradegym.errors import CacheError, ConfigError, DataError, TradegymError

__version__ = "0.1.0"

register_envs()

__all__ = ["CacheError", "ConfigError", "DataError", "TradegymError", "make", "register_envs"]
