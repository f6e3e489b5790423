"""Honest filling and listed lives: what a missing bar becomes, and where a symbol trades.

A *filled* bar is a bar on which nothing traded: ``open = high = low = close`` = the previous
close (``adj_close`` the previous adjusted close) and ``volume = 0``. Prices are never carried
field by field (a missing open is not yesterday's open) and volume is never invented.

A symbol's *life* is its first to its last bar. Nothing is filled outside it: those bars are
marked not tradable (``MarketData.tradable`` is False) and hold placeholder values so the
array stays finite — before listing every price field holds the first bar's open (its close
without opens), after delisting the last close; volume is 0. Placeholders never move a
portfolio: a non-tradable asset's weight is 0 in every environment, and after a delisting
its held last close is exactly the price its forced sale fills at.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PRICE_LIKE = ("open", "high", "low", "close", "adj_close")


def reference_field(names: Sequence[str]) -> int:
    """Index of the field that says whether a bar exists: ``close``, else the first field."""
    return list(names).index("close") if "close" in names else 0


def observed_life(values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``(T, N)`` bool: rows from each symbol's first to its last finite reference price."""
    ok = np.isfinite(values[:, :, reference_field(names)])  # (T, N)
    t = np.arange(ok.shape[0])[:, None]  # (T, 1)
    first = np.where(ok.any(axis=0), ok.argmax(axis=0), ok.shape[0])  # (N,)
    last = ok.shape[0] - 1 - ok[::-1].argmax(axis=0)  # (N,)
    return (t >= first) & (t <= last)


def honest_fill(values: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Fill missing bars ``(T, N, F)`` as bars with no trade (module docstring).

    A bar is missing when its reference price (close) is NaN; it becomes the previous bar's
    close in every price field, the previous ``adj_close`` in ``adj_close``, and volume 0.
    In a bar that has a close, a missing open, high or low becomes that close and a missing
    volume 0. Leading missing bars (nothing before them) stay NaN.
    """
    out = values.copy()
    ref = reference_field(names)
    ok = np.isfinite(values[:, :, ref])  # (T, N)
    idx = np.where(ok, np.arange(values.shape[0])[:, None], 0)  # (T, N)
    np.maximum.accumulate(idx, axis=0, out=idx)  # last row with a close, or 0
    missing = ~ok
    for k, fname in enumerate(names):
        col = out[:, :, k]  # (T, N) view
        if fname == "volume":
            col[missing | ~np.isfinite(col)] = 0.0
            continue
        source = k if fname == "adj_close" else ref
        prev = np.take_along_axis(values[:, :, source], idx, axis=0)  # (T, N)
        col[missing] = prev[missing]
        if fname != "adj_close":
            hole = ok & ~np.isfinite(col)
            col[hole] = values[:, :, ref][hole]
    return out


def hold_outside_life(values: np.ndarray, names: Sequence[str], life: np.ndarray) -> np.ndarray:
    """Placeholders ``(T, N, F)`` outside each symbol's life (module docstring); inside unchanged.

    Raises:
        ValueError: a symbol has no bar inside its life.
    """
    out = values.copy()
    ref = reference_field(names)
    opening = names.index("open") if "open" in names else ref
    rows = np.arange(values.shape[0])[:, None]  # (T, 1)
    for n in range(values.shape[1]):
        alive = np.flatnonzero(life[:, n])
        if alive.size == 0:
            raise ValueError(f"symbol column {n} has no bar inside its life")
        first, last = alive[0], alive[-1]
        before, after = rows[:, 0] < first, rows[:, 0] > last
        start_price = values[first, n, opening]
        for k, fname in enumerate(names):
            if fname == "volume":
                out[before | after, n, k] = 0.0
            elif fname == "adj_close":
                out[before, n, k] = values[first, n, k] * start_price / values[first, n, ref]
                out[after, n, k] = values[last, n, k]
            else:
                out[before, n, k] = start_price
                out[after, n, k] = values[last, n, ref]
    return out


def life_events(tradable: np.ndarray, dates: Sequence, symbols: Sequence[str]) -> list[tuple]:
    """``[(date, symbol, "listed" | "delisted"), ...]`` from a ``(T, N)`` tradable mask, by date.

    A listing is the first tradable bar after bars that were not; a delisting the last
    tradable bar before bars that are not (see :meth:`MarketData.life_events`).
    """
    events = []
    step = np.diff(tradable.astype(np.int8), axis=0)  # (T-1, N): +1 listed, -1 delisted
    for t, n in zip(*np.nonzero(step), strict=True):
        listed = step[t, n] > 0
        row = t + 1 if listed else t
        events.append((dates[row], symbols[n], "listed" if listed else "delisted"))
    return sorted(events, key=lambda e: (e[0], e[2] == "delisted"))
