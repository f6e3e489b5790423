"""The training monitor: how far a sample's stylized facts are from the real training windows.

Every ``train.monitor_every`` iterations :func:`~feature_nets.gan.train.train_gan` scores a
generated sample with :func:`stylized_gap` against real windows of the training split only
(never validation or test); the lowest score is kept as ``best.pt`` (``train.select: facts``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from feature_nets.gan.facts import pooled_abs_acf, pooled_excess_kurtosis, sorted_w1
from feature_nets.gan.losses import window_statistics


def stylized_gap(real: np.ndarray, fake: np.ndarray, returns: Sequence[int]) -> dict[str, float]:
    """Distances in stylized facts of the return channels ``returns`` of ``(B, L, C)`` windows.

    Returns ``w1`` (mean one-bar Wasserstein-1, standardised units), ``kurt`` (mean absolute
    excess-kurtosis gap, on a log scale), ``acf_abs`` (mean absolute gap of the ACF of
    ``|r|`` at lags 1-10), ``window`` (the Wasserstein-1 between real and synthetic
    :func:`~feature_nets.gan.losses.window_statistics`, averaged over the statistics: per
    window and asset scale, lag-1 autocorrelation, clustering and tails; per pair of assets
    correlation of ``r`` and ``|r|``, relative scale, spread and lead-lag) and
    ``score = w1 + kurt + 10 acf_abs + 10 window`` (lower is better).
    """
    cols = list(returns)
    r, f = real[..., cols], fake[..., cols]
    w1 = float(np.mean([sorted_w1(r[..., j].ravel(), f[..., j].ravel()) for j in range(len(cols))]))
    log_kurt_r = np.log1p(np.maximum(pooled_excess_kurtosis(r), 0))  # (len(cols),)
    log_kurt_f = np.log1p(np.maximum(pooled_excess_kurtosis(f), 0))
    kurt = float(np.mean(np.abs(log_kurt_r - log_kurt_f)))
    acf = float(np.mean(np.abs(pooled_abs_acf(r) - pooled_abs_acf(f))))
    stat_r = window_statistics(torch.from_numpy(np.ascontiguousarray(real, dtype=np.float64)), cols).numpy()
    stat_f = window_statistics(torch.from_numpy(np.ascontiguousarray(fake, dtype=np.float64)), cols).numpy()
    window = float(np.mean([sorted_w1(stat_r[:, k], stat_f[:, k]) for k in range(stat_r.shape[1])]))
    score = w1 + kurt + 10 * acf + 10 * window
    return {"w1": w1, "kurt": kurt, "acf_abs": acf, "window": window, "score": score}


__all__ = ["stylized_gap"]
