"""Control generators: what a GAN's scores are measured against.

A score means something only where it separates known-good and known-bad generators from
real data, so every evaluation runs the same code on these controls beside the GAN. Each is
fitted on training log returns ``(T, N)`` and samples windows ``(n, L, N)`` of log
close-to-close returns (each is a
:class:`~feature_nets.gan.protocols.ReturnSampler`), seeded and deterministic:

====================  ========================================================================
``replay``            random real training windows (copies: every score should call it real)
``time_shuffled``     real windows with their days permuted (marginals and cross-asset
                      correlation kept, dynamics destroyed)
``iid_days``          training days drawn independently, rows whole (fat tails and
                      cross-asset correlation kept, all clustering lost)
``gbm``               Gaussian rows with the training mean and covariance
``garch_t``           GARCH(1,1) per asset with Student-t innovations (``arch`` fits it),
                      innovations correlated through a Gaussian copula
``block_bootstrap``   10-day blocks of whole training rows, concatenated
====================  ========================================================================

Protocol (a) of :mod:`feature_nets.gan.evaluate` works on raw-unit GOOGL rows (prices and
volume) instead; its controls (:class:`RowReplay`, :class:`RandomWalkRows`,
:class:`IidGaussianRows`) sample windows ``(n, L, F)`` of rows.
"""

from __future__ import annotations

import math

import numpy as np

from feature_nets.gan.protocols import ReturnSampler, RowSampler
from tradegym.errors import ConfigError, DataError

Generator = ReturnSampler
"""The old name of :class:`~feature_nets.gan.protocols.ReturnSampler` (``gan_controls.Generator``)."""
RowGenerator = RowSampler
"""The old name of :class:`~feature_nets.gan.protocols.RowSampler`."""


def check_returns(returns: np.ndarray, what: str = "returns", min_rows: int = 2) -> np.ndarray:
    """Return ``returns`` as float64 ``(T, N)`` after checking shape and finiteness.

    Raises:
        DataError: not 2-D, fewer than ``min_rows`` rows, or NaN/inf (with the first position).
    """
    arr = np.asarray(returns, dtype=np.float64)
    if arr.ndim != 2:
        raise DataError(f"{what} must be (T, N) log returns; got shape {arr.shape}")
    if arr.shape[0] < min_rows or arr.shape[1] < 1:
        raise DataError(f"{what} has shape {arr.shape}; need at least {min_rows} rows and 1 asset")
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        t, i = bad[0]
        raise DataError(f"{what} has NaN/inf at row {t}, asset {i} ({len(bad)} in all); clean the input")
    return arr


def _check_request(n: int, length: int, available: int | None = None) -> None:
    if n < 1 or length < 1:
        raise ConfigError(f"need n >= 1 windows of length >= 1; got n={n}, length={length}")
    if available is not None and length > available:
        raise DataError(f"window length {length} exceeds the {available} training rows")


class Replay:
    """Random real training windows (copies)."""

    def __init__(self, returns: np.ndarray) -> None:
        self.returns = check_returns(returns)  # (T, N)

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, N)`` windows starting at uniform random rows."""
        t = len(self.returns)
        _check_request(n, length, t)
        starts = np.random.default_rng(seed).integers(0, t - length + 1, size=n)
        idx = starts[:, None] + np.arange(length)  # (n, L)
        return self.returns[idx]  # (n, L, N)


class TimeShuffled(Replay):
    """Real training windows with their days (whole rows) in random order."""

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, N)`` replayed windows, each row-permuted independently."""
        windows = super().sample_returns(n, length, seed)  # (n, L, N)
        order = np.random.default_rng([seed, 1]).random((n, length)).argsort(axis=1)  # (n, L)
        return np.take_along_axis(windows, order[:, :, None], axis=1)


class IidDays(Replay):
    """Training days drawn independently with replacement, each row kept whole."""

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, N)`` rows drawn uniformly from the training days."""
        _check_request(n, length)
        rows = np.random.default_rng(seed).integers(0, len(self.returns), size=(n, length))
        return self.returns[rows]  # (n, L, N)


class BlockBootstrap(Replay):
    """Fixed blocks of ``block_days`` whole training rows, concatenated and trimmed."""

    def __init__(self, returns: np.ndarray, block_days: int = 10) -> None:
        super().__init__(returns)
        if not 1 <= block_days <= len(self.returns):
            raise ConfigError(f"block_days must be in 1..{len(self.returns)}; got {block_days}")
        self.block_days = block_days

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, N)`` windows of ``ceil(length / block_days)`` random blocks."""
        _check_request(n, length)
        b = self.block_days
        blocks = math.ceil(length / b)
        starts = np.random.default_rng(seed).integers(0, len(self.returns) - b + 1, size=(n, blocks))
        idx = (starts[:, :, None] + np.arange(b)).reshape(n, blocks * b)[:, :length]  # (n, L)
        return self.returns[idx]


class GaussianReturns:
    """Geometric Brownian motion: iid Gaussian rows with the training mean and covariance."""

    def __init__(self, returns: np.ndarray) -> None:
        r = check_returns(returns, min_rows=3)
        self.mean = r.mean(axis=0)  # (N,)
        self.cov = np.atleast_2d(np.cov(r, rowvar=False))  # (N, N)

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, N)`` draws from ``Normal(mean, cov)``."""
        _check_request(n, length)
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(self.mean, self.cov, size=(n, length), method="cholesky")


class GarchT:
    """GARCH(1,1) with Student-t innovations per asset, correlated through a Gaussian copula.

    Each asset's returns (scaled to percent) are fitted by ``arch.arch_model(mean="Constant",
    vol="GARCH", p=1, q=1, dist="t")``. Simulation starts at the unconditional variance and
    discards ``burn_in_days``; the standardized t innovations of the assets are tied by the
    empirical correlation of the fitted standardized residuals (Gaussian copula, so each
    marginal stays exactly the fitted t).
    """

    def __init__(self, returns: np.ndarray, burn_in_days: int = 500) -> None:
        from arch import arch_model  # slow import; only this control needs it

        r = check_returns(returns, min_rows=100) * 100.0  # (T, N) percent: arch's optimiser scale
        params, resid = [], []
        for i in range(r.shape[1]):
            fit = arch_model(r[:, i], mean="Constant", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")
            p = fit.params
            params.append((p["mu"], p["omega"], p["alpha[1]"], p["beta[1]"], p["nu"]))
            resid.append(np.asarray(fit.std_resid))
        self.params = np.array(params)  # (N, 5): mu, omega, alpha, beta, nu (percent units)
        self.corr = np.atleast_2d(np.corrcoef(np.stack(resid)))  # (N, N)
        self.burn_in_days = burn_in_days

    def sample_returns(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, N)`` simulated log returns (fractions, not percent)."""
        from scipy import stats

        _check_request(n, length)
        mu, omega, alpha, beta, nu = self.params.T  # each (N,)
        steps = self.burn_in_days + length
        rng = np.random.default_rng(seed)
        normals = rng.standard_normal((steps, n, len(mu))) @ np.linalg.cholesky(self.corr).T  # (S, n, N)
        # Gaussian copula -> Student-t with nu_i degrees of freedom, scaled to unit variance.
        z = stats.t.ppf(stats.norm.cdf(normals), df=nu) * np.sqrt((nu - 2.0) / nu)  # (S, n, N)
        persistence = alpha + beta
        var = np.where(persistence < 1, omega / np.maximum(1 - persistence, 1e-6), omega)  # (N,)
        var = np.broadcast_to(var, (n, len(mu))).copy()  # (n, N)
        out = np.empty((length, n, len(mu)))
        for s in range(steps):
            eps = np.sqrt(var) * z[s]  # (n, N)
            if s >= self.burn_in_days:
                out[s - self.burn_in_days] = mu + eps
            var = omega + alpha * eps**2 + beta * var
        return out.transpose(1, 0, 2) / 100.0  # (n, L, N)


CONTROL_NAMES: tuple[str, ...] = (
    "replay", "time_shuffled", "iid_days", "gbm", "garch_t", "block_bootstrap",
)


def fit_controls(returns: np.ndarray, names: tuple[str, ...] = CONTROL_NAMES) -> dict[str, ReturnSampler]:
    """Fit the named controls on training log returns ``(T, N)``.

    Raises:
        ConfigError: an unknown control name.
        DataError: the returns are not finite ``(T, N)`` (GARCH needs >= 100 rows).
    """
    makers = {
        "replay": Replay, "time_shuffled": TimeShuffled, "iid_days": IidDays,
        "gbm": GaussianReturns, "garch_t": GarchT, "block_bootstrap": BlockBootstrap,
    }
    unknown = [x for x in names if x not in makers]
    if unknown:
        raise ConfigError(f"unknown control {unknown[0]!r}; choose from {list(makers)}")
    return {x: makers[x](returns) for x in names}


# ---------------------------------------------------------------------- protocol (a): raw rows
class RowReplay:
    """Random windows of the real rows ``(T, F)``; ``shuffle=True`` permutes rows in each window."""

    def __init__(self, rows: np.ndarray, shuffle: bool = False) -> None:
        self.rows = check_returns(rows, "rows")  # (T, F)
        self.shuffle = shuffle

    def sample_windows(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, F)`` real windows (rows permuted within each when ``shuffle``)."""
        windows = Replay(self.rows).sample_returns(n, length, seed)  # (n, L, F)
        if self.shuffle:
            order = np.random.default_rng([seed, 1]).random((n, length)).argsort(axis=1)
            windows = np.take_along_axis(windows, order[:, :, None], axis=1)
        return windows


class RandomWalkRows:
    """A Gaussian random walk in log price from a real start row; volume drawn iid.

    All price columns move by the same daily factor ``exp(e)``, ``e ~ Normal(0, s)`` with
    ``s`` the standard deviation of the real close's daily log return; volume is drawn
    independently from the real volumes each day.

    Args:
        rows: ``(T, F)`` real rows, positive prices.
        price_columns: indices of the price columns.
        volume_column: index of the volume column (``None`` when there is none).
        close_column: the column whose log returns set ``s``.
    """

    def __init__(self, rows: np.ndarray, price_columns: list[int], volume_column: int | None,
                 close_column: int) -> None:
        self.rows = check_returns(rows, "rows")  # (T, F)
        self.price_columns, self.volume_column = price_columns, volume_column
        self.step_sd = float(np.diff(np.log(self.rows[:, close_column])).std())

    def sample_windows(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, F)`` random-walk windows in the real units."""
        _check_request(n, length)
        rng = np.random.default_rng(seed)
        start = self.rows[rng.integers(0, len(self.rows), size=n)]  # (n, F)
        steps = rng.normal(0.0, self.step_sd, size=(n, length))
        steps[:, 0] = 0.0
        factor = np.exp(np.cumsum(steps, axis=1))  # (n, L)
        out = np.repeat(start[:, None, :], length, axis=1)  # (n, L, F)
        out[:, :, self.price_columns] *= factor[:, :, None]
        if self.volume_column is not None:
            out[:, :, self.volume_column] = rng.choice(self.rows[:, self.volume_column], size=(n, length))
        return out


class IidGaussianRows:
    """Independent Gaussian rows with each column's mean and sd of the min-max scaled series.

    Sampled in scaled units and mapped back to the real units with the series' min/max, so
    that protocol (a)'s scaling brings them back to the mean/sd they were drawn with.
    """

    def __init__(self, rows: np.ndarray) -> None:
        r = check_returns(rows, "rows")  # (T, F)
        self.lo, self.hi = r.min(axis=0), r.max(axis=0)  # (F,)
        scaled = (r - self.lo) / (self.hi - self.lo + 1e-7)
        self.mean, self.sd = scaled.mean(axis=0), scaled.std(axis=0)

    def sample_windows(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, F)`` windows of iid Gaussian rows, in the real units."""
        _check_request(n, length)
        z = np.random.default_rng(seed).normal(self.mean, self.sd, size=(n, length, len(self.mean)))
        return z * (self.hi - self.lo + 1e-7) + self.lo
