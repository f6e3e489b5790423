"""Bars <-> channels: the codec round trip and consistent decoded bars."""

from __future__ import annotations

import numpy as np
import pytest

from feature_nets.gan import BarCodec
from tests.conftest import make_market
from tradegym.data import load
from tradegym.errors import ConfigError


@pytest.mark.parametrize("ohlc", [True, False])
def test_codec_round_trip_reproduces_the_prices(ohlc) -> None:
    data = make_market(50, 3, ohlc=ohlc)
    codec = BarCodec.fit(data)
    assert codec.channels == (("r", "gap", "up", "down", "lvol") if ohlc else ("r",))
    x = codec.encode(data)  # (T-1, N, Cb)
    assert x.shape == (49, 3, len(codec.channels))
    sd = x.reshape(-1, x.shape[1] * x.shape[2]).std(axis=0)
    assert np.all(np.isclose(sd, 1.0) | (sd < 1e-9))  # the toy's high/low are constant ratios
    start = np.stack([data.field(f)[0] for f in codec.fields], axis=-1)  # (N, F)
    prices = codec.decode(x[None], start)[0]
    expected = np.stack([data.field(f)[1:] for f in codec.fields], axis=-1)
    assert np.allclose(prices, expected, rtol=1e-9)


def test_codec_keeps_adj_close_of_unadjusted_data_at_the_start_ratio() -> None:
    data = load("googl", adjust=False).slice_rows(0, 200)  # no corporate action in these bars
    codec = BarCodec.fit(data)
    assert codec.fields == data.fields and codec.channels == ("r", "gap", "up", "down", "lvol")
    start = np.stack([data.field(f)[0] for f in codec.fields], axis=-1)
    prices = codec.decode(codec.encode(data)[None], start)[0]
    assert np.allclose(prices, data.prices[1:], rtol=1e-9)


def test_decoded_bars_are_consistent_for_any_channels() -> None:
    codec = BarCodec.fit(make_market(50, 2))
    x = np.random.default_rng(0).normal(0, 5, (4, 30, 2, len(codec.channels)))
    p = codec.decode(x, np.array([[100.0, 101.0, 99.0, 100.0, 1e5]] * 2))
    o, h, lo, c, v = (p[..., i] for i in range(5))
    assert (
        np.all(h >= np.maximum(o, c)) and np.all(lo <= np.minimum(o, c)) and np.all(lo > 0) and np.all(v >= 0)
    )


def test_ohlcv_bars_on_close_only_data_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="model.bars='ohlcv' needs open, high and low"):
        BarCodec.fit(make_market(50, 2, ohlc=False), "ohlcv")
