"""Choosing a snapshot or a run with a judge that reads the training split only."""

from __future__ import annotations

import numpy as np
import pytest

from feature_nets.gan import load_gan, train_gan
from tests.conftest import make_market
from tests.feature_nets.gan.samples import TINY
from tradegym.cli import main
from tradegym.errors import ConfigError, DataError


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
    from feature_nets.gan.select import select_runs
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


def test_interleaved_judge_windows_never_touch() -> None:
    from feature_nets.gan.select import interleaved_windows

    rows = np.arange(1000, dtype=float)[:, None]  # each "return" is its row number
    train, test = interleaved_windows(rows, 10, block=100, every=3)
    assert train.shape[1:] == (10, 1) and test.shape[1:] == (10, 1)
    train_rows, test_rows = np.unique(train), np.unique(test)
    gaps = np.abs(test_rows[:, None] - train_rows[None, :]).min(axis=1)
    assert gaps.min() > 10  # no shared day, and a window's length between the two sides
    assert len(np.unique(test_rows // 100 % 3)) == 1  # test rows come from every third block only
    with pytest.raises(DataError, match="need 10 of each"):
        interleaved_windows(rows[:150], 10, block=100)
