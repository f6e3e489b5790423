"""Where a report's numbers came from: data, period, execution, costs, run and version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.tearsheet.page import Section, key_values, paragraph

if TYPE_CHECKING:
    from tradegym.data.market import MarketData

IN_SAMPLE_WARNING = (
    "In-sample: this period overlaps the data the policy was trained or selected on, so its "
    "numbers say how well it fitted, not how it would trade. Backtest the test split "
    "(--split test) for an out-of-sample answer."
)


def provenance_rows(results: Sequence[BacktestResult], market: MarketData | None,
                    extra: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` rows of the provenance table.

    Data and its source, symbols, dates, alignment and fill, execution, costs,
    annualisation, then what the caller knows (``extra``), then the version.
    """
    import tradegym

    first = results[0]
    start, end = first.equity.index[0].date(), first.equity.index[-1].date()
    rows = [("data", first.data_name)]
    if market is not None:
        meta = dict(market.meta)
        rows += [("market", market.describe())]
        rows += [(key, str(meta[key])) for key in ("source", "licence", "note", "url") if key in meta]
        rows += [("symbols", f"{market.n_assets}: {', '.join(market.symbols)}"),
                 ("history before the period", f"from {market.dates[0].date()} (features and "
                  "the baselines' estimates only; never traded)"),
                 ("alignment and fill", _alignment(meta, market))]
    rows += [
        ("backtest period", f"{start} to {end} ({len(first.returns)} bars)"),
        ("execution", ", ".join(dict.fromkeys(r.execution for r in results))),
        ("cost model", "proportional: " + ", ".join(dict.fromkeys(
            f"{r.cost_rate * 1e4:g} bps of traded value" for r in results))),
        ("annualisation", first.annualisation),
    ]
    rows += [(str(k), _text(v)) for k, v in extra.items() if v is not None]
    rows.append(("tradegym version", tradegym.__version__))
    return rows


def provenance_section(results: Sequence[BacktestResult], market: MarketData | None,
                       extra: Mapping[str, Any], in_sample: bool) -> Section:
    """The provenance table, with the in-sample warning repeated above it when it applies."""
    blocks = [paragraph(IN_SAMPLE_WARNING, "warning")] if in_sample else []
    blocks.append(key_values(provenance_rows(results, market, extra)))
    return Section("provenance", "Provenance", blocks)


def _alignment(meta: Mapping[str, Any], market: MarketData) -> str:
    """How the calendars were reconciled and gaps filled, as recorded in the data's metadata."""
    recorded = [f"{k}={meta[k]}" for k in ("align", "fill", "dropped", "listings") if k in meta]
    shape = (f"rectangular: all {market.n_assets} symbols priced on all {len(market.dates)} bars "
             "(a symbol listed or delisted inside the range is rejected at load unless filled)")
    return "; ".join([*recorded, shape])


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


__all__ = ["IN_SAMPLE_WARNING", "provenance_rows", "provenance_section"]
