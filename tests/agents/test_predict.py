"""``tradegym predict`` and symbol identity: tomorrow's weights are the backtest's, and causal."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from agents.evaluate import evaluate_run
from agents.predict import predict_weights, read_weights
from agents.train import train
from tests.agents.test_train import PPO_TINY, TINY, quiet
from tradegym.cli import main
from tradegym.data import load
from tradegym.data.market import MarketData
from tradegym.errors import ConfigError, DataError

HERE = "tests.agents.test_predict"


def planted() -> MarketData:
    """The tiny runs' market (TINY's data)."""
    return load("planted", n_assets=3, n_bars=400, seed=0)


def reversed_market() -> MarketData:
    """The run's symbols in reverse order (a ``module:function`` data spec)."""
    return planted().select(["S02", "S01", "S00"])


def renamed_market() -> MarketData:
    """S00 is called XXX here, and the order is shuffled."""
    data = planted().select(["S01", "S00", "S02"])
    return MarketData(data.prices, data.dates, ("S01", "XXX", "S02"), data.fields, data.name, data.meta)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    path = tmp_path_factory.mktemp("predict") / "run"
    train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=path, echo=quiet)
    return path


def test_predict_on_the_last_bar_is_the_backtests_last_target(run) -> None:
    from tradegym.backtest import backtest

    market = planted()
    result = backtest(run, market)  # decides at rows first..T-2
    decided = result.weights.index[-2]  # the close of the last decision
    held = result.weights.iloc[-2].to_numpy()  # what the policy held there
    prediction = predict_weights(run, market.between(None, decided), current=held, echo=quiet)
    assert prediction.as_of == decided
    np.testing.assert_allclose(prediction.target, result.targets.iloc[-1].to_numpy(), atol=1e-12)
    # The same from the full data with --as-of: nothing after as-of is read.
    again = predict_weights(run, market, as_of=decided, current=held, echo=quiet)
    np.testing.assert_array_equal(again.target, prediction.target)
    assert prediction.sha256 and prediction.model == "best_model.zip"
    assert prediction.execution == "next_open" and prediction.symbols == ("S00", "S01", "S02")


def test_prediction_as_of_t_ignores_bars_after_t(run) -> None:
    market = planted()
    t = 300
    changed = market.prices.copy()
    changed[t + 1:] *= np.random.default_rng(0).uniform(0.5, 1.5, changed[t + 1:].shape[:2])[..., None]
    future = MarketData(changed, market.dates, market.symbols, market.fields, market.name, market.meta)
    a = predict_weights(run, market, as_of=market.dates[t], echo=quiet)
    b = predict_weights(run, future, as_of=market.dates[t], echo=quiet)
    np.testing.assert_array_equal(a.target, b.target)
    assert a.as_of == market.dates[t] and abs(a.target.sum() - 1) < 1e-9


def test_reordered_symbols_are_put_in_the_runs_order(run) -> None:
    lines: list[str] = []
    direct = predict_weights(run, planted(), echo=quiet)
    swapped = predict_weights(run, f"{HERE}:reversed_market", echo=lines.append)
    assert lines == [f"reordered {HERE}:reversed_market's symbols to the run's order"]
    np.testing.assert_array_equal(direct.target, swapped.target)
    results = evaluate_run(run, data=f"{HERE}:reversed_market", baselines=[], write_report=False,
                           echo=lines.append)
    own = evaluate_run(run, baselines=[], write_report=False, echo=quiet)
    pd.testing.assert_series_equal(results[0].equity, own[0].equity)


def test_other_symbols_are_refused_naming_them_unless_mapped(run) -> None:
    with pytest.raises(ConfigError, match=r"missing \['S00'\], extra \['XXX'\].*--map-symbols"):
        predict_weights(run, f"{HERE}:renamed_market", echo=quiet)
    lines: list[str] = []
    mapped = predict_weights(run, f"{HERE}:renamed_market", map_symbols={"S00": "XXX"}, echo=lines.append)
    assert mapped.symbols == ("XXX", "S01", "S02") and "mapped symbols: S00->XXX" in lines
    np.testing.assert_array_equal(mapped.target, predict_weights(run, planted(), echo=quiet).target)
    with pytest.raises(ConfigError, match=r"--map-symbols names \['ZZZ'\]"):
        predict_weights(run, planted(), map_symbols={"ZZZ": "S00"}, echo=quiet)


def test_too_little_data_and_dates_outside_it_are_refused(run) -> None:
    market = planted()
    with pytest.raises(DataError, match="too little data before .* pass a later --as-of"):
        predict_weights(run, market, as_of=market.dates[5], echo=quiet)
    with pytest.raises(DataError, match="outside .* pick a date the data covers"):
        predict_weights(run, market, as_of="2100-01-01", echo=quiet)


@pytest.mark.parametrize("rows, message", [
    ("symbol,weight\nS00,0.5\nS01,0.6\n", "sum to 1.1 without cash, more than 1"),
    ("symbol,weight\nS00,0.5\nAAPL,0.5\n", r"symbols the run does not trade: \['AAPL'\]"),
    ("symbol,weight\ncash,0.5\nS00,0.6\n", "sum to 1.1"),
    ("symbol,weight\nS00,-0.2\n", "must be finite and >= 0"),
    ("symbol,weight\nS00,abc\n", r"the weight of \['S00'\] is not a number"),
    ("symbol,weight\nS00,0.2\nS00,0.2\n", r"lists \['S00'\] more than once"),
    ("name,w\nS00,1\n", "needs symbol,weight"),
])
def test_bad_holdings_files_are_refused(run, tmp_path, rows, message) -> None:
    path = tmp_path / "w.csv"
    path.write_text(rows)
    with pytest.raises(ConfigError, match=message):
        predict_weights(run, planted(), current=read_weights(path), echo=quiet)


def test_predict_command_prints_and_writes_csv_and_json(run, tmp_path, capsys) -> None:
    held = tmp_path / "held.csv"
    held.write_text("symbol,weight\nS01,0.25\n")  # cash is the rest
    out = tmp_path / "p"
    assert main(["predict", str(run), "--data", f"{HERE}:reversed_market", "--weights", str(held),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "target weights for the next bar after" in printed and "sha256" in printed
    assert "execution next_open: filled at the next bar's open" in printed
    payload = json.loads((out / "prediction.json").read_text())
    assert payload["symbols"] == ["S02", "S01", "S00"][::-1] and payload["model_sha256"]
    assert payload["current_weights"] == {"cash": 0.75, "S00": 0.0, "S01": 0.25, "S02": 0.0}
    frame = pd.read_csv(out / "weights.csv")
    assert frame["symbol"].tolist() == ["cash", "S00", "S01", "S02"]
    assert abs(frame["weight"].sum() - 1) < 1e-9
    # Tomorrow's file is the day after's --weights as it stands.
    assert main(["predict", str(run), "--data", f"{HERE}:planted", "--weights", str(out / "weights.csv"),
                 "--out", str(tmp_path / "q")]) == 0
    assert main(["predict", str(tmp_path), "--data", "planted"]) == 2
    assert "not a tradegym run directory" in capsys.readouterr().err


def test_a_recurrent_policy_predicts_with_the_state_a_backtest_builds(tmp_path) -> None:
    from tradegym.backtest import backtest

    path = tmp_path / "rppo"
    train("recurrent_ppo", overrides=[*TINY, *PPO_TINY, "agent.policy_kwargs={lstm_hidden_size: 8}"],
          run_dir=path, echo=quiet)
    market = planted()
    decided = market.dates[350]
    start = market.dates[350 - 40]
    result = backtest(path, market.between(None, market.dates[351]), start=start)  # last decision: row 350
    held = result.weights.iloc[-2].to_numpy()  # held at the close of row 350
    assert result.weights.index[-2] == decided
    built = predict_weights(path, market, as_of=decided, current=held, echo=quiet, recurrent_warmup_bars=40)
    np.testing.assert_allclose(built.target, result.targets.iloc[-1].to_numpy(), atol=1e-6)
    fresh = predict_weights(path, market, as_of=decided, current=held, echo=quiet, recurrent_warmup_bars=0)
    assert not np.allclose(fresh.target, built.target, atol=1e-6)  # the state matters
