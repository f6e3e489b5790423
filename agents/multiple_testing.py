"""The multiple-testing view of walk-forward evaluations and sweeps: SPA, DSR, PBO.

A walk-forward trains several seeds per test block and a sweep several configurations;
picking the best of them and quoting its Sharpe ratio overstates it. This module says how
much, with :mod:`tradegym.backtest.evidence`:

* **SPA** (Hansen 2005): does any seed or trial beat the benchmark, allowing for the search?
* **DSR** (Bailey & López de Prado 2014): the best one's Sharpe ratio deflated by the number
  of trials and the spread of their Sharpe ratios.
* **PBO** (Bailey, Borwein, López de Prado & Zhu 2016): how often the in-sample best of the
  trials is below the median out of sample, by combinatorially symmetric cross-validation.

Walk-forward: per test block, the seeds' *ensemble* (capital split equally over the seeds,
its return the seeds' mean return) is one strategy with a Sharpe interval and a p-value
against the benchmark; over the chained blocks, the same for every seed and the ensemble.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradegym.backtest.engine import BacktestResult

Nested = Sequence[Sequence[Sequence[BacktestResult]]]


def _fmt_p(p: float) -> str:
    return "-" if not math.isfinite(p) else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _rows(returns: pd.DataFrame, benchmark: str, n_resamples: int, ppy: float) -> list[dict[str, Any]]:
    """Sharpe, interval, difference and p-value against ``benchmark`` of every column."""
    from tradegym.backtest.evidence import sharpe_difference, sharpe_interval

    rows = []
    for name in returns.columns:
        series = returns[name]
        ci = sharpe_interval(series, periods_per_year=ppy, n_resamples=n_resamples)
        interval = f"[{ci.ci_low:.2f}, {ci.ci_high:.2f}]" if math.isfinite(ci.ci_low) else "-"
        row: dict[str, Any] = {"policy": name, "Sharpe": round(ci.sharpe, 3), "95% CI": interval}
        if name != benchmark:
            d = sharpe_difference(series, returns[benchmark], periods_per_year=ppy, n_resamples=n_resamples)
            row.update({"vs " + benchmark: round(d.difference, 3), "p": _fmt_p(d.p_value)})
        else:
            row.update({"vs " + benchmark: None, "p": "-"})
        rows.append(row)
    return rows


def _agent_frame(results: Sequence[Sequence[BacktestResult]], baselines: Sequence[str]) -> pd.DataFrame:
    """``(T, seeds + 1 + baselines)`` returns of one block: each seed, their ensemble, the baselines."""
    seeds = {res[0].name: res[0].returns for res in results}
    frame = pd.concat(seeds, axis=1, join="inner")
    prefix = next(iter(seeds)).rsplit("_s", 1)[0]
    frame[f"{prefix} ensemble"] = frame.mean(axis=1)
    chosen = {r.name: r.returns for r in results[0][1:] if r.name in baselines}
    return frame.join(pd.concat(chosen, axis=1), how="inner") if chosen else frame


def walkforward_evidence(
    results: Nested,
    *,
    benchmark: str = "equal_weight",
    compare_to: Sequence[str] = ("equal_weight", "inverse_vol", "min_variance", "momentum_ls", "oracle"),
    n_configs: int = 1,
    n_resamples: int = 1000,
) -> dict[str, Any]:
    """Per-block and pooled evidence of a walk-forward, with SPA, DSR and PBO over its seeds.

    Args:
        results: ``results[fold][seed] = [agent, *baselines]`` (:class:`WalkForwardResult`).
        benchmark: the baseline every row is tested against.
        compare_to: baselines shown beside the agent (those present: momentum_ls on a long/short
            book, the oracle on a planted market).
        n_configs: configurations tried before this one (the DSR's trials are
            ``n_configs x seeds``).
        n_resamples: bootstrap resamples of each interval and test.

    Returns:
        ``{"per_block": DataFrame, "pooled": DataFrame, "lines": [str], "payload": dict}``;
        ``lines`` is the multiple-testing view in words, ``payload`` the same for JSON.

    Raises:
        ConfigError: ``benchmark`` is not among the baselines of the walk-forward.
    """
    from tradegym.backtest.evidence import deflated_sharpe, pbo, spa
    from tradegym.errors import ConfigError

    names = [r.name for r in results[0][0][1:]]
    if benchmark not in names:
        raise ConfigError(f"benchmark {benchmark!r} is not among the walk-forward's baselines {names}; "
                          f"add it with --baselines or pass --benchmark NAME")
    shown = [b for b in dict.fromkeys([benchmark, *compare_to]) if b in names]
    ppy = float(results[0][0][0].periods_per_year)
    blocks, per_block = [], []
    for index, fold in enumerate(results):
        frame = _agent_frame(fold, shown)
        blocks.append(frame)
        for row in _rows(frame, benchmark, n_resamples, ppy):
            per_block.append({"block": index, "bars": len(frame), **row})
    pooled_returns = pd.concat(blocks, axis=0)  # chained test blocks: each fold starts from cash
    pooled = pd.DataFrame(_rows(pooled_returns, benchmark, n_resamples, ppy))
    seed_cols = [c for c in pooled_returns.columns if c not in shown and not c.endswith(" ensemble")]
    lines, payload = [], {"benchmark": benchmark, "n_resamples": n_resamples,
                          "n_blocks": len(results), "n_seeds": len(seed_cols)}
    test = spa(pooled_returns[seed_cols], pooled_returns[benchmark], n_resamples=n_resamples)
    payload["spa"] = test.to_dict()
    answer = "at least one beats it" if test.p_value < 0.05 else "none is distinguishable from it"
    lines.append(f"SPA over the {len(seed_cols)} seeds' chained out-of-sample returns vs {benchmark}: "
                 f"p = {test.p_value:.2f} ({answer})")
    sharpes = pooled.set_index("policy").loc[seed_cols, "Sharpe"].astype(float)
    trials = n_configs * len(seed_cols)
    if len(seed_cols) > 1:
        best = sharpes.idxmax()
        dsr = deflated_sharpe(pooled_returns[best], n_trials=trials,
                              trial_sharpe_variance=float(sharpes.var(ddof=1)), periods_per_year=ppy)
        payload["dsr"] = {"best": best, "n_trials": trials, **dsr.to_dict()}
        lines.append(f"DSR of the best seed ({best}, Sharpe {sharpes[best]:.2f}) over {trials} trials "
                     f"({n_configs} configuration(s) x {len(seed_cols)} seeds): {dsr.probability:.2f} "
                     "(probability that its true Sharpe is above 0 beyond the best-of-trials selection; "
                     "not a comparison with the benchmark)")
        try:
            overfit = pbo(pooled_returns[seed_cols], n_blocks=min(16, 2 * (len(pooled_returns) // 60)))
            payload["pbo"] = overfit.to_dict()
            lines.append(f"PBO over the seeds (CSCV, {overfit.n_blocks} blocks): {overfit.pbo:.2f} "
                         "(picking the best seed in sample ranks below the median out of sample this often)")
        except ValueError as exc:
            lines.append(f"PBO not computed: {exc}")
    return {"per_block": pd.DataFrame(per_block), "pooled": pooled, "lines": lines, "payload": payload}


def record_walkforward_evidence(results: Nested, benchmark: str | None, n_configs: int, report_dir: Path,
                                tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """:func:`walkforward_evidence` for the report: its tables added to ``tables``.

    The whole of it is written to ``report_dir/walkforward_evidence.json``; ``{}`` without
    a benchmark.
    """
    if benchmark is None:
        return {}
    import json

    from tradegym.io import atomic_write

    evidence = walkforward_evidence(results, benchmark=benchmark, n_configs=n_configs)
    tables[f"Per test block: the seeds' ensemble and baselines, 95% CI and p vs {benchmark}"] = \
        evidence["per_block"]
    tables[f"Pooled over the chained blocks: each seed, their ensemble, baselines vs {benchmark}"] = \
        evidence["pooled"]
    payload = {**evidence["payload"], "lines": evidence["lines"],
               "per_block": evidence["per_block"].to_dict(orient="records"),
               "pooled": evidence["pooled"].to_dict(orient="records")}
    atomic_write(report_dir / "walkforward_evidence.json",
                 json.dumps(payload, indent=2, default=str) + "\n")
    return evidence


def sweep_evidence(records: Sequence[dict[str, Any]], benchmark: pd.Series | None,
                   *, periods_per_year: float = 252, n_resamples: int = 1000) -> dict[str, Any]:
    """PBO, DSR and SPA over every trial a sweep ran, from their validation returns.

    Args:
        records: the sweep's trial records (``run_dir``, ``status``, ``trial``); every trial
            with a ``val_returns.csv`` counts, early-stopped ones included.
        benchmark: the benchmark's validation returns (for SPA), or ``None``.
        periods_per_year: bars per year.
        n_resamples: bootstrap resamples.

    Returns:
        ``{"lines": [str], "payload": dict}``.
    """
    from agents.callbacks import VAL_RETURNS
    from tradegym.backtest.evidence import deflated_sharpe, pbo, spa

    columns = {}
    for r in records:
        path = Path(str(r.get("run_dir", ""))) / VAL_RETURNS
        if path.is_file():
            columns[r["trial"]] = pd.read_csv(path, index_col=0, parse_dates=True).iloc[:, 0]
    if len(columns) < 2:
        return {"lines": [f"multiple testing: {len(columns)} trial(s) with validation returns; needs 2"],
                "payload": {}}
    frame = pd.concat(columns, axis=1, join="inner").dropna()
    sharpe = frame.mean() / frame.std(ddof=1) * math.sqrt(periods_per_year)
    best = str(sharpe.idxmax())
    lines, payload = [], {"n_trials": len(columns), "bars": len(frame)}
    dsr = deflated_sharpe(frame[best], n_trials=len(columns), periods_per_year=periods_per_year,
                          trial_sharpe_variance=float(np.nanvar(sharpe, ddof=1)))
    payload["dsr"] = {"best": best, **dsr.to_dict()}
    lines.append(f"DSR of the best trial on validation ({best}, Sharpe {sharpe[best]:.2f}) over all "
                 f"{len(columns)} trials run: {dsr.probability:.2f} (probability that its true Sharpe is "
                 "above 0 beyond the best-of-trials selection)")
    try:
        overfit = pbo(frame, n_blocks=min(16, 2 * (len(frame) // 40)))
        payload["pbo"] = overfit.to_dict()
        lines.append(f"PBO over the {len(columns)} trials (CSCV, {overfit.n_blocks} blocks of the validation "
                     f"split): {overfit.pbo:.2f}")
    except ValueError as exc:
        lines.append(f"PBO not computed: {exc}")
    if benchmark is not None:
        joined = frame.join(benchmark.rename("__benchmark__"), how="inner")
        test = spa(joined[list(columns)], joined["__benchmark__"], n_resamples=n_resamples)
        payload["spa"] = test.to_dict()
        lines.append(f"SPA over the trials vs {benchmark.name} on validation: p = {test.p_value:.2f}")
    return {"lines": lines, "payload": payload}


def validation_benchmark(config: Any, name: str = "equal_weight") -> pd.Series:
    """``(T,)`` returns of baseline ``name`` on ``config``'s validation split, in its env.

    The same period, costs and execution as the trials' validation backtests, so the
    sweep's SPA compares like with like.
    """
    from agents.train import load_data
    from tradegym.backtest import backtest

    data, split = load_data(config)
    result = backtest(name, data.between(None, split.val.dates[-1]), env_kwargs=config.env.env_kwargs(),
                      env_id=config.env.id, name=name, start=split.val.dates[0])
    return result.returns.rename(name)


__all__ = ["record_walkforward_evidence", "sweep_evidence", "validation_benchmark",
           "walkforward_evidence"]
