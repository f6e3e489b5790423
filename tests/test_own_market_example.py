"""The worked example of docs/own_market.md: a folder with late listings, a delisting, an
unadjusted split and broken bars goes through check, train, backtest and predict."""

from __future__ import annotations

import json
import warnings

import pytest

from agents.predict import predict_weights
from agents.train import train
from examples.own_market import main as make_folder
from tests.agents.test_train import PPO_TINY, quiet
from tradegym.cli import main
from tradegym.errors import DataWarning


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("own") / "prices"
    make_folder(str(path))
    return path


def test_check_finds_every_planted_hazard(folder, capsys) -> None:
    assert main(["data", "check", f"csv:{folder}"]) == 1  # misaligned calendars: not usable as given
    out = capsys.readouterr().out
    assert "possible unadjusted 7:1 split (no adjusted close)" in out and "NASDAQ  2005-03-01" in out
    assert "findings: {'high_below_body': 3, 'volume_zero': 1, 'move': 1}" in out and "align=union" in out
    assert main(["data", "check", f"csv:{folder}?align=union&fill=ffill"]) == 0


def test_train_backtest_and_predict_on_a_dynamic_universe(folder, tmp_path, capsys) -> None:
    spec = f"csv:{folder}?align=union&fill=ffill"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the broken bars: warned, kept
        run = train("ppo_mlp", overrides=[f"data.source={spec}", "data.start=2005-03-01", "env.window_bars=10",
                                          "train.total_timesteps=128", "train.n_envs=2", "train.eval_freq=64",
                                          "train.progress_bar=false", "train.tensorboard=false", *PPO_TINY],
                    run_dir=tmp_path / "run", echo=quiet).run
        assert main(["backtest", str(run.path), "--split", "test", "--baselines", "equal_weight"]) == 0
        out = capsys.readouterr().out
        assert "universe: GOOGL delisted 2018-08-29; not tradable in the period: NASDAQ" in out
        prediction = predict_weights(run.path, spec, echo=quiet)
    weights = dict(zip(["cash", *prediction.symbols], prediction.target, strict=True))
    assert weights["NASDAQ"] == 0 and weights["GOOGL"] == 0  # delisted before the as-of date
    assert weights["SP500"] + weights["cash"] == pytest.approx(1)
    trades = (run.path / "backtest-test" / "trades.csv").read_text().splitlines()
    sold = [line for line in trades if line.startswith("equal_weight,2018-08-30") and ",GOOGL," in line]
    assert sold and sold[0].split(",")[5] == "0.0"  # the delisted asset sold into cash
    assert json.loads((run.path / "backtest-test" / "metrics.json").read_text())[0]["bars"] > 0
    # The model reads the tradable mask: data without listings and delistings is refused in a line.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        assert main(["backtest", str(run.path), "--data", f"csv:{folder}?align=intersection"]) == 2
    assert "trained on a market with listings and delistings" in capsys.readouterr().err
