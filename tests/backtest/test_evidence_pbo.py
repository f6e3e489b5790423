"""PBO is near 0 when one configuration has a real edge and near 0.5 when all are noise."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from tradegym.backtest.evidence import pbo
from tradegym.errors import ConfigError, DataError


def trials(seed: int, n_bars: int = 2000, n_trials: int = 20) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, (n_bars, n_trials))


def test_pbo_is_near_zero_when_one_configuration_has_a_planted_edge() -> None:
    for seed in range(3):
        x = trials(seed)
        x[:, 5] += 0.0015  # annualised Sharpe about 2.4 on a market of noise
        result = pbo(x)
        print(f"seed {seed}: PBO with an edge {result.pbo:.4f}")
        assert result.pbo < 0.1


def test_pbo_is_near_one_half_when_every_configuration_is_noise() -> None:
    values = [pbo(trials(seed)).pbo for seed in range(6)]
    print("PBO, noise only:", np.round(values, 3))
    assert 0.35 <= float(np.mean(values)) <= 0.65


def test_pbo_counts_every_combination_and_reports_its_settings() -> None:
    result = pbo(trials(0, 1003, 4), n_blocks=8)
    assert (result.n_combinations, result.n_blocks, result.n_trials, result.bars_used) == (comb(8, 4), 8, 4, 1000)
    assert result.logits.shape == (70,)
    assert result.pbo == pytest.approx(np.mean(result.logits <= 0))
    assert set(result.to_dict()["logits"]) == {"q05", "median", "q95"}


def test_a_metric_function_gives_the_same_answer_as_the_built_in_sharpe() -> None:
    x = trials(1, 400, 5)

    def sharpe(r: np.ndarray) -> np.ndarray:
        return r.mean(axis=0) / r.std(axis=0, ddof=1)

    fast, slow = pbo(x, n_blocks=6), pbo(x, n_blocks=6, metric=sharpe)
    np.testing.assert_allclose(fast.logits, slow.logits)
    assert slow.metric == "sharpe"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="n_blocks must be an even whole number >= 2"):
        pbo(trials(0, 100, 3), n_blocks=7)
    with pytest.raises(ConfigError, match="metric 'sortino' is unknown"):
        pbo(trials(0, 100, 3), metric="sortino")
    with pytest.raises(DataError, match="PBO needs at least 2 columns"):
        pbo(trials(0, 100, 1))
    with pytest.raises(DataError, match="trial 0 has 20 bars, fewer than the 32 needed"):
        pbo(trials(0, 20, 3))
