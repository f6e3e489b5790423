r"""The generator and the critic: noise -> channels ``(B, L, C)``, channels -> a score ``(B,)``.

**Architecture, and why.** Financial returns are close to unpredictable in the mean but
strongly structured in scale: fat tails, volatility clustering that decays over weeks, the
leverage effect, and cross-asset correlation. The generator builds that structure in:

* a 2-layer GRU reads i.i.d. Gaussian noise ``z[t]`` and carries a hidden state ``h[t]``
  (the latent volatility/regime state: it persists, so scale clusters in time);
* each bar is ``x[t] = m(h[t]) + exp(s(h[t])) * f(h[t], e[t])`` with fresh noise ``e[t]``:
  a state-dependent location and scale times a learned, state-dependent shape — a
  neural stochastic-volatility model. All assets' channels come out together, so their
  correlation (and its dependence on the state) is learned too;
* the recurrence runs for ``burn_in`` bars before the output starts, so windows start
  from the generator's stationary regime, and it runs for any length: a 10-year path
  is one call, with no stitching of fixed-size windows.

It is trained as a Wasserstein GAN with gradient penalty (Gulrajani et al., 2017), the
stable choice for continuous sequences that Quant GANs (Wiese et al., 2020) and most
financial GANs since use: the critic is a non-causal dilated temporal-convolution network
(receptive field 63 bars) over ``x`` and ``|x|`` — the absolute value as an input makes
volatility clustering visible to it at once — pooled by the mean and the standard deviation
over time. TimeGAN's supervised embedding was the alternative; its published scores on
Google data are matched by simple controls (see the evaluation), and its three extra
networks cost CPU that the critic uses better here.

Shape letters: ``B`` batch, ``L`` window bars, ``C = N * Cb`` channels, ``K`` volatility factors.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

SOFT_CLIP = 12.0
"""Generated channels are squashed into ``(-12, 12)`` training standard deviations."""


class Generator(nn.Module):
    """Noise -> channels ``(B, L, C)``: volatility factors, a GRU state, a state-dependent law.

    * volatility factors ``v[t, k] = a_k v[t-1, k] + sqrt(1 - a_k^2) u[t, k]`` with fixed
      persistences ``a_k = 1 - 1/tau_k`` (timescales ``tau`` in bars), started from their
      stationary law ``N(0, 1)``: slow, multi-scale memory that a GRU trained on short
      windows does not find by itself (the long decay of the ACF of ``|r|``);
    * ``h[t] = GRU(z[t], v[t-1])``: the latent state reads the factors up to the previous bar
      (and, with ``feedback``, the previous bar's shape noise ``e[t-1]``);
    * ``x[t] = m(h[t]) + exp(s(h[t])) * f(h[t], e[t], u[t])``, squashed softly into ``(-12, 12)``.
      The shape reads the factors' innovation ``u[t]``, so today's shock can move tomorrow's
      scale (the leverage effect) when training finds that it should.
    """

    def __init__(
        self,
        channels: int,
        noise_dim: int = 8,
        hidden_size: int = 64,
        vol_timescales: Sequence[float] = (),
        feedback: bool = False,
    ) -> None:
        super().__init__()
        self.channels, self.noise_dim, self.hidden_size = channels, noise_dim, hidden_size
        self.feedback = bool(feedback)
        self.vol_timescales = tuple(float(t) for t in vol_timescales)
        k = len(self.vol_timescales)
        self.register_buffer(
            "persistence", torch.tensor([1 - 1 / t for t in self.vol_timescales], dtype=torch.float32)
        )
        self.rnn = nn.GRU(noise_dim * (2 if feedback else 1) + k, hidden_size, num_layers=2, batch_first=True)
        self.loc = nn.Linear(hidden_size, channels)
        self.log_scale = nn.Linear(hidden_size, channels)
        self.shape = nn.Sequential(
            nn.Linear(hidden_size + noise_dim + k, hidden_size),
            nn.LeakyReLU(0.2),
            nn.Linear(hidden_size, channels),
        )

    def _factors(self, u: Tensor, v0: Tensor) -> Tensor:
        """Lagged factors ``v[t-1]`` ``(B, T, K)`` from innovations ``u (B, T, K)``, ``v[-1] = v0``."""
        a = self.persistence
        b = torch.sqrt(1 - a**2)
        lagged, v = [], v0
        for t in range(u.shape[1]):
            lagged.append(v)
            v = a * v + b * u[:, t]
        return torch.stack(lagged, dim=1)

    def forward(
        self, batch: int, length: int, burn_in: int = 32, generator: torch.Generator | None = None
    ) -> Tensor:
        """Sample ``(batch, length, C)`` standardised channels (after ``burn_in`` discarded steps)."""
        device = self.loc.weight.device
        k, nz = len(self.vol_timescales), self.noise_dim
        noise = torch.randn(batch, burn_in + length, 2 * nz + k, generator=generator, device=device)
        z, e, u = noise[..., :nz], noise[..., nz : 2 * nz], noise[..., 2 * nz :]
        if k:
            v0 = torch.randn(batch, k, generator=generator, device=device)
            z = torch.cat([z, self._factors(u, v0)], dim=2)
        if self.feedback:  # e[t-1]: the previous bar's draw (zero before the first)
            z = torch.cat([z, nn.functional.pad(e[:, :-1], (0, 0, 1, 0))], dim=2)
        h, _ = self.rnn(z)
        h, e, u = h[:, burn_in:], e[:, burn_in:], u[:, burn_in:]
        x = self.loc(h) + torch.exp(self.log_scale(h).clamp(-4.0, 3.0)) * self.shape(
            torch.cat([h, e, u], dim=2)
        )
        return SOFT_CLIP * torch.tanh(x / SOFT_CLIP)


class Critic(nn.Module):
    """``(B, L, C) -> (B,)``: dilated residual convolutions, mean and sd pooled over time.

    Reads ``x``, ``|x|`` and, when ``pairs`` are given, the products ``x_i x_j`` and
    ``|x_i x_j|`` of those channel pairs.
    """

    def __init__(
        self,
        channels: int,
        size: int = 32,
        dilations: Sequence[int] = (1, 2, 4, 8, 16),
        pairs: Sequence[tuple[int, int]] = (),
    ) -> None:
        super().__init__()
        self.pairs = [tuple(p) for p in pairs]
        self.inp = nn.Conv1d(2 * channels + 2 * len(self.pairs), size, 1)
        self.convs = nn.ModuleList([nn.Conv1d(size, size, 3, dilation=d, padding=d) for d in dilations])
        self.act = nn.LeakyReLU(0.2)
        self.head = nn.Sequential(nn.Linear(2 * size, size), nn.LeakyReLU(0.2), nn.Linear(size, 1))

    def features(self, x: Tensor) -> Tensor:
        """``(B, L, C) -> (B, L, 2C + 2P)``: ``x``, ``|x|``, then each pair's product and its size."""
        feats = with_abs(x)
        if self.pairs:
            prod = torch.stack([x[..., i] * x[..., j] for i, j in self.pairs], dim=2)
            feats = torch.cat([feats, prod, prod.abs()], dim=2)
        return feats

    def forward(self, x: Tensor) -> Tensor:
        """Critic scores ``(B,)`` of windows ``(B, L, C)`` (higher: more real)."""
        h = self.inp(self.features(x).transpose(1, 2))  # (B, size, L)
        for conv in self.convs:
            h = h + self.act(conv(h))
        return self.head(torch.cat([h.mean(dim=2), h.std(dim=2)], dim=1)).squeeze(1)


def with_abs(x: Tensor) -> Tensor:
    """``(B, L, C) -> (B, L, 2C)``: the channels, then their absolute values (clustering made visible)."""
    return torch.cat([x, x.abs()], dim=2)


__all__ = ["SOFT_CLIP", "Critic", "Generator", "with_abs"]
