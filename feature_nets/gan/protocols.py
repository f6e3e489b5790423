"""What evaluation asks of a generator: samplers of returns, of raw rows, of whole markets.

Evaluation (:mod:`~feature_nets.gan.evaluate`, :mod:`~feature_nets.gan.select`,
:mod:`~feature_nets.gan.report`) and the controls (:mod:`~feature_nets.gan.controls`) take
these protocols and nothing of a particular model, so another generator family (a diffusion
model, say) is judged by the same code once it has these methods.
:class:`~feature_nets.gan.model.GanModel` is a :class:`MarketSampler`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class ReturnSampler(Protocol):
    """Anything that samples windows of multi-asset log returns."""

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``n`` windows of ``length`` days: log close-to-close returns ``(n, length, N)``."""
        ...


@runtime_checkable
class RowSampler(Protocol):
    """Anything that samples windows of raw rows (prices and volume): protocol (a)."""

    def sample_windows(self, n: int, length: int, seed: int) -> np.ndarray:
        """``n`` windows of ``length`` rows ``(n, length, F)`` in the real series' units."""
        ...


@runtime_checkable
class MarketSampler(ReturnSampler, Protocol):
    """A generator of whole markets: returns, and price bars that follow given start rows.

    Attributes:
        symbols: the ``N`` asset names of a sampled market.
        fields: its ``F`` price fields, in ``MarketData`` order.
    """

    @property
    def symbols(self) -> tuple[str, ...]:
        """The ``N`` asset names."""
        ...

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``F`` price fields, in ``MarketData`` order."""
        ...

    def sample_prices(
        self, n: int, length: int, seed: int = 0, start: np.ndarray | None = None
    ) -> np.ndarray:
        """Prices ``(n, length, N, F)`` of the bars after ``start`` (``(n, N, F)`` or ``(N, F)``)."""
        ...


__all__ = ["MarketSampler", "ReturnSampler", "RowSampler"]
