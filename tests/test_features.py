"""Causal features: values, adaptation to fields, scalers fitted on the training split."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_market
from tradegym.errors import ConfigError
from tradegym.features import FeatureScaler, auto_features, compute_features, raw_features


def test_feature_set_adapts_to_the_fields_present() -> None:
    assert auto_features(make_market(ohlc=False)) == ("log_return", "volatility_20", "momentum_20")
    assert auto_features(make_market(ohlc=True)) == (
        "log_return", "open_gap", "high_rel", "low_rel", "volume_z", "volatility_20", "momentum_20")


def test_log_return_and_gaps_by_hand() -> None:
    data = make_market(30)
    raw, warmup = raw_features(data, ["log_return", "open_gap", "momentum_20"])
    close, opens = data.close, data.field("open")
    assert raw[5, 1, 0] == pytest.approx(np.log(close[5, 1] / close[4, 1]))
    assert raw[5, 1, 1] == pytest.approx(np.log(opens[5, 1] / close[4, 1]))
    assert raw[25, 2, 2] == pytest.approx(np.log(close[25, 2] / close[5, 2]))
    assert warmup == 20


def test_missing_field_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"feature 'open_gap' needs field\(s\) \['open'\] but 'toy' has \['close'\]"):
        compute_features(make_market(ohlc=False), ["open_gap"])
    with pytest.raises(ConfigError, match="unknown feature 'log_retrn'. Did you mean 'log_return'"):
        compute_features(make_market(), ["log_retrn"])


def test_rolling_normalisation_is_clipped_and_zero_in_warmup() -> None:
    fs = compute_features(make_market(300), "auto")
    assert fs.values.dtype == np.float32 and fs.values.shape == (300, 3, 7)
    assert np.all(fs.values[: fs.warmup_bars] == 0) and np.abs(fs.values).max() <= 10
    body = fs.values[fs.warmup_bars :]
    assert abs(float(body.mean())) < 0.3 and 0.5 < float(body.std()) < 1.5


def test_scaler_fitted_on_train_split_only() -> None:
    data = make_market(300)
    train, _, test = data.split(0.6, 0.2)
    names = ["log_return", "volatility_20"]
    raw_train, warmup = raw_features(train, names)
    scaler = FeatureScaler.fit(raw_train, warmup)
    fs = compute_features(test, names, normalize=scaler)
    raw_test, _ = raw_features(test, names)
    expected = (raw_test[warmup:] - scaler.mean) / scaler.std
    np.testing.assert_allclose(fs.values[warmup:], expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ConfigError, match="scaler fitted on"):
        compute_features(make_market(300, n_assets=2), names, normalize=scaler)
