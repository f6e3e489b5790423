"""``tradegym forecast train|evaluate``: a tiny run end to end, and bad input exits 2."""

from __future__ import annotations

from tradegym.cli import main

TINY = ["--data", "ar1", "--set", "data.kwargs={n_assets: 2, n_bars: 600, seed: 0}", "--set", "model.window_bars=5",
        "--set", "model.hidden_size=8", "--set", "fit.max_epochs=1", "--set", "fit.progress_bar=false"]


def test_train_then_evaluate(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["forecast", "train", "--model", "gru", *TINY, "--run-dir", str(run)]) == 0
    assert (run / "model.pt").is_file()
    assert main(["forecast", "evaluate", str(run), "--split", "val", "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "val split of ar1" in out
    assert [line.split()[0] for line in out.splitlines() if line.startswith(("gru ", "zero ", "ar5 "))] == [
        "gru", "zero", "ar5"]
    assert (run / "eval-val" / "table.csv").is_file()


def test_unknown_model_exits_2_with_suggestion(tmp_path, capsys) -> None:
    assert main(["forecast", "train", "--model", "trasformer", *TINY, "--runs", str(tmp_path)]) == 2
    assert "Did you mean 'transformer'?" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_evaluate_a_folder_that_is_not_a_run_exits_2(tmp_path, capsys) -> None:
    assert main(["forecast", "evaluate", str(tmp_path)]) == 2
    assert "is not a tradegym run directory" in capsys.readouterr().err
