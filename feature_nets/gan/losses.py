"""The losses of adversarial training: the gradient penalty and the stylized-facts term.

:func:`window_statistics` summarises each window by per-asset and per-pair statistics;
:func:`facts_loss` is the Wasserstein-1 between the generated batch's and the real windows'
(``train.facts_weight``), and the training monitor compares the same statistics.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor, nn


def row_corr(a: Tensor, b: Tensor) -> Tensor:
    """Correlation over dim 1 of ``(B, L)`` tensors: ``(B,)``."""
    a, b = a - a.mean(dim=1, keepdim=True), b - b.mean(dim=1, keepdim=True)
    return (a * b).mean(dim=1) / torch.sqrt((a**2).mean(dim=1) * (b**2).mean(dim=1) + 1e-12)


WINDOW_STATISTICS = (
    "log_sd", "acf1", "acf_abs_1", "acf_abs_2_5", "log_kurt",  # per asset
    "corr", "corr_abs", "log_sd_ratio", "log_sd_spread",  # per pair
    "lead_lag", "lag_lead", "lead_lag_abs", "lag_lead_abs",
)


def window_statistics(x: Tensor, cols: Sequence[int]) -> Tensor:
    """Per-window summary statistics ``(B, 5N + 8P)`` of the channels ``cols`` of ``(B, L, C)``.

    For each of the ``N`` channels: log sd, lag-1 autocorrelation, lag-1 autocorrelation of
    ``|x|``, mean autocorrelation of ``|x|`` at lags 2-5 and log of the fourth standardised
    moment. Lag 1 of ``|x|`` stands apart because daily index returns have a dip there
    (within 64-day windows of S&P 500 and NASDAQ, -0.07 at lag 1 against +0.04 at lag 2)
    that a smooth volatility process misses. For each of the ``P`` pairs ``(i, j)``:
    correlation of ``x``, of ``|x|``, ``log(sd_i / sd_j)``, log sd of ``x_j - x_i``, and the
    lag-1 cross-correlations of ``x`` and of ``|x|``, both ways (``WINDOW_STATISTICS``).
    Differentiable; windows are in standardised units.
    """
    stats = []
    for c in cols:
        a = x[..., c]
        dev = a - a.mean(dim=1, keepdim=True)
        var = (dev**2).mean(dim=1) + 1e-12
        stats += [
            0.5 * torch.log(var),
            row_corr(a[:, 1:], a[:, :-1]),
            row_corr(a[:, 1:].abs(), a[:, :-1].abs()),
            torch.stack([row_corr(a[:, k:].abs(), a[:, :-k].abs()) for k in range(2, 6)]).mean(dim=0),
            torch.log((dev**4).mean(dim=1) / var**2),
        ]
    for i, j in itertools.combinations(cols, 2):
        a, b = x[..., i], x[..., j]
        stats += [
            row_corr(a, b),
            row_corr(a.abs(), b.abs()),
            0.5 * torch.log((a.var(dim=1) + 1e-12) / (b.var(dim=1) + 1e-12)),
            0.5 * torch.log((b - a).var(dim=1) + 1e-12),
            row_corr(a[:, :-1], b[:, 1:]),
            row_corr(b[:, :-1], a[:, 1:]),
            row_corr(a[:, :-1].abs(), b[:, 1:].abs()),
            row_corr(b[:, :-1].abs(), a[:, 1:].abs()),
        ]
    return torch.stack(stats, dim=1)


def statistics_quantiles(windows: np.ndarray, cols: Sequence[int], n: int) -> Tensor:
    """The :func:`window_statistics` of ``windows`` at levels ``(k + 0.5) / n``: ``(n, S)``."""
    levels = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    return torch.quantile(window_statistics(torch.tensor(windows, dtype=torch.float64), cols), levels, dim=0)


def facts_loss(fake: Tensor, real_quantiles: Tensor, cols: Sequence[int]) -> Tensor:
    """Mean over statistics of the Wasserstein-1 between the batch's and the real windows'.

    Args:
        fake: ``(B, L, C)`` generated windows.
        real_quantiles: ``(B, S)`` from :func:`statistics_quantiles` with ``n = B``; each
            column of the sorted batch statistics is compared with it.
        cols: the return channels.
    """
    return (torch.sort(window_statistics(fake, cols), dim=0).values - real_quantiles).abs().mean()


def gradient_penalty(critic: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
    """WGAN-GP's ``E[(||grad critic(x_hat)|| - 1)^2]`` on random interpolates of real and fake."""
    eps = torch.rand(real.shape[0], 1, 1, device=real.device)
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


__all__ = [
    "WINDOW_STATISTICS",
    "facts_loss",
    "gradient_penalty",
    "row_corr",
    "statistics_quantiles",
    "window_statistics",
]
