"""The multi-seed summary line: mean ± sd over seeds, the baselines, and SPA over the seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from agents.evaluate import seed_summary
from tests.conftest import make_market
from tradegym.backtest import backtest
from tradegym.backtest.evidence import spa


def _results() -> list:
    data = make_market(300, 3, ohlc=False, seed=4)
    kwargs = {"window_bars": 10}
    seeds = [backtest(lambda obs, i=i: np.eye(4, dtype=np.float32)[i + 1], data, env_kwargs=kwargs,
                      name=f"ppo_lstm_s{i}") for i in range(3)]
    return [*seeds, *(backtest(b, data, env_kwargs=kwargs) for b in ("equal_weight", "min_variance"))]


def test_summary_reports_spa_over_the_seeds_against_the_benchmark() -> None:
    results = _results()
    line = seed_summary(results, "ppo_lstm")
    sharpes = [r.metrics["sharpe"] for r in results[:3]]
    assert line.startswith(f"ppo_lstm Sharpe over 3 seed(s): {np.mean(sharpes):.2f} ± {np.std(sharpes, ddof=1):.2f}")
    returns = pd.DataFrame({r.name: r.returns for r in results})
    expected = spa(returns[["ppo_lstm_s0", "ppo_lstm_s1", "ppo_lstm_s2"]], returns["equal_weight"])
    assert f"SPA over the 3 seed(s) vs equal_weight: p = {expected.p_value:.2f}" in line


def test_summary_without_the_benchmark_has_no_spa() -> None:
    results = [r for r in _results() if r.name != "equal_weight"]
    assert "SPA" not in seed_summary(results, "ppo_lstm")
    assert "SPA over the 3 seed(s) vs min_variance" in seed_summary(results, "ppo_lstm", benchmark="min_variance")
