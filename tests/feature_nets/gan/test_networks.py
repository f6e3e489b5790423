"""The critic's inputs, and the monitored facts score that sees what they add."""

from __future__ import annotations

import numpy as np


def test_the_critic_reads_pair_products_and_the_facts_score_sees_cross_asset_correlation() -> None:
    import torch

    from feature_nets.gan import Critic, stylized_gap

    x = torch.randn(3, 16, 4)
    critic = Critic(4, 8, pairs=[(0, 2)])
    feats = critic.features(x)
    assert feats.shape == (3, 16, 2 * 4 + 2)
    assert torch.allclose(feats[..., 8], x[..., 0] * x[..., 2])
    assert torch.allclose(feats[..., 9], (x[..., 0] * x[..., 2]).abs())
    assert critic(x).shape == (3,)

    def pair(seed: int, rho: float) -> np.ndarray:
        z = np.random.default_rng(seed).normal(size=(512, 64, 2))
        return np.stack([z[..., 0], rho * z[..., 0] + np.sqrt(1 - rho**2) * z[..., 1]], axis=2)

    # Same marginals everywhere: only the correlation of the two assets differs.
    same = stylized_gap(pair(0, 0.9), pair(1, 0.9), [0, 1])
    independent = stylized_gap(pair(0, 0.9), pair(1, 0.0), [0, 1])
    assert same["window"] < 0.03 and independent["window"] > 0.1
    assert independent["score"] > same["score"] + 1
    one = stylized_gap(pair(0, 0.9)[..., :1], pair(1, 0.0)[..., :1], [0])
    assert one["window"] < 0.03  # one asset: no pair statistics; its own match
