"""Forecasters: windows equal the env's, metrics and DM by hand, training runs, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from feature_nets.fit import FitConfig, fit
from feature_nets.forecast_eval import (
    ar_forecast,
    baseline_forecasts,
    diebold_mariano,
    evaluate_forecaster,
    evaluation_table,
    fit_ar,
    forecast_metrics,
    spearman,
)
from feature_nets.forecasters import (
    ForecastNet,
    load_forecast_config,
    load_forecaster,
    log_returns,
    make_windows,
    train_forecaster,
)
from tests.conftest import make_market
from tradegym.data import load
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import CacheError, ConfigError, DataError

TINY = ["data.source=ar1", "data.kwargs={n_assets: 2, n_bars: 600, phi: 0.5, seed: 1}",
        "model.window_bars=5", "model.hidden_size=8", "fit.max_epochs=3", "fit.patience=2",
        "fit.progress_bar=false", "fit.num_threads=1"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return train_forecaster(overrides=TINY, run_dir=tmp_path_factory.mktemp("fc") / "run", echo=lambda _: None)


# ---------------------------------------------------------------------- windows
def test_windows_are_the_env_observations_and_targets_the_next_return():
    market = make_market(160, 3, ohlc=True, seed=2)
    ws = make_windows(market, 10)
    env = PortfolioEnv(market, window_bars=10)
    assert ws.rows[0] == env.first_index and ws.rows[-1] == market.n_bars - 2
    for i in (0, 7, len(ws) - 1):
        obs, _ = env.reset(options={"start": int(ws.rows[i])})
        np.testing.assert_array_equal(ws.windows[i], obs["window"])
    r = np.log(market.close)
    np.testing.assert_allclose(ws.target, r[ws.rows + 1] - r[ws.rows])
    np.testing.assert_allclose(ws.last_return, r[ws.rows] - r[ws.rows - 1])


def test_too_short_data_is_a_data_error_naming_the_need():
    with pytest.raises(DataError, match=r"'toy' has 50 rows but a forecaster with a 30-bar window after 39 "
                                        r"warm-up bars plus one next bar needs at least 70"):
        make_windows(make_market(50, 2), 30)


# ---------------------------------------------------------------------- metrics by hand
def test_metrics_match_a_hand_computation():
    pred = np.array([[0.1, 0.0], [-0.2, 0.2], [0.3, -0.1]])
    real = np.array([[0.2, 0.1], [0.1, 0.3], [0.4, 0.0]])
    m = forecast_metrics(pred, real)
    err = np.array([-0.1, -0.1, -0.3, -0.1, -0.1, -0.1])
    assert m["rmse"] == pytest.approx(math.sqrt((err**2).mean()))
    assert m["mae"] == pytest.approx(0.8 / 6)
    # Called pairs (forecast and return both non-zero): (0.1,0.2) (-0.2,0.1) (0.2,0.3) (0.3,0.4): 3 of 4.
    assert m["hit_rate"] == pytest.approx(0.75)
    sst = ((real - real.mean()) ** 2).sum()
    assert m["r2"] == pytest.approx(1 - (err**2).sum() / sst)


def test_zero_forecast_has_no_direction_and_no_rank():
    m = forecast_metrics(np.zeros((4, 2)), np.arange(8.0).reshape(4, 2) - 3)
    assert math.isnan(m["hit_rate"]) and math.isnan(m["ic"])


def test_spearman_uses_average_ranks():
    assert spearman(np.array([1, 2, 2, 3]), np.array([1, 2, 3, 4])) == pytest.approx(0.9486832980505138)


def test_diebold_mariano_matches_a_hand_computation_with_hln_correction():
    from scipy import stats

    a = np.array([2.0, 1.0, 1.0, 4.0, 4.0, 2.0])
    b = np.full(6, 3.0)
    d = a - b  # -1, -2, -2, 1, 1, -1: mean -2/3, positively autocorrelated
    n, mean = 6, -2 / 3
    assert d.mean() == pytest.approx(mean)
    gamma0 = ((d - mean) ** 2).sum() / n
    gamma1 = ((d[1:] - mean) * (d[:-1] - mean)).sum() / n
    for h, var in ((1, gamma0), (2, gamma0 + 2 * gamma1)):
        expected = mean / math.sqrt(var / n) * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
        result = diebold_mariano(a, b, horizon=h)
        assert result.statistic == pytest.approx(expected)
        assert result.p_better == pytest.approx(stats.t.cdf(expected, n - 1))
        assert result.p_two_sided == pytest.approx(2 * stats.t.sf(abs(expected), n - 1))


def test_diebold_mariano_of_identical_forecasts_is_no_evidence():
    r = diebold_mariano(np.ones(10), np.ones(10))
    assert (r.statistic, r.p_better) == (0.0, 0.5)


@pytest.mark.parametrize(("a", "b", "message"), [
    (np.ones(3), np.ones(4), r"loss series must be 1-D and equal in shape, got \(3,\) and \(4,\)"),
    (np.ones(2), np.ones(2), "the Diebold-Mariano test needs at least 3 bars, got 2"),
])
def test_diebold_mariano_rejects_bad_input(a, b, message):
    with pytest.raises(ConfigError, match=message):
        diebold_mariano(a, b)


def test_ar_fit_recovers_the_coefficient_and_forecasts_from_the_past_only():
    rng = np.random.default_rng(0)
    r = np.zeros((5000, 2))
    for t in range(1, 5000):
        r[t] = 0.001 + 0.4 * r[t - 1] + 0.01 * rng.standard_normal(2)
    coef = fit_ar(r, 2)
    np.testing.assert_allclose(coef[:, 1], 0.4, atol=0.04)
    np.testing.assert_allclose(coef[:, 2], 0.0, atol=0.04)
    rows = np.array([10, 20])
    expected = coef[:, 0] + coef[:, 1] * r[rows] + coef[:, 2] * r[rows - 1]
    np.testing.assert_allclose(ar_forecast(r, rows, coef), expected)


def test_baselines_fit_on_train_only():
    data = load("ar1", n_assets=2, n_bars=300, seed=0)
    train, test = data.slice_rows(0, 200), data.slice_rows(200, 300)
    rows = np.arange(10, 99)
    base = baseline_forecasts(train, test, rows, ar_order=3)
    r_test = log_returns(test)
    np.testing.assert_array_equal(base["zero"], 0.0)
    np.testing.assert_array_equal(base["persistence"], r_test[rows])
    np.testing.assert_allclose(base["hist_mean"][0], log_returns(train)[1:].mean(axis=0))
    assert set(base) == {"zero", "persistence", "hist_mean", "ar3"}


def test_evaluation_table_tests_against_both_naive_benchmarks():
    rng = np.random.default_rng(0)
    y = rng.normal(0, 0.01, (300, 2))
    table = evaluation_table({"oracle": y * 0.9, "zero": 0 * y, "persistence": np.roll(y, 1, 0)}, y)
    assert table.loc["oracle", "p_zero"] < 1e-6 and table.loc["oracle", "p_pers"] < 1e-6
    assert math.isnan(table.loc["zero", "p_zero"])
    with pytest.raises(ConfigError, match=r"benchmark forecasts \['persistence'\] missing"):
        evaluation_table({"zero": 0 * y}, y)


# ---------------------------------------------------------------------- fit
def test_fit_stops_early_and_restores_the_best_weights(tmp_path):
    from tradegym.runs import RunDir

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    model = torch.nn.Linear(3, 1)
    loss_fn = lambda m, xb, yb: ((m(xb) - yb) ** 2).mean()  # noqa: E731
    run = RunDir.create(tmp_path, "fit", kind="test")
    # Validation targets unrelated to training ones: validation loss stops improving soon.
    result = fit(model, (x, x[:, :1] * 2), (x, -x[:, :1] * 2), loss_fn,
                 FitConfig(max_epochs=50, patience=2, lr=0.05, progress_bar=False), run=run)
    assert result.stopped_early and result.epochs == result.best_epoch + 2
    from feature_nets.fit import evaluate_loss

    assert evaluate_loss(model, (x, -x[:, :1] * 2), loss_fn, 256) == pytest.approx(result.best_val_loss)
    state = torch.load(run.verify("best.pt"), weights_only=True)
    torch.testing.assert_close(state["weight"], model.weight.detach())


def test_fit_rejects_misaligned_data():
    with pytest.raises(ConfigError, match=r"training tensors have different lengths \[3, 4\]"):
        fit(torch.nn.Linear(1, 1), (torch.zeros(3, 1), torch.zeros(4, 1)), (torch.zeros(2, 1),) * 2,
            lambda m, x, y: m(x).mean())


# ---------------------------------------------------------------------- a trained run
def test_training_writes_a_run_that_reloads_to_the_same_predictions(trained):
    run = trained.run
    for name in ("config.yaml", "data.json", "model.json", "model.pt", "best.pt", "history.csv",
                 "metrics.json"):
        assert run.file(name).is_file(), name
    assert run.read_json("run.json")["kind"] == "forecaster"
    ws = trained.forecaster.windows(trained.split.test)
    again = load_forecaster(run.path)
    np.testing.assert_allclose(again.predict(ws.windows), trained.forecaster.predict(ws.windows), rtol=1e-6)
    assert again.env_kwargs() == {"window_bars": 5, "features": ["log_return", "volatility_20", "momentum_20"],
                                  "normalize": "rolling"}


def test_target_scaler_is_fitted_on_the_training_split_only(trained):
    train_target = make_windows(trained.split.train, 5).target
    np.testing.assert_allclose(trained.forecaster.target_mean, train_target.mean(axis=0))
    np.testing.assert_allclose(trained.forecaster.target_std, train_target.std(axis=0))


def test_a_tampered_model_is_refused(trained, tmp_path):
    import shutil

    copy = shutil.copytree(trained.run.path, tmp_path / "copy")
    (copy / "model.pt").write_bytes(b"junk")
    with pytest.raises(CacheError, match="does not match its hash"):
        load_forecaster(copy)


def test_wrong_window_shape_for_a_saved_model_is_an_error(trained):
    with pytest.raises(ConfigError, match=r"windows have shape \(4, 6, 2, 3\), expected .* \(W, N, K\) = "
                                          r"\(5, 2, 3\), the shape this forecaster was trained on"):
        trained.forecaster.predict(np.zeros((4, 6, 2, 3), dtype=np.float32))


def test_evaluation_writes_table_and_plot(trained, tmp_path):
    lines = []
    table = evaluate_forecaster(trained.run.path, out=tmp_path, echo=lines.append)
    assert list(table.index) == ["lstm", "zero", "persistence", "hist_mean", "ar5"]
    assert {"rmse", "mae", "r2", "hit_rate", "ic", "dm_zero", "p_zero", "dm_pers", "p_pers"} <= set(table.columns)
    assert (tmp_path / "table.csv").is_file() and (tmp_path / "forecasts.png").read_bytes()[:4] == b"\x89PNG"
    assert lines[0].startswith("test split of ar1: 600 bars x 2 assets")


def test_evaluation_rejects_an_unknown_split(trained):
    with pytest.raises(ConfigError, match="unknown split 'tests'. Did you mean 'test'?"):
        evaluate_forecaster(trained.run.path, split="tests")


def test_classification_predicts_probabilities(tmp_path):
    result = train_forecaster(overrides=[*TINY, "model.task=classification", "model.encoder=tcn",
                                         "fit.max_epochs=1"], run_dir=tmp_path / "cls", echo=lambda _: None)
    ws = result.forecaster.windows(result.split.val)
    p = result.forecaster.predict(ws.windows)
    assert p.shape == (len(ws), 2) and ((p > 0) & (p < 1)).all()


# ---------------------------------------------------------------------- bad config
def test_unknown_model_name_suggests_the_closest():
    with pytest.raises(ConfigError, match="unknown encoder 'lstn'. Did you mean 'lstm'?"):
        load_forecast_config(overrides=["model.encoder=lstn"])


@pytest.mark.parametrize(("override", "message"), [
    ("model.task=regresion", "unknown model.task 'regresion'. Did you mean 'regression'?"),
    ("model.normalize=none", "unknown model.normalize 'none'."),
    ("fit.patience=0", "fit.patience must be an integer >= 1, got 0"),
    ("model.windowbars=3", "unknown key 'model.windowbars'. Did you mean 'window_bars'?"),
])
def test_bad_config_values_are_named(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        load_forecast_config(overrides=[override])


def test_train_scaler_normalisation_feeds_an_env_built_from_env_kwargs(tmp_path):
    result = train_forecaster(overrides=[*TINY, "model.normalize=train", "fit.max_epochs=1", "model.encoder=gru"],
                              run_dir=tmp_path / "scaled", echo=lambda _: None)
    model = load_forecaster(result.run.path)
    env = PortfolioEnv(result.split.test, **model.env_kwargs())
    obs, _ = env.reset(options={"start": env.first_index})
    ws = model.windows(result.split.test)
    np.testing.assert_array_equal(obs["window"], ws.windows[0])


def test_forecast_net_is_per_asset():
    net = ForecastNet("transformer", 6, 3, 2, hidden_size=8, encoder_kwargs={"heads": 2, "layers": 1})
    assert tuple(net(torch.zeros(4, 6, 3, 2)).shape) == (4, 3)


def test_diebold_mariano_rejects_equally_good_forecasts_about_5_percent_of_the_time():
    # Two forecasts with the same expected squared error: the one-sided 5% test should fire ~5%.
    rng = np.random.default_rng(0)
    y = rng.standard_normal((2000, 250))
    a, b = 0.3 * rng.standard_normal(y.shape), 0.3 * rng.standard_normal(y.shape)
    p = [diebold_mariano((a[i] - y[i]) ** 2, (b[i] - y[i]) ** 2).p_better for i in range(len(y))]
    assert 0.035 < np.mean(np.array(p) < 0.05) < 0.065


def test_fit_restores_the_torch_thread_count():
    before = torch.get_num_threads()
    x = torch.zeros(8, 1)
    fit(torch.nn.Linear(1, 1), (x, x), (x, x), lambda m, xb, yb: ((m(xb) - yb) ** 2).mean(),
        FitConfig(max_epochs=1, progress_bar=False, num_threads=1))
    assert torch.get_num_threads() == before
