"""Shared fixtures: small markets built in-process, so tests need no source module."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegym.data.market import MarketData


def make_market(n_bars: int = 120, n_assets: int = 3, *, ohlc: bool = True, seed: int = 0,
                name: str = "toy") -> MarketData:
    """A random-walk market; OHLCV when ``ohlc`` else close-only."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_bars, n_assets)), axis=0))
    dates = pd.bdate_range("2020-01-01", periods=n_bars)
    symbols = [f"A{i}" for i in range(n_assets)]
    if not ohlc:
        return MarketData.from_array(close, dates, symbols, ("close",), name=name)
    opens = close * np.exp(rng.normal(0, 0.003, close.shape))
    high = np.maximum(opens, close) * 1.005
    low = np.minimum(opens, close) * 0.995
    volume = rng.lognormal(12, 0.5, close.shape)
    return MarketData.from_array(
        np.stack([opens, high, low, close, volume], axis=-1), dates, symbols,
        ("open", "high", "low", "close", "volume"), name=name,
    )


@pytest.fixture
def market() -> MarketData:
    return make_market()


@pytest.fixture
def close_market() -> MarketData:
    return make_market(ohlc=False)
