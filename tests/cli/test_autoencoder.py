"""``tradegym autoencoder train|evaluate``: a tiny run end to end, and bad input exits 2."""

from __future__ import annotations

from tradegym.cli import main

TINY = ["--data", "ar1", "--set", "data.kwargs={n_assets: 2, n_bars: 600, seed: 0}", "--set", "model.window_bars=5",
        "--set", "model.hidden_size=8", "--set", "fit.max_epochs=1", "--set", "fit.progress_bar=false"]


def test_train_then_evaluate_with_charts(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    assert main(["autoencoder", "train", "--kind", "conv", "--code-size", "4", *TINY, "--run-dir", str(run)]) == 0
    assert (run / "model.pt").is_file() and (run / "pca.npz").is_file()
    assert main(["autoencoder", "evaluate", str(run), "--split", "val"]) == 0
    out = capsys.readouterr().out
    assert "val split of ar1" in out
    assert [line.split()[0] for line in out.splitlines() if line.startswith(("autoencoder ", "pca ", "mean "))] == [
        "autoencoder", "pca", "mean"]
    for name in ("table.csv", "reconstruction.png", "error_vs_code_size.png"):
        assert (run / "eval-val" / name).is_file()


def test_code_size_larger_than_the_window_exits_2(tmp_path, capsys) -> None:
    assert main(["autoencoder", "train", "--code-size", "31", *TINY, "--runs", str(tmp_path)]) == 2
    assert "code_size 31 is larger than the input: a window (W, N, K) = (5, 2, 3) holds 30 values" in \
        capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_unknown_kind_exits_2_with_suggestion(tmp_path, capsys) -> None:
    assert main(["autoencoder", "train", "--kind", "lstn", *TINY, "--runs", str(tmp_path)]) == 2
    assert "Did you mean 'lstm'?" in capsys.readouterr().err


def test_evaluate_a_folder_that_is_not_a_run_exits_2(tmp_path, capsys) -> None:
    assert main(["autoencoder", "evaluate", str(tmp_path)]) == 2
    assert "is not a tradegym run directory" in capsys.readouterr().err
