r"""Synthetic markets: GBM, regime-switching GARCH, a planted learnable signal, and AR(1) returns.

Every generator returns :class:`~tradegym.data.MarketData` on a business-day calendar
(``pd.bdate_range(start, periods=n_bars)``) with symbols ``S00, S01, ...``, ``name`` equal
to its source name and ``meta`` holding the generating parameters and seed (``gbm`` and
``regime`` also declare ``meta["periods_per_year"]``, the value they de-annualise with, which
backtests annualise with; see :mod:`tradegym.data.frequency`). Output is a
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

**planted** and **ar1**, the markets with a known answer (a planted signal with its oracle
policy, AR(1) returns with a known best forecast), live in :mod:`tradegym.data.planted` and
are importable from here too (:func:`planted_signal`, :func:`ar1_returns`,
:func:`planted_expected_returns`, :func:`oracle_weights`, :class:`OraclePolicy`).

>>> data = gbm(n_assets=3, n_bars=300, ohlc=True, seed=0)
>>> data.fields, data.symbols, float(data.close[0, 0])
(('open', 'high', 'low', 'close', 'volume'), ('S00', 'S01', 'S02'), 100.0)
>>> bool((gbm(n_assets=3, n_bars=300, seed=0).close == data.close).all())  # OHLCV keeps the closes
True
"""

from __future__ import annotations

import math

import numpy as np

from tradegym.data._bars import (
    INITIAL_PRICE,
    OHLCV,
    OVERNIGHT_VAR_SHARE,
    VOLUME_LOG_SD,
    VOLUME_MEDIAN,
    business_days,
    check,
    split_bars,
    synthetic_meta,
    to_market,
)
from tradegym.data.market import MarketData
from tradegym.data.planted import (
    OraclePolicy,
    ar1_returns,
    oracle_weights,
    planted_expected_returns,
    planted_signal,
)


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
    dates = business_days(n_assets, n_bars, start)
    check("mu_annual", mu_annual, math.isfinite(mu_annual), "finite")
    check("sigma_annual", sigma_annual, sigma_annual > 0, "> 0")
    lo = -1.0 / (n_assets - 1) if n_assets > 1 else -1.0
    check("correlation", correlation, lo < correlation < 1,
          f"in ({lo:g}, 1) for n_assets={n_assets}")
    check("periods_per_year", periods_per_year, periods_per_year > 0, "> 0")
    rng = np.random.default_rng(seed)
    corr = np.full((n_assets, n_assets), correlation) + (1 - correlation) * np.eye(n_assets)
    z = rng.standard_normal((n_bars, n_assets)) @ np.linalg.cholesky(corr).T  # (T, N)
    var = sigma_annual**2 / periods_per_year
    r = (mu_annual - sigma_annual**2 / 2) / periods_per_year + math.sqrt(var) * z  # (T, N)
    params = dict(mu_annual=mu_annual, sigma_annual=sigma_annual, correlation=correlation,
                  periods_per_year=periods_per_year, ohlc=ohlc)
    return to_market("gbm", np.cumsum(r, axis=0), dates, synthetic_meta("gbm", seed, params),
                     split_bars(r, np.full_like(r, var), rng) if ohlc else None, rng)


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
    dates = business_days(n_assets, n_bars, start)
    for name, pair, ok, allowed in (
        ("vol_annual", vol_annual, lambda v: v > 0, "each > 0"),
        ("drift_annual", drift_annual, math.isfinite, "each finite"),
        ("stay_prob", stay_prob, lambda p: 0 < p < 1, "each in (0, 1)"),
    ):
        check(name, pair, len(pair) == 2 and all(ok(v) for v in pair),
              f"a (calm, turbulent) pair, {allowed}")
    check("garch_alpha", garch_alpha, garch_alpha >= 0, ">= 0")
    check("garch_beta", garch_beta, garch_beta >= 0 and garch_alpha + garch_beta < 1,
          f">= 0 with garch_alpha + garch_beta < 1 (garch_alpha={garch_alpha})")
    check("dof", dof, dof > 2, "> 2 (finite variance)")
    check("market_share", market_share, 0 <= market_share <= 1, "in [0, 1]")
    check("periods_per_year", periods_per_year, periods_per_year > 0, "> 0")
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
    meta = synthetic_meta("regime", seed, params)
    meta["turbulent_share"] = float(regime.mean())  # realised, for reports
    return to_market("regime", np.cumsum(r, axis=0), dates, meta,
                     split_bars(r, var, rng) if ohlc else None, rng)


__all__ = [
    "INITIAL_PRICE", "OHLCV", "OVERNIGHT_VAR_SHARE", "VOLUME_LOG_SD", "VOLUME_MEDIAN", "OraclePolicy",
    "ar1_returns", "gbm", "oracle_weights", "planted_expected_returns", "planted_signal", "regime_switching",
]
