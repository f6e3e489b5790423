"""A benchmark's returns on a backtest's bars: a baseline's, or one series of a data spec."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tradegym.errors import DataError


def benchmark_series(spec_or_result: Any, dates: pd.DatetimeIndex) -> pd.Series:
    """Simple returns of a benchmark over each bar of a backtest.

    The return at ``dates[k]`` is ``P(dates[k]) / P(dates[k-1]) - 1``: from the previous date
    *in* ``dates``, so it compounds over any bars the benchmark has and the backtest lacks.
    ``P`` is a baseline's equity, or the close of a single-series market (adjusted for
    splits and dividends when the source gives an adjusted close; see
    :meth:`~tradegym.data.market.MarketData.from_array`). A baseline run over the same bars
    gives back exactly its own ``returns``.

    Args:
        spec_or_result: a :class:`~tradegym.backtest.engine.BacktestResult` (a baseline's),
            or a data spec of one series for :func:`tradegym.data.load_spec` (``"sp500_index"``).
        dates: ``(S+1,)`` the backtest's ``equity.index``: its start, then each bar's end.

    Returns:
        ``(S,)`` simple returns on ``dates[1:]``, aligned with the backtest's ``returns``,
        named after the result or the spec.

    Raises:
        DataError: the spec's market has more than one symbol, or the benchmark lacks some
            of ``dates`` (the message names the first missing ones and its date range).
        ConfigError: an unknown spec (with a suggestion).
    """
    dates = pd.DatetimeIndex(dates)
    if isinstance(spec_or_result, str):
        from tradegym.data import load_spec

        market = load_spec(spec_or_result)
        if market.n_assets != 1:
            raise DataError(
                f"benchmark spec {spec_or_result!r} has {market.n_assets} symbols "
                f"{list(market.symbols)[:5]}; a benchmark is one series: use a single-series "
                "spec (e.g. 'sp500_index') or a baseline's BacktestResult"
            )
        name = spec_or_result
        prices = pd.Series(market.close[:, 0], index=market.dates)
    else:
        name = str(spec_or_result.name)
        prices = spec_or_result.equity
    positions = prices.index.get_indexer(dates)  # (S+1,), -1 where absent
    if (positions < 0).any():
        missing = dates[positions < 0]
        first = ", ".join(str(d.date()) for d in missing[:3])
        span = f"{prices.index[0].date()} to {prices.index[-1].date()}" if len(prices) else "empty"
        raise DataError(
            f"benchmark {name!r} lacks {len(missing)} of the backtest's {len(dates)} dates "
            f"(first: {first}); it covers {span} — backtest within its dates or pick a "
            "benchmark that covers them"
        )
    p = prices.to_numpy(dtype=np.float64)[positions]  # (S+1,)
    return pd.Series(p[1:] / p[:-1] - 1.0, index=dates[1:], name=name)
