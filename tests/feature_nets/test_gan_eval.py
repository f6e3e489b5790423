import numpy as np
import pandas as pd
import pytest
import torch

from feature_nets.gan_controls import (
    CONTROL_NAMES,
    BlockBootstrap,
    IidGaussianRows,
    RandomWalkRows,
    Replay,
    RowReplay,
    TimeShuffled,
    fit_controls,
)
from feature_nets.gan_eval import evaluate_generators, googl_rows, judge_block, protocol_a
from feature_nets.gan_facts import (
    acf,
    cut_windows,
    horizon_returns,
    leverage,
    log_returns,
    memorization,
    nearest_distance,
    stylized_facts,
    wasserstein_by_horizon,
)
from feature_nets.gan_judges import (
    discriminative_score,
    judge_windows,
    predictive_score,
    return_channels,
    time_split,
    time_split_judge,
)
from tradegym.data import MarketData
from tradegym.errors import DataError


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def ar1(n, phi, seed=0, assets=1):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, assets))
    e = rng.standard_normal((n, assets))
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def returns(n=1500, assets=2, seed=0):
    rng = np.random.default_rng(seed)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])[:assets, :assets] * 1e-4
    return rng.multivariate_normal(np.zeros(assets), cov, size=n)


# ---------------------------------------------------------------------- facts
def test_acf_of_ar1_is_phi_to_the_lag():
    w = cut_windows(ar1(100_000, 0.7), 100)
    np.testing.assert_allclose(acf(w, lags=4)[:, 0], 0.7 ** np.arange(1, 5), atol=0.02)


def test_acf_of_white_noise_is_zero_and_of_abs_too():
    w = cut_windows(np.random.default_rng(1).standard_normal((50_000, 2)), 50)
    assert np.abs(acf(w, 20)).max() < 0.03
    assert np.abs(acf(w, 20, "abs")).max() < 0.03


def test_leverage_sees_volatility_after_falls():
    rng = np.random.default_rng(0)
    e = rng.standard_normal(60_000)
    r = np.empty_like(e)
    sig = 1.0
    for t in range(len(e)):
        r[t] = sig * e[t]
        sig = np.sqrt(0.2 + 0.6 * sig**2 + 0.3 * min(r[t], 0) ** 2)
    lev = leverage(cut_windows(r[:, None], 60), 3)
    assert (lev < -0.05).all()


def test_stylized_facts_shapes_and_gaussian_kurtosis():
    f = stylized_facts(cut_windows(returns(20_000), 64))
    assert f.acf_r.shape == (20, 2) and f.leverage.shape == (10, 2) and f.corr.shape == (2, 2)
    assert f.quantiles.shape == (4, 2)
    assert abs(f.kurtosis).max() < 0.2
    assert f.corr[0, 1] == pytest.approx(0.8, abs=0.02)
    assert set(f.summary()) >= {"kurtosis", "acf_abs_1_10", "leverage_1_10"}


def test_wasserstein_of_identical_samples_is_zero():
    w = cut_windows(returns(), 64)
    assert np.all(wasserstein_by_horizon(w, w.copy(), (1, 5, 20)) == 0)
    assert wasserstein_by_horizon(w, w * 2, (1,)).min() > 0


def test_horizon_returns_are_window_sums():
    w = np.arange(12.0).reshape(1, 6, 2)
    np.testing.assert_allclose(horizon_returns(w, 5)[:, 0], [0 + 2 + 4 + 6 + 8, 2 + 4 + 6 + 8 + 10])


def test_copied_window_has_nearest_distance_zero():
    r = returns()
    ref = cut_windows(r, 20, 1)
    d = nearest_distance(np.stack([ref[37], ref[500] + 1.0]), ref)
    assert d[0] == pytest.approx(0.0, abs=1e-9) and d[1] > 0


def test_memorization_ratio_zero_for_copies_near_one_for_new_paths():
    r = returns(3000)
    train, held = r[:2000], r[2000:]
    scale = train.std(axis=0)
    copies = Replay(train).sample_returns(50, 40, seed=0)
    fresh = Replay(held).sample_returns(50, 40, seed=0)
    assert memorization(copies, held[None], train, scale, 20)["ratio"] == pytest.approx(0.0, abs=1e-6)
    assert memorization(fresh, held[None], train, scale, 20)["ratio"] == pytest.approx(1.0, abs=0.15)


# ---------------------------------------------------------------------- controls
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


# ---------------------------------------------------------------------- judges
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


# ---------------------------------------------------------------------- driver
def market(n=900, seed=0):
    r = returns(n, seed=seed)
    close = 100 * np.exp(np.cumsum(r, axis=0))
    return MarketData.from_array(close, pd.bdate_range("2000-01-03", periods=n), ["A", "B"])


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
    r_train = log_returns(data.split(0.7, 0.15).train.close)
    split = time_split(len(r_train), 64)
    np.testing.assert_allclose(log_returns(judge_block(data).close), r_train[: split.train_rows[1]])
