"""The training monitor's score is the one the flat module computed, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from feature_nets.gan.losses import window_statistics
from feature_nets.gan.monitor import stylized_gap


# The private statistics of the flat feature_nets/gan.py before they moved to facts.py, frozen
# here: the history of past runs and their choice of best.pt were measured with them.
def _old_acf_abs(x, lags=10):
    a = np.abs(x) - np.abs(x).mean(axis=1, keepdims=True)
    var = (a**2).mean(axis=1).sum()
    return np.array([(a[:, k:] * a[:, :-k]).mean(axis=1).sum() / var for k in range(1, lags + 1)])


def _old_kurtosis(x):
    z = x.reshape(-1, x.shape[-1])
    z = (z - z.mean(axis=0)) / np.maximum(z.std(axis=0), 1e-12)
    return (z**4).mean(axis=0) - 3.0


def _old_w1(a, b):
    n = min(len(a), len(b))
    return float(np.abs(np.sort(a[:n]) - np.sort(b[:n])).mean())


def _old_stylized_gap(real, fake, returns):
    cols = list(returns)
    r, f = real[..., cols], fake[..., cols]
    w1 = float(np.mean([_old_w1(r[..., j].ravel(), f[..., j].ravel()) for j in range(len(cols))]))
    kurt = float(
        np.mean(np.abs(np.log1p(np.maximum(_old_kurtosis(r), 0)) - np.log1p(np.maximum(_old_kurtosis(f), 0))))
    )
    acf = float(np.mean(np.abs(_old_acf_abs(r) - _old_acf_abs(f))))
    stat_r = window_statistics(torch.from_numpy(np.ascontiguousarray(real, dtype=np.float64)), cols).numpy()
    stat_f = window_statistics(torch.from_numpy(np.ascontiguousarray(fake, dtype=np.float64)), cols).numpy()
    window = float(np.mean([_old_w1(stat_r[:, k], stat_f[:, k]) for k in range(stat_r.shape[1])]))
    score = w1 + kurt + 10 * acf + 10 * window
    return {"w1": w1, "kurt": kurt, "acf_abs": acf, "window": window, "score": score}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stylized_gap_is_bit_for_bit_the_flat_modules(dtype) -> None:
    rng = np.random.default_rng(0)
    real = rng.standard_normal((64, 16, 6)).astype(dtype)  # training runs score float32 windows
    fake = rng.standard_t(4, (48, 16, 6)).astype(dtype)
    for cols in ([0, 3], [0], [0, 1, 2]):
        assert stylized_gap(real, fake, cols) == _old_stylized_gap(real, fake, cols)
