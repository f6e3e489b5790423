"""Judging next-bar return forecasts against naive baselines, on a split the model never saw.

Baselines (each fitted on the training split only, where it fits anything):

=================  ===========================================================================
``zero``           ``r[t+1] = 0``: tomorrow's price is today's (price persistence, random walk)
``persistence``    ``r[t+1] = r[t]``: today's return repeats (return persistence)
``hist_mean``      per-asset mean return of the training split
``ar{p}``          per-asset ``r[t+1] = c + a_1 r[t] + ... + a_p r[t-p+1]`` by least squares on train
=================  ===========================================================================

Metrics over every (bar, asset) pair of the split, pooled:

* ``rmse``, ``mae`` of the log-return forecast;
* ``r2`` = ``1 - SSE / sum((y - mean(y))^2)``, the share of the split's return variance
  explained (for a stationary AR(1) its ceiling is ``phi^2``);
* ``hit_rate`` = directional accuracy: the share of pairs with a non-zero forecast and a
  non-zero return whose signs agree (undefined, ``nan``, for the zero forecast);
* ``ic`` = information coefficient: Spearman rank correlation of forecast and return;
* Diebold–Mariano tests (Diebold & Mariano, 1995) on **squared-error loss** against
  ``zero`` and against ``persistence``: the loss differential ``d[t]`` is the mean over
  assets at bar ``t`` of ``e_model^2 - e_bench^2``; the statistic uses the Newey–West
  variance with ``h - 1`` lags and the Harvey, Leybourne & Newbold (1997) small-sample
  correction, compared with Student-t, ``T - 1`` degrees of freedom. ``p_*`` is one-sided:
  the probability of a statistic this low if the model were no better than the benchmark.

Beating ``persistence`` is easy and means little: on pure noise its squared error is twice
that of ``zero``. A skill claim is ``p_zero < 0.05``: better than the random walk.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from feature_nets.windows import WindowSet, load_market, log_returns, split_market
from tradegym.data import MarketData
from tradegym.errors import ConfigError
from tradegym.io import atomic_path

if TYPE_CHECKING:  # the model module imports torch; the metrics here need only numpy
    from feature_nets.forecast.model import Forecaster


# ---------------------------------------------------------------------- baselines
def fit_ar(returns: np.ndarray, order: int) -> np.ndarray:
    """Least-squares AR(p) per asset: ``(T, N)`` returns -> coefficients ``(N, 1 + p)``, intercept first.

    Raises:
        ConfigError: fewer than ``2 * (order + 1)`` returns to fit on.
    """
    t, n = returns.shape
    if t - order < 2 * (order + 1):
        raise ConfigError(f"AR({order}) needs at least {3 * order + 2} training returns, got {t}")
    lags = np.stack([returns[order - 1 - j : t - 1 - j] for j in range(order)], axis=-1)  # (T-p, N, p)
    coef = np.empty((n, order + 1))
    for i in range(n):
        design = np.column_stack([np.ones(t - order), lags[:, i]])  # (T-p, 1+p)
        coef[i] = np.linalg.lstsq(design, returns[order:, i], rcond=None)[0]
    return coef


def ar_forecast(returns: np.ndarray, rows: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """AR forecasts ``(M, N)`` of ``r[t+1]`` at bars ``rows`` ``(M,)`` from ``returns (T, N)`` to ``t``."""
    order = coef.shape[1] - 1
    if rows.min() < order:
        raise ConfigError(f"AR({order}) forecasts need {order} past returns; first row is {rows.min()}")
    lags = np.stack([returns[rows - j] for j in range(order)], axis=-1)  # (M, N, p)
    return coef[:, 0] + np.einsum("mnp,np->mn", lags, coef[:, 1:])


def baseline_forecasts(train: MarketData, data: MarketData, rows: np.ndarray,
                       ar_order: int = 5) -> dict[str, np.ndarray]:
    """Forecasts ``(M, N)`` of ``r[t+1]`` at bars ``rows`` of ``data`` by each baseline fit on ``train``."""
    r_train, r = log_returns(train)[1:], log_returns(data)  # (T_train-1, N), (T, N)
    m = len(rows)
    return {
        "zero": np.zeros((m, data.n_assets)),
        "persistence": r[rows],
        "hist_mean": np.broadcast_to(r_train.mean(axis=0), (m, data.n_assets)).copy(),
        f"ar{ar_order}": ar_forecast(r, rows, fit_ar(r_train, ar_order)),
    }


# ---------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class DMResult:
    """Diebold–Mariano test: ``statistic`` (HLN-corrected), ``p_better`` one-sided, ``p_two_sided``."""

    statistic: float
    p_better: float
    p_two_sided: float
    n: int


def diebold_mariano(loss_model: np.ndarray, loss_bench: np.ndarray, horizon: int = 1) -> DMResult:
    """Diebold–Mariano test of equal predictive accuracy with the Harvey–Leybourne–Newbold correction.

    ``d = loss_model - loss_bench`` ``(T,)``; ``DM = mean(d) / sqrt(V / T)`` with
    ``V = gamma_0 + 2 sum_{k=1}^{h-1} gamma_k`` (autocovariances of ``d``, divided by
    ``T``); ``DM* = DM sqrt((T + 1 - 2h + h(h-1)/T) / T)`` against Student-t with ``T - 1``
    degrees of freedom. Negative: the model has the lower loss. ``p_better`` is
    ``P(t <= DM*)``.

    Raises:
        ConfigError: shapes differ, fewer than 3 bars, or ``horizon < 1``.

    >>> r = diebold_mariano(np.array([1.0, 2.0, 0.0, 1.0]), np.array([2.0, 2.0, 2.0, 2.0]))
    >>> round(r.statistic, 4), round(r.p_better, 4)  # d = (-1, 0, -2, -1): -1 / sqrt(0.5/4) * sqrt(3/4)
    (-2.4495, 0.0459)
    """
    from scipy import stats

    a, b = np.asarray(loss_model, dtype=float), np.asarray(loss_bench, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ConfigError(f"loss series must be 1-D and equal in shape, got {a.shape} and {b.shape}")
    if int(horizon) != horizon or horizon < 1:
        raise ConfigError(f"horizon must be an integer >= 1, got {horizon!r}")
    n = len(a)
    if n < 3:
        raise ConfigError(f"the Diebold-Mariano test needs at least 3 bars, got {n}")
    d = a - b
    centred = d - d.mean()
    var = centred @ centred / n
    for k in range(1, horizon):
        var += 2 * (centred[k:] @ centred[:-k]) / n
    if var <= 0:  # identical forecasts (or a degenerate long-horizon variance): no evidence either way
        return DMResult(0.0, 0.5, 1.0, n)
    stat = d.mean() / math.sqrt(var / n) * math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    return DMResult(float(stat), float(stats.t.cdf(stat, n - 1)), float(2 * stats.t.sf(abs(stat), n - 1)), n)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation of two equal-length arrays (average ranks for ties); nan if constant.

    >>> round(spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 30.0, 20.0, 40.0])), 6)
    0.8
    """
    from scipy.stats import rankdata

    rx, ry = rankdata(np.ravel(x)), rankdata(np.ravel(y))
    if rx.std() == 0 or ry.std() == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


def forecast_metrics(pred: np.ndarray, realised: np.ndarray) -> dict[str, float]:
    """``rmse``, ``mae``, ``r2``, ``hit_rate``, ``ic`` of ``pred`` vs ``realised`` ``(M, N)``.

    >>> m = forecast_metrics(np.array([[0.1], [-0.2], [0.3]]), np.array([[0.2], [0.1], [0.4]]))
    >>> round(m["rmse"], 4), round(m["mae"], 4), round(m["hit_rate"], 4), m["ic"]
    (0.1915, 0.1667, 0.6667, 1.0)
    """
    p, y = np.asarray(pred, dtype=float), np.asarray(realised, dtype=float)
    if p.shape != y.shape:
        raise ConfigError(f"forecasts have shape {p.shape}, realised returns {y.shape}; they must match")
    err = p - y
    sst = ((y - y.mean()) ** 2).sum()
    called = (p != 0) & (y != 0)
    return {
        "rmse": float(np.sqrt((err**2).mean())),
        "mae": float(np.abs(err).mean()),
        "r2": float(1 - (err**2).sum() / sst) if sst > 0 else math.nan,
        "hit_rate": float((np.sign(p[called]) == np.sign(y[called])).mean()) if called.any() else math.nan,
        "ic": spearman(p, y),
    }


def evaluation_table(forecasts: Mapping[str, np.ndarray], realised: np.ndarray,
                     benchmarks: tuple[str, ...] = ("zero", "persistence")) -> pd.DataFrame:
    """One row per forecast: metrics and DM tests (squared error) against each benchmark.

    Args:
        forecasts: name -> ``(M, N)`` forecasts of ``realised``; must include the benchmarks.
        realised: ``(M, N)`` next-bar log returns.
        benchmarks: forecasts to test against; columns ``dm_<name>`` and ``p_<name>``
            (``zero`` is abbreviated ``zero``, ``persistence`` ``pers``).

    Raises:
        ConfigError: a benchmark missing from ``forecasts``, or shapes that differ.
    """
    missing = [b for b in benchmarks if b not in forecasts]
    if missing:
        raise ConfigError(f"benchmark forecasts {missing} missing from {list(forecasts)}")
    y = np.asarray(realised, dtype=float)
    # Squared error averaged over assets per bar: one loss series (M,) per forecast.
    loss = {name: ((np.asarray(p, dtype=float) - y) ** 2).mean(axis=1) for name, p in forecasts.items()}
    rows = []
    for name, pred in forecasts.items():
        row: dict[str, object] = {"model": name, **forecast_metrics(pred, y)}
        for bench in benchmarks:
            short = "pers" if bench == "persistence" else bench
            if name == bench:
                row[f"dm_{short}"], row[f"p_{short}"] = math.nan, math.nan
                continue
            dm = diebold_mariano(loss[name], loss[bench])
            row[f"dm_{short}"], row[f"p_{short}"] = dm.statistic, dm.p_better
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def format_table(table: pd.DataFrame) -> str:
    """A fixed-width text table: errors in units of 1e-2 log return, rates in percent."""
    cols = [c for c in ("rmse", "mae", "r2", "hit_rate", "ic", "dm_zero", "p_zero", "dm_pers", "p_pers")
            if c in table.columns]
    header = f"{'model':<14}" + "".join(f"{c:>10}" for c in cols)
    lines = [header, "-" * len(header)]
    for name, row in table.iterrows():
        cells = []
        for c in cols:
            v = row[c]
            if pd.isna(v):
                cells.append("-")
            elif c in ("rmse", "mae"):
                cells.append(f"{100 * v:.3f}")
            elif c in ("r2", "hit_rate"):
                cells.append(f"{100 * v:.2f}%")
            else:
                cells.append(f"{v:.3f}")
        lines.append(f"{str(name):<14}" + "".join(f"{c:>10}" for c in cells))
    return "\n".join(lines)


# ---------------------------------------------------------------------- plots
def plot_forecasts(dates: pd.DatetimeIndex, close: np.ndarray, realised: np.ndarray,
                   forecasts: Mapping[str, np.ndarray], path: str | os.PathLike[str], *,
                   asset: int = 0, symbol: str = "", title: str = "", dpi: int = 110) -> Path:
    """Three panels into one PNG: predicted vs realised, cumulative hit rate, price-level view.

    Args:
        dates: ``(M,)`` dates of the target bars ``t+1``.
        close: ``(M + 1,)`` closes of ``asset`` at bars ``t`` then the last ``t+1``.
        realised: ``(M, N)`` realised log returns ``r[t+1]``.
        forecasts: name -> ``(M, N)`` forecasts; the first is the model, drawn in the scatter.
        path: PNG written atomically.
        asset: the asset column drawn in the price-level view.
        symbol: its name for the labels.
        title: figure title.
        dpi: resolution.

    The price-level panel is a one-step-ahead reconstruction, ``close[t] * exp(forecast)``:
    it hugs the realised price for any forecast, the zero forecast included, so it is
    labelled as such and shows nothing about skill.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(forecasts)
    fig, axes = plt.subplots(3, 1, figsize=(10, 11))
    model = names[0]
    y = np.asarray(realised)
    axes[0].scatter(forecasts[model].ravel() * 100, y.ravel() * 100, s=3, alpha=0.3)
    lim = np.abs(y).max() * 100
    axes[0].plot([-lim, lim], [-lim, lim], lw=0.8, color="grey", label="perfect forecast")
    axes[0].set_xlabel(f"{model} forecast of next log return (%)")
    axes[0].set_ylabel("realised next log return (%)")
    axes[0].set_title("predicted vs realised returns, every asset")
    axes[0].legend(loc="upper left")
    for name in names:
        called = (forecasts[name] != 0) & (y != 0)  # (M, N)
        if not called.any():
            continue
        hits = ((np.sign(forecasts[name]) == np.sign(y)) & called).sum(axis=1)  # (M,)
        axes[1].plot(dates, np.cumsum(hits) / np.maximum(np.cumsum(called.sum(axis=1)), 1), label=name, lw=1)
    axes[1].axhline(0.5, color="grey", lw=0.8, ls="--")
    axes[1].set_ylabel("cumulative directional hit rate")
    axes[1].set_title("cumulative directional hit rate (0.5 = coin flip)")
    axes[1].legend(loc="lower right", fontsize=8)
    close = np.asarray(close)
    axes[2].plot(dates, close[1:], label=f"realised close {symbol}", color="black", lw=1.2)
    for name in names[:2]:
        axes[2].plot(dates, close[:-1] * np.exp(forecasts[name][:, asset]), label=f"{name}", lw=0.8)
    axes[2].set_title("price level: ONE-STEP-AHEAD RECONSTRUCTION close[t] x exp(forecast) "
                      "- hugs the truth for any forecast, zero included; not evidence of skill", fontsize=9)
    axes[2].legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    plt.close(fig)
    return target


# ---------------------------------------------------------------------- a run, end to end
SPLITS = ("train", "val", "test")


def evaluate_forecaster(run_path: str | Path, *, split: str = "test", out: str | Path | None = None,
                        plot: bool = True, echo: Callable[[str], Any] = print) -> pd.DataFrame:
    """Evaluate a trained forecaster on one split next to the baselines; write table and plots.

    The run's market is reloaded and checked against the fingerprint it was trained on;
    the baselines are fitted on its training split. Writes ``table.csv``, ``table.txt``
    and ``forecasts.png`` to ``out`` (default ``RUN/eval-<split>``).

    Returns:
        The evaluation table (rows: the model, then the baselines).

    Raises:
        ConfigError: unknown split (with a suggestion), not a forecaster run, or data that
            changed since training.
    """
    from feature_nets.forecast.config import ForecastConfig
    from feature_nets.forecast.model import load_forecaster
    from tradegym.config import from_dict, read_yaml
    from tradegym.registry import suggest
    from tradegym.runs import RunDir

    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}.{suggest(split, list(SPLITS))} Use one of {list(SPLITS)}")
    run = RunDir.open(run_path, kind="forecaster")
    cfg = from_dict(ForecastConfig, read_yaml(run.file("config.yaml")))
    forecaster = load_forecaster(run.path)
    data = load_market(cfg.data)
    if data.fingerprint() != run.read_json("data.json")["fingerprint"]:
        raise ConfigError(f"the data of {run.path} changed since training (fingerprint differs)")
    parts = split_market(data, cfg.data, cfg.model.window_bars)
    table, ws, forecasts = evaluate_on(forecaster, parts.train, getattr(parts, split), cfg.ar_order,
                                       label=cfg.model.encoder)
    folder = Path(out) if out is not None else run.file(f"eval-{split}")
    folder.mkdir(parents=True, exist_ok=True)
    text = format_table(table)
    with atomic_path(folder / "table.csv") as tmp:
        table.to_csv(tmp)
    with atomic_path(folder / "table.txt") as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    market = ws.market
    echo(f"{split} split of {data.describe()}: {market.dates[ws.rows[0]].date()} to "
         f"{market.dates[ws.rows[-1] + 1].date()}, {len(ws)} bars x {market.n_assets} assets")
    echo(text)
    if plot and forecaster.task == "regression":
        png = plot_forecasts(market.dates[ws.rows + 1], market.close[np.r_[ws.rows, ws.rows[-1] + 1], 0],
                             ws.target, forecasts, folder / "forecasts.png", symbol=market.symbols[0],
                             title=f"{cfg.model.encoder} on {data.name}, {split} split")
        echo(f"wrote {png}")
    return table


def evaluate_on(forecaster: Forecaster, train: MarketData, data: MarketData, ar_order: int = 5, *,
                label: str = "model") -> tuple[pd.DataFrame, WindowSet, dict[str, np.ndarray]]:
    """Table, samples and forecasts of ``forecaster`` and the baselines on ``data``.

    A classification model enters the table through ``p_up - 0.5`` scaled by the training
    sd of returns, so hit rate and IC are meaningful; its error metrics and DM tests are
    then only a rough comparison (it was not trained on squared error).
    """
    ws = forecaster.windows(data)
    pred = forecaster.predict(ws.windows)  # (M, N)
    if forecaster.task == "classification":
        pred = (pred - 0.5) * forecaster.target_std
    forecasts = {label: pred, **baseline_forecasts(train, data, ws.rows, ar_order)}
    return evaluation_table(forecasts, ws.target), ws, forecasts


__all__ = ["SPLITS", "DMResult", "ar_forecast", "baseline_forecasts", "diebold_mariano",
           "evaluate_forecaster", "evaluate_on", "evaluation_table", "fit_ar", "forecast_metrics",
           "format_table", "plot_forecasts", "spearman"]
