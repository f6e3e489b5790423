"""The judges: the time split, the calibrated judge and TimeGAN's scores."""

from __future__ import annotations

import numpy as np
import pytest

from feature_nets.gan.controls import Replay
from feature_nets.gan.judges import (
    discriminative_score,
    judge_windows,
    predictive_score,
    return_channels,
    time_split,
    time_split_judge,
)
from tests.feature_nets.gan.samples import ar1, returns
from tradegym.errors import DataError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_time_split_blocks_are_a_window_apart():
    split = time_split(1000, 64, train_fraction=0.75)
    (a, b), (c, d) = split
    assert a == 0 and d == 1000 and c - b >= 64
    r = np.arange(1000.0)[:, None]
    tr, te = judge_windows(r, split, 64)
    assert te[:, :, 0].min() - tr[:, :, 0].max() > 64  # no shared or adjacent day


def test_time_split_too_short_raises():
    with pytest.raises(DataError, match="judge's test block has .* fewer than 10 windows of 64 days"):
        time_split(300, 64)


def test_calibrated_judge_scores_replay_near_zero():
    r = returns(1500)
    scale = r.std(axis=0)
    split = time_split(len(r), 24)
    tr, te = (return_channels(x, scale) for x in judge_windows(r, split, 24))
    syn = return_channels(Replay(r).sample_returns(len(tr) + len(te), 24, 0), scale)
    score = time_split_judge(tr, {"in": te}, syn, hidden=8, layers=1, steps=150, seed=0, progress=False)
    assert score["in"] < 0.1


def test_calibrated_judge_tells_noise_from_autocorrelated_series():
    r = ar1(2000, 0.95, seed=1)
    scale = r.std(axis=0)
    split = time_split(len(r), 24)
    tr, te = (return_channels(x, scale) for x in judge_windows(r, split, 24))
    noise = np.random.default_rng(2).standard_normal((len(tr) + len(te), 24, 1)) * scale
    score = time_split_judge(tr, {"in": te}, return_channels(noise, scale), hidden=8, layers=1,
                             steps=400, seed=0, progress=False)
    assert score["in"] > 0.4


def test_timegan_scores_run_and_separate():
    rng = np.random.default_rng(0)
    real = rng.uniform(0.4, 0.6, (300, 12, 6))
    assert discriminative_score(real, real.copy(), steps=50, seed=0, progress=False) < 0.1
    assert discriminative_score(real, rng.uniform(0, 0.2, (300, 12, 6)), steps=300, seed=0, progress=False) > 0.4
    mae = predictive_score(real, real, steps=30, seed=0, progress=False)
    assert 0 < mae < 0.5
