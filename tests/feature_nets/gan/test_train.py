"""Training: a tiny run, its options, resume, selection of best.pt and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from feature_nets.gan import load_gan, train_gan
from tests.conftest import make_market
from tests.feature_nets.gan.samples import TINY
from tradegym.errors import ConfigError, DataError


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
