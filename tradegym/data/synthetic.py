r"""Synthetic markets: GBM, regime-switching GARCH, a planted learnable signal, and AR(1) returns.

Every generator returns :class:`~tradegym.data.MarketData` on a business-day calendar
(``pd.bdate_range(start, periods=n_bars)``) with symbols ``S00, S01, ...``, ``name`` equal
to its source name and ``meta`` holding the generating parameters and seed. Output is a
deterministic function of the arguments (``np.random.default_rng(seed)``). Prices start at
``close[0] = 100``. Shape letters: ``T`` bars, ``N`` assets, ``P = periods_per_year``.

**Bars.** A bar's log return ``r = r_on + r_id`` is an overnight part (previous close to
open) and an intraday part (open to close): ``open[t] = close[t-1] exp(r_on[t])``,
``close[t] = open[t] exp(r_id[t])``. Where ``gbm`` and ``regime`` make OHLCV they draw the
split given ``r`` and its conditional variance ``v``: ``r_on = f r + sqrt(f (1-f) v) z`` with
``f = 0.2``, the Brownian-bridge split that gives the overnight part 20% of the variance, so
asking for OHLCV never changes the closes. High and low are the extremes of a Brownian
bridge from open to close with variance ``v_id = (1-f) v``:
``log(high/open) = (x + sqrt(x^2 - 2 v_id log U)) / 2`` (``x = r_id``, ``U ~ U(0, 1]``;
low alike with ``-x``), so ``high >= max(open, close)`` and ``0 < low <= min(open, close)``.
Volume is lognormal noise (median 1e6 shares) carrying no information.

**gbm** -- geometric Brownian motion, ``dS/S = mu dt + sigma dW``, per bar
``r[t, i] = (mu - sigma^2/2)/P + sigma/sqrt(P) z[t, i]`` with ``z[t] ~ N(0, C)``,
``C = (1 - rho) I + rho 11'`` (equicorrelation).

**regime** -- a hidden Markov regime ``k[t]`` in {calm, turbulent} (per-bar stay
probabilities ``p_k``) scales a unit-variance GARCH(1,1) process with Student-t shocks::

    q[t] = (1 - a - b) + a u[t-1]^2 + b q[t-1],   u[t] = sqrt(q[t]) z[t],
    z ~ t(dof) / sqrt(dof / (dof - 2))            (one factor column, N idiosyncratic)
    r[t, i] = d_k/P + s_k/sqrt(P) (sqrt(rho) u_mkt[t] + sqrt(1 - rho) u_i[t])

with ``d_k`` the annualised mean log return and ``s_k`` the annualised volatility of
regime ``k``. Regimes switch volatility at once; GARCH adds clustering within a regime;
``rho`` (``market_share``) is the pairwise correlation of shocks.

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
import pandas as pd

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError

INITIAL_PRICE = 100.0
OVERNIGHT_VAR_SHARE = 0.2  # share of a bar's variance arriving overnight (gbm, regime)
VOLUME_MEDIAN = 1e6  # shares per bar
VOLUME_LOG_SD = 0.4
OHLCV = ("open", "high", "low", "close", "volume")


# ---------------------------------------------------------------------- generators
def gbm(
    n_assets: int = 5,
    n_bars: int = 2500,
    *,
    mu_annual: float = 0.05,
    sigma_annual: float = 0.2,
    correlation: float = 0.0,
    periods_per_year: float = 252,
    ohlc: bool = False,
    seed: int | None = 0,
    start: str = "2000-01-03",
) -> MarketData:
    """Geometric Brownian motion with equicorrelated assets (model in the module docstring).

    Args:
        n_assets: ``N >= 1``.
        n_bars: ``T >= 2``.
        mu_annual: annualised drift of ``dS/S`` (a fraction); the mean log return per bar
            is ``(mu_annual - sigma_annual**2 / 2) / periods_per_year``.
        sigma_annual: annualised volatility of log returns, ``> 0``.
        correlation: pairwise correlation of log returns, in ``(-1/(N-1), 1)``.
        periods_per_year: bars per year used to de-annualise, ``> 0``.
        ohlc: fields ``("open", "high", "low", "close", "volume")`` instead of ``("close",)``;
            the closes are the same either way.
        seed: seed of ``np.random.default_rng``.
        start: first date of the business-day calendar.

    Returns:
        MarketData ``(T, N, 1)`` or ``(T, N, 5)`` named ``"gbm"``.

    Raises:
        ConfigError: an argument is out of range (the message names it).
    """
    dates = _calendar(n_assets, n_bars, start)
    _check("mu_annual", mu_annual, math.isfinite(mu_annual), "finite")
    _check("sigma_annual", sigma_annual, sigma_annual > 0, "> 0")
    lo = -1.0 / (n_assets - 1) if n_assets > 1 else -1.0
    _check("correlation", correlation, lo < correlation < 1,
           f"in ({lo:g}, 1) for n_assets={n_assets}")
    _check("periods_per_year", periods_per_year, periods_per_year > 0, "> 0")
    rng = np.random.default_rng(seed)
    corr = np.full((n_assets, n_assets), correlation) + (1 - correlation) * np.eye(n_assets)
    z = rng.standard_normal((n_bars, n_assets)) @ np.linalg.cholesky(corr).T  # (T, N)
    var = sigma_annual**2 / periods_per_year
    r = (mu_annual - sigma_annual**2 / 2) / periods_per_year + math.sqrt(var) * z  # (T, N)
    params = dict(mu_annual=mu_annual, sigma_annual=sigma_annual, correlation=correlation,
                  periods_per_year=periods_per_year, ohlc=ohlc)
    return _market("gbm", np.cumsum(r, axis=0), dates, _meta("gbm", seed, params),
                   _split_bars(r, np.full_like(r, var), rng) if ohlc else None, rng)


def regime_switching(
    n_assets: int = 5,
    n_bars: int = 2500,
    *,
    vol_annual: tuple[float, float] = (0.12, 0.35),
    drift_annual: tuple[float, float] = (0.10, -0.20),
    stay_prob: tuple[float, float] = (0.995, 0.98),
    garch_alpha: float = 0.06,
    garch_beta: float = 0.90,
    dof: float = 6.0,
    market_share: float = 0.5,
    periods_per_year: float = 252,
    ohlc: bool = False,
    seed: int | None = 0,
    start: str = "2000-01-03",
) -> MarketData:
    """Two-regime (calm, turbulent) GARCH(1,1) market with Student-t shocks and a market factor.

    The defaults spend about 20% of bars in the turbulent regime (mean spell 50 bars),
    giving an overall volatility near 19% a year, excess kurtosis and volatility
    clustering. ``a + b < 1`` and ``b^2 + 2ab + a^2 E[z^4] < 1`` (true for the defaults)
    keep the variance and kurtosis of returns finite. The regime path is not returned.

    Args:
        n_assets: ``N >= 1``.
        n_bars: ``T >= 2``.
        vol_annual: (calm, turbulent) annualised volatility of log returns, each ``> 0``.
        drift_annual: (calm, turbulent) annualised mean log return.
        stay_prob: (calm, turbulent) per-bar probability of staying in the regime, in (0, 1).
        garch_alpha: GARCH reaction ``a >= 0`` to the last squared (unit-variance) shock.
        garch_beta: GARCH persistence ``b >= 0``; ``a + b < 1``.
        dof: Student-t degrees of freedom, ``> 2`` (lower: fatter tails).
        market_share: share of each asset's variance from the common factor, in [0, 1]
            (the pairwise correlation of shocks).
        periods_per_year: bars per year used to de-annualise, ``> 0``.
        ohlc: OHLCV fields instead of close only; the closes are the same either way.
        seed: seed of ``np.random.default_rng``.
        start: first date of the business-day calendar.

    Returns:
        MarketData ``(T, N, 1)`` or ``(T, N, 5)`` named ``"regime"``.

    Raises:
        ConfigError: an argument is out of range (the message names it).
    """
    dates = _calendar(n_assets, n_bars, start)
    for name, pair, ok, allowed in (
        ("vol_annual", vol_annual, lambda v: v > 0, "each > 0"),
        ("drift_annual", drift_annual, math.isfinite, "each finite"),
        ("stay_prob", stay_prob, lambda p: 0 < p < 1, "each in (0, 1)"),
    ):
        _check(name, pair, len(pair) == 2 and all(ok(v) for v in pair),
               f"a (calm, turbulent) pair, {allowed}")
    _check("garch_alpha", garch_alpha, garch_alpha >= 0, ">= 0")
    _check("garch_beta", garch_beta, garch_beta >= 0 and garch_alpha + garch_beta < 1,
           f">= 0 with garch_alpha + garch_beta < 1 (garch_alpha={garch_alpha})")
    _check("dof", dof, dof > 2, "> 2 (finite variance)")
    _check("market_share", market_share, 0 <= market_share <= 1, "in [0, 1]")
    _check("periods_per_year", periods_per_year, periods_per_year > 0, "> 0")
    rng = np.random.default_rng(seed)
    switch = rng.random(n_bars)  # (T,)
    z = rng.standard_t(dof, (n_bars, n_assets + 1)) * math.sqrt((dof - 2) / dof)  # (T, 1+N)
    p_calm, p_turb = stay_prob
    regime = np.empty(n_bars, dtype=np.int64)  # 0 calm, 1 turbulent
    regime[0] = switch[0] < (1 - p_calm) / (2 - p_calm - p_turb)  # stationary law
    q = np.ones(n_assets + 1)  # (1+N,) GARCH variance, market factor first
    qs, shocks = np.empty_like(z), np.empty_like(z)  # (T, 1+N)
    for t in range(n_bars):
        if t:
            regime[t] = regime[t - 1] if switch[t] < stay_prob[regime[t - 1]] else 1 - regime[t - 1]
            q = (1 - garch_alpha - garch_beta) + garch_alpha * shocks[t - 1] ** 2 + garch_beta * q
        qs[t], shocks[t] = q, np.sqrt(q) * z[t]
    vol = np.asarray(vol_annual)[regime, None] / math.sqrt(periods_per_year)  # (T, 1)
    drift = np.asarray(drift_annual)[regime, None] / periods_per_year  # (T, 1)
    rho = market_share
    r = drift + vol * (math.sqrt(rho) * shocks[:, :1] + math.sqrt(1 - rho) * shocks[:, 1:])
    var = vol**2 * (rho * qs[:, :1] + (1 - rho) * qs[:, 1:])  # (T, N) conditional variance
    params = dict(vol_annual=list(vol_annual), drift_annual=list(drift_annual),
                  stay_prob=list(stay_prob), garch_alpha=garch_alpha, garch_beta=garch_beta,
                  dof=dof, market_share=market_share, periods_per_year=periods_per_year,
                  ohlc=ohlc)
    meta = _meta("regime", seed, params)
    meta["turbulent_share"] = float(regime.mean())  # realised, for reports
    return _market("regime", np.cumsum(r, axis=0), dates, meta,
                   _split_bars(r, var, rng) if ohlc else None, rng)


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
    dates = _calendar(n_assets, n_bars, start)
    _check("phi", phi, -1 < phi < 1, "in (-1, 1) (keeps the planted process stationary)")
    _check("lookback", lookback, _is_int(lookback) and lookback >= 1, "an integer >= 1")
    _check("sigma", sigma, sigma > 0, "> 0")
    _check("overnight_sigma", overnight_sigma, overnight_sigma >= 0, ">= 0")
    _check("mu", mu, math.isfinite(mu), "finite")
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
    meta = _meta("planted", seed, params)
    meta["oracle"] = {"kind": "planted", "phi": phi, "lookback": lookback, "mu": mu}
    bars = r_id, np.full_like(r_id, sigma**2)
    return _market("planted", log_close, dates, meta, bars, rng)


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
    dates = _calendar(n_assets, n_bars, start)
    _check("phi", phi, -1 < phi < 1, "in (-1, 1) (keeps the AR(1) stationary)")
    _check("sigma", sigma, sigma > 0, "> 0")
    _check("mu", mu, math.isfinite(mu), "finite")
    rng = np.random.default_rng(seed)
    eps = sigma * rng.standard_normal((n_bars, n_assets))  # (T, N)
    r = np.empty_like(eps)
    r[0] = mu + eps[0] / math.sqrt(1 - phi**2)
    for t in range(1, n_bars):
        r[t] = mu + phi * (r[t - 1] - mu) + eps[t]
    meta = _meta("ar1", seed, dict(phi=phi, sigma=sigma, mu=mu))
    meta["r2_max"] = phi**2
    return _market("ar1", np.cumsum(r, axis=0), dates, meta, None, rng)


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


# ---------------------------------------------------------------------- helpers
def _trailing_mean_return(log_close: np.ndarray, lookback: int) -> np.ndarray:
    # (T, N) -> (T, N): mean of the last min(t, lookback) close-to-close log returns.
    t = np.arange(log_close.shape[0])
    back = np.maximum(t - lookback, 0)  # (T,)
    return (log_close - log_close[back]) / np.maximum(t - back, 1)[:, None]


def _split_bars(r: np.ndarray, var: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    # Bridge split of r (T, N) with conditional variance var (T, N): returns (r_id, var_id).
    f = OVERNIGHT_VAR_SHARE
    r_on = f * r + np.sqrt(f * (1 - f) * var) * rng.standard_normal(r.shape)
    return r - r_on, (1 - f) * var


def _market(
    name: str, log_close: np.ndarray, dates: pd.DatetimeIndex, meta: dict[str, Any],
    bars: tuple[np.ndarray, ...] | None, rng: np.random.Generator,
) -> MarketData:
    # log_close (T, N) up to a constant; bars = (r_id, var_id) (T, N) each, or None.
    log_rel = log_close - log_close[0]  # (T, N), 0 on row 0 so close[0] is exactly 100
    close = INITIAL_PRICE * np.exp(log_rel)
    symbols = [f"S{i:02d}" for i in range(close.shape[1])]
    if bars is None:
        return MarketData.from_array(close, dates, symbols, ("close",), name=name, meta=meta)
    r_id, var_id = bars
    open_ = INITIAL_PRICE * np.exp(log_rel - r_id)

    def extreme(x: np.ndarray) -> np.ndarray:  # max of a Brownian bridge from 0 to x
        return (x + np.sqrt(x**2 - 2 * var_id * np.log1p(-rng.random(x.shape)))) / 2

    # Clamping guards the bounds against the last bit of float rounding.
    high = np.maximum(open_ * np.exp(extreme(r_id)), np.maximum(open_, close))
    low = np.minimum(open_ * np.exp(-extreme(-r_id)), np.minimum(open_, close))
    volume = VOLUME_MEDIAN * np.exp(VOLUME_LOG_SD * rng.standard_normal(close.shape))
    prices = np.stack([open_, high, low, close, volume], axis=-1)  # (T, N, 5)
    return MarketData.from_array(prices, dates, symbols, OHLCV, name=name, meta=meta)


def _meta(name: str, seed: int | None, params: dict[str, Any]) -> dict[str, Any]:
    return {"source": name, "synthetic": True, "seed": seed,
            "initial_price": INITIAL_PRICE, "params": params}


def _calendar(n_assets: int, n_bars: int, start: str) -> pd.DatetimeIndex:
    # Checks the arguments every generator shares and returns the T business days.
    _check("n_assets", n_assets, _is_int(n_assets) and n_assets >= 1, "an integer >= 1")
    _check("n_bars", n_bars, _is_int(n_bars) and n_bars >= 2, "an integer >= 2")
    try:
        return pd.bdate_range(start, periods=n_bars)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"start must be a date like '2000-01-03', got {start!r} ({exc})") from exc


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check(name: str, value: Any, ok: bool, allowed: str) -> None:
    if not ok:
        raise ConfigError(f"{name} must be {allowed}, got {value!r}")
