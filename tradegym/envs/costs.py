"""Cost models that depend on size and liquidity, composed with the proportional one.

``PortfolioEnv(costs=[...])`` takes a list of terms, each a registered name or a dict
``{"name": ..., **parameters}``; their costs add up. Per risky asset ``i`` traded at step
``t -> t+1``, with ``n_i`` the traded notional in currency at the fill (``V_pre * |d_i|``,
``V_pre`` the value at the fill before costs):

================  =======================================  ================================
name              cost of asset ``i`` (currency)           parameters (defaults)
================  =======================================  ================================
``proportional``  ``cost_rate * n_i``                      ``cost_rate`` (the env's)
``spread``        ``h_{t,i} * n_i``, half-spread           ``bps`` (5 when neither is
                  ``h = bps/1e4 + range_fraction *``       given), ``range_fraction``
                  ``(high_t - low_t) / close_t``           (needs high and low)
``min_commission``tops the proportional commission up to   ``min_currency`` (1.0)
                  ``max(cost_rate * n_i, min_currency)``
                  on every asset with ``n_i > 0``
``impact``        ``min(coef * sigma_{t,i} *               ``coef`` (0.5),
                  sqrt(q_i), 1) * n_i``                    ``window_bars`` (20)
``participation`` no cost: caps ``q_i <= max_participation``  ``max_participation`` (0.1),
                  (the rest of the order is cancelled)     ``window_bars`` (20)
================  =======================================  ================================

``q_i`` is the traded shares over the trailing average volume: ``n_i / (fill price *
ADV_{t,i})``, ``ADV`` the mean volume (shares) of bars ``t-window_bars+1..t`` and
``sigma`` the population standard deviation of the log close returns of the same bars
(fewer at the start of the data: 0 with one return). Everything a cost reads about the
market is of the decision bar ``t`` and before; only the fill price is the transition's own.

The participation cap clips each asset's trade ``d_i`` to ``max_participation * ADV * fill
price / V_pre``; the unfilled rest is cancelled, not carried to the next bar. When cancelled
sales leave too little cash for the buys, every buy is scaled by one factor so that cash
ends at exactly 0 (a long/short book may borrow: there the cap only clips). The realised
weights then differ from the target: ``info["filled"]``
holds them and ``info["wanted_turnover"]`` the turnover asked for. Assets not tradable at
``t`` (a forced sale after a delisting) are exempt from the cap and from impact.

The total cost is at most the value at the fill (a zero-volume window can make the impact
large): the value then falls to 0, which is ruin. ``min_commission`` is in currency, so it
needs a realistic ``initial_value`` (the default 1.0 makes a 1.0 minimum the whole value).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from tradegym.data.market import MarketData
from tradegym.errors import ConfigError
from tradegym.registry import Registry, suggest


@dataclasses.dataclass(frozen=True)
class Spread:
    """Half-spread per unit of traded notional: ``bps`` basis points plus a share of the range."""

    bps: float | None = None
    """Constant half-spread in basis points; 5 (a liquid large cap) when neither is given."""
    range_fraction: float | None = None
    """Fraction of the decision bar's ``(high - low) / close`` paid as half-spread."""


@dataclasses.dataclass(frozen=True)
class MinCommission:
    """A minimum commission per asset traded, in currency (on top of the proportional rate)."""

    min_currency: float = 1.0
    """A typical retail broker's minimum per order; needs a realistic ``initial_value``."""


@dataclasses.dataclass(frozen=True)
class Impact:
    """Square-root market impact ``coef * sigma * sqrt(shares / ADV)`` on traded notional."""

    coef: float = 0.5
    """Empirical estimates of the square-root law's constant lie around 0.5-1 (Toth et al. 2011)."""
    window_bars: int = 20
    """About a trading month of daily bars for the average volume and the volatility."""


@dataclasses.dataclass(frozen=True)
class Participation:
    """Fill at most ``max_participation`` of the trailing average volume per asset; cancel the rest."""

    max_participation: float = 0.1
    """10 % of a bar's volume: a common execution limit for one order."""
    window_bars: int = 20
    """About a trading month of daily bars for the average volume."""


TERMS: dict[str, type] = {"spread": Spread, "min_commission": MinCommission, "impact": Impact,
                          "participation": Participation}


class MarketCosts(NamedTuple):
    """The cost terms resolved against one market: what the compiled step reads.

    Per-bar arrays are ``(T, N)``; an unused one is a ``(1, 1)`` placeholder.
    """

    cost_rate: float  # fraction per unit of turnover
    spread_frac: float  # constant half-spread, fraction of notional
    range_spread: np.ndarray  # (T, N) half-spread from the bar's range, fraction
    min_currency: float  # minimum commission per asset traded; 0 = off
    impact_coef: float  # 0 = off
    sigma: np.ndarray  # (T, N) trailing std of log returns
    impact_adv: np.ndarray  # (T, N) close_t * trailing mean volume, currency; inf = exempt
    max_participation: float  # inf = no cap
    cap_adv: np.ndarray  # (T, N) as impact_adv, over the cap's window
    cash_floor: float = 0.0  # a capped fill scales buys so that cash ends >= this; -inf: long/short

    @property
    def capped(self) -> bool:
        """Whether fills can fall short of the target (the participation cap is on)."""
        return math.isfinite(self.max_participation)

    def step_into(self, value: np.ndarray, weights: np.ndarray, target: np.ndarray,
                  r_pre: np.ndarray, r_post: np.ndarray, rows: np.ndarray, out: Any) -> None:
        """The step of :func:`tradegym.envs.kernel.portfolio_step` with these costs, into ``out``."""
        _market_transition_into(
            value, weights, target, r_pre, r_post, rows, self.cost_rate, self.spread_frac,
            self.range_spread, self.min_currency, self.impact_coef, self.sigma, self.impact_adv,
            self.max_participation, self.cap_adv, self.cash_floor, out.value, out.weights, out.trade,
            out.turnover, out.cost, out.g_pre, out.filled, out.wanted)


def _term(item: str | Mapping[str, Any], registry: Registry[Any], cost_rate: float) -> tuple[str, Any]:
    """``(name, resolved factory or term)`` of one entry of ``costs``, its parameters applied.

    A ``proportional`` term without its own ``cost_rate`` takes the env's ``cost_rate``.
    """
    params: dict[str, Any] = dict(item) if isinstance(item, Mapping) else {"name": item}
    name = params.pop("name", None)
    if not isinstance(name, str):
        raise ConfigError(f"cost term {item!r} needs a 'name' (one of {registry.names()})")
    if name == "proportional":
        params.setdefault("cost_rate", cost_rate)
    factory = registry.resolve(name)
    if isinstance(factory, type) and dataclasses.is_dataclass(factory):
        known = [f.name for f in dataclasses.fields(factory)]
        for key in params:
            if key not in known:
                raise ConfigError(f"cost model {name!r} has no parameter {key!r}.{suggest(key, known)} "
                                  f"Known: {', '.join(known)}")
        return name, factory(**params)
    try:
        return name, factory(**params)
    except TypeError as exc:
        raise ConfigError(f"cost model {name!r} rejected its parameters {params}: {exc}") from None


def resolve_costs(data: MarketData, registry: Registry[Any], cost_model: Any, cost_rate: float,
                  costs: Sequence[str | Mapping[str, Any]] | None) -> tuple[Any, float]:
    """The env's cost: a proportional rate, a ``CostFn`` or :class:`MarketCosts`; and the rate.

    Without ``costs``, ``cost_model`` is resolved and called with ``cost_rate`` as before; a
    name of :data:`TERMS` there means the proportional ``cost_rate`` plus that term with its
    defaults. A bare ``"proportional"`` in ``costs`` is at ``cost_rate``; a composition
    without it has rate 0. A composition of the proportional term alone is its rate, so it runs the
    proportional kernel bit for bit.

    Raises:
        ConfigError: an unknown name or parameter, a value out of range, a term given twice,
            a Python cost function inside ``costs``, or data without the fields a term reads.
    """
    if costs is None:
        factory = registry.resolve(cost_model)
        if not (isinstance(factory, type) and factory in TERMS.values()):
            return factory(cost_rate), float(cost_rate)
        costs = ["proportional", cost_model]
    if isinstance(costs, (str, Mapping)):
        costs = [costs]
    rate, terms = 0.0, {}
    for item in costs:
        name, term = _term(item, registry, cost_rate)
        if name in terms:
            raise ConfigError(f"cost model {name!r} is given twice in costs={list(costs)}; give it once")
        if isinstance(term, (int, float)):
            rate = float(term)
        elif not isinstance(term, tuple(TERMS.values())):
            raise ConfigError(f"cost model {name!r} is a Python cost function, which cannot be composed "
                              "in costs=[...]; pass it alone as cost_model=")
        terms[name] = term
    if set(terms) <= {"proportional"}:
        return rate, rate
    return build_market_costs(data, rate, list(terms.values())), rate


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise ConfigError(what)


def _volume_adv(data: MarketData, name: str, window_bars: int) -> np.ndarray:
    """``close_t * mean volume of t-window_bars+1..t`` ``(T, N)``; inf where not tradable."""
    _check(window_bars >= 1, f"cost model {name!r} needs window_bars >= 1, got {window_bars}")
    if not data.has("volume"):
        raise ConfigError(f"cost model {name!r} needs volume but {data.name!r} has only {list(data.fields)}; "
                          "load data with volume (ohlc=True for synthetic sources) or drop the term")
    volume = np.ascontiguousarray(data.field("volume"))  # (T, N) shares
    dead = [s for s, v, live in zip(data.symbols, volume.T, data.tradable.T, strict=True)
            if not (v[live] > 0).any()]
    if dead:
        raise ConfigError(f"cost model {name!r} needs traded volume but {dead[:3]} of {data.name!r} have "
                          "volume 0 on every bar (an index?); drop those symbols or the term")
    adv = np.ascontiguousarray(data.close) * _trailing(volume, window_bars, 0)[0]  # (T, N)
    adv[~data.tradable] = np.inf
    return adv


def build_market_costs(data: MarketData, cost_rate: float, terms: list[Any]) -> MarketCosts:
    """Precompute the per-bar arrays of ``terms`` on ``data`` (causal: row ``t`` reads rows ``<= t``).

    Raises:
        ConfigError: a parameter out of range or a field the term reads is missing.
    """
    placeholder = np.zeros((1, 1))
    fields: dict[str, Any] = {"cost_rate": cost_rate, "spread_frac": 0.0, "range_spread": placeholder,
                              "min_currency": 0.0, "impact_coef": 0.0, "sigma": placeholder,
                              "impact_adv": placeholder, "max_participation": math.inf,
                              "cap_adv": placeholder}
    for term in terms:
        if isinstance(term, Spread):
            bps = 5.0 if term.bps is None and term.range_fraction is None else float(term.bps or 0.0)
            _check(0 <= bps < 5000, f"spread bps must be in [0, 5000), got {bps}")
            fields["spread_frac"] = bps * 1e-4
            if term.range_fraction is not None:
                _check(0 <= term.range_fraction <= 1,
                       f"spread range_fraction must be in [0, 1], got {term.range_fraction}")
                if not (data.has("high") and data.has("low")):
                    raise ConfigError(f"spread range_fraction needs high and low but {data.name!r} has only "
                                      f"{list(data.fields)}; give bps instead")
                spread = term.range_fraction * (data.field("high") - data.field("low")) / data.close
                fields["range_spread"] = np.ascontiguousarray(spread)  # (T, N)
        elif isinstance(term, MinCommission):
            _check(term.min_currency >= 0,
                   f"min_commission min_currency must be >= 0, got {term.min_currency}")
            fields["min_currency"] = float(term.min_currency)
        elif isinstance(term, Impact):
            _check(term.coef >= 0, f"impact coef must be >= 0, got {term.coef}")
            fields["impact_coef"] = float(term.coef)
            fields["impact_adv"] = _volume_adv(data, "impact", term.window_bars)
            log_ret = np.zeros(data.close.shape)
            log_ret[1:] = np.log(data.close[1:] / data.close[:-1])  # (T, N); row 0 unused
            fields["sigma"] = _trailing(log_ret, term.window_bars, 1)[1]
        elif isinstance(term, Participation):
            _check(0 < term.max_participation <= 1,
                   f"participation max_participation must be in (0, 1], got {term.max_participation}")
            fields["max_participation"] = float(term.max_participation)
            fields["cap_adv"] = _volume_adv(data, "participation", term.window_bars)
    return MarketCosts(**fields)


@njit(cache=True, nogil=True)
def _trailing(x, window, first):  # pragma: no cover - compiled
    """Mean and population std ``(T, N)`` of rows ``max(first, t-window+1)..t`` of ``x (T, N)``."""
    mean, std = np.zeros(x.shape), np.zeros(x.shape)
    for t in range(x.shape[0]):
        lo = max(first, t - window + 1)
        count = t - lo + 1
        if count < 1:
            continue
        for j in range(x.shape[1]):
            total = 0.0
            for s in range(lo, t + 1):
                total += x[s, j]
            m = total / count
            sq = 0.0
            for s in range(lo, t + 1):
                sq += (x[s, j] - m) ** 2
            mean[t, j], std[t, j] = m, math.sqrt(sq / count)
    return mean, std


@njit(cache=True, nogil=True)
def _fill(b, t, weights, target, r_pre, g_pre, pre_value, max_part, cap_adv, cash_floor, trade,
          filled):  # pragma: no cover - compiled
    """Trades ``d`` and filled weights of portfolio ``b`` under the cap; returns the wanted turnover."""
    a = weights.shape[1]
    wanted, clipped, cash = 0.0, False, weights[b, 0] * r_pre[b, 0] / g_pre
    capped = cap_adv.shape[0] > 1
    for i in range(1, a):
        drifted = weights[b, i] * r_pre[b, i] / g_pre
        d = target[b, i] - drifted
        wanted += abs(d)
        limit = max_part * cap_adv[t, i - 1] * r_pre[b, i] / pre_value if capped else math.inf
        if abs(d) > limit:  # limit: a fraction of value
            d = limit if d > 0 else -limit
            clipped = True
        trade[b, i] = d
        cash -= d
    if not clipped:  # the exact target, bit for bit as the proportional kernel
        for i in range(a):
            filled[b, i] = target[b, i]
        trade[b, 0] = target[b, 0] - weights[b, 0] * r_pre[b, 0] / g_pre
        return wanted
    if cash < cash_floor:  # cancelled sales left too little cash: scale all buys by one factor
        buys = 0.0
        for i in range(1, a):
            buys += max(trade[b, i], 0.0)
        scale = max((buys + cash - cash_floor) / buys, 0.0)
        for i in range(1, a):
            if trade[b, i] > 0.0:
                trade[b, i] *= scale
        cash = cash_floor
    filled[b, 0] = cash
    trade[b, 0] = cash - weights[b, 0] * r_pre[b, 0] / g_pre
    for i in range(1, a):
        filled[b, i] = weights[b, i] * r_pre[b, i] / g_pre + trade[b, i]
    return wanted


@njit(cache=True, nogil=True)
def _market_transition_into(value, weights, target, r_pre, r_post, rows, rate, spread_frac, range_spread,
                            min_currency, impact_coef, sigma, impact_adv, max_part, cap_adv, cash_floor,
                            new_value, new_weights, trade, turnover, cost, g_pre_out, filled,
                            wanted):  # pragma: no cover - compiled
    """The kernel's transition with the terms of :class:`MarketCosts`; ``rows (B,)`` are decision bars."""
    a = weights.shape[1]
    has_range = range_spread.shape[0] > 1
    for b in range(weights.shape[0]):
        t = rows[b]
        g_pre = 0.0
        for i in range(a):
            g_pre += weights[b, i] * r_pre[b, i]
        pre_value = value[b] * g_pre
        wanted[b] = _fill(b, t, weights, target, r_pre, g_pre, pre_value, max_part, cap_adv, cash_floor,
                          trade, filled)
        moved, paid, g_post = 0.0, 0.0, 0.0
        for i in range(1, a):
            n = pre_value * abs(trade[b, i])  # traded notional, currency
            moved += abs(trade[b, i])
            half = spread_frac + (range_spread[t, i - 1] if has_range else 0.0)
            paid += (rate + half) * n
            if n > 0.0 and min_currency > 0.0:
                paid += max(min_currency - rate * n, 0.0)
            if n > 0.0 and impact_coef > 0.0:
                scale = impact_coef * sigma[t, i - 1]
                depth = impact_adv[t, i - 1] * r_pre[b, i]  # ADV shares * fill price
                if scale > 0.0:
                    paid += min(scale * math.sqrt(n / depth), 1.0) * n if depth > 0.0 else n
        for i in range(a):
            grown = filled[b, i] * r_post[b, i]
            new_weights[b, i] = grown
            g_post += grown
        for i in range(a):
            new_weights[b, i] /= g_post
        paid = min(paid, pre_value)  # at most everything: value 0 is ruin
        turnover[b] = moved
        cost[b] = paid
        new_value[b] = (pre_value - paid) * g_post
        g_pre_out[b] = g_pre
