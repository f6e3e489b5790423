"""A trained generator as a model and a data source: loading, sampling, the committed run, agents."""

from __future__ import annotations

import numpy as np
import pytest

from feature_nets.gan import load_gan
from tests.conftest import make_market
from tradegym.data import load, source_arguments
from tradegym.errors import CacheError, ConfigError


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


def test_tampered_weights_are_refused(tiny_run, tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_run.run.path, copy)
    with open(copy / "best.pt", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(CacheError, match="does not match its hash"):
        load_gan(copy)


def test_the_committed_generator_loads_and_is_a_data_source() -> None:
    """docs/gan/us_indices_generator: the benchmark's seed-0 generator, hashes checked on load."""
    from pathlib import Path

    run = Path(__file__).parents[3] / "docs" / "gan" / "us_indices_generator"
    model = load_gan(run)
    assert model.generator.feedback and model.symbols == ("SP500", "NASDAQ")
    x = model.sample_returns(8, 64, seed=0)
    assert x.shape == (8, 64, 2) and np.isfinite(x).all()
    assert 0.003 < x.std() < 0.03  # daily index returns, not standardised units
    market = load("gan", run=str(run), n_bars=300, seed=1)
    assert market.symbols == ("SP500", "NASDAQ") and len(market.dates) == 300


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
