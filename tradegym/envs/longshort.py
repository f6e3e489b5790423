"""Long/short books: the action mapping onto the allowed weights, carry, and the margin rule.

**The allowed set.** With ``action_mapping="long_short"`` the risky weights ``w_1..w_N`` (a
fraction of portfolio value each; negative is short) may be any point of

    F = { |w_i| <= 1,  sum_i |w_i| <= max_gross,  net_low <= sum_i w_i <= net_high }

and cash is what is left, ``w_0 = 1 - sum_i w_i``: negative when longs exceed the value
(borrowed), above 1 when shorts' proceeds sit in it. ``max_gross`` 1 is an unlevered book, 2
the Reg-T initial margin of a US account; ``net_exposure=(0, 0)`` is dollar-neutral,
``(1, 1)`` a 130/30-style fully invested book (with ``max_gross=1.6``).

**Scores to weights** (:func:`long_short_into`), for scores ``s`` in SB3's box
``[-1, 1]^A``: the risky scores give a direction and the cash score how far to go along it.
Unless the band is as wide as the gross limit (the default, which cannot bind), the risky
scores are shifted by one constant so that their sum lies in the net band; ``d`` is the step
from the band's centre portfolio ``p`` (every weight ``clip(0, net_low, net_high) / N``) to
them, and ``lam_edge`` how far along ``d`` the allowed set reaches (the first of the box,
the gross limit and the band; the gross exactly, by Newton steps on its convex piecewise-
linear path). Then ``w = p + e * lam_edge * d`` with the exposure ``e = (1 + s_0) / 2``:
``s_0 = 1`` is the edge of the set (a full book, e.g. gross ``max_gross``), ``-1`` is ``p``
(all cash when the band holds 0). The size of the book does not depend on the size of the
risky scores, so a policy's mean action trades the same book size as its noisy samples. A
point ``w`` of ``F`` is reached by ``s_0 = 2 / lam_edge(w - p) - 1`` and risky scores at the
edge point along ``w - p`` (:func:`weights_to_long_short_scores`).

**Carry**, per step on the weights ``f`` held from the fill to the next (each step spans one
bar whatever the execution), as a fraction of the value at the fill and credited or debited to
cash at the close of ``t+1``, with annual rates divided by the bars per year:

    k = cash_rate * max(f_0, 0) - financing_rate * max(-f_0, 0) - sum_i borrow_rate_i * max(-f_i, 0)

Short proceeds earn ``cash_rate`` (a full rebate) and each short pays its asset's
``borrow_rate`` on its notional: one rate for all (a number, a date-indexed series, one value
per bar) or per asset (``{symbol: rate}``, the rest at 0.5 %: a hard-to-borrow name costs
more; :mod:`tradegym.envs.rates`). Rates are read at the decision bar ``t``.

**Margin**: at every close, equity over gross exposure must stay at least
``margin_maintenance`` (gross leverage ``sum |w_i| <= 1 / margin_maintenance``). A breach
is a margin call: ``"deleverage"`` (default) scales every risky position by one factor back
to ``max_gross`` at that close, paying the proportional ``cost_rate`` on the trade;
``"end"`` terminates the episode. A value that reaches 0 (a short squeeze past the equity)
is ruin: value 0, all cash, the episode terminates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numba import njit

from tradegym.data.frequency import resolve_periods_per_year
from tradegym.data.market import MarketData
from tradegym.envs.rates import FINANCING_SPREAD, borrow_per_bar, per_bar
from tradegym.errors import ConfigError

MAPPING = "long_short"
MARGIN_CALLS = ("deleverage", "end")


class Book(NamedTuple):
    """What the compiled carry and margin step reads; rates are per bar, ``(T,)`` each."""

    long_short: bool
    max_gross: float
    net_low: float
    net_high: float
    cash_bar: np.ndarray  # (T,) fraction per bar
    financing_bar: np.ndarray  # (T,)
    borrow_bar: np.ndarray  # (T, N) per asset
    maintenance: float  # 0 = no margin rule
    deleverage: bool  # margin call: deleverage (True) or end the episode
    cost_rate: float  # paid on the deleveraging trade

    def describe(self, periods_per_year: float) -> str:
        """One line for reports, e.g. ``"long/short: max_gross 2, net [0, 0], cash 0 %, ..."``."""

        def rate(per_bar: np.ndarray) -> str:
            annual = per_bar * periods_per_year
            same = bool(np.ptp(annual) < 1e-12) if annual.size else True
            return f"{annual.flat[0] * 100:.3g} %" if same else f"{annual.mean() * 100:.3g} % on average"

        if not self.long_short:
            return f"long-only, cash earns {rate(self.cash_bar)}"
        margin = (f"margin {self.maintenance:g} ({'deleverage' if self.deleverage else 'end'})"
                  if self.maintenance > 0 else "no margin rule")
        return (f"long/short: max_gross {self.max_gross:g}, net [{self.net_low:g}, {self.net_high:g}], "
                f"cash earns {rate(self.cash_bar)}, financing {rate(self.financing_bar)}, "
                f"borrow {rate(self.borrow_bar)}, {margin}")

    def apply(self, value: np.ndarray, held: np.ndarray, r_post: np.ndarray, rows: np.ndarray,
              out: Any) -> None:
        """Carry and margin on a step the kernel just wrote into ``out`` (a ``StepBuffers``).

        ``held (B, A)`` are the weights at the fill (target, or the capped fill).
        """
        _book_into(out.value, out.weights, held, r_post, out.g_pre, rows, self.cash_bar,
                   self.financing_bar, self.borrow_bar, self.long_short, self.maintenance,
                   self.max_gross, self.deleverage, self.cost_rate, out.carry, out.margin_call, out.cost)


def resolve_book(data: MarketData, *, action_mapping: str, max_gross: float,
                 net_exposure: Sequence[float] | None, cash_rate: Any, financing_rate: Any,
                 borrow_rate: Any, margin_maintenance: float, margin_call: str,
                 cost_rate: float) -> Book | None:
    """The env's :class:`Book`, or ``None`` for a long-only book without carry (the plain step).

    Raises:
        ConfigError: a limit or rate out of range, a band that excludes every book with
            gross below ``max_gross``, or a rate series that does not cover the data.
    """
    long_short = action_mapping == MAPPING
    max_gross = _number(max_gross, "max_gross", "2 (a Reg T book)")
    margin_maintenance = _number(margin_maintenance, "margin_maintenance", "0.25 (Reg T)")
    if not long_short and (max_gross != 1.0 or net_exposure is not None):
        raise ConfigError(f"max_gross and net_exposure apply to action_mapping='{MAPPING}', not "
                          f"{action_mapping!r}; set env.kwargs.action_mapping: {MAPPING}")
    if not 0 < max_gross <= data.n_assets:
        raise ConfigError(f"max_gross must be in (0, {data.n_assets}] (at most the number of assets), "
                          f"got {max_gross}")
    low, high = (-max_gross, max_gross) if net_exposure is None else _band(net_exposure)
    centre = min(max(0.0, low), high)
    if not (low <= high and abs(centre) < max_gross and abs(centre) < data.n_assets):
        raise ConfigError(
            f"net_exposure {[low, high]} leaves no room under max_gross {max_gross}: the band must "
            "hold a net exposure below max_gross in size, e.g. net_exposure: [0, 0] (dollar-neutral) "
            "or [1, 1] with max_gross: 1.6 (130/30)")
    if not 0 <= margin_maintenance <= 1:
        raise ConfigError(f"margin_maintenance must be in [0, 1] (0 = off; 0.25 = Reg T), got "
                          f"{margin_maintenance}")
    if long_short and margin_maintenance * max_gross > 1:
        raise ConfigError(f"max_gross {max_gross} breaches margin_maintenance {margin_maintenance} at once "
                          f"(gross must stay <= 1 / maintenance = {1 / margin_maintenance:g}); lower one")
    if margin_call not in MARGIN_CALLS:
        raise ConfigError(f"unknown margin_call {margin_call!r}; use one of {list(MARGIN_CALLS)}")
    ppy, _ = resolve_periods_per_year(data.dates, data.meta)
    cash = per_bar(cash_rate, data, ppy, "cash_rate")
    financing = (cash + FINANCING_SPREAD / ppy if financing_rate is None
                 else per_bar(financing_rate, data, ppy, "financing_rate"))
    borrow = borrow_per_bar(borrow_rate, data, ppy)  # (T, N)
    if not long_short and not cash.any():
        return None
    return Book(long_short, float(max_gross), low, high, cash, financing, borrow,
                float(margin_maintenance), margin_call == "deleverage", float(cost_rate))


def _number(value: Any, name: str, example: str) -> float:
    """``value`` as a finite float, or a ConfigError naming ``name`` with an example."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, e.g. {example}; got {value!r}")
    return float(value)


def _band(net_exposure: Any) -> tuple[float, float]:
    """``net_exposure`` as ``(low, high)``, or a ConfigError saying the form it takes."""
    pair = list(net_exposure) if isinstance(net_exposure, (list, tuple, np.ndarray)) else None
    if pair is None or len(pair) != 2:
        raise ConfigError(f"net_exposure must be [low, high], net exposure as fractions of value "
                          f"(e.g. [0, 0] dollar-neutral, [-1, 1]); got {net_exposure!r}")
    low, high = (_number(x, "net_exposure's bounds", "[0, 0]") for x in pair)
    return low, high


def weights_to_long_short_scores(weights: np.ndarray, book: Book) -> np.ndarray:
    """Scores ``(A,)`` that :func:`long_short_into` maps to ``weights (A,)`` in ``F`` (to rounding)."""
    scores = np.array(weights, dtype=np.float64)
    n = scores.size - 1
    p = min(max(0.0, book.net_low), book.net_high) / n
    d = np.concatenate([[0.0], scores[1:] - p])[None]  # (1, A): slot 0 unused
    on_centre = abs(scores[1:].sum() - n * p) <= 1e-12  # as the forward map, to rounding
    if on_centre:
        d[0, 1:] -= d[0, 1:].sum() / n
    lam = _edge(d, 0, p, book.max_gross, book.net_low, book.net_high, on_centre)
    if lam <= 0.0:  # weights == p: flat
        scores[0] = -1.0
        return scores
    # The risky scores are the edge point itself, not the weights: a full-size direction keeps
    # a book near p from being rebuilt out of rounding noise.
    scores[1:] = p + lam * d[0, 1:]
    scores[0] = 2.0 / lam - 1.0  # lam >= 1 for a point of F
    return scores


def check_long_short(weights: np.ndarray, book: Book) -> str | None:
    """What is wrong with target weights ``(A,)`` for this book, or ``None`` when they are in ``F``."""
    risky = weights[1:]
    gross, net = float(np.abs(risky).sum()), float(risky.sum())
    if not np.isfinite(weights).all() or abs(weights.sum() - 1) > 1e-9:
        return "must be finite and sum to 1 (cash first: cash = 1 - sum of the risky weights)"
    if np.abs(risky).max(initial=0.0) > 1 + 1e-9:
        return "must each lie in [-1, 1]"
    if gross > book.max_gross + 1e-9:
        return f"have gross exposure {gross:.6g} above max_gross {book.max_gross:g}"
    if not book.net_low - 1e-9 <= net <= book.net_high + 1e-9:
        return f"have net exposure {net:.6g} outside net_exposure [{book.net_low:g}, {book.net_high:g}]"
    return None


@njit(cache=True, nogil=True)
def long_short_into(scores, max_gross, net_low, net_high, out):  # pragma: no cover - compiled
    """The mapping of the module docstring: scores ``(B, A)`` into weights ``out (B, A)``.

    Returns False if any score is NaN or inf (read as 0; the caller raises).
    """
    finite = True
    n = scores.shape[1] - 1
    p = min(max(0.0, net_low), net_high) / n  # the band's centre portfolio, per asset
    for b in range(scores.shape[0]):
        s0 = scores[b, 0]
        if not math.isfinite(s0):
            finite, s0 = False, 0.0
        exposure = (min(max(s0, -1.0), 1.0) + 1.0) * 0.5
        net = 0.0
        for i in range(1, n + 1):
            x = scores[b, i]
            if not math.isfinite(x):
                finite, x = False, 0.0
            x = min(max(x, -1.0), 1.0)
            out[b, i] = x
            net += x
        # A band as wide as the gross limit never binds (|net| <= gross): no shift, so the
        # default book is proportional to the scores. A narrower band shifts them into it.
        banded = net if net_low <= -max_gross and net_high >= max_gross else min(max(net, net_low), net_high)
        shift = (banded - net) / n
        drift = 0.0
        for i in range(1, n + 1):
            out[b, i] += shift - p  # out holds the direction d
            drift += out[b, i]
        on_centre = banded == n * p  # a degenerate band, or shifted onto p's edge of it
        if on_centre:  # d must keep the net: its sum is rounding noise, which lam would magnify
            for i in range(1, n + 1):
                out[b, i] -= drift / n
        lam = exposure * _edge(out, b, p, max_gross, net_low, net_high, on_centre)
        risky = 0.0
        for i in range(1, n + 1):
            w = p + lam * out[b, i]
            out[b, i] = w
            risky += w
        out[b, 0] = 1.0 - risky
    return finite


@njit(cache=True, nogil=True)
def _edge(d, b, p, max_gross, net_low, net_high, net_fixed):  # pragma: no cover - compiled
    """How far ``p + lam * d[b, 1:]`` stays in ``F``: the largest such ``lam`` (0 when ``d`` is 0).

    ``net_fixed``: ``d`` keeps the net where ``p`` has it (its sum is rounding noise).
    """
    lam, drift = math.inf, 0.0
    for i in range(1, d.shape[1]):
        x = d[b, i]
        drift += x
        if x > 1e-15:
            lam = min(lam, (1.0 - p) / x)
        elif x < -1e-15:
            lam = min(lam, (-1.0 - p) / x)
    if lam == math.inf:
        return 0.0
    n = d.shape[1] - 1
    # The net moves by lam * drift from n * p. At lam = 1 the point is in the band (the scores
    # were shifted into it), so the band never cuts below 1.
    if net_fixed:
        pass
    elif drift > 0.0:
        lam = min(lam, max((net_high - n * p) / drift, 1.0))
    elif drift < 0.0:
        lam = min(lam, max((net_low - n * p) / drift, 1.0))
    return _gross_cut(d, b, p, lam, max_gross)


@njit(cache=True, nogil=True)
def _gross_cut(d, b, p, lam, max_gross):  # pragma: no cover - compiled
    """Largest ``l <= lam`` with ``sum_i |p + l d_i| <= max_gross`` (the gross is ``< max_gross`` at 0).

    Newton from the right with left derivatives: on a convex piecewise-linear function each
    step lands at or right of the root, and it reaches it exactly within a few steps.
    """
    for _ in range(64):
        gross, slope = 0.0, 0.0
        for i in range(1, d.shape[1]):
            y = p + lam * d[b, i]
            gross += abs(y)
            slope += d[b, i] if y > 0.0 else (-d[b, i] if y < 0.0 else -abs(d[b, i]))
        excess = gross - max_gross
        if excess <= 1e-15 * max_gross or slope <= 0.0:
            return lam
        step = excess / slope
        if step <= 0.0:
            return lam
        lam -= step
    return lam


@njit(cache=True, nogil=True)
def _book_into(value, weights, held, r_post, g_pre, rows, cash_bar, financing_bar, borrow_bar,
               long_short, maintenance, max_gross, deleverage, cost_rate, carry, margin_call,
               cost):  # pragma: no cover - compiled
    """Carry, ruin and the margin rule of the module docstring on the kernel's outputs, in place."""
    a = weights.shape[1]
    for b in range(weights.shape[0]):
        t = rows[b]
        carry[b], margin_call[b] = 0.0, False
        if long_short and not (g_pre[b] > 0.0 and value[b] > 0.0):
            _ruin(value, weights, b)
            continue
        f0 = held[b, 0]
        k = cash_bar[t] * f0 if f0 > 0.0 else financing_bar[t] * f0
        for i in range(1, a):
            if held[b, i] < 0.0:
                k += borrow_bar[t, i - 1] * held[b, i]
        if k != 0.0:
            g_post = 0.0
            for i in range(a):
                g_post += held[b, i] * r_post[b, i]
            fill_value = value[b] / g_post
            carry[b] = fill_value * k
            total = g_post + k
            if g_post <= 0.0 or total <= 0.0:
                _ruin(value, weights, b)
                continue
            value[b] = fill_value * total
            for i in range(a):
                weights[b, i] = held[b, i] * r_post[b, i] / total
            weights[b, 0] += k / total
        if not long_short or maintenance <= 0.0:
            continue
        gross = 0.0
        for i in range(1, a):
            gross += abs(weights[b, i])
        if gross * maintenance > 1.0:
            margin_call[b] = True
            if deleverage:
                scale = max_gross / gross
                paid = cost_rate * gross * (1.0 - scale)  # fraction of value
                cost[b] += value[b] * paid
                value[b] *= 1.0 - paid
                risky = 0.0
                for i in range(1, a):
                    weights[b, i] *= scale / (1.0 - paid)
                    risky += weights[b, i]
                weights[b, 0] = 1.0 - risky


@njit(cache=True, nogil=True)
def _ruin(value, weights, b):  # pragma: no cover - compiled
    value[b] = 0.0
    for i in range(weights.shape[1]):
        weights[b, i] = 0.0
    weights[b, 0] = 1.0


def long_short_targets(symbols: Sequence[str], book: Book) -> tuple[np.ndarray, list[str]]:
    """The discrete long/short action set: target weights ``(M, A)`` and their names, ``M = 4 + 2N``.

    ``hold`` (row 0, filled per step), ``flat`` (the band's centre portfolio ``p``: all cash when
    the band holds 0), ``long_all`` and ``short_all`` (equal weights), then ``long:SYM`` and
    ``short:SYM`` (one asset): each the full-exposure image of that direction under
    :func:`long_short_into`. With a dollar-neutral band and ``max_gross`` 2, ``long:SYM`` is long
    ``SYM`` at 1 and short the rest at ``1 / (N - 1)`` each.
    """
    n = len(symbols)
    scores = np.zeros((4 + 2 * n, n + 1))  # (M, A)
    scores[:, 0] = 1.0  # full exposure
    scores[1, 0] = -1.0  # flat: exposure 0
    scores[2, 1:], scores[3, 1:] = 1.0, -1.0
    scores[4 + np.arange(n), 1 + np.arange(n)] = 1.0
    scores[4 + n + np.arange(n), 1 + np.arange(n)] = -1.0
    targets = np.empty_like(scores)
    long_short_into(scores, book.max_gross, book.net_low, book.net_high, targets)
    names = ["hold", "flat", "long_all", "short_all", *(f"long:{s}" for s in symbols),
             *(f"short:{s}" for s in symbols)]
    return targets, names
