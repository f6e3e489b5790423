"""A long/short book end to end: train PPO and DQN on one, backtest the run from the CLI, predict."""

from __future__ import annotations

import numpy as np
import pytest

from agents.predict import predict_weights
from agents.train import train
from tests.agents.test_train import DQN_TINY, PPO_TINY, quiet
from tradegym.cli import main

BOOK = "env.kwargs={action_mapping: long_short, max_gross: 2.0, net_exposure: [0, 0], cash_rate: 0.02}"
DATA = ["data.source=planted", "data.kwargs={n_assets: 4, n_bars: 600, seed: 3}", "env.window_bars=10"]
COMMON = ["train.total_timesteps=128", "train.n_envs=2", "train.eval_freq=64", "train.progress_bar=false",
          "train.tensorboard=false"]


@pytest.fixture(scope="module")
def ppo_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("ls") / "ppo"
    train("ppo_mlp", overrides=[*DATA, BOOK, *COMMON, *PPO_TINY], run_dir=path, echo=quiet)
    return path


def test_a_long_short_run_backtests_beside_its_baselines(ppo_run, capsys) -> None:
    assert main(["backtest", str(ppo_run), "--split", "test"]) == 0
    out = capsys.readouterr().out
    assert "book: long/short: max_gross 2, net [0, 0], cash earns 2 %, financing 3 %, borrow 0.5 %" in out
    assert "long-only baselines: on the long-only twin" in out
    rows = {line.split()[0] for line in out.splitlines() if line[:1].isalpha()}
    assert {"ppo_mlp", "equal_weight", "momentum_ls", "oracle", "cash"} <= rows


def test_a_long_short_run_predicts_signed_weights_within_its_book(ppo_run) -> None:
    held = np.array([1.0, 0.5, -0.5, 0.0, 0.0])  # signed holdings are accepted
    prediction = predict_weights(ppo_run, "planted?n_assets=4&n_bars=600&seed=3", current=held,
                                 echo=quiet)
    target = prediction.target
    assert abs(target.sum() - 1) < 1e-9 and np.abs(target[1:]).sum() <= 2 + 1e-6
    assert abs(target[1:].sum()) < 1e-6  # dollar-neutral


def test_dqn_trains_on_the_discrete_long_short_set(tmp_path) -> None:
    run = train("dqn_lstm", overrides=[*DATA, BOOK, *COMMON, *DQN_TINY, "agent.extractor_kwargs={hidden_size: 8}"], run_dir=tmp_path / "dqn", echo=quiet)
    assert run.metrics["timesteps"] == 128
    from agents.train import load_trained

    model, cfg = load_trained(run.run.path)
    assert cfg.env.id == "tradegym/PortfolioDiscrete-v0" and model.action_space.n == 2 * 4 + 4


def test_backtest_env_settings_from_the_command_line(ppo_run, tmp_path, capsys) -> None:
    data = "planted?n_assets=4&n_bars=600&seed=3"
    assert main(["backtest", "momentum_ls", "--data", data, "--env", "action_mapping=long_short",
                 "--env", "max_gross=1.5", "--baselines", "none", "--out", str(tmp_path / "b")]) == 0
    assert "book: long/short: max_gross 1.5, net [-1.5, 1.5]" in capsys.readouterr().out
    assert main(["backtest", str(ppo_run), "--env", "borrow_rate=0.05", "--baselines", "none",
                 "--out", str(tmp_path / "r")]) == 0
    assert "overrides: borrow_rate=0.05 (run: default)" in capsys.readouterr().out
    assert main(["backtest", str(ppo_run), "--env", "max_gross=1"]) == 2
    assert "cannot override the run's 'max_gross' (it changes what the model reads" in capsys.readouterr().err
    assert main(["backtest", "equal_weight", "--env", "max_gross"]) == 2
    assert "--env 'max_gross' is not KEY=VALUE" in capsys.readouterr().err
