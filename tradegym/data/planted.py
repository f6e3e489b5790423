r"""Markets with a known answer: a planted learnable signal with its oracle, and AR(1) returns.

The same conventions as :mod:`tradegym.data.synthetic` (business-day calendar, symbols
``S00, S01, ...``, ``close[0] = 100``, output a deterministic function of the arguments,
the bar model of its docstring); what sets these apart is that the best achievable policy
or forecast is known, so a learner can be scored against it. Both names are also
importable from :mod:`tradegym.data.synthetic`.

**planted** -- returns partly predictable from the observation. With
``s[t, i] = (log c[t, i] - log c[t-m, i]) / m``, ``m = min(t, lookback)`` (``s[0] = 0``),
the mean of the last ``lookback`` close-to-close log returns known at the close of ``t``::

    r_id[t+1] = mu + phi s[t] + sigma eps,   r_on[t+1] = overnight_sigma eta   (eps, eta ~ N(0, 1))

A decision at the close of ``t`` that fills at the open of ``t+1`` (the env's
``"next_open"``) earns ``r_id[t+1]``, whose conditional mean
:func:`planted_expected_returns` computes from closes alone; :func:`oracle_weights` and
:class:`OraclePolicy` act on it. Close-to-close returns are then an AR(``lookback``)
process with coefficients ``phi / lookback`` summing to ``phi``, stationary for
``|phi| < 1``.

**ar1** -- close-only log returns following a stationary AR(1); the population R^2 of the
best one-step forecast, ``phi^2``, is stored as ``meta["r2_max"]`` (:func:`ar1_returns`).

>>> data = planted_signal(n_assets=3, n_bars=300, seed=0)
>>> data.fields, data.symbols, float(data.close[0, 0])
(('open', 'high', 'low', 'close', 'volume'), ('S00', 'S01', 'S02'), 100.0)
>>> oracle_weights(data).shape
(300, 4)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from tradegym.data._bars import business_days, check, is_int, synthetic_meta, to_market
from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError


def planted_signal(
    n_assets: int = 5,
    n_bars: int = 2500,
    *,
    phi: float = 0.3,
    lookback: int = 1,
    sigma: float = 0.01,
    overnight_sigma: float = 0.002,
    mu: float = 0.0,
    seed: int | None = 0,
    start: str = "2000-01-03",
) -> MarketData:
    """OHLCV market whose next intraday return is partly predictable (module docstring).

    Always OHLCV, so the env's default ``"next_open"`` execution trades exactly the
    planted intraday return. Assets are independent.

    Args:
        n_assets: ``N >= 1``.
        n_bars: ``T >= 2``.
        phi: loading of the intraday log return on the trailing mean return, in (-1, 1).
        lookback: bars ``>= 1`` averaged into the signal.
        sigma: per-bar sd of the unpredictable intraday log return, ``> 0``.
        overnight_sigma: per-bar sd of the (pure noise) overnight log return, ``>= 0``.
        mu: per-bar mean intraday log return.
        seed: seed of ``np.random.default_rng``.
        start: first date of the business-day calendar.

    Returns:
        MarketData ``(T, N, 5)`` named ``"planted"``; ``meta["oracle"]`` is
        ``{"kind": "planted", "phi", "lookback", "mu"}``.

    Raises:
        ConfigError: an argument is out of range (the message names it).
    """
    dates = business_days(n_assets, n_bars, start)
    check("phi", phi, -1 < phi < 1, "in (-1, 1) (keeps the planted process stationary)")
    check("lookback", lookback, is_int(lookback) and lookback >= 1, "an integer >= 1")
    check("sigma", sigma, sigma > 0, "> 0")
    check("overnight_sigma", overnight_sigma, overnight_sigma >= 0, ">= 0")
    check("mu", mu, math.isfinite(mu), "finite")
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n_bars, n_assets))  # (T, N)
    r_on = overnight_sigma * rng.standard_normal((n_bars, n_assets))  # (T, N)
    log_close, r_id = np.empty_like(eps), np.empty_like(eps)  # (T, N)
    expected, prev = np.full(n_assets, mu), np.zeros(n_assets)  # row 0 has no past
    for t in range(n_bars):
        r_id[t] = expected + sigma * eps[t]
        log_close[t] = prev = prev + r_on[t] + r_id[t]
        # The same formula the oracle applies to the data, on the rows it needs.
        window = log_close[max(t - lookback, 0) : t + 1]  # (<= lookback+1, N)
        expected = mu + phi * _trailing_mean_return(window, lookback)[-1]
    params = dict(phi=phi, lookback=lookback, sigma=sigma, overnight_sigma=overnight_sigma, mu=mu)
    meta = synthetic_meta("planted", seed, params)
    meta["oracle"] = {"kind": "planted", "phi": phi, "lookback": lookback, "mu": mu}
    bars = r_id, np.full_like(r_id, sigma**2)
    return to_market("planted", log_close, dates, meta, bars, rng)


def ar1_returns(
    n_assets: int = 5,
    n_bars: int = 2500,
    *,
    phi: float = 0.5,
    sigma: float = 0.01,
    mu: float = 0.0,
    seed: int | None = 0,
    start: str = "2000-01-03",
) -> MarketData:
    """Close-only market whose log returns are a stationary AR(1) with a known coefficient.

    ``r[t, i] = mu + phi (r[t-1, i] - mu) + sigma eps[t, i]`` with ``eps ~ N(0, 1)`` iid and
    ``r[0]`` drawn from the stationary law ``N(mu, sigma^2 / (1 - phi^2))``. The best
    one-step forecast is ``mu + phi (r[t] - mu)``; its population R^2 is ``phi^2``, the
    ceiling any forecaster of next-bar returns can reach here (``meta["r2_max"]``).

    Args:
        n_assets: ``N >= 1`` independent assets.
        n_bars: ``T >= 2``.
        phi: AR coefficient in (-1, 1).
        sigma: per-bar sd of the innovation, ``> 0``.
        mu: per-bar mean log return.
        seed: seed of ``np.random.default_rng``.
        start: first date of the business-day calendar.

    Returns:
        MarketData ``(T, N, 1)`` named ``"ar1"``.

    Raises:
        ConfigError: an argument is out of range (the message names it).

    >>> data = ar1_returns(n_assets=2, n_bars=400, phi=0.5, seed=0)
    >>> data.fields, data.meta["r2_max"]
    (('close',), 0.25)
    """
    dates = business_days(n_assets, n_bars, start)
    check("phi", phi, -1 < phi < 1, "in (-1, 1) (keeps the AR(1) stationary)")
    check("sigma", sigma, sigma > 0, "> 0")
    check("mu", mu, math.isfinite(mu), "finite")
    rng = np.random.default_rng(seed)
    eps = sigma * rng.standard_normal((n_bars, n_assets))  # (T, N)
    r = np.empty_like(eps)
    r[0] = mu + eps[0] / math.sqrt(1 - phi**2)
    for t in range(1, n_bars):
        r[t] = mu + phi * (r[t - 1] - mu) + eps[t]
    meta = synthetic_meta("ar1", seed, dict(phi=phi, sigma=sigma, mu=mu))
    meta["r2_max"] = phi**2
    return to_market("ar1", np.cumsum(r, axis=0), dates, meta, None, rng)


# ---------------------------------------------------------------------- oracle
def planted_expected_returns(data: MarketData) -> np.ndarray:
    """Expected intraday log return of the next bar given closes up to each row.

    Row ``t`` is ``E[log(close[t+1] / open[t+1]) | rows <= t] = mu + phi * s[t]``, computed
    from ``data.close[: t + 1]`` only (causal), so it works on any date slice or symbol
    subset of a planted market. ``s[t]`` averages the ``min(t, lookback)`` returns the
    slice holds, ``s[0] = 0``: the first ``lookback`` rows of a slice that starts after
    row 0 of the original market see less history than the generator did.

    Args:
        data: a market made by :func:`planted_signal` (``meta["oracle"]`` read).

    Returns:
        float array ``(T, N)``, per-bar log returns.

    Raises:
        DataError: the market has no planted oracle.
    """
    oracle = data.meta.get("oracle")
    if not isinstance(oracle, Mapping) or oracle.get("kind") != "planted":
        raise DataError(
            f"market {data.name!r} has no planted oracle (meta['oracle'] is {oracle!r}); "
            "build it with tradegym.data.load('planted', ...)"
        )
    signal = _trailing_mean_return(np.log(data.close), int(oracle["lookback"]))  # (T, N)
    return float(oracle["mu"]) + float(oracle["phi"]) * signal


def oracle_weights(
    data: MarketData,
    *,
    long_short: bool = False,
    max_gross: float = 1.0,
    net: tuple[float, float] | None = None,
) -> np.ndarray:
    """The oracle's target weights, cash first: long-only, or a long/short book.

    **Long-only** (default): row ``t`` is one-hot on the asset with the largest
    :func:`planted_expected_returns` value if that value is ``> 0``, else all cash: the
    maximiser of the expected next intraday log return.

    **Long/short** (``long_short=True``, the env's ``action_mapping="long_short"``): risky
    weights proportional to the expected returns ``m``, the Sharpe-optimal book for
    independent assets of equal volatility (the planted ones): it is long the predicted
    winners and short the predicted losers, scaled to gross ``sum |w_i| = max_gross``, with
    ``|w_i| <= 1`` (weights at the cap are held there and the rest scaled up until the
    gross is met); cash is ``1 - sum w_i``. A row whose net ``sum w_i`` falls outside ``net``
    gets the dollar-neutral book instead, proportional to ``m - mean(m)`` with half the gross
    on each side (the Sharpe-optimal book when ``net`` is ``(0, 0)``; merely an allowed one
    for other bands). Rows without any signal (``m = 0``, e.g. row 0) are all cash; a
    dollar-neutral row with fewer than ``max_gross / 2`` assets on a side caps them at 1 and
    has a lower gross (only possible for ``max_gross > 2``).

    Causal (row ``t`` uses rows ``<= t``). Both ignore transaction costs and the overnight
    move: optimal for ``execution="next_open"`` at zero cost, strong, not optimal, otherwise.

    Args:
        data: a market made by :func:`planted_signal`.
        long_short: the long/short book instead of the long-only one.
        max_gross: the gross limit of the long/short book, ``> 0``.
        net: the allowed net exposure ``(low, high)``; must hold 0. ``None``: any net.

    Returns:
        float array ``(T, N + 1)``, rows summing to 1.

    Raises:
        DataError: the market has no planted oracle.
        ConfigError: ``max_gross`` or ``net`` without ``long_short``, ``max_gross <= 0``, or a
            band that excludes 0.
    """
    if not long_short and (max_gross != 1.0 or net is not None):
        raise ConfigError("oracle_weights: max_gross and net apply to the long/short oracle; "
                          "pass long_short=True")
    check("max_gross", max_gross, max_gross > 0, "> 0")
    low, high = (-np.inf, np.inf) if net is None else (float(net[0]), float(net[1]))
    if not low <= 0.0 <= high:
        raise ConfigError(f"oracle_weights supports net bands that hold 0 (default, or (0, 0) for a "
                          f"dollar-neutral book), got net={net}; widen the band")
    expected = planted_expected_returns(data)  # (T, N)
    weights = np.zeros((data.n_bars, data.n_assets + 1))  # (T, A)
    if long_short:
        risky = _proportional_book(expected, max_gross)  # (T, N)
        outside = (risky.sum(axis=1) < low - 1e-9) | (risky.sum(axis=1) > high + 1e-9)  # (T,)
        centred = expected[outside] - expected[outside].mean(axis=1, keepdims=True)  # (R, N)
        longs, shorts = np.maximum(centred, 0.0), np.maximum(-centred, 0.0)  # (R, N) each
        # Equal budgets keep the net at 0; a side of k assets holds at most k.
        side = np.minimum(max_gross / 2, np.minimum((longs > 0).sum(axis=1), (shorts > 0).sum(axis=1)))
        risky[outside] = _fill(longs, side) - _fill(shorts, side)
        weights[:, 1:] = risky
        weights[:, 0] = 1.0 - risky.sum(axis=1)
        return weights
    best = expected.argmax(axis=1)  # (T,)
    slot = np.where(expected[np.arange(len(best)), best] > 0, best + 1, 0)  # (T,) 0 = cash
    weights[np.arange(data.n_bars), slot] = 1.0
    return weights


def _proportional_book(expected: np.ndarray, gross: float) -> np.ndarray:
    # (T, N) -> (T, N): sign(m) times the magnitudes |m| filled to the gross under the cap 1.
    return np.sign(expected) * _fill(np.abs(expected), gross)


def _fill(size: np.ndarray, budget: float | np.ndarray) -> np.ndarray:
    """Weights ``min(1, c_t size)`` per row of ``size (T, N) >= 0`` summing to ``budget`` (or ``(T,)``).

    ``c_t`` found by holding the capped weights at 1 and scaling the rest to what is left,
    until none exceeds 1 (at most ``N`` rounds). A row with fewer than ``budget`` positive
    sizes ends with all of them at 1; a row of zeros stays 0.
    """
    out = np.zeros_like(size)  # (T, N)
    capped = np.zeros(size.shape, dtype=bool)  # (T, N)
    for _ in range(size.shape[1] + 1):
        free = np.where(capped, 0.0, size)  # (T, N)
        left = np.maximum(budget - capped.sum(axis=1), 0.0)  # (T,)
        total = free.sum(axis=1)  # (T,)
        scale = np.divide(left, total, out=np.zeros_like(total), where=total > 0)  # (T,)
        out = np.where(capped, 1.0, free * scale[:, None])
        over = out > 1.0
        if not over.any():
            break
        capped |= over
    return out


class OraclePolicy:
    """The :func:`oracle_weights` policy for one planted-market env (SB3 ``predict`` signature).

    Reads ``env.unwrapped.data``, ``.current_index`` (the decision bar) and
    ``.weights_to_action`` (inverse of the action mapping); on a long/short env
    (``env.long_short``) it holds the long/short oracle within ``env.book``'s gross limit and
    net band, else the long-only one. Single env only. Built without
    an env, it serves the backtester through ``target_weights(obs, env)``, which trades to
    the oracle weights of whatever env the backtester made.

    Raises:
        ConfigError: the env lacks those attributes, or ``predict`` gets a batch.
        DataError: the env's market has no planted oracle.
    """

    name = "oracle"
    book_aware = True  # a long/short env gets the long/short oracle, never the long-only twin

    def __init__(self, env: Any = None) -> None:
        self._data: MarketData | None = None
        self._weights = np.empty((0, 0))  # (T, A) once computed
        self._options: dict[str, Any] = {}  # the long/short book's limits, if any
        self.env = None if env is None else env.unwrapped
        needed = ("data", "current_index", "weights_to_action")
        if self.env is not None and not all(hasattr(self.env, a) for a in needed):
            raise ConfigError(
                "OraclePolicy needs a single portfolio env with data, current_index and "
                f"weights_to_action; got {type(self.env).__name__} (vector envs are not supported)"
            )

    def target_weights(self, obs: Any, env: Any) -> np.ndarray:
        """The oracle's target weights ``(A,)`` at ``env``'s current bar (backtester protocol)."""
        return self._oracle_row(env.unwrapped)

    def predict(
        self, obs: Any, state: Any = None, episode_start: Any = None, deterministic: bool = True
    ) -> tuple[np.ndarray, None]:
        """Return ``(action (A,) float32, None)`` giving the oracle weights at the current bar."""
        held = obs.get("weights") if isinstance(obs, Mapping) else None
        if held is not None and np.ndim(held) > 1:
            raise ConfigError(
                f"OraclePolicy drives a single env; obs['weights'] has shape {np.shape(held)} "
                "(a batch); run one env per policy"
            )
        if self.env is None:
            raise ConfigError("OraclePolicy() without an env can only run in tradegym.backtest")
        return self.env.weights_to_action(self._oracle_row(self.env)), None

    def _oracle_row(self, env: Any) -> np.ndarray:
        book = getattr(env, "book", None)
        options: dict[str, Any] = {}
        if getattr(env, "long_short", False) and book is not None:  # the env's limits
            options = {"long_short": True, "max_gross": book.max_gross,
                       "net": (book.net_low, book.net_high)}
        if self._data is not env.data or self._options != options:  # computed once per market
            self._data, self._options = env.data, options
            self._weights = oracle_weights(self._data, **options)  # (T, A)
        return self._weights[env.current_index]


def _trailing_mean_return(log_close: np.ndarray, lookback: int) -> np.ndarray:
    # (T, N) -> (T, N): mean of the last min(t, lookback) close-to-close log returns.
    t = np.arange(log_close.shape[0])
    back = np.maximum(t - lookback, 0)  # (T,)
    return (log_close - log_close[back]) / np.maximum(t - back, 1)[:, None]
