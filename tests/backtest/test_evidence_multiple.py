"""SPA rarely rejects for noise strategies, rejects with one planted edge; StepM names the edge.

500 resamples per test (1000 is the default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradegym.backtest.evidence import spa, stepm
from tradegym.errors import ConfigError, DataError

N_BARS, N_NOISE, RESAMPLES = 1000, 20, 500


def noise_and_edge(seed: int, edge_per_bar: float | None) -> tuple[pd.DataFrame, pd.Series]:
    """20 strategies with the benchmark's mean return, plus one ``edge_per_bar`` better if given."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=N_BARS)
    bench = pd.Series(rng.normal(0.0003, 0.01, N_BARS), dates)
    cand = pd.DataFrame(rng.normal(0.0003, 0.01, (N_BARS, N_NOISE)), dates,
                        columns=[f"noise{i}" for i in range(N_NOISE)])
    if edge_per_bar is not None:
        cand["edge"] = rng.normal(0.0003 + edge_per_bar, 0.01, N_BARS)
    return cand, bench


def test_spa_rarely_rejects_when_every_strategy_is_noise() -> None:
    p_values = [spa(*noise_and_edge(seed, None), n_resamples=RESAMPLES, seed=seed).p_value for seed in range(10)]
    print("SPA p-values, noise only:", np.round(p_values, 3))
    assert sum(p < 0.05 for p in p_values) <= 2


def test_spa_rejects_and_stepm_names_the_planted_edge() -> None:
    exact = 0
    for seed in range(10):
        cand, bench = noise_and_edge(seed, 0.0015)  # about 2.4 annualised Sharpe above the benchmark
        result = spa(cand, bench, n_resamples=RESAMPLES, seed=seed)
        assert result.p_value < 0.05 and result.best == "edge"
        assert result.p_lower <= result.p_value <= result.p_upper
        superior = stepm(cand, bench, n_resamples=RESAMPLES, seed=seed).superior
        assert "edge" in superior
        exact += superior == ("edge",)
    print(f"StepM named exactly the edge in {exact} of 10")
    assert exact >= 8


def test_results_report_their_settings() -> None:
    cand, bench = noise_and_edge(0, 0.0015)
    result = spa(cand, bench, n_resamples=200, seed=4)
    assert (result.n_candidates, result.n_resamples, result.seed, result.n_bars) == (21, 200, 4, N_BARS)
    assert result.block_length >= 1 and "arch.bootstrap.SPA" in result.method
    assert result == spa(cand, bench, n_resamples=200, seed=4)
    steps = stepm(cand, bench, size=0.1, n_resamples=200, seed=4)
    assert steps.size == 0.1 and steps.to_dict()["superior"] == list(steps.superior)


def test_candidates_are_aligned_with_the_benchmark_and_checked() -> None:
    cand, bench = noise_and_edge(1, 0.0015)
    assert spa(cand.iloc[100:], bench, n_resamples=100) == spa(cand.iloc[100:], bench.iloc[100:], n_resamples=100)
    with pytest.raises(DataError, match="candidates and benchmark share 20 bars, fewer than the 30"):
        spa(cand.iloc[:20], bench)
    cand.iloc[5, 2] = np.nan
    with pytest.raises(DataError, match=r"candidate 'noise2' has a non-finite return at 2015-01-08 \(nan\)"):
        stepm(cand, bench)
    with pytest.raises(ConfigError, match=r"size must be in \(0, 1\)"):
        stepm(cand, bench, size=5)
