"""Stylized facts, horizon distances and the memorization check, on windows of log returns.

Every function takes windows ``(n, L, N)`` of log close-to-close returns, so real series
cut into windows and synthetic windows go through the same code. Estimates pool all
windows: moments use every value; an autocorrelation at lag ``k`` sums the products of
pairs ``k`` days apart *within* each window, around the pooled mean, over the pooled
variance (for a real series cut into windows this is the whole-series estimate minus the
pairs that straddle two windows).

An AR(1) with coefficient 0.6 has autocorrelations 0.6, 0.36, 0.216:

>>> rng = np.random.default_rng(0)
>>> e, x = rng.standard_normal(100_000), np.zeros((100_000, 1))
>>> for t in range(1, len(x)):
...     x[t] = 0.6 * x[t - 1] + e[t]
>>> np.round(acf(cut_windows(x, 100), lags=3)[:, 0], 1)
array([0.6, 0.4, 0.2])
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tradegym.errors import ConfigError, DataError

QUANTILES: tuple[float, ...] = (0.01, 0.05, 0.95, 0.99)


def check_windows(windows: np.ndarray, what: str = "windows") -> np.ndarray:
    """Return ``windows`` as float64 ``(n, L, N)`` after checking shape and finiteness.

    Raises:
        DataError: not 3-D, empty, or NaN/inf (with the first position).
    """
    arr = np.asarray(windows, dtype=np.float64)
    if arr.ndim != 3 or 0 in arr.shape:
        raise DataError(f"{what} must be non-empty windows (n, L, N); got shape {arr.shape}")
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        raise DataError(
            f"{what} has NaN/inf at window {bad[0][0]}, day {bad[0][1]}, asset {bad[0][2]} "
            f"({len(bad)} in all); the generator produced non-finite returns"
        )
    return arr


def closes_to_log_returns(close: np.ndarray) -> np.ndarray:
    """Log close-to-close returns ``(T - 1, N)`` of a closes array ``(T, N)``: row ``t`` is bar ``t + 1``.

    One row shorter than its input (no padding row); compare
    :func:`feature_nets.forecasters.log_returns`, which takes a ``MarketData`` and keeps
    ``T`` rows with a zero first row.
    """
    return np.diff(np.log(np.asarray(close, dtype=np.float64)), axis=0)


log_returns = closes_to_log_returns
"""The old name of :func:`closes_to_log_returns`, kept for ``feature_nets.gan_facts.log_returns``."""


def cut_windows(series: np.ndarray, length: int, step: int | None = None) -> np.ndarray:
    """Windows ``(n, length, N)`` of a series ``(T, N)``, every ``step`` rows (default: non-overlapping).

    Raises:
        DataError: the series is shorter than one window.
    """
    arr = np.asarray(series, dtype=np.float64)
    step = length if step is None else step
    if length < 1 or step < 1:
        raise ConfigError(f"window length and step must be >= 1; got {length}, {step}")
    if arr.ndim != 2 or len(arr) < length:
        raise DataError(f"series of shape {arr.shape} holds no window of {length} rows")
    view = np.lib.stride_tricks.sliding_window_view(arr, length, axis=0)  # (T-L+1, N, L)
    return view[::step].transpose(0, 2, 1)  # (n, L, N)


def acf(windows: np.ndarray, lags: int = 20, transform: str = "none") -> np.ndarray:
    """Pooled autocorrelation ``(lags, N)`` at lags ``1..lags`` of ``r``, ``|r|`` or ``r²``.

    Args:
        windows: ``(n, L, N)`` log returns, ``L > lags``.
        lags: the largest lag.
        transform: ``"none"``, ``"abs"`` or ``"square"``.

    Raises:
        ConfigError: an unknown transform, or ``lags >= L``.
    """
    w = check_windows(windows)
    funcs = {"none": lambda v: v, "abs": np.abs, "square": np.square}
    if transform not in funcs:
        raise ConfigError(f"unknown transform {transform!r}; use one of {list(funcs)}")
    if not 1 <= lags < w.shape[1]:
        raise ConfigError(f"lags must be in 1..{w.shape[1] - 1} for windows of {w.shape[1]} days")
    x = funcs[transform](w)
    x = x - x.mean(axis=(0, 1))  # (n, L, N) around the pooled mean
    var = (x**2).mean(axis=(0, 1))  # (N,)
    out = [(x[:, :-k] * x[:, k:]).mean(axis=(0, 1)) for k in range(1, lags + 1)]
    return np.stack(out) / np.where(var > 0, var, np.nan)  # (lags, N)


def leverage(windows: np.ndarray, lags: int = 10) -> np.ndarray:
    """Leverage effect ``corr(r_t, r²_{t+k})`` ``(lags, N)`` for ``k = 1..lags``, pooled within windows.

    Negative on equity indices: falls are followed by higher volatility.
    """
    w = check_windows(windows)
    if not 1 <= lags < w.shape[1]:
        raise ConfigError(f"lags must be in 1..{w.shape[1] - 1} for windows of {w.shape[1]} days")
    r = w - w.mean(axis=(0, 1))
    sq = w**2 - (w**2).mean(axis=(0, 1))
    scale = np.sqrt((r**2).mean(axis=(0, 1)) * (sq**2).mean(axis=(0, 1)))  # (N,)
    out = [(r[:, :-k] * sq[:, k:]).mean(axis=(0, 1)) for k in range(1, lags + 1)]
    return np.stack(out) / np.where(scale > 0, scale, np.nan)


@dataclass
class StylizedFacts:
    """Stylized facts of a set of return windows; per-asset arrays ``(N,)`` unless stated.

    Attributes:
        mean, std: of daily log returns.
        skew: sample skewness.
        kurtosis: excess kurtosis (0 for a Gaussian).
        quantiles: ``(4, N)`` at :data:`QUANTILES` (1 %, 5 %, 95 %, 99 %).
        acf_r, acf_abs, acf_sq: ``(lags, N)`` autocorrelations of ``r``, ``|r|``, ``r²``.
        leverage: ``(leverage_lags, N)`` ``corr(r_t, r²_{t+k})``.
        corr: ``(N, N)`` cross-asset correlation of daily returns.
        n_pairs: observations behind a lag-1 autocorrelation (for confidence bands).
    """

    mean: np.ndarray
    std: np.ndarray
    skew: np.ndarray
    kurtosis: np.ndarray
    quantiles: np.ndarray
    acf_r: np.ndarray
    acf_abs: np.ndarray
    acf_sq: np.ndarray
    leverage: np.ndarray
    corr: np.ndarray
    n_pairs: int

    def summary(self, acf_lags: int = 10) -> dict[str, float]:
        """Scalars averaged over assets: the table's stylized-fact columns."""
        return {
            "mean": float(self.mean.mean()), "std": float(self.std.mean()),
            "skew": float(self.skew.mean()), "kurtosis": float(self.kurtosis.mean()),
            "acf_r_1_10": float(self.acf_r[:acf_lags].mean()),
            "acf_abs_1_10": float(self.acf_abs[:acf_lags].mean()),
            "leverage_1_10": float(self.leverage.mean()),
        }

    def to_dict(self) -> dict[str, object]:
        """JSON-ready nested lists."""
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in asdict(self).items()}


def stylized_facts(windows: np.ndarray, lags: int = 20, leverage_lags: int = 10) -> StylizedFacts:
    """Compute :class:`StylizedFacts` of windows ``(n, L, N)`` of log returns (``L > lags``).

    Raises:
        DataError: bad windows (see :func:`check_windows`).
        ConfigError: windows too short for ``lags``.
    """
    w = check_windows(windows)
    flat = w.reshape(-1, w.shape[2])  # (n*L, N)
    centred = flat - flat.mean(axis=0)
    sd = flat.std(axis=0)
    safe = np.where(sd > 0, sd, np.nan)
    corr = np.atleast_2d(np.corrcoef(flat, rowvar=False)) if w.shape[2] > 1 else np.ones((1, 1))
    return StylizedFacts(
        mean=flat.mean(axis=0), std=sd,
        skew=(centred**3).mean(axis=0) / safe**3,
        kurtosis=(centred**4).mean(axis=0) / safe**4 - 3.0,
        quantiles=np.quantile(flat, QUANTILES, axis=0),
        acf_r=acf(w, lags), acf_abs=acf(w, lags, "abs"), acf_sq=acf(w, lags, "square"),
        leverage=leverage(w, leverage_lags), corr=corr,
        n_pairs=int(w.shape[0] * (w.shape[1] - 1)),
    )


def horizon_returns(windows: np.ndarray, horizon: int) -> np.ndarray:
    """Overlapping ``horizon``-day log returns inside each window, pooled: ``(n * (L - h + 1), N)``."""
    w = check_windows(windows)
    if not 1 <= horizon <= w.shape[1]:
        raise ConfigError(f"horizon {horizon} does not fit windows of {w.shape[1]} days")
    c = np.concatenate([np.zeros_like(w[:, :1]), np.cumsum(w, axis=1)], axis=1)  # (n, L+1, N)
    return (c[:, horizon:] - c[:, :-horizon]).reshape(-1, w.shape[2])


def wasserstein_by_horizon(real: np.ndarray, synthetic: np.ndarray,
                           horizons: tuple[int, ...] = (1, 5, 20)) -> np.ndarray:
    """Wasserstein-1 distance ``(H, N)`` between real and synthetic ``h``-day log returns, per asset.

    Units are those of a log return (multiply by 1e4 for basis points). Identical samples give 0.

    Raises:
        DataError: bad windows or different asset counts.
    """
    from scipy.stats import wasserstein_distance

    real, synthetic = check_windows(real, "real windows"), check_windows(synthetic, "synthetic windows")
    if real.shape[2] != synthetic.shape[2]:
        raise DataError(f"real windows have {real.shape[2]} assets, synthetic {synthetic.shape[2]}")
    out = np.empty((len(horizons), real.shape[2]))
    for j, h in enumerate(horizons):
        a, b = horizon_returns(real, h), horizon_returns(synthetic, h)
        out[j] = [wasserstein_distance(a[:, i], b[:, i]) for i in range(real.shape[2])]
    return out


def nearest_distance(query: np.ndarray, reference: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Euclidean distance ``(m,)`` from each query window ``(m, L, N)`` to its nearest reference window.

    Windows are compared as flat vectors; standardize returns first so that assets weigh
    alike. A window copied from ``reference`` has distance 0.

    Raises:
        DataError: bad windows or different ``(L, N)``.
    """
    q = check_windows(query, "query windows")
    ref = check_windows(reference, "reference windows")
    if q.shape[1:] != ref.shape[1:]:
        raise DataError(f"query windows {q.shape[1:]} and reference windows {ref.shape[1:]} differ in (L, N)")
    qf, rf = q.reshape(len(q), -1), ref.reshape(len(ref), -1)  # (m, L*N), (k, L*N)
    ref_sq = (rf**2).sum(axis=1)  # (k,)
    out = np.empty(len(qf))
    for lo in range(0, len(qf), chunk):
        part = qf[lo : lo + chunk]
        d2 = (part**2).sum(axis=1)[:, None] - 2.0 * part @ rf.T + ref_sq  # (c, k)
        out[lo : lo + chunk] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out


def memorization(synthetic: np.ndarray, heldout: np.ndarray, train_returns: np.ndarray,
                 scale: np.ndarray, window: int = 20) -> dict[str, float]:
    """Median nearest-training-window distance of synthetic vs held-out real windows.

    Every window is cut into non-overlapping ``window``-day pieces (a copied piece is caught
    even inside a longer window); returns are divided by ``scale`` ``(N,)`` (the training
    standard deviation). The reference is every ``window``-day window of ``train_returns``
    ``(T, N)``, step 1.

    Returns:
        ``synthetic``, ``heldout``: the medians; ``ratio`` = synthetic / held-out (a copier
        scores 0; a generator of new paths about 1).
    """
    ref = cut_windows(np.asarray(train_returns) / scale, window, step=1)  # (k, w, N)

    def pieces(w: np.ndarray) -> np.ndarray:
        w = check_windows(w) / scale
        if w.shape[1] < window:
            raise ConfigError(f"windows of {w.shape[1]} days are shorter than the {window}-day check")
        k = w.shape[1] // window
        return w[:, : k * window].reshape(len(w) * k, window, w.shape[2])  # (n*k, w, N)

    syn = float(np.median(nearest_distance(pieces(synthetic), ref)))
    held = float(np.median(nearest_distance(pieces(heldout), ref)))
    return {"synthetic": syn, "heldout": held, "ratio": syn / held if held > 0 else float("nan")}


# ---------------------------------------------------------------------- the training monitor's statistics
# Cheaper relatives of the estimates above, computed in the input's dtype (float32 during
# training). They are not interchangeable with them: pooled_abs_acf removes each window's
# own mean and pools the assets, acf removes the pooled mean and keeps assets apart; the
# training history and the choice of best.pt were measured with these.
def pooled_abs_acf(windows: np.ndarray, lags: int = 10) -> np.ndarray:
    """ACF ``(lags,)`` of ``|x|`` at lags ``1..lags`` of windows ``(B, L, C)``, windows and channels pooled.

    Each window's own mean of ``|x|`` is removed; the lag-``k`` products are averaged within
    each window and summed over windows and channels, over the summed variances.
    """
    a = np.abs(windows) - np.abs(windows).mean(axis=1, keepdims=True)  # (B, L, C)
    var = (a**2).mean(axis=1).sum()
    return np.array([(a[:, k:] * a[:, :-k]).mean(axis=1).sum() / var for k in range(1, lags + 1)])


def pooled_excess_kurtosis(windows: np.ndarray) -> np.ndarray:
    """Excess kurtosis ``(C,)`` of each channel over every bar of windows ``(..., C)`` (0 for a Gaussian).

    A constant channel gives -3 (its sd is floored at 1e-12), where :func:`stylized_facts` gives NaN.
    """
    z = windows.reshape(-1, windows.shape[-1])  # (B*L, C)
    z = (z - z.mean(axis=0)) / np.maximum(z.std(axis=0), 1e-12)
    return (z**4).mean(axis=0) - 3.0


def sorted_w1(a: np.ndarray, b: np.ndarray) -> float:
    """Wasserstein-1 of two 1-D samples as the mean gap of their sorted values (first ``min(len)`` each).

    Equals :func:`scipy.stats.wasserstein_distance` for samples of equal size, without its
    float64 cumulative-distribution pass.
    """
    n = min(len(a), len(b))
    return float(np.abs(np.sort(a[:n]) - np.sort(b[:n])).mean())
