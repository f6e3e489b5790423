"""Stylized facts, horizon distances and the memorization check."""

from __future__ import annotations

import numpy as np
import pytest

from feature_nets.gan.controls import Replay
from feature_nets.gan.facts import (
    acf,
    cut_windows,
    horizon_returns,
    leverage,
    memorization,
    nearest_distance,
    stylized_facts,
    wasserstein_by_horizon,
)
from tests.feature_nets.gan.samples import ar1, returns

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_acf_of_ar1_is_phi_to_the_lag():
    w = cut_windows(ar1(100_000, 0.7), 100)
    np.testing.assert_allclose(acf(w, lags=4)[:, 0], 0.7 ** np.arange(1, 5), atol=0.02)


def test_acf_of_white_noise_is_zero_and_of_abs_too():
    w = cut_windows(np.random.default_rng(1).standard_normal((50_000, 2)), 50)
    assert np.abs(acf(w, 20)).max() < 0.03
    assert np.abs(acf(w, 20, "abs")).max() < 0.03


def test_leverage_sees_volatility_after_falls():
    rng = np.random.default_rng(0)
    e = rng.standard_normal(60_000)
    r = np.empty_like(e)
    sig = 1.0
    for t in range(len(e)):
        r[t] = sig * e[t]
        sig = np.sqrt(0.2 + 0.6 * sig**2 + 0.3 * min(r[t], 0) ** 2)
    lev = leverage(cut_windows(r[:, None], 60), 3)
    assert (lev < -0.05).all()


def test_stylized_facts_shapes_and_gaussian_kurtosis():
    f = stylized_facts(cut_windows(returns(20_000), 64))
    assert f.acf_r.shape == (20, 2) and f.leverage.shape == (10, 2) and f.corr.shape == (2, 2)
    assert f.quantiles.shape == (4, 2)
    assert abs(f.kurtosis).max() < 0.2
    assert f.corr[0, 1] == pytest.approx(0.8, abs=0.02)
    assert set(f.summary()) >= {"kurtosis", "acf_abs_1_10", "leverage_1_10"}


def test_wasserstein_of_identical_samples_is_zero():
    w = cut_windows(returns(), 64)
    assert np.all(wasserstein_by_horizon(w, w.copy(), (1, 5, 20)) == 0)
    assert wasserstein_by_horizon(w, w * 2, (1,)).min() > 0


def test_horizon_returns_are_window_sums():
    w = np.arange(12.0).reshape(1, 6, 2)
    np.testing.assert_allclose(horizon_returns(w, 5)[:, 0], [0 + 2 + 4 + 6 + 8, 2 + 4 + 6 + 8 + 10])


def test_copied_window_has_nearest_distance_zero():
    r = returns()
    ref = cut_windows(r, 20, 1)
    d = nearest_distance(np.stack([ref[37], ref[500] + 1.0]), ref)
    assert d[0] == pytest.approx(0.0, abs=1e-9) and d[1] > 0


def test_memorization_ratio_zero_for_copies_near_one_for_new_paths():
    r = returns(3000)
    train, held = r[:2000], r[2000:]
    scale = train.std(axis=0)
    copies = Replay(train).sample_returns(50, 40, seed=0)
    fresh = Replay(held).sample_returns(50, 40, seed=0)
    assert memorization(copies, held[None], train, scale, 20)["ratio"] == pytest.approx(0.0, abs=1e-6)
    assert memorization(fresh, held[None], train, scale, 20)["ratio"] == pytest.approx(1.0, abs=0.15)
