"""Autoencoder and PCA: exactness, shapes, errors, run directories; the compressed env and wrapper."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from feature_nets.autoencoder import (
    PCA,
    Autoencoder,
    WindowAutoencoder,
    load_autoencoder,
    load_pca,
    next_bar_target,
    per_asset_windows,
    reconstruction_mse,
    resolve_predict_target,
    train_autoencoder,
)
from feature_nets.compressed_obs import CompressedExtractor, CompressedObservation, CompressedPortfolioEnv
from tests.conftest import make_market
from tests.envs.test_no_lookahead import perturb_after
from tradegym.data.market import MarketData
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import CacheError, ConfigError

FEATURES = ("log_return", "volatility_20", "momentum_20")
TINY = {"data": {"source": "ar1", "kwargs": {"n_assets": 2, "n_bars": 600, "seed": 0}},
        "model": {"window_bars": 5, "code_size": 4, "hidden_size": 8},
        "fit": {"max_epochs": 2, "progress_bar": False}}


def make_model(kind: str = "mlp", window_bars: int = 8, n_assets: int = 3, code_size: int = 4,
               linear_path: bool = False, predict_head: bool = False, asset_mode: str = "joint") -> Autoencoder:
    torch.manual_seed(0)
    net = WindowAutoencoder(kind, (window_bars, n_assets, len(FEATURES)), code_size, hidden_size=8,
                            linear_path=linear_path, predict_head=predict_head, asset_mode=asset_mode)
    return Autoencoder(net.eval(), window_bars, FEATURES, "rolling", tuple(f"A{i}" for i in range(n_assets)))


# ---------------------------------------------------------------------- PCA
@settings(max_examples=20, deadline=None)
@given(m=st.integers(2, 40), w=st.integers(1, 4), n=st.integers(1, 3), seed=st.integers(0, 1000))
def test_pca_at_full_rank_reconstructs_exactly(m: int, w: int, n: int, seed: int) -> None:
    x = np.random.default_rng(seed).normal(size=(m, w, n, 2))
    d = w * n * 2
    pca = PCA.fit(x, min(d, m))  # rank of m centred windows is at most m - 1 <= code size
    np.testing.assert_allclose(pca.reconstruct(x), x, atol=1e-8)
    assert pca.encode(x).shape == (m, min(d, m))


def test_pca_error_is_the_variance_it_leaves_out() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3, 2, 2)) * np.linspace(0.1, 2, 12).reshape(3, 2, 2)
    full = PCA.fit(x, 12)
    for c in (1, 4, 8):
        dropped = full.explained_variance[c:].sum() * (len(x) - 1) / len(x) / 12
        assert reconstruction_mse(x, full.truncate(c).reconstruct(x)) == pytest.approx(dropped, rel=1e-6)


def test_pca_scatter_and_svd_paths_agree() -> None:
    x = np.random.default_rng(1).normal(size=(30, 2, 2, 5))  # D = 20 < M: scatter-matrix path
    few = x[:12]  # M = 12 < D: SVD path
    for data in (x, few):
        pca = PCA.fit(data, 5)
        u, s, vt = np.linalg.svd(data.reshape(len(data), -1) - data.reshape(len(data), -1).mean(0),
                                 full_matrices=False)
        np.testing.assert_allclose(np.abs(pca.components), np.abs(vt[:5]), atol=1e-8)


# ---------------------------------------------------------------------- model
@pytest.mark.parametrize("kind", ["mlp", "lstm", "conv"])
@pytest.mark.parametrize("linear_path", [False, True])
def test_autoencoder_shapes_and_round_trip(kind: str, linear_path: bool) -> None:
    model = make_model(kind, linear_path=linear_path)
    x = np.random.default_rng(0).normal(size=(6, 8, 3, 3)).astype(np.float32)
    assert model.encode(x).shape == (6, 4)
    assert model.encode(x[0]).shape == (4,)
    np.testing.assert_allclose(model.encode(x[0]), model.encode(x)[0], rtol=1e-5, atol=1e-6)
    assert model.reconstruct(x).shape == x.shape


def test_linear_path_starts_as_pca() -> None:
    x = np.random.default_rng(0).normal(size=(200, 4, 2, 3)).astype(np.float32)
    pca = PCA.fit(x, 5)
    net = WindowAutoencoder("mlp", (4, 2, 3), 5, hidden_size=8, linear_path=True).eval()
    net.init_from_pca(pca)
    with torch.no_grad():
        out = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, pca.reconstruct(x), atol=1e-5)


def test_denoising_noise_is_applied_in_training_mode_only() -> None:
    net = WindowAutoencoder("mlp", (4, 2, 3), 3, hidden_size=8, noise_std=0.5)
    x = torch.randn(5, 4, 2, 3)
    net.eval()
    assert torch.equal(net.encode(x), net.encode(x))
    net.train()
    assert not torch.equal(net.encode(x), net.encode(x))


def test_code_size_larger_than_the_input_is_refused() -> None:
    msg = (r"code_size 61 is larger than the input: a window \(W, N, K\) = \(5, 4, 3\) holds 60 values; "
           r"pick code_size <= 60")
    with pytest.raises(ConfigError, match=msg):
        WindowAutoencoder("mlp", (5, 4, 3), 61)
    with pytest.raises(ConfigError, match=msg):
        PCA.fit(np.zeros((100, 5, 4, 3)), 61)


def test_unknown_kind_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="unknown autoencoder kind 'lstn'. Did you mean 'lstm'?"):
        WindowAutoencoder("lstn", (5, 2, 3), 4)


# ---------------------------------------------------------------------- run directory
def test_train_save_load_round_trip(tmp_path) -> None:
    result = train_autoencoder(TINY, overrides=["model.kind=lstm", "model.noise_std=0.1"], run_dir=tmp_path / "run",
                               echo=lambda _: None)
    assert {"model.pt", "best.pt", "pca.npz", "history.csv", "metrics.json"} <= {p.name for p in
                                                                               (tmp_path / "run").iterdir()}
    loaded = load_autoencoder(tmp_path / "run")
    x = np.random.default_rng(0).normal(size=(3, 5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.encode(x), result.autoencoder.encode(x))
    np.testing.assert_array_equal(loaded.state(x), result.autoencoder.state(x))
    train_codes = result.autoencoder.state(_train_windows(result))
    np.testing.assert_allclose(train_codes.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(train_codes.std(0), 1, atol=1e-3)
    assert loaded.env_kwargs() == {"window_bars": 5, "features": list(FEATURES), "normalize": "rolling"}
    np.testing.assert_array_equal(load_pca(tmp_path / "run").components, result.pca.components)
    (tmp_path / "run" / "model.pt").write_bytes(b"tampered")
    with pytest.raises(CacheError):
        load_autoencoder(tmp_path / "run")


def _train_windows(result) -> np.ndarray:
    from feature_nets.forecasters import make_windows

    return make_windows(result.split.train, 5, FEATURES).windows


def test_a_code_larger_than_the_data_window_fails_before_a_run_directory(tmp_path) -> None:
    with pytest.raises(ConfigError, match="code_size 31 is larger than the input"):
        train_autoencoder(TINY, overrides=["model.code_size=31"], runs_root=tmp_path, echo=lambda _: None)
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------- compressed observations
@pytest.mark.filterwarnings("ignore:.*is different from the unwrapped version")
def test_wrapper_and_env_pass_the_env_checkers() -> None:
    from gymnasium.utils.env_checker import check_env as gym_check
    from stable_baselines3.common.env_checker import check_env as sb3_check

    model = make_model()
    for env in (CompressedObservation(PortfolioEnv(make_market(120, 3, ohlc=False), **model.env_kwargs()), model),
                CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model)):
        gym_check(env, skip_render_check=True)
        sb3_check(env, warn=False)
        obs, _ = env.reset(seed=0)
        assert sorted(obs) == ["code", "weights"] and obs["code"].shape == (4,)


@pytest.mark.parametrize("asset_mode", ["joint", "shared"])
def test_code_is_the_encoder_output_on_the_current_window(asset_mode: str) -> None:
    model = make_model(code_size=6, asset_mode=asset_mode, linear_path=True)
    plain = PortfolioEnv(make_market(120, 3, ohlc=False), start="first", **model.env_kwargs())
    env = CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model, start="first")
    wrapped = CompressedObservation(PortfolioEnv(make_market(120, 3, ohlc=False), start="first",
                                                 **model.env_kwargs()), model)
    obs, code, wrapped_code = plain.reset(seed=3)[0], env.reset(seed=3)[0]["code"], wrapped.reset(seed=3)[0]["code"]
    action = np.zeros(4, dtype=np.float32)
    for _ in range(20):  # the env's codes, computed once and batched, are the per-step encodings
        np.testing.assert_array_equal(wrapped_code, model.state(obs["window"]))
        np.testing.assert_allclose(code, wrapped_code, rtol=1e-5, atol=1e-6)
        obs, code, wrapped_code = plain.step(action)[0], env.step(action)[0]["code"], wrapped.step(action)[0]["code"]


def test_another_window_shape_is_refused_naming_both_shapes() -> None:
    model = make_model(window_bars=8)
    env = PortfolioEnv(make_market(120, 3, ohlc=False), window_bars=10, features=list(FEATURES))
    msg = r"env window has shape \(W, N, K\) = \(10, 3, 3\) but the autoencoder was trained on \(8, 3, 3\)"
    with pytest.raises(ConfigError, match=msg):
        CompressedObservation(env, model)
    with pytest.raises(ConfigError, match=msg):
        CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model, window_bars=10)
    with pytest.raises(ConfigError, match=r"env window has shape \(W, N, K\) = \(8, 4, 3\)"):
        CompressedPortfolioEnv(make_market(120, 4, ohlc=False), autoencoder=model)
    with pytest.raises(ConfigError, match="normalised 'expanding', but the autoencoder was trained on"):
        CompressedPortfolioEnv(make_market(120, 3, ohlc=False), autoencoder=model, normalize="expanding")


def codes_up_to(market: MarketData, model: Autoencoder, t: int) -> list[tuple[int, np.ndarray]]:
    env = CompressedPortfolioEnv(market, autoencoder=model, start="first")
    obs, _ = env.reset(seed=0)
    out = [(env.current_index, obs["code"])]
    action = np.zeros(market.n_assets + 1, dtype=np.float32)
    while True:
        obs, _, terminated, truncated, info = env.step(action)
        if info["index"] > t or terminated or truncated:
            return out
        out.append((info["index"], obs["code"]))


MODELS = {kind: make_model(kind, linear_path=True) for kind in ("mlp", "lstm", "conv")}
MODELS["mlp-predictive"] = make_model("mlp", linear_path=True, predict_head=True)
MODELS["mlp-shared"] = make_model("mlp", code_size=6, linear_path=True, predict_head=True, asset_mode="shared")
MODELS["lstm-shared"] = make_model("lstm", code_size=3, linear_path=True, asset_mode="shared")


@settings(max_examples=15, deadline=None)
@given(t=st.integers(50, 118), seed=st.integers(0, 10_000), kind=st.sampled_from(sorted(MODELS)))
def test_code_up_to_t_ignores_later_prices(t: int, seed: int, kind: str) -> None:
    data = make_market(120, 3, ohlc=False, seed=seed % 5)
    base, moved = codes_up_to(data, MODELS[kind], t), codes_up_to(perturb_after(data, t, seed), MODELS[kind], t)
    assert len(base) == len(moved) >= 1
    for (i, a), (j, b) in zip(base, moved, strict=True):
        assert i == j <= t
        np.testing.assert_array_equal(a, b)


def test_finetuning_extractor_starts_from_the_pretrained_encoder_and_learns() -> None:
    from stable_baselines3 import PPO

    model = make_model(linear_path=True)
    env = PortfolioEnv(make_market(120, 3, ohlc=False), **model.env_kwargs())
    before = [p.detach().clone() for p in model.net.encoder.parameters()]
    ppo = PPO("MultiInputPolicy", env, n_steps=32, batch_size=32, n_epochs=1, seed=0,
              policy_kwargs={"features_extractor_class": CompressedExtractor,
                             "features_extractor_kwargs": {"autoencoder": model, "finetune": True}})
    extractor = ppo.policy.features_extractor
    assert extractor.features_dim == 4 + 4  # C + A
    obs = env.reset(seed=0)[0]
    with torch.no_grad():
        code = extractor({k: torch.as_tensor(v)[None] for k, v in obs.items()})[0, :4].numpy()
    np.testing.assert_allclose(code, model.state(obs["window"]), rtol=1e-5, atol=1e-6)
    ppo.learn(64)
    moved = any(not torch.equal(a, b) for a, b in zip(before, extractor.autoencoder.encoder.parameters(),
                                                      strict=True))
    assert moved
    assert all(torch.equal(a, b) for a, b in zip(before, model.net.encoder.parameters(), strict=True))
    assert not hasattr(extractor.autoencoder, "decoder")


def test_agent_trains_and_backtests_on_the_compressed_env(tmp_path) -> None:
    from agents.evaluate import evaluate_run
    from agents.train import train

    ae = train_autoencoder(TINY, run_dir=tmp_path / "ae", echo=lambda _: None)
    overrides = ["data.source=ar1", "data.kwargs={n_assets: 2, n_bars: 600, seed: 0}",
                 "env.id=feature_nets.compressed_obs:CompressedPortfolioEnv", "env.window_bars=5",
                 f"env.kwargs={{autoencoder: '{ae.run.path}'}}", "agent.extractor=default",
                 "agent.hyperparams={n_steps: 32, batch_size: 32, n_epochs: 1}", "train.n_envs=1",
                 "train.total_timesteps=64", "train.eval_freq=64", "train.checkpoint_freq=64",
                 "train.progress_bar=false", "train.tensorboard=false"]
    run = train("ppo_mlp", overrides=overrides, run_dir=tmp_path / "agent", echo=lambda _: None).run
    results = evaluate_run(run.path, split="test", baselines=(), write_report=False)
    assert np.isfinite(results[0].metrics["total_return"])


# ---------------------------------------------------------------------- predictive autoencoder
@pytest.mark.parametrize(("t", "seed"), [(50, 1), (90, 7), (118, 3)])
def test_predictive_code_up_to_t_ignores_later_prices(t: int, seed: int) -> None:
    data = make_market(120, 3, ohlc=False, seed=seed % 5)
    model = MODELS["mlp-predictive"]
    base, moved = codes_up_to(data, model, t), codes_up_to(perturb_after(data, t, seed), model, t)
    assert len(base) == len(moved) >= 1
    for (i, a), (j, b) in zip(base, moved, strict=True):
        assert i == j <= t
        np.testing.assert_array_equal(a, b)


def test_predictive_head_learns_the_next_return_from_the_code() -> None:
    from feature_nets.autoencoder import _predictive_loss
    from feature_nets.fit import FitConfig, fit

    torch.manual_seed(0)
    x = torch.randn(512, 4, 2, 3)  # (M, W, N, K)
    y = 2.0 * x[:, -1, :, 0]  # (M, N): the "next return" is the last bar's first feature
    net = WindowAutoencoder("mlp", (4, 2, 3), 6, hidden_size=16, predict_head=True)
    loss = _predictive_loss(1.0)
    net.eval()
    with torch.no_grad():
        before = nn_mse(net.reconstruct_and_predict(x)[1], y)
    fit(net, (x[:384], y[:384]), (x[384:], y[384:]), loss,
        FitConfig(max_epochs=150, patience=150, lr=3e-3, batch_size=64, progress_bar=False))
    with torch.no_grad():
        after = nn_mse(net.reconstruct_and_predict(x[384:])[1], y[384:])
    assert after < 0.1 * before
    assert net.forward(x[:2]).shape == (2, 4, 2, 3)  # forward stays the reconstruction


def nn_mse(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a - b) ** 2).mean())


def test_predictive_run_trains_saves_and_loads(tmp_path) -> None:
    result = train_autoencoder(TINY, overrides=["model.predict_weight=0.5"], run_dir=tmp_path / "run",
                               echo=lambda _: None)
    net = result.autoencoder.net
    assert net.predict_head and net.head.weight.shape == (2, 4)
    assert np.isfinite(result.metrics["val_pred_mse"]) and result.metrics["val_mse"] > 0
    loaded = load_autoencoder(tmp_path / "run")
    assert loaded.net.predict_head
    x = np.random.default_rng(0).normal(size=(3, 5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded.state(x), result.autoencoder.state(x))
    space = PortfolioEnv(make_market(120, 2, ohlc=False), **loaded.env_kwargs()).observation_space
    extractor_net = CompressedExtractor(space, autoencoder=loaded).autoencoder
    assert not hasattr(extractor_net, "head")  # the head is a training device only


def test_predict_weight_zero_is_the_plain_autoencoder(tmp_path) -> None:
    plain = train_autoencoder(TINY, run_dir=tmp_path / "a", echo=lambda _: None)
    zero = train_autoencoder(TINY, overrides=["model.predict_weight=0"], run_dir=tmp_path / "b",
                             echo=lambda _: None)
    assert not zero.autoencoder.net.predict_head and not hasattr(zero.autoencoder.net, "head")
    assert "val_pred_mse" not in zero.metrics and zero.metrics["val_mse"] == plain.metrics["val_mse"]
    x = np.random.default_rng(0).normal(size=(3, 5, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(zero.autoencoder.state(x), plain.autoencoder.state(x))
    # A run saved before the option existed (no "predict_head" in model.json) still loads.
    meta = tmp_path / "a" / "model.json"
    data = json.loads(meta.read_text())
    data.pop("predict_head")
    meta.write_text(json.dumps(data))
    np.testing.assert_array_equal(load_autoencoder(tmp_path / "a").state(x), plain.autoencoder.state(x))


@pytest.mark.parametrize("weight", [-0.1, -1.0, float("nan"), float("inf")])
def test_predict_weight_out_of_range_is_a_config_error(tmp_path, weight: float) -> None:
    config = {**TINY, "model": {**TINY["model"], "predict_weight": weight}}
    with pytest.raises(ConfigError, match="model.predict_weight must be a finite number >= 0"):
        train_autoencoder(config, runs_root=tmp_path, echo=lambda _: None)
    with pytest.raises(ConfigError, match="model.predict_weight must be a finite number >= 0"):
        train_autoencoder(TINY, overrides=["model.predict_weight=-0.5"], runs_root=tmp_path, echo=lambda _: None)
    assert not list(tmp_path.iterdir())


def test_reconstruct_and_predict_needs_the_head() -> None:
    with pytest.raises(ConfigError, match="no prediction head"):
        make_model().net.reconstruct_and_predict(torch.zeros(1, 8, 3, 3))


# ---------------------------------------------------------------------- predict_target
PLANTED = {**TINY, "data": {"source": "planted", "kwargs": {"n_assets": 2, "n_bars": 600, "seed": 0}}}


def test_intraday_target_is_the_open_to_close_return_of_the_next_bar() -> None:
    from feature_nets.forecasters import make_windows

    data = make_market(120, 2)
    ws = make_windows(data, 5, FEATURES)
    t = ws.rows[3]
    np.testing.assert_allclose(next_bar_target(ws, "intraday")[3],
                               np.log(data.close[t + 1] / data.field("open")[t + 1]))
    np.testing.assert_array_equal(next_bar_target(ws, "close"), ws.target)
    assert resolve_predict_target("auto", data) == "intraday"
    assert resolve_predict_target("auto", make_market(120, 2, ohlc=False)) == "close"
    assert resolve_predict_target("close", data) == "close"


def test_intraday_target_on_close_only_data_is_a_config_error(tmp_path) -> None:
    msg = (r"model.predict_target='intraday' needs open prices, but market 'ar1' has fields \['close'\]; "
           r"use 'close' \(close-to-close returns\) or 'auto', or a source with opens")
    with pytest.raises(ConfigError, match=msg):
        train_autoencoder(TINY, overrides=["model.predict_weight=1", "model.predict_target=intraday"],
                          runs_root=tmp_path, echo=lambda _: None)
    assert not list(tmp_path.iterdir())
    auto = train_autoencoder(TINY, overrides=["model.predict_weight=1"], run_dir=tmp_path / "run",
                             echo=lambda _: None)
    assert auto.metrics["predict_target"] == "close"


def test_unknown_predict_target_and_asset_mode_get_a_suggestion(tmp_path) -> None:
    with pytest.raises(ConfigError, match="unknown model.predict_target 'intradya'. Did you mean 'intraday'?"):
        train_autoencoder(TINY, overrides=["model.predict_target=intradya"], runs_root=tmp_path)
    with pytest.raises(ConfigError, match="unknown model.asset_mode 'share'. Did you mean 'shared'?"):
        train_autoencoder(TINY, overrides=["model.asset_mode=share"], runs_root=tmp_path)
    with pytest.raises(ConfigError, match="unknown autoencoder asset_mode 'share'. Did you mean 'shared'?"):
        WindowAutoencoder("mlp", (5, 2, 3), 4, asset_mode="share")


# ---------------------------------------------------------------------- shared (per-asset) autoencoder
@pytest.mark.parametrize("kind", ["mlp", "lstm", "conv"])
def test_shared_autoencoder_codes_each_asset_alone_with_the_same_weights(kind: str) -> None:
    model = make_model(kind, code_size=6, linear_path=True, predict_head=True, asset_mode="shared")
    x = np.random.default_rng(0).normal(size=(6, 8, 3, 3)).astype(np.float32)  # (B, W, N, K)
    code = model.encode(x)  # (B, C): asset-major parts of C/N = 2
    assert code.shape == (6, 6) and model.reconstruct(x).shape == x.shape
    moved = x.copy()
    moved[:, :, 0] += 5.0  # assets 0 and 2 change, asset 1 does not
    moved[:, :, 2] -= 3.0
    np.testing.assert_allclose(model.encode(moved)[:, 2:4], code[:, 2:4], atol=1e-5)
    assert not np.allclose(model.encode(moved)[:, 0:2], code[:, 0:2])
    swapped = x.copy()
    swapped[:, :, 1] = x[:, :, 0]  # asset 0's series in asset 1's slot gets asset 0's code
    np.testing.assert_allclose(model.encode(swapped)[:, 2:4], code[:, 0:2], atol=1e-5)
    with torch.no_grad():
        assert model.net.reconstruct_and_predict(torch.from_numpy(x))[1].shape == (6, 3)  # (B, N)


def test_shared_linear_path_starts_as_the_per_asset_pca() -> None:
    x = np.random.default_rng(0).normal(size=(300, 4, 2, 3)).astype(np.float32)
    pca = PCA.fit(x, 4)
    centred = x - pca.mean.reshape(4, 2, 3)
    asset_pca = PCA.fit(per_asset_windows(centred), 2)
    net = WindowAutoencoder("mlp", (4, 2, 3), 4, hidden_size=8, linear_path=True, asset_mode="shared").eval()
    net.init_from_pca(pca, asset_pca)
    with torch.no_grad():
        out = net(torch.from_numpy(x)).numpy()
    per_asset = asset_pca.reconstruct(per_asset_windows(centred)).reshape(300, 2, 4, 3)  # (M, N, W, K)
    np.testing.assert_allclose(out, per_asset.transpose(0, 2, 1, 3) + pca.mean.reshape(4, 2, 3), atol=1e-5)
    with pytest.raises(ConfigError, match="needs asset_pca"):
        net.init_from_pca(pca)


def test_shared_code_size_must_be_a_multiple_of_the_assets() -> None:
    msg = (r"code_size 7 must be a multiple of the 3 assets with asset_mode='shared' "
           r"\(each asset gets C/N numbers\); try 6 or 9")
    with pytest.raises(ConfigError, match=msg):
        WindowAutoencoder("mlp", (5, 3, 3), 7, asset_mode="shared")


def test_shared_predictive_run_on_ohlc_data_trains_saves_and_loads(tmp_path) -> None:
    result = train_autoencoder(PLANTED, overrides=["model.asset_mode=shared", "model.predict_weight=1"],
                               run_dir=tmp_path / "run", echo=lambda _: None)
    assert result.metrics["predict_target"] == "intraday"  # auto, on data with opens
    net = result.autoencoder.net
    assert net.shared and net.head.weight.shape == (1, 2)  # one head shared by the 2 assets
    loaded = load_autoencoder(tmp_path / "run")
    assert loaded.net.asset_mode == "shared"
    x = np.random.default_rng(0).normal(size=(3, *loaded.window_shape)).astype(np.float32)
    np.testing.assert_array_equal(loaded.state(x), result.autoencoder.state(x))
