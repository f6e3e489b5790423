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


def oracle_weights(data: MarketData) -> np.ndarray:
    """Long-only weights maximising the expected next intraday log return, cash first.

    Row ``t`` is one-hot on the asset with the largest :func:`planted_expected_returns`
    value if that value is ``> 0``, else all cash. Causal (row ``t`` uses rows ``<= t``).
    It ignores transaction costs and the overnight move, so it is the optimum for
    ``execution="next_open"`` at zero cost and a strong, not optimal, policy otherwise.

    Returns:
        float array ``(T, N + 1)``, rows on the simplex.

    Raises:
        DataError: the market has no planted oracle.
    """
    expected = planted_expected_returns(data)  # (T, N)
    best = expected.argmax(axis=1)  # (T,)
    slot = np.where(expected[np.arange(len(best)), best] > 0, best + 1, 0)  # (T,) 0 = cash
    weights = np.zeros((data.n_bars, data.n_assets + 1))
    weights[np.arange(data.n_bars), slot] = 1.0
    return weights


class OraclePolicy:
    """The :func:`oracle_weights` policy for one planted-market env (SB3 ``predict`` signature).

    Reads ``env.unwrapped.data``, ``.current_index`` (the decision bar) and
    ``.weights_to_action`` (inverse of the action mapping). Single env only. Built without
    an env, it serves the backtester through ``target_weights(obs, env)``, which trades to
    the oracle weights of whatever env the backtester made.

    Raises:
        ConfigError: the env lacks those attributes, or ``predict`` gets a batch.
        DataError: the env's market has no planted oracle.
    """

    name = "oracle"

    def __init__(self, env: Any = None) -> None:
        self._data: MarketData | None = None
        self._weights = np.empty((0, 0))  # (T, A) once computed
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
        if self._data is not env.data:  # computed once per market
            self._data = env.data
            self._weights = oracle_weights(self._data)  # (T, A)
        return self._weights[env.current_index]


def _trailing_mean_return(log_close: np.ndarray, lookback: int) -> np.ndarray:
    # (T, N) -> (T, N): mean of the last min(t, lookback) close-to-close log returns.
    t = np.arange(log_close.shape[0])
    back = np.maximum(t - lookback, 0)  # (T,)
    return (log_close - log_close[back]) / np.maximum(t - back, 1)[:, None]
