"""Baselines estimated from trailing closes: inverse volatility, momentum and skfolio's optimisers.

Every estimate is causal (closes of rows ``<= t`` only, equal weight until ``min_history``
returns exist; :mod:`tradegym.backtest.baselines` states the rules). skfolio is imported
only when an optimiser is first solved. The registry is :mod:`tradegym.backtest.baselines`,
which re-exports these names.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tradegym.backtest.rules import Scheduled, equal_weights, tradable_now
from tradegym.errors import ConfigError


def spread(risky: np.ndarray, alive: np.ndarray | None) -> np.ndarray:
    """Weights ``(M,)`` of the alive assets as ``(N,)`` (0 elsewhere); as they are when ``alive`` is None."""
    if alive is None:
        return risky
    full = np.zeros(len(alive))
    full[alive] = risky
    return full


class Estimated(Scheduled):
    """A scheduled baseline that estimates from trailing closes (causal: rows ``<= t``).

    Args:
        env, rebalance: as :class:`Scheduled` (default monthly).
        lookback: trailing returns used, ``>= 2`` bars.
        min_history: fewer available returns than this → equal weight.
    """

    default_rebalance = "monthly"
    default_lookback = 252

    def __init__(self, env: Any = None, *, rebalance: int | str | None = None,
                 lookback: int | None = None, min_history: int = 20) -> None:
        super().__init__(env, rebalance=rebalance)
        lookback = self.default_lookback if lookback is None else lookback
        if isinstance(lookback, bool) or not isinstance(lookback, (int, np.integer)) or lookback < 2:
            raise ConfigError(f"lookback must be an integer >= 2 (bars), got {lookback!r}")
        self.lookback = int(lookback)
        self.min_history = max(2, int(min_history))

    def trailing_returns(self, env: Any, bars: int | None = None) -> np.ndarray:
        """Simple close-to-close returns ``(L, N)`` of the last ``L <= bars`` bars up to ``t``."""
        bars = self.lookback if bars is None else bars
        t = env.current_index
        close = env.data.close[max(0, t - bars): t + 1]  # (L+1, N), rows <= t only
        return close[1:] / close[:-1] - 1.0

    def estimation_returns(self, env: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """Trailing returns ``(L', M)`` of the assets to weight, and which they are.

        On a dynamic universe only the assets tradable at the decision bar are estimated
        (``alive``, ``(N,)`` bool; ``None`` on a static universe), on the trailing returns
        where all of them were tradable (placeholder prices outside a life would read as
        zero returns). No asset alive gives ``(0, 0)`` returns.
        """
        returns = self.trailing_returns(env)  # (L, N)
        alive = tradable_now(env)
        if alive is not None:
            t = env.current_index
            life = env.data.tradable[t - len(returns) : t + 1][:, alive]  # (L+1, M)
            rows = (life[1:] & life[:-1]).all(axis=1)  # (L,) both ends of the return listed
            returns = returns[rows][:, alive]  # (L', M)
        return returns, alive

    def weights(self, env: Any) -> np.ndarray:
        """Estimated weights ``(A,)``; equal weight while history is shorter than ``min_history``.

        Only the assets of :meth:`estimation_returns` are weighted (all cash when none is
        tradable).
        """
        returns, alive = self.estimation_returns(env)  # (L', M)
        if alive is not None and not alive.any():
            return equal_weights(env.n_slots, alive)  # all cash
        if len(returns) < self.min_history:
            return equal_weights(env.n_slots, alive)
        risky = np.asarray(self.risky_weights(returns), dtype=np.float64)
        risky = np.where(np.isfinite(risky), np.maximum(risky, 0.0), 0.0)  # solver dust < 0
        total = risky.sum()
        if not total > 0:
            return equal_weights(env.n_slots, alive)
        return np.concatenate([[0.0], spread(risky / total, alive)])

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """Asset weights ``(N,)`` (summing to 1) from trailing returns ``(L, N)``."""
        raise NotImplementedError

    def _options(self) -> dict[str, Any]:
        return {"rebalance": self.rebalance, "lookback": self.lookback}


class InverseVolatility(Estimated):
    """Weights proportional to ``1/σ`` of each asset's trailing returns (default 60 bars)."""

    name = "inverse_vol"
    default_lookback = 60

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)`` ``1/σ_i`` normalised; a zero-volatility asset gets the largest finite weight."""
        vol = returns.std(axis=0, ddof=1)
        floor = max(float(vol[vol > 0].min()) if (vol > 0).any() else 1.0, 1e-12)
        return 1.0 / np.maximum(vol, floor)


class _Skfolio(Estimated):
    """Estimated baselines solved by a skfolio optimiser (imported when first used)."""

    def optimiser(self) -> Any:
        raise NotImplementedError

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)`` weights of the skfolio optimiser fitted on ``returns``."""
        return self.optimiser().fit(returns).weights_


class MinimumVariance(_Skfolio):
    """Long-only, fully invested minimum variance with a Ledoit–Wolf shrunk covariance."""

    name = "min_variance"

    def optimiser(self) -> Any:
        """The skfolio ``MeanRisk`` that minimises variance."""
        from skfolio.moments import LedoitWolf
        from skfolio.optimization import MeanRisk
        from skfolio.prior import EmpiricalPrior

        return MeanRisk(prior_estimator=EmpiricalPrior(covariance_estimator=LedoitWolf()))


class MeanVariance(_Skfolio):
    """Long-only, fully invested mean-variance: maximise ``μ'w − λ w'Σw`` per bar.

    ``μ`` is the trailing sample mean (noisy, as a real investor's estimate is), ``Σ``
    Ledoit–Wolf. Args as :class:`Estimated`, plus ``risk_aversion`` (``λ > 0``, default 5).
    """

    name = "mean_variance"

    def __init__(self, env: Any = None, *, risk_aversion: float = 5.0, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        if not (isinstance(risk_aversion, (int, float)) and risk_aversion > 0):
            raise ConfigError(f"risk_aversion must be > 0, got {risk_aversion!r}")
        self.risk_aversion = float(risk_aversion)

    def optimiser(self) -> Any:
        """The skfolio ``MeanRisk`` that maximises utility."""
        from skfolio.moments import LedoitWolf
        from skfolio.optimization import MeanRisk, ObjectiveFunction
        from skfolio.prior import EmpiricalPrior

        return MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_UTILITY,
                        risk_aversion=self.risk_aversion,
                        prior_estimator=EmpiricalPrior(covariance_estimator=LedoitWolf()))

    def _options(self) -> dict[str, Any]:
        return {**super()._options(), "risk_aversion": self.risk_aversion}


class HierarchicalRiskParity(_Skfolio):
    """Hierarchical risk parity (López de Prado 2016) on trailing returns; long-only."""

    name = "hrp"

    def optimiser(self) -> Any:
        """The skfolio ``HierarchicalRiskParity`` with its defaults."""
        from skfolio.optimization import HierarchicalRiskParity as HRP

        return HRP()


class Momentum(Estimated):
    """``1/k`` in the ``k`` assets with the best trailing return, skipping the last bars.

    The signal at ``t`` is the return from ``t − lookback`` to ``t − skip`` (12-1 momentum
    for daily bars by default: the last month is skipped for short-term reversal).

    Args: as :class:`Estimated`, plus ``skip`` (bars, ``0 <= skip < lookback``, default 21)
    and ``top_k`` (assets held, default ``ceil(N / 4)``).
    """

    name = "momentum"

    def __init__(self, env: Any = None, *, skip: int = 21, top_k: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        if not 0 <= skip < self.lookback:
            raise ConfigError(f"skip must be in [0, lookback={self.lookback}), got {skip!r}")
        if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
            raise ConfigError(f"top_k must be an integer >= 1, got {top_k!r}")
        self.skip, self.top_k = int(skip), top_k

    def signal(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)`` log return from ``t − lookback`` to ``t − skip`` of trailing returns ``(L, N)``."""
        return np.log1p(returns[: len(returns) - self.skip]).sum(axis=0)

    def risky_weights(self, returns: np.ndarray) -> np.ndarray:
        """``(N,)``: ``1/k`` on the top ``k`` compounded returns of ``returns[:-skip]``."""
        n = returns.shape[1]
        k = min(n, self.top_k or math.ceil(n / 4))
        best = np.argsort(-self.signal(returns), kind="stable")[:k]  # ties: lower index first
        weights = np.zeros(n)
        weights[best] = 1.0 / k
        return weights

    def _options(self) -> dict[str, Any]:
        return {**super()._options(), "skip": self.skip, "top_k": self.top_k}


class MomentumLongShort(Momentum):
    """Dollar-neutral 12-1 momentum: long the ``k`` best assets, short the ``k`` worst, equal weights.

    The signal is :class:`Momentum`'s (causal: closes of rows ``<= t`` only). Each long
    weighs ``+G / (2k)`` and each short ``-G / (2k)`` with ``G`` the env's ``book.max_gross``
    (capped at 1 per asset, the book's box), so the net is 0 and the gross ``G``; the
    proceeds of the shorts stay in cash (cash ``= 1``). All cash while fewer than
    ``min_history`` returns exist or fewer than two assets are tradable. Needs a long/short
    env whose net band holds 0.

    Args: as :class:`Momentum`; ``top_k`` (assets per side, default ``ceil(N / 3)``, at most
    ``N // 2``).

    Raises:
        ConfigError: on a long-only env, or a book whose net band excludes 0.
    """

    name = "momentum_ls"
    book_aware = True

    def weights(self, env: Any) -> np.ndarray:
        """Signed weights ``(A,)``: cash ``1``, ``±G/(2k)`` on the top and bottom ``k`` (module rules)."""
        max_gross = self.book_gross(env)
        returns, alive = self.estimation_returns(env)  # (L', M)
        n = returns.shape[1]
        k = min(n // 2, self.top_k or math.ceil(n / 3))
        cash = np.zeros(env.n_slots)
        cash[0] = 1.0
        if k < 1 or len(returns) < self.min_history:
            return cash  # the dollar-neutral equal weight: nothing held
        order = np.argsort(-self.signal(returns), kind="stable")  # (M,) best first; ties: lower index
        size = min(1.0, max_gross / (2 * k))
        risky = np.zeros(n)
        risky[order[:k]] = size
        risky[order[n - k:]] = -size
        return np.concatenate([[1.0], spread(risky, alive)])

    def book_gross(self, env: Any) -> float:
        """The env's ``max_gross``, after checking that the env is long/short with 0 in its net band."""
        book = getattr(env, "book", None)
        if not getattr(env, "long_short", False) or book is None:
            raise ConfigError("momentum_ls needs a long/short env: set env.kwargs.action_mapping: long_short")
        if not book.net_low <= 0.0 <= book.net_high:
            raise ConfigError(
                f"momentum_ls is dollar-neutral (net 0), but the env's net_exposure band "
                f"[{book.net_low:g}, {book.net_high:g}] excludes 0; set env.kwargs.net_exposure to a "
                "band holding 0, e.g. [0, 0] or [-1, 1]")
        return float(book.max_gross)
