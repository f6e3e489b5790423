"""``tradegym gan train|sample|evaluate`` (tradegym/cli_gan.py): the CLI over the GAN wing."""

from __future__ import annotations

from tests.feature_nets.gan.samples import TINY
from tradegym.cli import main
from tradegym.data import load


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
