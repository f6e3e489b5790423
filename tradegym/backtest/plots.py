"""Charts of backtest results; matplotlib is imported only when a chart is drawn."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tradegym.backtest.engine import BacktestResult
from tradegym.backtest.metrics import drawdown
from tradegym.errors import ConfigError
from tradegym.io import atomic_path


def describe_setup(results: Sequence[BacktestResult]) -> str:
    """``"<data> · execution=<mode> · cost <bps> bps"``, listing every distinct value.

    >>> import pandas as pd
    >>> empty = pd.Series(dtype=float)
    >>> r = BacktestResult("cash", empty, empty, pd.DataFrame(), empty, empty, "next_close",
    ...                    0.001, "sp500_stocks")
    >>> describe_setup([r])
    'sp500_stocks · execution=next_close · cost 10 bps'
    """

    def distinct(values: list[str]) -> str:
        return ", ".join(dict.fromkeys(values))

    data = distinct([r.data_name for r in results])
    execution = distinct([r.execution for r in results])
    cost = distinct([f"{r.cost_rate * 1e4:g}" for r in results])
    return f"{data} · execution={execution} · cost {cost} bps"


def plot_equity(
    results: Sequence[BacktestResult],
    path: str | os.PathLike[str],
    *,
    log_scale: bool = False,
    title: str | None = None,
    dpi: int = 120,
) -> Path:
    """Draw the equity curves (top) and drawdowns (bottom) of ``results`` into one PNG.

    Args:
        results: backtests to compare, normally over the same market and period.
        path: the PNG to write (atomically: a killed process leaves no half file).
        log_scale: log-scaled value axis, for long periods.
        title: chart title (default: :func:`describe_setup`, naming data, execution, cost).
        dpi: resolution.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ConfigError: ``results`` is empty.
    """
    if not results:
        raise ConfigError("plot_equity needs at least one BacktestResult")
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, none opened
    import matplotlib.pyplot as plt

    fig, (ax_eq, ax_dd) = plt.subplots(
        2, 1, figsize=(10, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    try:
        for result in results:
            ax_eq.plot(result.equity.index, result.equity.to_numpy(), lw=1.2, label=result.name)
            ax_dd.plot(result.equity.index, -100 * drawdown(result.equity.to_numpy()), lw=1.0)
        ax_eq.set_yscale("log" if log_scale else "linear")
        ax_eq.set_ylabel("portfolio value")
        ax_eq.set_title(title or describe_setup(results))
        ax_eq.grid(alpha=0.3)
        ax_eq.legend(loc="best")
        ax_dd.set_ylabel("drawdown (%)")
        ax_dd.grid(alpha=0.3)
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)


def plot_weights(result: BacktestResult, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Stacked weights over time (cash first) of one backtest, into a PNG written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = result.weights
    fig, ax = plt.subplots(figsize=(10, 4))
    try:
        ax.stackplot(weights.index, weights.to_numpy().T, labels=list(weights.columns), lw=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel("weight")
        ax.set_title(f"{result.name}: weights over time · {describe_setup([result])}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7,
                  ncol=1 + len(weights.columns) // 16)
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)


def _save(fig: object, path: str | os.PathLike[str], dpi: int) -> Path:
    """Lay out dated axes and write the PNG atomically."""
    fig.autofmt_xdate()  # type: ignore[attr-defined]
    fig.tight_layout()  # type: ignore[attr-defined]
    with atomic_path(path) as tmp:
        # The temp name ends in .tmp, so the format must be given.
        fig.savefig(tmp, format="png", dpi=dpi)  # type: ignore[attr-defined]
    return Path(path)


__all__ = ["describe_setup", "plot_equity", "plot_weights"]
