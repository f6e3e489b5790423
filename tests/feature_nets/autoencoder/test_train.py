"""Autoencoder runs: train, save and load; the predictive head and its target; errors before a run dir."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from feature_nets.autoencoder.networks import WindowAutoencoder
from feature_nets.autoencoder.observation import CompressedExtractor
from feature_nets.autoencoder.train import (
    load_autoencoder,
    load_pca,
    next_bar_target,
    resolve_predict_target,
    train_autoencoder,
)
from feature_nets.windows import make_windows
from tests.conftest import make_market
from tests.feature_nets.autoencoder.conftest import FEATURES, TINY
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import CacheError, ConfigError


# ---------------------------------------------------------------------- run directory
def test_train_save_load_round_trip(tmp_path) -> None:
    result = train_autoencoder(TINY, overrides=["model.kind=lstm", "model.noise_std=0.1"], run_dir=tmp_path / "run",
                               echo=lambda _: None)
    assert {"model.pt", "best.pt", "pca.npz", "history.csv", "metrics.json"} <= {p.name for p in
                                                                               (tmp_path / "run").iterdir()}
    loaded = load_autoencoder(tmp_path / "run")
    x = np.random.default_rng(0).normal(size=(3, 5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.encode(x), result.autoencoder.encode(x))
    np.testing.assert_array_equal(loaded.state(x), result.autoencoder.state(x))
    train_codes = result.autoencoder.state(_train_windows(result))
    np.testing.assert_allclose(train_codes.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(train_codes.std(0), 1, atol=1e-3)
    assert loaded.env_kwargs() == {"window_bars": 5, "features": list(FEATURES), "normalize": "rolling"}
    np.testing.assert_array_equal(load_pca(tmp_path / "run").components, result.pca.components)
    (tmp_path / "run" / "model.pt").write_bytes(b"tampered")
    with pytest.raises(CacheError):
        load_autoencoder(tmp_path / "run")


def _train_windows(result) -> np.ndarray:
    return make_windows(result.split.train, 5, FEATURES).windows


def test_a_code_larger_than_the_data_window_fails_before_a_run_directory(tmp_path) -> None:
    with pytest.raises(ConfigError, match="code_size 31 is larger than the input"):
        train_autoencoder(TINY, overrides=["model.code_size=31"], runs_root=tmp_path, echo=lambda _: None)
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------- predictive autoencoder
def test_predictive_head_learns_the_next_return_from_the_code() -> None:
    from feature_nets.autoencoder.train import _predictive_loss
    from feature_nets.fit import FitConfig, fit

    torch.manual_seed(0)
    x = torch.randn(512, 4, 2, 3)  # (M, W, N, K)
    y = 2.0 * x[:, -1, :, 0]  # (M, N): the "next return" is the last bar's first feature
    net = WindowAutoencoder("mlp", (4, 2, 3), 6, hidden_size=16, predict_head=True)
    loss = _predictive_loss(1.0)
    net.eval()
    with torch.no_grad():
        before = nn_mse(net.reconstruct_and_predict(x)[1], y)
    fit(net, (x[:384], y[:384]), (x[384:], y[384:]), loss,
        FitConfig(max_epochs=150, patience=150, lr=3e-3, batch_size=64, progress_bar=False))
    with torch.no_grad():
        after = nn_mse(net.reconstruct_and_predict(x[384:])[1], y[384:])
    assert after < 0.1 * before
    assert net.forward(x[:2]).shape == (2, 4, 2, 3)  # forward stays the reconstruction


def nn_mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a - b) ** 2).mean())


def test_predictive_run_trains_saves_and_loads(tmp_path) -> None:
    result = train_autoencoder(TINY, overrides=["model.predict_weight=0.5"], run_dir=tmp_path / "run",
                               echo=lambda _: None)
    net = result.autoencoder.net
    assert net.predict_head and net.head.weight.shape == (2, 4)
    assert np.isfinite(result.metrics["val_pred_mse"]) and result.metrics["val_mse"] > 0
    loaded = load_autoencoder(tmp_path / "run")
    assert loaded.net.predict_head
    x = np.random.default_rng(0).normal(size=(3, 5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.state(x), result.autoencoder.state(x))
    space = PortfolioEnv(make_market(120, 2, ohlc=False), **loaded.env_kwargs()).observation_space
    extractor_net = CompressedExtractor(space, autoencoder=loaded).autoencoder
    assert not hasattr(extractor_net, "head")  # the head is a training device only


def test_predict_weight_zero_is_the_plain_autoencoder(tmp_path) -> None:
    plain = train_autoencoder(TINY, run_dir=tmp_path / "a", echo=lambda _: None)
    zero = train_autoencoder(TINY, overrides=["model.predict_weight=0"], run_dir=tmp_path / "b",
                             echo=lambda _: None)
    assert not zero.autoencoder.net.predict_head and not hasattr(zero.autoencoder.net, "head")
    assert "val_pred_mse" not in zero.metrics and zero.metrics["val_mse"] == plain.metrics["val_mse"]
    x = np.random.default_rng(0).normal(size=(3, 5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(zero.autoencoder.state(x), plain.autoencoder.state(x))
    # A run saved before the option existed (no "predict_head" in model.json) still loads.
    meta = tmp_path / "a" / "model.json"
    data = json.loads(meta.read_text())
    data.pop("predict_head")
    meta.write_text(json.dumps(data))
    np.testing.assert_array_equal(load_autoencoder(tmp_path / "a").state(x), plain.autoencoder.state(x))


@pytest.mark.parametrize("weight", [-0.1, -1.0, float("nan"), float("inf")])
def test_predict_weight_out_of_range_is_a_config_error(tmp_path, weight: float) -> None:
    config = {**TINY, "model": {**TINY["model"], "predict_weight": weight}}
    with pytest.raises(ConfigError, match="model.predict_weight must be a finite number >= 0"):
        train_autoencoder(config, runs_root=tmp_path, echo=lambda _: None)
    with pytest.raises(ConfigError, match="model.predict_weight must be a finite number >= 0"):
        train_autoencoder(TINY, overrides=["model.predict_weight=-0.5"], runs_root=tmp_path, echo=lambda _: None)
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------- predict_target
PLANTED = {**TINY, "data": {"source": "planted", "kwargs": {"n_assets": 2, "n_bars": 600, "seed": 0}}}


def test_intraday_target_is_the_open_to_close_return_of_the_next_bar() -> None:
    data = make_market(120, 2)
    ws = make_windows(data, 5, FEATURES)
    t = ws.rows[3]
    np.testing.assert_allclose(next_bar_target(ws, "intraday")[3],
                               np.log(data.close[t + 1] / data.field("open")[t + 1]))
    np.testing.assert_array_equal(next_bar_target(ws, "close"), ws.target)
    assert resolve_predict_target("auto", data) == "intraday"
    assert resolve_predict_target("auto", make_market(120, 2, ohlc=False)) == "close"
    assert resolve_predict_target("close", data) == "close"


def test_intraday_target_on_close_only_data_is_a_config_error(tmp_path) -> None:
    msg = (r"model.predict_target='intraday' needs open prices, but market 'ar1' has fields \['close'\]; "
           r"use 'close' \(close-to-close returns\) or 'auto', or a source with opens")
    with pytest.raises(ConfigError, match=msg):
        train_autoencoder(TINY, overrides=["model.predict_weight=1", "model.predict_target=intraday"],
                          runs_root=tmp_path, echo=lambda _: None)
    assert not list(tmp_path.iterdir())
    auto = train_autoencoder(TINY, overrides=["model.predict_weight=1"], run_dir=tmp_path / "run",
                             echo=lambda _: None)
    assert auto.metrics["predict_target"] == "close"


def test_unknown_predict_target_and_asset_mode_get_a_suggestion(tmp_path) -> None:
    with pytest.raises(ConfigError, match="unknown model.predict_target 'intradya'. Did you mean 'intraday'?"):
        train_autoencoder(TINY, overrides=["model.predict_target=intradya"], runs_root=tmp_path)
    with pytest.raises(ConfigError, match="unknown model.asset_mode 'share'. Did you mean 'shared'?"):
        train_autoencoder(TINY, overrides=["model.asset_mode=share"], runs_root=tmp_path)
    with pytest.raises(ConfigError, match="unknown autoencoder asset_mode 'share'. Did you mean 'shared'?"):
        WindowAutoencoder("mlp", (5, 2, 3), 4, asset_mode="share")


# ---------------------------------------------------------------------- shared (per-asset) autoencoder
def test_shared_predictive_run_on_ohlc_data_trains_saves_and_loads(tmp_path) -> None:
    result = train_autoencoder(PLANTED, overrides=["model.asset_mode=shared", "model.predict_weight=1"],
                               run_dir=tmp_path / "run", echo=lambda _: None)
    assert result.metrics["predict_target"] == "intraday"  # auto, on data with opens
    net = result.autoencoder.net
    assert net.shared and net.head.weight.shape == (1, 2)  # one head shared by the 2 assets
    loaded = load_autoencoder(tmp_path / "run")
    assert loaded.net.asset_mode == "shared"
    x = np.random.default_rng(0).normal(size=(3, *loaded.window_shape)).astype(np.float32)
    np.testing.assert_array_equal(loaded.state(x), result.autoencoder.state(x))
