"""PCA, the autoencoders' yardstick: exact at full rank, error = variance left out, both fit paths agree."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feature_nets.autoencoder.pca import PCA, reconstruction_mse


@settings(max_examples=20, deadline=None)
@given(m=st.integers(2, 40), w=st.integers(1, 4), n=st.integers(1, 3), seed=st.integers(0, 1000))
def test_pca_at_full_rank_reconstructs_exactly(m: int, w: int, n: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(m, w, n, 2))
    d = w * n * 2
    pca = PCA.fit(x, min(d, m))  # rank of m centred windows is at most m - 1 <= code size
    np.testing.assert_allclose(pca.reconstruct(x), x, atol=1e-8)
    assert pca.encode(x).shape == (m, min(d, m))


def test_pca_error_is_the_variance_it_leaves_out() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3, 2, 2)) * np.linspace(0.1, 2, 12).reshape(3, 2, 2)
    full = PCA.fit(x, 12)
    for c in (1, 4, 8):
        dropped = full.explained_variance[c:].sum() * (len(x) - 1) / len(x) / 12
        assert reconstruction_mse(x, full.truncate(c).reconstruct(x)) == pytest.approx(dropped, rel=1e-6)


def test_pca_scatter_and_svd_paths_agree() -> None:
    x = np.random.default_rng(1).normal(size=(30, 2, 2, 5))  # D = 20 < M: scatter-matrix path
    few = x[:12]  # M = 12 < D: SVD path
    for data in (x, few):
        pca = PCA.fit(data, 5)
        u, s, vt = np.linalg.svd(data.reshape(len(data), -1) - data.reshape(len(data), -1).mean(0),
                                 full_matrices=False)
        np.testing.assert_allclose(np.abs(pca.components), np.abs(vt[:5]), atol=1e-8)
