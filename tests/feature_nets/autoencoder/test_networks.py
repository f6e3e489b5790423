"""WindowAutoencoder: shapes, the PCA-initialised linear path, denoising, shared per-asset codes, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from feature_nets.autoencoder.networks import WindowAutoencoder, per_asset_windows
from feature_nets.autoencoder.pca import PCA
from tests.feature_nets.autoencoder.conftest import make_model
from tradegym.errors import ConfigError


@pytest.mark.parametrize("kind", ["mlp", "lstm", "conv"])
@pytest.mark.parametrize("linear_path", [False, True])
def test_autoencoder_shapes_and_round_trip(kind: str, linear_path: bool) -> None:
    model = make_model(kind, linear_path=linear_path)
    x = np.random.default_rng(0).normal(size=(6, 8, 3, 3)).astype(np.float32)
    assert model.encode(x).shape == (6, 4)
    assert model.encode(x[0]).shape == (4,)
    np.testing.assert_allclose(model.encode(x[0]), model.encode(x)[0], rtol=1e-5, atol=1e-6)
    assert model.reconstruct(x).shape == x.shape


def test_linear_path_starts_as_pca() -> None:
    x = np.random.default_rng(0).normal(size=(200, 4, 2, 3)).astype(np.float32)
    pca = PCA.fit(x, 5)
    net = WindowAutoencoder("mlp", (4, 2, 3), 5, hidden_size=8, linear_path=True).eval()
    net.init_from_pca(pca)
    with torch.no_grad():
        out = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, pca.reconstruct(x), atol=1e-5)


def test_denoising_noise_is_applied_in_training_mode_only() -> None:
    net = WindowAutoencoder("mlp", (4, 2, 3), 3, hidden_size=8, noise_std=0.5)
    x = torch.randn(5, 4, 2, 3)
    net.eval()
    assert torch.equal(net.encode(x), net.encode(x))
    net.train()
    assert not torch.equal(net.encode(x), net.encode(x))


def test_code_size_larger_than_the_input_is_refused() -> None:
    msg = (r"code_size 61 is larger than the input: a window \(W, N, K\) = \(5, 4, 3\) holds 60 values; "
           r"pick code_size <= 60")
    with pytest.raises(ConfigError, match=msg):
        WindowAutoencoder("mlp", (5, 4, 3), 61)
    with pytest.raises(ConfigError, match=msg):
        PCA.fit(np.zeros((100, 5, 4, 3)), 61)


def test_unknown_kind_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="unknown autoencoder kind 'lstn'. Did you mean 'lstm'?"):
        WindowAutoencoder("lstn", (5, 2, 3), 4)


def test_reconstruct_and_predict_needs_the_head() -> None:
    with pytest.raises(ConfigError, match="no prediction head"):
        make_model().net.reconstruct_and_predict(torch.zeros(1, 8, 3, 3))


# ---------------------------------------------------------------------- shared (per-asset) autoencoder
@pytest.mark.parametrize("kind", ["mlp", "lstm", "conv"])
def test_shared_autoencoder_codes_each_asset_alone_with_the_same_weights(kind: str) -> None:
    model = make_model(kind, code_size=6, linear_path=True, predict_head=True, asset_mode="shared")
    x = np.random.default_rng(0).normal(size=(6, 8, 3, 3)).astype(np.float32)  # (B, W, N, K)
    code = model.encode(x)  # (B, C): asset-major parts of C/N = 2
    assert code.shape == (6, 6) and model.reconstruct(x).shape == x.shape
    moved = x.copy()
    moved[:, :, 0] += 5.0  # assets 0 and 2 change, asset 1 does not
    moved[:, :, 2] -= 3.0
    np.testing.assert_allclose(model.encode(moved)[:, 2:4], code[:, 2:4], atol=1e-5)
    assert not np.allclose(model.encode(moved)[:, 0:2], code[:, 0:2])
    swapped = x.copy()
    swapped[:, :, 1] = x[:, :, 0]  # asset 0's series in asset 1's slot gets asset 0's code
    np.testing.assert_allclose(model.encode(swapped)[:, 2:4], code[:, 0:2], atol=1e-5)
    with torch.no_grad():
        assert model.net.reconstruct_and_predict(torch.from_numpy(x))[1].shape == (6, 3)  # (B, N)


def test_shared_linear_path_starts_as_the_per_asset_pca() -> None:
    x = np.random.default_rng(0).normal(size=(300, 4, 2, 3)).astype(np.float32)
    pca = PCA.fit(x, 4)
    centred = x - pca.mean.reshape(4, 2, 3)
    asset_pca = PCA.fit(per_asset_windows(centred), 2)
    net = WindowAutoencoder("mlp", (4, 2, 3), 4, hidden_size=8, linear_path=True, asset_mode="shared").eval()
    net.init_from_pca(pca, asset_pca)
    with torch.no_grad():
        out = net(torch.from_numpy(x)).numpy()
    per_asset = asset_pca.reconstruct(per_asset_windows(centred)).reshape(300, 2, 4, 3)  # (M, N, W, K)
    np.testing.assert_allclose(out, per_asset.transpose(0, 2, 1, 3) + pca.mean.reshape(4, 2, 3), atol=1e-5)
    with pytest.raises(ConfigError, match="needs asset_pca"):
        net.init_from_pca(pca)


def test_shared_code_size_must_be_a_multiple_of_the_assets() -> None:
    msg = (r"code_size 7 must be a multiple of the 3 assets with asset_mode='shared' "
           r"\(each asset gets C/N numbers\); try 6 or 9")
    with pytest.raises(ConfigError, match=msg):
        WindowAutoencoder("mlp", (5, 3, 3), 7, asset_mode="shared")
