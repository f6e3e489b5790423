"""``tradegym backtest`` flags mean what they say: a run's settings are overridden or refused."""

from __future__ import annotations

import json

import pytest

from agents.train import train
from tests.agents.test_train import PPO_TINY, TINY, quiet
from tradegym.cli import main

HERE = "tests.agents.test_predict"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("flags") / "run"
    train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=path, echo=quiet)
    return path


def metrics(folder) -> list[dict]:
    return json.loads((folder / "metrics.json").read_text())


def test_execution_and_cost_rate_override_a_runs_settings(run, tmp_path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["backtest", str(run), "--execution", "close", "--cost-rate", "0.002",
                 "--baselines", "cash", "--benchmark", "none", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "overrides: execution=close (run: next_open), cost_rate=0.002 (run: 0.001)" in printed
    assert {(m["execution"], m["cost_rate"]) for m in metrics(out)} == {("close", 0.002)}
    # The run's own window is no override; given or not, the run's settings are used.
    same = tmp_path / "s"
    assert main(["backtest", str(run), "--window", "10", "--baselines", "none", "--benchmark", "none",
                 "--out", str(same)]) == 0
    assert "overrides" not in capsys.readouterr().out
    assert {(m["execution"], m["cost_rate"]) for m in metrics(same)} == {("next_open", 0.001)}


@pytest.mark.parametrize("flags, message", [
    (["--window", "20"], r"--window 20: this run's model reads windows of 10 bars .* drop --window"),
    (["--split-fractions", "0.6,0.2"], "own train/val/test cut .* drop --split-fractions"),
    (["--map-symbols", "S00=X"], "--map-symbols needs --data"),
    (["--data", f"{HERE}:renamed_market"], r"missing \['S00'\], extra \['XXX'\]"),
    (["--data", f"{HERE}:planted", "--map-symbols", "S00"], "is not RUN_SYMBOL=DATA_SYMBOL"),
])
def test_flags_that_cannot_apply_to_a_run_are_refused(run, tmp_path, capsys, flags, message) -> None:
    assert main(["backtest", str(run), "--baselines", "none", "--out", str(tmp_path / "x"), *flags]) == 2
    import re

    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "x").exists()


def test_a_run_maps_renamed_symbols(run, tmp_path, capsys) -> None:
    assert main(["backtest", str(run), "--data", f"{HERE}:renamed_market", "--map-symbols", "S00=XXX",
                 "--baselines", "none", "--benchmark", "none", "--out", str(tmp_path / "m")]) == 0
    printed = capsys.readouterr().out
    assert "mapped symbols: S00->XXX" in printed and "reordered" in printed


def test_split_fractions_choose_a_policys_split(tmp_path, capsys) -> None:
    common = ["backtest", "equal_weight", "--data", "gbm", "--window", "10", "--baselines", "none",
              "--benchmark", "none"]
    assert main([*common, "--out", str(tmp_path / "d")]) == 0
    assert main([*common, "--split-fractions", "0.5,0.2", "--out", str(tmp_path / "f")]) == 0
    # gbm has 2500 bars: test is the last 15 % (375 rows) by default, the last 30 % (750) here;
    # the first row of each is the first decision, so one bar fewer is traded.
    assert metrics(tmp_path / "f")[0]["bars"] == 749 and metrics(tmp_path / "d")[0]["bars"] == 374
    assert "train 0.5 / val 0.2 fractions" in (tmp_path / "f" / "report.html").read_text()
    capsys.readouterr()


@pytest.mark.parametrize("flags, message", [
    (["--split-fractions", "0.9,0.2"], r"train \+ val < 1"),
    (["--split-fractions", "a,b"], "must be two numbers TRAIN,VAL"),
    (["--map-symbols", "A=B"], "takes the data's symbols as they are: drop --map-symbols"),
])
def test_bad_policy_flags_are_refused(tmp_path, capsys, flags, message) -> None:
    assert main(["backtest", "equal_weight", "--data", "gbm", "--baselines", "none", *flags]) == 2
    import re

    assert re.search(message, capsys.readouterr().err)


def test_periods_per_year_is_inferred_unless_given(run, tmp_path, capsys) -> None:
    common = ["backtest", str(run), "--baselines", "none", "--benchmark", "none"]
    assert main([*common, "--out", str(tmp_path / "i")]) == 0
    assert ("annualisation: 252 periods per year (inferred: daily, weekdays), risk-free rate 0 a year"
            in capsys.readouterr().out)
    assert main([*common, "--periods-per-year", "52", "--out", str(tmp_path / "g")]) == 0
    assert "annualisation: 52 periods per year (given)" in capsys.readouterr().out
    inferred, given = metrics(tmp_path / "i")[0], metrics(tmp_path / "g")[0]
    assert (inferred["periods_per_year"], inferred["periods_per_year_source"]) == (252, "inferred: daily, weekdays")
    assert (given["periods_per_year"], given["periods_per_year_source"]) == (52, "given")
    assert given["sharpe"] == pytest.approx(inferred["sharpe"] * (52 / 252) ** 0.5, rel=1e-9)
    # A baseline or a policy takes the flag too; a value that is no frequency is refused.
    policy = ["backtest", "equal_weight", "--data", "gbm", "--baselines", "none", "--benchmark", "none"]
    assert main([*policy, "--periods-per-year", "12", "--out", str(tmp_path / "p")]) == 0
    assert metrics(tmp_path / "p")[0]["periods_per_year"] == 12
    assert main([*policy, "--periods-per-year", "0", "--out", str(tmp_path / "z")]) == 2
    assert "periods_per_year must be a number > 0" in capsys.readouterr().err
