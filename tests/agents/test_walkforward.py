"""Walk-forward: fold plans by hand, and a tiny end-to-end run through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from agents.walkforward import plan_folds, walk_forward
from tests.agents.test_train import PPO_TINY, TINY
from tradegym.cli import main
from tradegym.errors import ConfigError

DATES = pd.bdate_range("2020-01-01", periods=1000)


def test_expanding_folds_tile_the_second_half() -> None:
    folds = plan_folds(DATES, 4, initial_fraction=0.5, val_fraction=0.2)
    assert [f.test_start for f in folds] == [DATES[i] for i in (500, 625, 750, 875)]
    assert folds[-1].test_end == DATES[-1]
    for f in folds:
        assert f.train_start == DATES[0]  # expanding
        assert f.train_end < f.val_end < f.test_start <= f.test_end  # train, then val, then test
        assert DATES.get_loc(f.val_end) + 1 == DATES.get_loc(f.test_start)  # no gap, no overlap
    train_rows = DATES.get_loc(folds[0].train_end) + 1
    assert train_rows == 400  # 500 rows before the test block, the last 20 % for validation


def test_sliding_folds_keep_their_length() -> None:
    folds = plan_folds(DATES, 2, initial_fraction=0.6, expanding=False)
    lengths = {DATES.get_loc(f.val_end) - DATES.get_loc(f.train_start) + 1 for f in folds}
    assert lengths == {600}
    assert folds[1].train_start == DATES[200]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_folds": 0}, "folds must be >= 1"),
    ({"n_folds": 400}, "Use fewer folds"),
    ({"n_folds": 2, "initial_fraction": 1.2}, "must be in"),
])
def test_bad_plans_are_clear_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        plan_folds(DATES, min_rows=12, **kwargs)


def test_walk_forward_trains_per_fold_and_reports(tmp_path) -> None:
    lines: list[str] = []
    result = walk_forward("ppo_lstm", folds=2, seeds=[0, 1], overrides=[*TINY, *PPO_TINY],
                          out=tmp_path, baselines=["cash", "equal_weight"], echo=lines.append)
    assert [[p.name for p in fold] for fold in result.runs] == [["fold0-s0", "fold0-s1"],
                                                                 ["fold1-s0", "fold1-s1"]]
    for fold, runs in zip(result.folds, result.runs, strict=True):
        for run in runs:
            data = json.loads((run / "data.json").read_text())["splits"]
            assert data["test"]["start"] == str(fold.test_start.date())  # tested on its own block
            assert data["val"]["end"] == str(fold.val_end.date())
    assert len(result.per_fold) == 2 and list(result.per_fold.columns[-2:]) == ["cash", "equal_weight"]
    assert result.summary["policy"].tolist() == ["agent (all seeds)", "cash", "equal_weight"]
    assert [r.name for r in result.stitched] == ["ppo_lstm_s0", "ppo_lstm_s1", "cash", "equal_weight"]
    # The stitched curve chains the test blocks: its returns are the folds' returns in order.
    chained = pd.concat([result.results[i][0][0].returns for i in range(2)])
    pd.testing.assert_series_equal(result.stitched[0].returns, chained)
    assert result.stitched[0].equity.iloc[-1] == pytest.approx(np.prod(1 + chained.to_numpy()))
    html = (tmp_path / "report" / "report.html").read_text()
    assert "Per fold" in html and "Over folds" in html
    # The multiple-testing view: per block and pooled, SPA / DSR over the seeds, in words and JSON.
    pooled = result.evidence["pooled"].set_index("policy")
    both = pd.concat([pd.concat([result.results[i][s][0].returns for i in range(2)]) for s in range(2)], axis=1)
    expected = both.mean(axis=1)
    assert pooled.loc["ppo_lstm ensemble", "Sharpe"] == pytest.approx(
        expected.mean() / expected.std(ddof=1) * np.sqrt(252), abs=1e-3)
    assert list(result.evidence["per_block"]["block"].unique()) == [0, 1]
    assert any(line.startswith("SPA over the 2 seeds' chained out-of-sample returns vs equal_weight")
               for line in lines)
    assert any(line.startswith("DSR of the best seed") and "over 2 trials" in line for line in lines)
    saved = json.loads((tmp_path / "report" / "walkforward_evidence.json").read_text())
    assert saved["benchmark"] == "equal_weight" and saved["dsr"]["n_trials"] == 2
    assert "Pooled over the chained blocks" in html
    # Trained as Ray tasks, one progress line each; every run with one torch thread.
    assert sum(line.startswith("[") and "] fold " in line for line in lines) == 4
    assert {json.loads((run / "run.json").read_text())["torch_threads"] for fold in result.runs
            for run in fold} == {1}
    # The same fold and seed trained here, one after another, gives the same numbers.
    here = walk_forward("ppo_lstm", folds=2, seeds=[1], overrides=[*TINY, *PPO_TINY], out=tmp_path / "here",
                        baselines=["cash"], parallel=False, echo=lambda _: None)
    for fold in range(2):
        pd.testing.assert_series_equal(here.results[fold][0][0].returns, result.results[fold][1][0].returns)
    with pytest.raises(ConfigError, match="fold0-s0 exists and is not empty; choose another --out"):
        walk_forward("ppo_lstm", folds=2, seeds=[0], overrides=[*TINY, *PPO_TINY], out=tmp_path)


def test_walkforward_command(tmp_path, capsys) -> None:
    argv = ["walkforward", "--folds", "2", "--seeds", "1", "--out", str(tmp_path), "--baselines", "cash"]
    for override in [*TINY, *PPO_TINY]:
        argv += ["--set", override]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Per fold" in out and "Over folds" in out and "report.html" in out
    assert main(["walkforward", "--folds", "0", "--out", str(tmp_path)]) == 2
    assert main(["walkforward", "--benchmark", "equal_wieght", "--out", str(tmp_path / "b")]) == 2
    assert "Did you mean 'equal_weight'" in capsys.readouterr().err
