"""The GAN generator: codec round trip, a tiny training run, sampling, resume and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from feature_nets.gan import BarCodec, load_gan, train_gan
from tests.conftest import make_market
from tradegym.cli import main
from tradegym.data import load, source_arguments
from tradegym.errors import CacheError, ConfigError, DataError

TINY = [
    "model.window_bars=16",
    "model.burn_in=4",
    "model.hidden_size=8",
    "model.critic_size=8",
    "model.noise_dim=2",
    "train.iterations=4",
    "train.n_critic=1",
    "train.batch_size=8",
    "train.monitor_every=2",
    "train.checkpoint_every=2",
    "train.progress_bar=false",
    "train.num_threads=1",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("gan")
    return train_gan(overrides=TINY, data=make_market(300, 2), run_dir=root / "run", echo=lambda _: None)


@pytest.mark.parametrize("ohlc", [True, False])
def test_codec_round_trip_reproduces_the_prices(ohlc) -> None:
    data = make_market(50, 3, ohlc=ohlc)
    codec = BarCodec.fit(data)
    assert codec.channels == (("r", "gap", "up", "down", "lvol") if ohlc else ("r",))
    x = codec.encode(data)  # (T-1, N, Cb)
    assert x.shape == (49, 3, len(codec.channels))
    sd = x.reshape(-1, x.shape[1] * x.shape[2]).std(axis=0)
    assert np.all(np.isclose(sd, 1.0) | (sd < 1e-9))  # the toy's high/low are constant ratios
    start = np.stack([data.field(f)[0] for f in codec.fields], axis=-1)  # (N, F)
    prices = codec.decode(x[None], start)[0]
    expected = np.stack([data.field(f)[1:] for f in codec.fields], axis=-1)
    assert np.allclose(prices, expected, rtol=1e-9)


def test_codec_keeps_adj_close_of_unadjusted_data_at_the_start_ratio() -> None:
    data = load("googl", adjust=False).slice_rows(0, 200)  # no corporate action in these bars
    codec = BarCodec.fit(data)
    assert codec.fields == data.fields and codec.channels == ("r", "gap", "up", "down", "lvol")
    start = np.stack([data.field(f)[0] for f in codec.fields], axis=-1)
    prices = codec.decode(codec.encode(data)[None], start)[0]
    assert np.allclose(prices, data.prices[1:], rtol=1e-9)


def test_decoded_bars_are_consistent_for_any_channels() -> None:
    codec = BarCodec.fit(make_market(50, 2))
    x = np.random.default_rng(0).normal(0, 5, (4, 30, 2, len(codec.channels)))
    p = codec.decode(x, np.array([[100.0, 101.0, 99.0, 100.0, 1e5]] * 2))
    o, h, lo, c, v = (p[..., i] for i in range(5))
    assert (
        np.all(h >= np.maximum(o, c)) and np.all(lo <= np.minimum(o, c)) and np.all(lo > 0) and np.all(v >= 0)
    )


def test_ohlcv_bars_on_close_only_data_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="model.bars='ohlcv' needs open, high and low"):
        BarCodec.fit(make_market(50, 2, ohlc=False), "ohlcv")


def test_tiny_training_writes_a_loadable_run(tiny_run) -> None:
    path = tiny_run.run.path
    for name in ("best.pt", "generator.pt", "codec.json", "history.csv", "metrics.json", "config.yaml"):
        assert (path / name).is_file(), name
    assert [h["iteration"] for h in tiny_run.history] == [2, 4]
    assert json.loads((path / "run.json").read_text())["status"] == "finished"
    model = load_gan(path)
    r = model.sample_returns(5, 40, seed=3)
    assert r.shape == (5, 40, 2) and np.isfinite(r).all()
    assert np.array_equal(r, model.sample_returns(5, 40, seed=3))
    assert not np.array_equal(r, model.sample_returns(5, 40, seed=4))


def test_gan_source_gives_a_market_like_the_training_one(tiny_run) -> None:
    data = load("gan", run=str(tiny_run.run.path), n_bars=120, seed=1)
    assert data.n_bars == 120 and data.symbols == ("A0", "A1")
    assert data.fields == ("open", "high", "low", "close", "volume")
    assert np.isfinite(data.prices).all() and (data.close > 0).all()
    other = load("gan", run=str(tiny_run.run.path), n_bars=120, seed=2)
    assert not np.array_equal(data.close, other.close)


def test_a_source_argument_it_does_not_take_is_a_config_error(tiny_run) -> None:
    with pytest.raises(ConfigError, match="'us_indices'.*run"):
        load("us_indices", run="x")
    with pytest.raises(ConfigError, match="disagree"):
        source_arguments("gan", {"run": "a"}, "b")
    assert source_arguments("gan", {"seed": 1}, "a") == {"seed": 1, "run": "a"}


def test_the_recurrent_discriminator_pair_products_feedback_and_weight_averaging_train_and_resume(tmp_path) -> None:
    options = ["train.seq_weight=1.0", "train.ema=0.9", "model.critic_pairs=true", "model.feedback=true",
               "train.facts_weight=20"]
    first = train_gan(overrides=[*TINY, *options], data=make_market(300, 2), run_dir=tmp_path / "r",
                      echo=lambda _: None)
    assert all(0 <= h["seq_accuracy"] <= 1 for h in first.history)
    assert all(h["window"] >= 0 for h in first.history)
    again = train_gan(resume=first.run.path, overrides=["train.iterations=6"], data=make_market(300, 2),
                      echo=lambda _: None)
    assert [h["iteration"] for h in again.history] == [2, 4, 6]
    assert np.isfinite(again.model.sample_returns(2, 20, seed=0)).all()


def test_the_critic_reads_pair_products_and_the_facts_score_sees_cross_asset_correlation() -> None:
    import torch

    from feature_nets.gan import Critic, stylized_gap

    x = torch.randn(3, 16, 4)
    critic = Critic(4, 8, pairs=[(0, 2)])
    feats = critic.features(x)
    assert feats.shape == (3, 16, 2 * 4 + 2)
    assert torch.allclose(feats[..., 8], x[..., 0] * x[..., 2])
    assert torch.allclose(feats[..., 9], (x[..., 0] * x[..., 2]).abs())
    assert critic(x).shape == (3,)

    def pair(seed: int, rho: float) -> np.ndarray:
        z = np.random.default_rng(seed).normal(size=(512, 64, 2))
        return np.stack([z[..., 0], rho * z[..., 0] + np.sqrt(1 - rho**2) * z[..., 1]], axis=2)

    # Same marginals everywhere: only the correlation of the two assets differs.
    same = stylized_gap(pair(0, 0.9), pair(1, 0.9), [0, 1])
    independent = stylized_gap(pair(0, 0.9), pair(1, 0.0), [0, 1])
    assert same["window"] < 0.03 and independent["window"] > 0.1
    assert independent["score"] > same["score"] + 1
    one = stylized_gap(pair(0, 0.9)[..., :1], pair(1, 0.0)[..., :1], [0])
    assert one["window"] < 0.03  # one asset: no pair statistics; its own match


def test_window_statistics_and_the_facts_loss() -> None:
    import torch

    from feature_nets.gan import WINDOW_STATISTICS, facts_loss, statistics_quantiles, window_statistics

    x = np.random.default_rng(0).normal(size=(40, 32, 3)) * np.array([1.0, 2.0, 0.5])
    stats = window_statistics(torch.from_numpy(x), [0, 2]).numpy()  # 2 channels, 1 pair
    assert stats.shape == (40, 5 * 2 + 8) and len(WINDOW_STATISTICS) == 13
    a, b = x[..., 0], x[..., 2]

    def corr(u, v):
        return [np.corrcoef(p, q)[0, 1] for p, q in zip(u, v, strict=True)]

    assert np.allclose(stats[:, 0], np.log(a.std(axis=1)))
    assert np.allclose(stats[:, 1], corr(a[:, 1:], a[:, :-1]))
    assert np.allclose(stats[:, 2], corr(np.abs(a[:, 1:]), np.abs(a[:, :-1])))
    lags = np.mean([corr(np.abs(a[:, k:]), np.abs(a[:, :-k])) for k in range(2, 6)], axis=0)
    assert np.allclose(stats[:, 3], lags)
    assert np.allclose(stats[:, 10], corr(a, b))
    assert np.allclose(stats[:, 11], corr(np.abs(a), np.abs(b)))
    assert np.allclose(stats[:, 13], np.log((b - a).std(axis=1, ddof=1)))
    assert np.allclose(stats[:, 14], corr(a[:, :-1], b[:, 1:]))
    assert np.allclose(stats[:, 17], corr(np.abs(b[:, :-1]), np.abs(a[:, 1:])))
    exact = torch.sort(torch.from_numpy(stats), dim=0).values
    assert facts_loss(torch.from_numpy(x), exact, [0, 2]).item() < 1e-9
    assert facts_loss(torch.from_numpy(x), exact + 0.25, [0, 2]).item() == pytest.approx(0.25)
    q = statistics_quantiles(x, [0, 2], 40)
    assert q.shape == (40, 18) and torch.all(q[1:] >= q[:-1])


def test_judge_selection_reads_the_training_split_only(tmp_path) -> None:
    """select: judge picks best.pt among snapshots; prices after the training split change nothing."""
    from tradegym.data import MarketData

    select = [*TINY, "train.select=judge", "train.snapshot_every=2", "train.select_from=0",
              "train.select_judge_steps=5"]
    market = make_market(300, 2)
    first = train_gan(overrides=select, data=market, run_dir=tmp_path / "a", echo=lambda _: None)
    rows = (first.run.path / "selection.csv").read_text().splitlines()
    assert rows[0] == "iteration,judge" and [r.split(",")[0] for r in rows[1:]] == ["2", "4"]
    scores = {int(r.split(",")[0]): float(r.split(",")[1]) for r in rows[1:]}
    assert first.metrics["selected_by"] == "judge"
    assert first.metrics["best_iteration"] == min(scores, key=scores.get)
    prices = market.prices.copy()
    prices[230:] *= 1.5  # after the 70 % training split (210 bars)
    changed = MarketData(prices, market.dates, market.symbols, market.fields, name=market.name)
    again = train_gan(overrides=select, data=changed, run_dir=tmp_path / "b", echo=lambda _: None)
    assert (again.run.path / "selection.csv").read_text() == (first.run.path / "selection.csv").read_text()
    with pytest.raises(ConfigError, match="train.select"):
        train_gan(overrides=[*TINY, "train.select=critic"], data=market, run_dir=tmp_path / "c")
    last = train_gan(overrides=[*TINY, "train.select=last"], data=market, run_dir=tmp_path / "d",
                     echo=lambda _: None)
    assert last.metrics["best_iteration"] == 4
    assert np.array_equal(load_gan(last.run.path).sample_returns(2, 8), load_gan(last.run.path, "last").sample_returns(2, 8))


def test_select_runs_ranks_runs_of_one_training_split_and_reads_only_it(tiny_run, tmp_path, capsys) -> None:
    from feature_nets.gan_select import select_runs
    from tradegym.data import MarketData

    market = make_market(300, 2)  # the tiny run's data
    other = train_gan(overrides=[*TINY, "train.seed=1"], data=market, run_dir=tmp_path / "s1", echo=lambda _: None)
    runs = [tiny_run.run.path, other.run.path]
    rows = select_runs(runs, steps=5, data=market, out=tmp_path / "sel.csv", progress=False, echo=lambda _: None)
    assert {r["run"] for r in rows} == {str(p) for p in runs} and rows[0]["judge"] <= rows[1]["judge"]
    assert all(r["best_iteration"] in (2, 4) for r in rows)
    assert (tmp_path / "sel.csv").read_text().splitlines()[0] == "run,best_iteration,judge"
    prices = market.prices.copy()
    prices[230:] *= 1.5  # after the 70 % training split (210 bars): nothing may move
    changed = MarketData(prices, market.dates, market.symbols, market.fields, name=market.name)
    assert select_runs(runs, steps=5, data=changed, progress=False, echo=lambda _: None) == rows
    elsewhere = train_gan(overrides=TINY, data=make_market(300, 2, seed=9), run_dir=tmp_path / "x",
                          echo=lambda _: None)
    with pytest.raises(ConfigError, match="different data"):
        select_runs([tiny_run.run.path, elsewhere.run.path], steps=5, data=market)
    with pytest.raises(ConfigError, match="steps must be"):
        select_runs(runs, steps=0, data=market)
    # The CLI loads the config's source (us_indices), which is not what these runs learned.
    assert main(["gan", "select", str(tiny_run.run.path), "--steps", "5", "--threads", "1"]) == 2
    assert "no longer matches" in capsys.readouterr().err
    assert main(["gan", "select", str(tiny_run.run.path), "--threads", "0"]) == 2
    assert "--threads must be >= 1" in capsys.readouterr().err


def test_resume_continues_from_the_last_checkpoint(tmp_path) -> None:
    first = train_gan(overrides=TINY, data=make_market(300, 2), run_dir=tmp_path / "r", echo=lambda _: None)
    lines: list[str] = []
    again = train_gan(
        resume=first.run.path, overrides=["train.iterations=6"], data=make_market(300, 2), echo=lines.append
    )
    assert any("resuming" in line and "from iteration 4" in line for line in lines)
    assert [h["iteration"] for h in again.history] == [2, 4, 6]
    assert again.metrics["iterations"] == 6
    assert [step for step, _ in again.run.checkpoints()] == [2, 4, 6]


def test_resume_with_other_data_is_refused(tmp_path) -> None:
    first = train_gan(overrides=TINY, data=make_market(300, 2), run_dir=tmp_path / "r", echo=lambda _: None)
    with pytest.raises(ConfigError, match="training data .* changed"):
        train_gan(resume=first.run.path, data=make_market(300, 2, seed=9), echo=lambda _: None)


def test_tampered_weights_are_refused(tiny_run, tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_run.run.path, copy)
    with open(copy / "best.pt", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(CacheError, match="does not match its hash"):
        load_gan(copy)


def test_window_longer_than_the_training_split_is_a_data_error(tmp_path) -> None:
    with pytest.raises(DataError, match="model.window_bars = 16 needs at least"):
        train_gan(overrides=TINY, data=make_market(20, 2), run_dir=tmp_path / "r", echo=lambda _: None)


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.bars=candles", "unknown model.bars"),
        ("train.iterations=0", "train.iterations must be an integer >= 1"),
        ("train.lr_critic=2", "train.lr_critic must be in"),
        ("train.facts_weight=-1", "train.facts_weight must be >= 0"),
    ],
)
def test_bad_config_is_a_config_error(override, message, tmp_path) -> None:
    with pytest.raises(ConfigError, match=message):
        train_gan(overrides=[*TINY, override], data=make_market(300, 2), run_dir=tmp_path / "r")


def test_cli_train_and_sample(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    data = ["--data", "gbm", "--set", "data.kwargs={n_assets: 2, n_bars: 300, seed: 0}"]
    assert main(["gan", "train", *data, *[a for o in TINY for a in ("--set", o)], "--run-dir", str(run)]) == 0
    out = tmp_path / "s.csv"
    assert main(["gan", "sample", str(run), "--bars", "50", "--seed", "2", "--out", str(out)]) == 0
    assert "gan: 50 bars x 2 assets" in capsys.readouterr().out
    assert len(load("csv", path=str(out)).dates) == 50


def test_cli_sample_of_a_folder_that_is_not_a_run_exits_2(tmp_path, capsys) -> None:
    assert main(["gan", "sample", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is not a tradegym run directory" in err and "tradegym gan train" in err


def test_a_partial_data_section_keeps_the_gan_default_source() -> None:
    from feature_nets.gan import load_gan_config

    assert load_gan_config(None, ["data.train=0.5"]).data.source == "us_indices"


def test_the_benchmark_config_is_the_fourth_round_configuration() -> None:
    """benchmarks/gan_us_indices.yaml loads, passes its checks and is what GAN.md measured."""
    from pathlib import Path

    from feature_nets.gan import load_gan_config

    cfg = load_gan_config(Path(__file__).parents[2] / "benchmarks" / "gan_us_indices.yaml")
    assert cfg.model.feedback and cfg.train.facts_weight == 20 and cfg.train.iterations == 2500
    assert cfg.data.source == "us_indices" and cfg.model.bars == "close"


def test_the_committed_generator_loads_and_is_a_data_source() -> None:
    """docs/gan/us_indices_generator: the benchmark's seed-0 generator, hashes checked on load."""
    from pathlib import Path

    run = Path(__file__).parents[2] / "docs" / "gan" / "us_indices_generator"
    model = load_gan(run)
    assert model.generator.feedback and model.symbols == ("SP500", "NASDAQ")
    x = model.sample_returns(8, 64, seed=0)
    assert x.shape == (8, 64, 2) and np.isfinite(x).all()
    assert 0.003 < x.std() < 0.03  # daily index returns, not standardised units
    market = load("gan", run=str(run), n_bars=300, seed=1)
    assert market.symbols == ("SP500", "NASDAQ") and len(market.dates) == 300


def test_cli_evaluate_quick_writes_tables_and_plots(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    data = ["--data", "gbm", "--set", "data.kwargs={n_assets: 2, n_bars: 1500, seed: 0}"]
    assert main(["gan", "train", *data, *[a for o in TINY for a in ("--set", o)], "--run-dir", str(run)]) == 0
    out = tmp_path / "eval"
    assert main(["gan", "evaluate", str(run), "--quick", "--seeds", "0", "--controls", "replay",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| gan |" in text and "| replay |" in text
    for name in ("table.md", "results.json", "facts_gan.png", "facts_replay.png", "paths.png"):
        assert (out / name).is_file(), name


def test_cli_evaluate_unknown_control_exits_2(tiny_run, capsys) -> None:
    assert main(["gan", "evaluate", str(tiny_run.run.path), "--quick", "--controls", "replai"]) == 2
    assert "replai" in capsys.readouterr().err


def test_training_calibrates_the_mean_of_generated_bars(tiny_run) -> None:
    codec = json.loads((tiny_run.run.path / "codec.json").read_text())
    assert len(codec["mean_offset"]) == 2 * len(codec["channels"])
    x = load_gan(tiny_run.run.path).sample_channels(512, 64, seed=11)
    raw = load_gan(tiny_run.run.path)
    raw.mean_offset[:] = 0.0
    before = np.abs(raw.sample_channels(512, 64, seed=11).mean(axis=(0, 1))).max()
    after = np.abs(x.mean(axis=(0, 1))).max()
    assert after < 0.1 and (after < before or before < 0.1)
    # the model train_gan returns is the stored one, offset included
    assert np.allclose(tiny_run.model.mean_offset, codec["mean_offset"])
    assert np.allclose(tiny_run.model.sample_channels(4, 8, seed=3), load_gan(tiny_run.run.path).sample_channels(4, 8, seed=3))


def test_an_agent_trains_on_gan_paths_and_backtests_on_real_data(tiny_run, tmp_path) -> None:
    """Train on synthetic, test on real, end to end: the gan source plugs into agents.train."""
    from agents.evaluate import evaluate_run
    from agents.train import train

    result = train("ppo_lstm", overrides=[  # the form: data: {source: gan, run: DIR}
        "data.source=gan", f"data.run={tiny_run.run.path}", "data.kwargs={n_bars: 400, seed: 0}", "env.window_bars=10", "env.max_steps=50", "train.n_envs=2",
        "train.total_timesteps=128", "train.eval_freq=64", "train.progress_bar=false", "train.tensorboard=false",
        "agent.hyperparams={n_steps: 32, batch_size: 32, n_epochs: 1}"],
        runs_root=tmp_path, echo=lambda _: None)
    assert (result.run.path / "data.json").is_file()
    real = tmp_path / "real.csv"  # a real-like market with the GAN's symbols and fields, on disk
    make_market(300, 2).to_frame().stack("symbol", future_stack=True).rename_axis(
        ["date", "symbol"]).reset_index().to_csv(real, index=False)
    results = evaluate_run(result.run.path, split="test", data=f"csv:{real}", write_report=False,
                           baselines=["equal_weight"])
    assert [r.name for r in results][1:] == ["equal_weight"]
    assert np.isfinite(results[0].metrics["sharpe"])


def test_interleaved_judge_windows_never_touch() -> None:
    from feature_nets.gan_select import interleaved_windows

    rows = np.arange(1000, dtype=float)[:, None]  # each "return" is its row number
    train, test = interleaved_windows(rows, 10, block=100, every=3)
    assert train.shape[1:] == (10, 1) and test.shape[1:] == (10, 1)
    train_rows, test_rows = np.unique(train), np.unique(test)
    gaps = np.abs(test_rows[:, None] - train_rows[None, :]).min(axis=1)
    assert gaps.min() > 10  # no shared day, and a window's length between the two sides
    assert len(np.unique(test_rows // 100 % 3)) == 1  # test rows come from every third block only
    with pytest.raises(DataError, match="need 10 of each"):
        interleaved_windows(rows[:150], 10, block=100)
