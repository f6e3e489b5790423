"""Charts of backtest results; matplotlib is imported only when a chart is drawn."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

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
        for i, result in enumerate(results):
            style = _style(result.name, i)
            ax_eq.plot(result.equity.index, result.equity.to_numpy(), label=result.name, **style)
            ax_dd.plot(result.equity.index, -100 * drawdown(result.equity.to_numpy()), **style)
        ax_eq.set_yscale("log" if log_scale else "linear")
        ax_eq.set_ylabel("portfolio value")
        ax_eq.set_title(title or describe_setup(results))
        ax_eq.grid(alpha=0.3)
        ax_eq.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
        ax_dd.set_ylabel("drawdown (%)")
        ax_dd.grid(alpha=0.3)
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)


def plot_weights(result: BacktestResult, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Stacked weights over time (cash first) of one backtest, into a PNG written atomically.

    Signed weights (a long/short book) stack in two piles, positive parts up from 0 and
    negative parts down, in the same colours.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weights = result.weights
    fig, ax = plt.subplots(figsize=(10, 4))
    try:
        values = weights.to_numpy().T  # (A, S+1)
        if (values < -1e-12).any():
            colours = [f"C{i % 10}" for i in range(len(values))]
            ax.stackplot(weights.index, values.clip(min=0), labels=list(weights.columns), lw=0,
                         colors=colours)
            ax.stackplot(weights.index, values.clip(max=0), lw=0, colors=colours)
            ax.axhline(0.0, color="black", lw=0.6)
            ax.set_ylabel("weight (shorts below 0)")
        else:
            ax.stackplot(weights.index, values, labels=list(weights.columns), lw=0)
            ax.set_ylim(0, 1)
            ax.set_ylabel("weight")
        ax.set_title(f"{result.name}: weights over time · {describe_setup([result])}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7,
                  ncol=1 + len(weights.columns) // 16)
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)


def plot_rolling_sharpe(
    results: Sequence[BacktestResult],
    path: str | os.PathLike[str],
    *,
    window: int = 126,
    dpi: int = 120,
) -> Path:
    """Rolling annualised Sharpe ratio (``window`` bars, ddof 1) of each result, one PNG.

    Shows *when* a policy earned its edge: a full-period Sharpe can hide one lucky year.
    Bars before a full window are blank; a flat series (cash) is omitted.

    Raises:
        ConfigError: ``results`` is empty or ``window < 2``.
    """
    if not results:
        raise ConfigError("plot_rolling_sharpe needs at least one BacktestResult")
    if window < 2:
        raise ConfigError(f"rolling Sharpe window must be >= 2 bars, got {window}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4))
    try:
        for i, result in enumerate(results):
            r = result.returns
            if r.std() == 0:
                continue
            rolling = r.rolling(window).mean() / r.rolling(window).std(ddof=1)
            ax.plot(rolling.index, rolling * np.sqrt(result.periods_per_year),
                    label=result.name, **_style(result.name, i))
        ax.axhline(0, color="black", lw=0.6)
        ax.set_ylabel(f"Sharpe, rolling {window} bars")
        ax.set_title(f"rolling Sharpe · {describe_setup(results)}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
        return _save(fig, path, dpi)
    finally:
        plt.close(fig)


def _style(name: str, i: int) -> dict[str, Any]:
    """Line style of the ``i``-th result, the same on every chart.

    Baselines thin and dashed, policies under test bold; 20 distinct colours (tab20), as a
    report has many baselines.
    """
    import matplotlib

    from tradegym.backtest.baselines import is_baseline

    color = matplotlib.colormaps["tab20"].colors[i % 20]  # type: ignore[attr-defined]  # a ListedColormap
    style = {"lw": 0.9, "ls": "--", "alpha": 0.85} if is_baseline(name) else {"lw": 1.8}
    return {**style, "color": color}


def _save(fig: object, path: str | os.PathLike[str], dpi: int) -> Path:
    """Lay out dated axes and write the PNG atomically."""
    fig.autofmt_xdate()  # type: ignore[attr-defined]
    fig.tight_layout()  # type: ignore[attr-defined]
    with atomic_path(path) as tmp:
        # The temp name ends in .tmp, so the format must be given.
        fig.savefig(tmp, format="png", dpi=dpi)  # type: ignore[attr-defined]
    return Path(path)


__all__ = ["describe_setup", "plot_equity", "plot_rolling_sharpe", "plot_weights"]
