"""The one data contract every trainer shares: which market, and how it is split by date.

Agents, forecasters, the autoencoder and the GAN all describe their market with
:class:`DataConfig`, load it with :func:`load_data` into ``(MarketData, Split)`` and record
it in their run's ``data.json`` with :func:`describe_data`, so a run of any kind says the
same things about its data and resumes only on the same data.

>>> from tradegym.data.config import DataConfig, load_data
>>> data, split = load_data(DataConfig(source="gbm", kwargs={"n_bars": 200, "n_assets": 2}))
>>> [part.n_bars for part in split]
[140, 30, 30]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tradegym.data import DEFAULT_SOURCE, load, source_arguments
from tradegym.data.frequency import check_periods_per_year
from tradegym.data.market import DEFAULT_SPLIT, MarketData, Split
from tradegym.data.spec import merge_options, parse_spec


@dataclass
class DataConfig:
    """Which market, and how it is split by date into train / validation / test."""

    source: str = DEFAULT_SOURCE
    """A data spec ``SOURCE[:ARG][?key=value&...]`` (see :mod:`tradegym.data.spec`): a source
    name, ``module:function``, ``csv:PATH?align=intersection``..."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Passed to the source next to the spec's options (``n_assets`` for synthetic markets,
    ``path`` for files...); a key the spec also sets must have the same value."""
    run: str | None = None
    """A trained model's run directory, for sources sampled from one: ``{source: gan, run: DIR}``
    (the same as ``kwargs: {run: DIR}``)."""
    start: str | None = None
    """First date kept (inclusive); None keeps the source's first."""
    end: str | None = None
    """Last date kept (inclusive); None keeps the source's last."""
    symbols: list[str] | None = None
    """A subset of the source's symbols, in the order wanted; None keeps all."""
    train: float | str = DEFAULT_SPLIT[0]
    """Fraction of rows for training, or its last date; validation picks the best model;
    test is never seen."""
    val: float | str = DEFAULT_SPLIT[1]
    """Fraction of rows for validation, or its last date (walk-forward folds use dates)."""
    periods_per_year: float | None = None
    """Bars per year for annualising validation and backtest metrics; None infers it from the
    dates (252 for daily weekday bars, 52 weekly, 8760 hourly 24/7: see
    :mod:`tradegym.data.frequency`). Set it when the calendar misleads."""


def load_market(cfg: DataConfig) -> MarketData:
    """The configured market, restricted to its dates and symbols (not split).

    Raises:
        ConfigError: unknown source or option, ``kwargs`` (or ``run``) setting an option the
            spec sets to another value, or ``periods_per_year`` not ``> 0``.
        DataError: the source's data is invalid or the filters leave nothing.
    """
    spec = parse_spec(cfg.source)
    kwargs = merge_options(cfg.source, spec.kwargs, source_arguments(cfg.source, cfg.kwargs, cfg.run),
                           where="data.kwargs")
    data = load(spec.source, start=cfg.start or None, end=cfg.end or None, symbols=cfg.symbols,
                **kwargs)
    if cfg.periods_per_year is None:
        return data
    # Declared in meta, which every slice and selection keeps, so validation, backtests and
    # walk-forward folds of this market all annualise with it.
    value = check_periods_per_year(cfg.periods_per_year, "data.periods_per_year")
    return replace(data, meta={**data.meta, "periods_per_year": value})


def load_data(cfg: DataConfig, *, min_rows: int = 2) -> tuple[MarketData, Split]:
    """The configured market and its chronological split.

    Args:
        cfg: the data section of a config.
        min_rows: each part must keep at least this many rows (a model's window + 2).

    Raises:
        ConfigError: as :func:`load_market`.
        DataError: as :func:`load_market`, or a part shorter than ``min_rows``.
    """
    data = load_market(cfg)
    return data, data.split(cfg.train, cfg.val, min_rows=min_rows)


def describe_data(data: MarketData, split: Split, samples: tuple[int | None, ...] | None = None
                  ) -> dict[str, Any]:
    """Provenance and content fingerprints of a market and each split, for ``data.json``.

    Args:
        data: the whole market.
        split: its train / val / test parts.
        samples: optional number of training samples (windows) per part, recorded as
            ``splits.PART.samples``.
    """
    parts = {}
    for i, (part, d) in enumerate(zip(("train", "val", "test"), split, strict=True)):
        parts[part] = {"start": str(d.dates[0].date()), "end": str(d.dates[-1].date()),
                       "rows": d.n_bars, "fingerprint": d.fingerprint()}
        if samples is not None:
            parts[part]["samples"] = samples[i]
    return {"description": data.describe(), "symbols": list(data.symbols),
            "fields": list(data.fields), "fingerprint": data.fingerprint(),
            "meta": {k: v for k, v in data.meta.items() if isinstance(v, (str, int, float))},
            "splits": parts}


def same_data(recorded: Mapping[str, Any], described: Mapping[str, Any]) -> bool:
    """Whether a run's ``data.json`` (``recorded``) describes the data now loaded (``described``).

    GAN runs written before the one data contract (their ``data.json`` has no ``fields``)
    fingerprinted only their training split, at the top level; they are compared on it.
    """
    old = recorded.get("fingerprint")
    if old == described["fingerprint"]:
        return True
    return "fields" not in recorded and old == described["splits"]["train"]["fingerprint"]


def train_fingerprint(recorded: Mapping[str, Any]) -> str:
    """The training split's fingerprint in a run's ``data.json`` (old GAN runs: the top-level one)."""
    return str(recorded["splits"]["train"].get("fingerprint") or recorded["fingerprint"])


__all__ = ["DEFAULT_SPLIT", "DataConfig", "describe_data", "load_data", "load_market", "same_data",
           "train_fingerprint"]
