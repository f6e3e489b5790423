"""The command line: demo on a small synthetic market, data sub-commands, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tradegym.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_demo_writes_chart_and_metrics_and_prints_table(tmp_path, capsys) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--no-train", "--data", "gbm", "--out", str(out), "--window", "10"]) == 0
    printed = capsys.readouterr().out
    assert "data: gbm: 2500 bars x 5 assets" in printed
    assert "execution: next_close" in printed
    table = printed[printed.index("policy"):].splitlines()
    from tradegym.backtest.baselines import DEFAULT_BASELINES

    n = len(DEFAULT_BASELINES)
    assert [row.split()[0] for row in table[2:2 + n]] == list(DEFAULT_BASELINES)
    png = out / "equity.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in printed
    records = json.loads((out / "metrics.json").read_text())
    assert [r["policy"] for r in records] == list(DEFAULT_BASELINES)
    assert (out / "report.html").is_file()
    assert {r["cost_rate"] for r in records} == {0.001}
    assert (out / "metrics.csv").exists()
    assert not list(out.glob("*.tmp"))


def test_demo_respects_split_and_cost(tmp_path, capsys) -> None:
    args = ["demo", "--no-train", "--data", "gbm", "--out", str(tmp_path), "--window", "10",
            "--split", "val", "--cost-rate", "0"]
    assert main(args) == 0
    assert "split: val" in capsys.readouterr().out
    records = json.loads((tmp_path / "metrics.json").read_text())
    assert all(r["total_costs"] == 0.0 for r in records)


def test_unknown_source_exits_2_with_suggestion(tmp_path, capsys) -> None:
    assert main(["demo", "--no-train", "--data", "sp500_stock", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown data source 'sp500_stock'.")
    assert "Did you mean 'sp500_stocks'?" in err
    assert not list(tmp_path.iterdir())


def test_bad_input_exits_2(tmp_path, capsys) -> None:
    assert main(["demo", "--no-train", "--data", "gbm", "--out", str(tmp_path), "--window", "2000"]) == 2
    assert "fewer than the 2002 needed" in capsys.readouterr().err
    assert main(["demo", "--no-train", "--data", "gbm", "--out", str(tmp_path), "--cost-rate", "0.9"]) == 2
    assert "cost_rate must be in [0, 0.5)" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["demo", "--split", "bogus"], ["data"], ["nope"],
                                  ["demo", "--window", "ten"]])
def test_argument_errors_exit_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_data_list_names_every_source(capsys) -> None:
    assert main(["data", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert {"sp500_stocks", "gbm", "planted", "csv"} <= set(names)


def test_data_show_describes_a_source(capsys) -> None:
    assert main(["data", "show", "gbm"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gbm: 2500 bars x 5 assets, fields ['close']")
    assert main(["data", "show", "gmb"]) == 2
    assert "Did you mean 'gbm'?" in capsys.readouterr().err
    assert main(["data", "show", "csv"]) == 2
    assert capsys.readouterr().err == (
        "error: data source 'csv' needs path: give it in the spec (csv:PATH) or from Python "
        "(tradegym.data.load('csv', path=...))\n")


def test_script_is_a_thin_entry_point() -> None:
    script = ROOT / "scripts" / "demo.py"
    assert len(script.read_text().splitlines()) <= 20
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    assert done.returncode == 0
    assert "--cost-rate" in done.stdout


def test_demo_reads_a_user_csv_folder(tmp_path, capsys) -> None:
    import pandas as pd

    from tradegym.cli import main
    from tradegym.data import load

    market = load("gbm", n_assets=2, n_bars=900, ohlc=True, seed=4)
    folder = tmp_path / "prices"
    folder.mkdir()
    for i, symbol in enumerate(market.symbols):
        frame = pd.DataFrame(market.prices[:, i, :], index=pd.Index(market.dates, name="Date"),
                             columns=["Open", "High", "Low", "Close", "Volume"])
        frame.to_csv(folder / f"{symbol}.csv")
    assert main(["demo", "--no-train", "--data", f"csv:{folder}", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "data: prices: 900 bars x 2 assets" in out and "execution=next_open" in out
    assert (tmp_path / "out" / "equity.png").exists()


def test_backtest_a_baseline_or_a_function_policy(tmp_path, capsys) -> None:
    out = tmp_path / "bt"
    assert main(["backtest", "inverse_vol", "--data", "gbm", "--window", "10", "--baselines",
                 "cash,equal_weight", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "inverse_vol" in text and "report: file://" in text
    assert (out / "report.html").is_file() and (out / "metrics.csv").is_file()
    policy = "tests.backtest.test_compare:all_in_first_asset"
    assert main(["backtest", policy, "--data", "gbm", "--window", "10", "--baselines", "none",
                 "--split", "val", "--out", str(tmp_path / "fn")]) == 0
    assert "all_in_first_asset" in capsys.readouterr().out


def test_backtest_tests_every_row_against_the_benchmark(tmp_path, capsys) -> None:
    """The benchmark is backtested even when not listed; 'none' leaves the evidence out."""
    assert main(["backtest", "inverse_vol", "--data", "gbm", "--window", "10", "--baselines", "cash",
                 "--benchmark", "min_variance", "--out", str(tmp_path / "a")]) == 0
    text = capsys.readouterr().out
    assert "p vs min_variance" in text and "inverse_vol is " in text and "SPA over the 2 other rows" in text
    assert (tmp_path / "a" / "evidence.json").is_file()
    assert main(["backtest", "inverse_vol", "--data", "gbm", "--window", "10", "--baselines", "cash",
                 "--benchmark", "none", "--out", str(tmp_path / "b")]) == 0
    text = capsys.readouterr().out
    assert "no benchmark: evidence columns left out" in text and "p vs" not in text
    assert not (tmp_path / "b" / "evidence.json").exists()


def test_backtest_benchmark_series_and_static_charts(tmp_path, capsys) -> None:
    """--benchmark takes a one-series data spec (its own row); --static adds the PNGs."""
    import pandas as pd

    from tradegym.data import load_spec

    market = load_spec("gbm")
    index = tmp_path / "INDEX.csv"
    pd.DataFrame({"Date": market.dates, "Close": market.close[:, 0]}).to_csv(index, index=False)
    assert main(["backtest", "inverse_vol", "--data", "gbm", "--window", "10", "--baselines", "cash",
                 "--benchmark", f"csv:{index}", "--static", "--out", str(tmp_path / "a")]) == 0
    text = capsys.readouterr().out
    assert f"p vs csv:{index}" in text and "is a benchmark series, not a backtest" in text
    assert {"equity.png", "report_static.html", "report.html"} <= {p.name for p in (tmp_path / "a").iterdir()}


@pytest.mark.parametrize(("argv", "message"), [
    (["backtest", "cash", "--data", "gbm", "--benchmark", "sp500_stocks"],
     "a benchmark series needs one symbol, sp500_stocks has 20"),
    (["backtest", "momentun", "--data", "gbm"], "Did you mean 'momentum'"),
    (["backtest", "cash", "--data", "gbm", "--split", "tset"], "Did you mean 'test'"),
    (["backtest", "cash", "--data", "gbm", "--baselines", "equal_wieght"], "Did you mean 'equal_weight'"),
    (["backtest", "cash", "--data", "gbm", "--window", "1500"], "has .* rows"),
    (["backtest", "no_such_module:f", "--data", "gbm"], "no_such_module"),
    (["backtest", "cash", "--data", "gbm", "--benchmark", "equal_wieght"],
     "--benchmark equal_wieght: not a baseline. Did you mean 'equal_weight'"),
])
def test_backtest_bad_input_exits_2(argv: list[str], message: str, tmp_path, capsys) -> None:
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_data_warnings_print_once_each_as_one_line(capsys) -> None:
    """A command that loads its data for every seed says each data warning once, without a file:line."""
    import warnings

    from tradegym.cli.common import data_warnings_as_lines
    from tradegym.errors import DataWarning

    with warnings.catch_warnings(), data_warnings_as_lines():
        warnings.simplefilter("always")
        for _ in range(3):
            message = "prices: 1 bars with volume 0:\n  NASDAQ 2015-05-12: volume is 0"
            warnings.warn(message, DataWarning, stacklevel=1)
    assert capsys.readouterr().err == "warning: prices: 1 bars with volume 0:\n  NASDAQ 2015-05-12: volume is 0\n"
