"""The evaluation driver: the table of generators and controls, protocol (a), the judge block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feature_nets.gan.evaluate import evaluate_generators, googl_rows, judge_block, protocol_a
from feature_nets.gan.facts import closes_to_log_returns
from feature_nets.gan.judges import time_split
from tests.feature_nets.gan.samples import market
from tradegym.data import MarketData
from tradegym.errors import DataError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_evaluate_generators_table_and_files(tmp_path):
    data = market()

    class Noise:
        def sample_returns(self, n, length, seed):
            return np.random.default_rng(seed).normal(0, 0.01, (n, length, 2))

    res = evaluate_generators({"noise": Noise()}, data, seeds=(0, 1), controls=("replay", "gbm"), window=32,
                              small_window=12, judge_steps=5, small_judge_steps=5, memo_window=8,
                              n_facts_windows=50, out_dir=tmp_path, progress=False)
    assert list(res.table.index) == ["noise", "replay", "gbm", "real"]
    assert {"disc_b_in", "disc_b_in_sd", "disc_b_oos", "small_in", "w1_h20_bps", "memo_ratio"} <= set(res.table)
    assert res.table.loc["replay", "memo_ratio"] == 0
    assert (tmp_path / "results.json").exists() and (tmp_path / "facts_noise.png").exists()
    assert "| replay |" in (tmp_path / "table.md").read_text()


def test_evaluate_generators_rejects_bad_generators():
    data = market()

    class Bad:
        def sample_returns(self, n, length, seed):
            return np.full((n, length, 2), np.nan)

    class Short:
        def sample_returns(self, n, length, seed):
            return np.zeros((n, length, 1))

    kw = dict(seeds=(0,), controls=(), window=32, small_window=12, judge_steps=2, small_judge_steps=2,
              memo_window=8, progress=False)
    with pytest.raises(DataError, match="generator 'bad' windows has NaN/inf at window 0, day 0, asset 0"):
        evaluate_generators({"bad": Bad()}, data, **kw)
    with pytest.raises(DataError, match=r"generator 'short' returned shape \(\d+, 32, 1\); expected"):
        evaluate_generators({"short": Short()}, data, **kw)
    with pytest.raises(DataError, match="judge's test block"):
        evaluate_generators({}, market(300), **kw)


def test_protocol_a_on_a_small_market():
    rng = np.random.default_rng(0)
    n = 120
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    values = np.stack([price, price * 1.01, price * 0.99, price, rng.uniform(1e6, 2e6, n), price * 0.5], axis=1)
    data = MarketData.from_array(values[:, None, :], pd.bdate_range("2010-01-04", periods=n), ["G"],
                                 ("open", "high", "low", "close", "volume", "adj_close"), adjust=False)
    assert googl_rows(data).shape == (n, 6)
    table = protocol_a({}, data, seeds=(0,), disc_steps=5, pred_steps=5, progress=False)
    assert list(table.index) == ["real", "replay", "time_shuffled", "random_walk", "iid_gaussian_rows"]
    assert np.isfinite(table.loc["replay", ["disc", "pred"]].astype(float)).all()
    with pytest.raises(DataError, match="protocol \\(a\\) needs one symbol"):
        googl_rows(market())


def test_judge_block_is_the_judges_real_training_block():
    data = market()
    r_train = closes_to_log_returns(data.split(0.7, 0.15).train.close)
    split = time_split(len(r_train), 64)
    np.testing.assert_allclose(closes_to_log_returns(judge_block(data).close), r_train[: split.train_rows[1]])
