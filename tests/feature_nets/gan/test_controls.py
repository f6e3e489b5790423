"""The control generators: shapes, determinism, what each keeps and loses."""

from __future__ import annotations

import numpy as np
import pytest

from feature_nets.gan.controls import (
    CONTROL_NAMES,
    BlockBootstrap,
    IidGaussianRows,
    RandomWalkRows,
    Replay,
    RowReplay,
    TimeShuffled,
    fit_controls,
)
from tests.feature_nets.gan.samples import returns
from tradegym.errors import DataError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def controls():
    return fit_controls(returns(800))


@pytest.mark.parametrize("name", CONTROL_NAMES)
def test_controls_shape_finite_and_deterministic(controls, name):
    gen = controls[name]
    a = gen.sample_returns(7, 30, seed=3)
    assert a.shape == (7, 30, 2) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, gen.sample_returns(7, 30, seed=3))
    assert not np.array_equal(a, gen.sample_returns(7, 30, seed=4))


def test_time_shuffled_keeps_rows_and_loses_order():
    r = returns(500)
    rep, shuf = Replay(r).sample_returns(5, 30, 1), TimeShuffled(r).sample_returns(5, 30, 1)
    for a, b in zip(rep, shuf, strict=True):
        assert sorted(map(tuple, a)) == sorted(map(tuple, b))
    assert not np.array_equal(rep, shuf)


def test_block_bootstrap_copies_whole_blocks():
    r = np.arange(200.0)[:, None]
    w = BlockBootstrap(r, block_days=10).sample_returns(4, 25, 0)
    assert (np.diff(w[:, :10, 0], axis=1) == 1).all()


def test_row_controls_shape_and_units():
    rng = np.random.default_rng(0)
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
    rows = np.column_stack([price] * 5 + [rng.uniform(1e6, 2e6, 300)])
    for gen in (RowReplay(rows), RowReplay(rows, shuffle=True), IidGaussianRows(rows),
                RandomWalkRows(rows, [0, 1, 2, 3, 4], 5, 3)):
        w = gen.sample_windows(6, 24, seed=0)
        assert w.shape == (6, 24, 6) and np.isfinite(w).all()
        np.testing.assert_array_equal(w, gen.sample_windows(6, 24, seed=0))


def test_controls_reject_nan_and_wrong_shape():
    r = returns(300)
    r[17, 1] = np.nan
    with pytest.raises(DataError, match="returns has NaN/inf at row 17, asset 1"):
        Replay(r)
    with pytest.raises(DataError, match=r"returns must be \(T, N\) log returns; got shape \(300,\)"):
        Replay(np.zeros(300))
