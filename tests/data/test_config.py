"""The one data contract: DataConfig -> (MarketData, Split), data.json, and its use on resume."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tradegym.data import load
from tradegym.data.config import (
    DEFAULT_SPLIT,
    DataConfig,
    describe_data,
    load_data,
    same_data,
    train_fingerprint,
)
from tradegym.errors import ConfigError, DataError
from tradegym.runs import RunDir, start_run

ROOT = Path(__file__).resolve().parents[2]
GBM = {"n_assets": 2, "n_bars": 300, "seed": 0}


def test_the_default_split_is_the_one_constant() -> None:
    cfg = DataConfig()
    assert (cfg.train, cfg.val) == DEFAULT_SPLIT == (0.7, 0.15)
    _, split = load_data(DataConfig(source="gbm", kwargs=GBM))
    assert [p.n_bars for p in split] == [210, 45, 45]


def test_dates_and_symbols_restrict_the_market_before_the_split() -> None:
    data, split = load_data(DataConfig(source="gbm", kwargs=GBM, symbols=["S01"], start="2000-03-01"))
    full = load("gbm", **GBM)
    assert data.symbols == ("S01",) and data.dates[0] > full.dates[0]
    assert split.train.dates[0] == data.dates[0] and split.test.dates[-1] == data.dates[-1]


def test_kwargs_disagreeing_with_the_spec_are_refused() -> None:
    # kwargs may now sit next to a csv:PATH spec; only a key set twice to two values is refused.
    with pytest.raises(ConfigError, match=re.escape(
        "align is 'strict' in the data spec 'csv:prices.csv?align=strict' but 'intersection' "
        "as data.kwargs; give it once"
    )):
        load_data(DataConfig(source="csv:prices.csv?align=strict", kwargs={"align": "intersection"}))
    with pytest.raises(ConfigError, match=re.escape("n_assets is 3 in the data spec 'gbm?n_assets=3' but 2")):
        load_data(DataConfig(source="gbm?n_assets=3", kwargs={"n_assets": 2}))


def test_a_split_too_short_for_the_window_names_the_part() -> None:
    with pytest.raises(DataError, match="val split .* fewer than the 60 needed"):
        load_data(DataConfig(source="gbm", kwargs=GBM), min_rows=60)


def test_describe_data_fingerprints_the_market_and_each_part() -> None:
    data, split = load_data(DataConfig(source="gbm", kwargs=GBM))
    described = describe_data(data, split, samples=(5, 4, None))
    assert described["fingerprint"] == data.fingerprint()
    assert described["splits"]["train"] == {
        "start": str(split.train.dates[0].date()), "end": str(split.train.dates[-1].date()),
        "rows": 210, "fingerprint": split.train.fingerprint(), "samples": 5}
    assert described["splits"]["test"]["samples"] is None
    assert same_data(described, described) and train_fingerprint(described) == split.train.fingerprint()


def test_an_old_gan_data_json_is_compared_on_its_training_split() -> None:
    """GAN runs before the one contract fingerprinted their training split at the top level."""
    recorded = json.loads((ROOT / "docs" / "gan" / "us_indices_generator" / "data.json").read_text())
    data, split = load_data(DataConfig(source="us_indices", train=0.52515))  # as its config.yaml
    now = describe_data(data, split)
    assert train_fingerprint(recorded) == now["splits"]["train"]["fingerprint"]
    assert same_data(recorded, now)
    other, other_split = load_data(DataConfig(source="us_indices", train=0.6))  # another training split
    assert not same_data(recorded, describe_data(other, other_split))


def test_start_run_makes_nothing_until_called_and_refuses_other_data_on_resume(tmp_path) -> None:
    data, split = load_data(DataConfig(source="gbm", kwargs=GBM))
    run = start_run("agent", "x", config={"a": 1}, data=describe_data(data, split), run_dir=tmp_path / "r")
    assert json.loads((run.path / "run.json").read_text())["status"] == "training"
    (run.path / ".model.zip.123.tmp").write_text("half")
    notes: list[str] = []
    again = start_run("agent", "x", config={"a": 2}, data=describe_data(data, split),
                      resume=RunDir.open(run.path), echo=notes.append)
    assert not list(again.path.glob(".*.tmp")) and "interrupted" in notes[0]
    other, other_split = load_data(DataConfig(source="gbm", kwargs={**GBM, "seed": 1}))
    with pytest.raises(ConfigError, match="training data of .* changed since the run began"):
        start_run("agent", "x", config={}, data=describe_data(other, other_split), resume=RunDir.open(run.path))
