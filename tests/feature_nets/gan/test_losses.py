"""The per-window statistics and the stylized-facts loss."""

from __future__ import annotations

import numpy as np
import pytest


def test_window_statistics_and_the_facts_loss() -> None:
    import torch

    from feature_nets.gan import WINDOW_STATISTICS, facts_loss, statistics_quantiles, window_statistics

    x = np.random.default_rng(0).normal(size=(40, 32, 3)) * np.array([1.0, 2.0, 0.5])
    stats = window_statistics(torch.from_numpy(x), [0, 2]).numpy()  # 2 channels, 1 pair
    assert stats.shape == (40, 5 * 2 + 8) and len(WINDOW_STATISTICS) == 13
    a, b = x[..., 0], x[..., 2]

    def corr(u, v):
        return [np.corrcoef(p, q)[0, 1] for p, q in zip(u, v, strict=True)]

    assert np.allclose(stats[:, 0], np.log(a.std(axis=1)))
    assert np.allclose(stats[:, 1], corr(a[:, 1:], a[:, :-1]))
    assert np.allclose(stats[:, 2], corr(np.abs(a[:, 1:]), np.abs(a[:, :-1])))
    lags = np.mean([corr(np.abs(a[:, k:]), np.abs(a[:, :-k])) for k in range(2, 6)], axis=0)
    assert np.allclose(stats[:, 3], lags)
    assert np.allclose(stats[:, 10], corr(a, b))
    assert np.allclose(stats[:, 11], corr(np.abs(a), np.abs(b)))
    assert np.allclose(stats[:, 13], np.log((b - a).std(axis=1, ddof=1)))
    assert np.allclose(stats[:, 14], corr(a[:, :-1], b[:, 1:]))
    assert np.allclose(stats[:, 17], corr(np.abs(b[:, :-1]), np.abs(a[:, 1:])))
    exact = torch.sort(torch.from_numpy(stats), dim=0).values
    assert facts_loss(torch.from_numpy(x), exact, [0, 2]).item() < 1e-9
    assert facts_loss(torch.from_numpy(x), exact + 0.25, [0, 2]).item() == pytest.approx(0.25)
    q = statistics_quantiles(x, [0, 2], 40)
    assert q.shape == (40, 18) and torch.all(q[1:] >= q[:-1])
