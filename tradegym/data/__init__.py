"""Market data: :class:`MarketData` and the sources that build it.

Every source is a function returning :class:`MarketData`, registered by name and imported
only when used (so ``import tradegym`` stays light); installed packages add theirs in the
entry-point group ``tradegym.data_sources`` (``name = "module:function"``), which is how the
GAN layer adds ``gan``. :func:`load` is the one entry point::

    load("sp500_stocks")                    # 20 US stocks, 1990-2022, embedded (default)
    load("csv", path="prices.csv")          # a user's file or folder
    load("csv:prices/?align=intersection")  # the same as a data spec (see tradegym.data.spec)
    load("yahoo", tickers=["SPY"])          # yfinance, cached on disk
    load("planted", n_assets=5, seed=0)     # synthetic market with a learnable signal
    load("my_pkg.data:load_mine")           # any importable function

==================  =========================================================================
name                what
==================  =========================================================================
``sp500_stocks``    20 large US stocks, adjusted closes 1990-01-02..2022-12-28 (skfolio, BSD-3)
``sp500_index``     S&P 500 index OHLCV 1999-2018 (arch, NCSA)
``nasdaq_index``    NASDAQ Composite OHLCV 1999-2018 (arch, NCSA)
``googl``           GOOGL OHLCV 2009-2018 (gym-anytrading, MIT)
``us_indices``      S&P 500 and NASDAQ Composite OHLCV 1999-2018 together (arch, NCSA)
``gan``             a market sampled from a trained GAN run (``run=DIR``, ``n_bars``, ``seed``), a plug-in
``csv``/``parquet`` a user's long file (symbol column) or folder of per-symbol files
``yahoo``           yfinance download with an on-disk Parquet cache
``gbm``             geometric Brownian motion
``regime``          regime-switching GARCH-like market: fat tails, volatility clustering
``planted``         returns partly predictable from the observation, with an oracle policy
``ar1``             AR(1) log returns with a known coefficient (forecaster benchmarks)
==================  =========================================================================
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from tradegym.data.market import FIELDS, MarketData, Split
from tradegym.data.spec import (
    DataSpec,
    format_spec,
    main_argument,
    merge_options,
    parse_spec,
    take_load_options,
)
from tradegym.errors import ConfigError
from tradegym.registry import Registry

SOURCE_GROUP = "tradegym.data_sources"
"""Entry-point group of plug-in data sources: ``name = "module:function"`` returning MarketData."""

SOURCES: Registry[Any] = Registry("data source", group=SOURCE_GROUP)
for _name, _spec in {
    "sp500_stocks": "tradegym.data.sample:load_sp500_stocks",
    "sp500_index": "tradegym.data.sample:load_sp500_index",
    "nasdaq_index": "tradegym.data.sample:load_nasdaq_index",
    "googl": "tradegym.data.sample:load_googl",
    "us_indices": "tradegym.data.sample:load_us_indices",
    "csv": "tradegym.data.csv:load_csv",
    "parquet": "tradegym.data.csv:load_csv",
    "yahoo": "tradegym.data.yahoo:load_yahoo",
    "gbm": "tradegym.data.synthetic:gbm",
    "regime": "tradegym.data.synthetic:regime_switching",
    "planted": "tradegym.data.planted:planted_signal",
    "ar1": "tradegym.data.planted:ar1_returns",
}.items():
    SOURCES.add_lazy(_name, _spec)

DEFAULT_SOURCE = "sp500_stocks"


def load(
    source: str = DEFAULT_SOURCE,
    *,
    start: Any = None,
    end: Any = None,
    symbols: list[str] | None = None,
    strict: bool = False,
    **kwargs: Any,
) -> MarketData:
    """Load a market by data spec, then restrict dates and symbols.

    Args:
        source: a data spec ``SOURCE[:ARG][?key=value&...]`` (see :mod:`tradegym.data.spec`):
            a name from :data:`SOURCES` or ``"module:function"`` returning MarketData, with
            its options, e.g. ``"csv:prices/?align=intersection&date_format=%d/%m/%Y"``.
        start: optional first date (inclusive).
        end: optional last date (inclusive).
        symbols: optional subset of symbols, in the order wanted.
        strict: suspicious data (see :mod:`tradegym.data.audit`) raises instead of warning;
            also ``?strict=true`` in the spec.
        **kwargs: passed to the source function (``path=``, ``tickers=``, ``n_assets=``...),
            next to the spec's options.

    Raises:
        ConfigError: unknown source (with a suggestion), an option the source does not take,
            a bad option value, or an option given both in the spec and in ``kwargs`` with
            different values.
        DataError: the source's data is invalid or the date/symbol filter leaves nothing.

    Warns:
        DataWarning: suspicious data, by kind; ``meta["checks"]`` counts every check's findings.
    """
    source, load_options = take_load_options(source)  # ?strict=true belongs to load, not the source
    strict = strict or bool(load_options.get("strict", False))
    spec = parse_spec(source)
    function = SOURCES.resolve(spec.source)
    arguments = merge_options(source, spec.kwargs, kwargs)
    _check_arguments(spec.source, function, arguments)
    data = function(**arguments)
    if start is not None or end is not None:
        data = data.between(start, end)
    if symbols:
        data = data.select(symbols)
    from tradegym.data.audit import check_market  # after the filters: only what is used is judged

    return check_market(data, strict=strict)


def _check_arguments(source: str, function: Any, kwargs: Mapping[str, Any]) -> None:
    """ConfigError naming the arguments a source takes, instead of a TypeError from deep inside."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # builtins or C functions: let the call speak
        return
    known = [p for p in signature.parameters if not p.startswith("_")]
    needed = [p.name for p in signature.parameters.values() if p.default is p.empty
              and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in kwargs]
    if needed:
        main = main_argument(source, function)
        in_spec = (f"{source}:{main.upper()}" if main == needed[0]
                   else format_spec(source, None, {needed[0]: "..."}))
        raise ConfigError(
            f"data source {source!r} needs {', '.join(needed)}: give it in the spec ({in_spec}) or "
            f"from Python (tradegym.data.load({source!r}, {', '.join(f'{n}=...' for n in needed)}))"
        )
    try:
        signature.bind(**kwargs)
    except TypeError as err:
        raise ConfigError(
            f"data source {source!r}: {err}. It takes: {', '.join(known) or 'no arguments'}"
        ) from None


def source_arguments(source: str, kwargs: Mapping[str, Any], run: str | None) -> dict[str, Any]:
    """A config's ``kwargs`` with its ``run`` shorthand folded in (``data: {source: gan, run: DIR}``).

    Raises:
        ConfigError: ``run`` given twice with different values.
    """
    out = dict(kwargs)
    if run is not None:
        if "run" in out and str(out["run"]) != str(run):
            raise ConfigError(f"data.run={run!r} and data.kwargs.run={out['run']!r} disagree; give one")
        out["run"] = run
    return out


def load_spec(spec: str) -> MarketData:
    """Load from a data spec (the CLI's ``--data``): the same as ``load(spec)``.

    Accepted: ``SOURCE[:ARG][?key=value&...]``, e.g. ``sp500_stocks``, ``gbm?n_assets=3``,
    ``csv:PATH?align=intersection``, ``yahoo:SPY,QQQ`` or ``module:function``.

    Raises:
        ConfigError: as :func:`load`.
        DataError: as :func:`load`.
    """
    return load(spec)


__all__ = [
    "FIELDS", "SOURCES", "SOURCE_GROUP", "DEFAULT_SOURCE", "DataSpec", "MarketData", "Split",
    "format_spec", "load", "load_spec", "parse_spec", "source_arguments",
]
