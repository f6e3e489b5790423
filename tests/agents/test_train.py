"""Training smoke tests: every algorithm x extractor trains, saves, loads, resumes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.callbacks import ValidationCallback
from agents.train import load_trained, train
from tradegym.cli import main
from tradegym.errors import CacheError, ConfigError

ENCODERS = ["lstm", "gru", "transformer", "tcn", "mlp"]
TINY = [
    "data.source=planted", "data.kwargs={n_assets: 3, n_bars: 400, seed: 0}",
    "env.window_bars=10", "env.max_steps=50", "train.n_envs=2", "train.total_timesteps=128",
    "train.eval_freq=64", "train.checkpoint_freq=64", "train.progress_bar=false",
    "train.tensorboard=false", "agent.extractor_kwargs={hidden_size: 8, features_dim: 16}",
]
PPO_TINY = ["agent.hyperparams={n_steps: 32, batch_size: 32, n_epochs: 1}"]
DQN_TINY = ["agent.hyperparams={learning_starts: 16, buffer_size: 500, batch_size: 16, train_freq: 4}"]


def quiet(_: str) -> None:
    pass


def same_predictions(model, loaded, env) -> None:
    obs, _ = env.reset(seed=3)
    for _ in range(5):
        a, _ = model.predict(obs, deterministic=True)
        b, _ = loaded.predict(obs, deterministic=True)
        np.testing.assert_array_equal(a, b)
        obs, *_ = env.step(a)


@pytest.mark.parametrize("algo", ["ppo", "dqn"])
@pytest.mark.parametrize("encoder", ENCODERS)
def test_agent_trains_saves_loads_and_predicts_identically(algo, encoder, tmp_path) -> None:
    extra = PPO_TINY if algo == "ppo" else DQN_TINY
    result = train(f"{algo}_lstm", overrides=[*TINY, *extra, f"agent.extractor={encoder}"],
                   run_dir=tmp_path / "run", echo=quiet)
    assert result.timesteps >= 128 and not result.interrupted
    for name in ("config.yaml", "data.json", "model.zip", "metrics.json", "eval.csv", "manifest.json"):
        assert (tmp_path / "run" / name).is_file(), name
    loaded, cfg = load_trained(tmp_path / "run", best=False)
    from tradegym.envs import make

    env = make(cfg.env.id, data=_test_split(cfg), window_bars=10, start="first")
    same_predictions(result.model, loaded, env)


def _test_split(cfg):
    from agents.train import load_data

    return load_data(cfg)[1].test


def test_resume_continues_the_step_counter(tmp_path) -> None:
    first = train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=tmp_path / "run", echo=quiet)
    steps = first.timesteps
    more = train(resume=tmp_path / "run", overrides=[f"train.total_timesteps={steps + 128}"], echo=quiet)
    assert more.timesteps >= steps + 128
    assert more.run.checkpoints()[-1][0] == more.timesteps


def test_interrupt_saves_a_checkpoint_and_resume_finishes(tmp_path, monkeypatch) -> None:
    def interrupt(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(ValidationCallback, "evaluate", interrupt)
    stopped = train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.total_timesteps=256"],
                    run_dir=tmp_path / "run", echo=quiet)
    assert stopped.interrupted and stopped.timesteps < 256
    assert stopped.run.checkpoints()[-1][0] == stopped.timesteps
    assert stopped.run.read_json("run.json")["status"] == "interrupted"
    monkeypatch.undo()
    done = train(resume=tmp_path / "run", echo=quiet)
    assert done.timesteps >= 256 and done.run.read_json("run.json")["status"] == "finished"


def test_seeds_make_runs_repeatable(tmp_path) -> None:
    a = train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=tmp_path / "a", echo=quiet)
    b = train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=tmp_path / "b", echo=quiet)
    assert a.metrics["final_val"] == b.metrics["final_val"]


def test_custom_env_by_module_attribute_trains(tmp_path) -> None:
    result = train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "env.id=examples.custom_env:VolTargetEnv"],
                   run_dir=tmp_path / "run", echo=quiet)
    assert result.model.observation_space["window"].shape[-1] == 2  # its own features


def test_dqn_on_a_continuous_env_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="dqn needs a Discrete action space.*PortfolioDiscrete-v0"):
        train("dqn_lstm", overrides=[*TINY, *DQN_TINY, "env.id=tradegym/Portfolio-v0"],
              run_dir=tmp_path / "run", echo=quiet)


def test_cli_errors_for_bad_runs(tmp_path, capsys) -> None:
    assert main(["train", "--resume", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    model_file = tmp_path / "model.zip"
    model_file.write_bytes(b"PK not a run")
    assert main(["backtest", str(model_file)]) == 2
    assert "unpickles objects that can run code. Pass --trust" in capsys.readouterr().err
    assert main(["backtest", str(model_file), "--trust"]) == 2
    assert "--algo" in capsys.readouterr().err
    (tmp_path / "folder").mkdir()
    assert main(["backtest", str(tmp_path / "folder")]) == 2
    assert "is not a tradegym run directory" in capsys.readouterr().err
    assert main(["train", "--config", "ppo_lstm", "--set", "train.total_timestep=5"]) == 2
    assert "Did you mean 'total_timesteps'" in capsys.readouterr().err


def test_tampered_model_is_refused(tmp_path) -> None:
    result = train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=tmp_path / "run", echo=quiet)
    (result.run.path / "best_model.zip").write_bytes(b"garbage")
    with pytest.raises(CacheError, match="does not match its hash"):
        load_trained(result.run.path)


def test_backtest_command_compares_agent_and_baselines(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=run, echo=quiet)
    assert main(["backtest", str(run), "--split", "test", "--static"]) == 0
    out = capsys.readouterr().out
    for name in ("ppo_lstm", "equal_weight", "buy_and_hold", "min_variance", "momentum", "oracle"):
        assert name in out  # every default baseline, and the oracle of the planted market
    # The library call takes the run directory too, with the run's env as the default.
    from tradegym.backtest import backtest
    from tradegym.data import load

    direct = backtest(run, load("planted", n_assets=3, n_bars=400, seed=0))
    assert direct.name == "ppo_lstm" and direct.execution == "next_open"
    report_dir = run / "backtest-test"
    for name in ("equity.png", "rolling_sharpe.png", "weights_ppo_lstm.png", "report.html",
                 "report_static.html", "metrics.csv", "metrics.json", "evidence.json"):
        assert (report_dir / name).is_file(), name
    # The whole test split is traded: 400 bars, 70/15/15 -> test rows 340..399.
    metrics = json.loads((report_dir / "metrics.json").read_text())
    assert {m["bars"] for m in metrics} == {59}

    # Another market of the same width, split the same way; a wider one is refused.
    assert main(["backtest", str(run), "--data", "gbm", "--baselines", "cash",
                 "--out", str(tmp_path / "other")]) == 2
    assert "trained on 3 assets" in capsys.readouterr().err

    # The bare archive loads only with --trust and --algo; here on a market from a user's CSV.
    from tradegym.data import load

    frame = load("planted", n_assets=3, n_bars=400, seed=0).to_frame().stack("symbol", future_stack=True)
    frame.rename_axis(["date", "symbol"]).reset_index().to_csv(tmp_path / "market.csv", index=False)
    assert main(["backtest", str(run / "model.zip"), "--trust", "--algo", "ppo", "--data",
                 f"csv:{tmp_path / 'market.csv'}", "--window", "10", "--baselines", "none",
                 "--out", str(tmp_path / "zip")]) == 0
    assert (tmp_path / "zip" / "report.html").is_file()


@pytest.mark.parametrize("config, extra", [
    ("recurrent_ppo", ["agent.hyperparams={n_steps: 32, batch_size: 32, n_epochs: 1}"]),
    ("a2c_lstm", ["agent.hyperparams={n_steps: 8}"]),
    ("sac_lstm", ["agent.hyperparams={learning_starts: 16, buffer_size: 500, batch_size: 16}",
                  "train.n_envs=1"]),
])
def test_other_shipped_algorithms_train_and_reload(config, extra, tmp_path) -> None:
    result = train(config, overrides=[*TINY, *extra], run_dir=tmp_path / "run", echo=quiet)
    loaded, cfg = load_trained(tmp_path / "run", best=False)
    from tradegym.envs import make

    env = make(cfg.env.id, data=_test_split(cfg), window_bars=10, start="first")
    obs, _ = env.reset()
    a, _ = result.model.predict(obs, deterministic=True)
    b, _ = loaded.predict(obs, deterministic=True)
    np.testing.assert_allclose(a, b)


def test_subprocess_envs_train(tmp_path) -> None:
    result = train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.vec_env=subproc"],
                   run_dir=tmp_path / "run", echo=quiet)
    assert result.timesteps >= 128


def test_unknown_vec_env_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError,
                       match="train.vec_env must be one of \\['auto', 'vector', 'dummy', 'subproc'\\], got 'ray'"):
        train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.vec_env=ray"],
              run_dir=tmp_path / "run", echo=quiet)


@pytest.mark.parametrize(("config", "vec_env", "n_envs", "expected"), [
    ("ppo_lstm", "auto", 2, "PortfolioSB3VecEnv"), ("ppo_lstm", "auto", 1, "DummyVecEnv"),
    ("ppo_lstm", "vector", 1, "PortfolioSB3VecEnv"), ("ppo_lstm", "dummy", 2, "DummyVecEnv"),
    ("dqn_lstm", "auto", 2, "PortfolioSB3VecEnv"),
])
def test_vec_env_kind_follows_the_config(config, vec_env, n_envs, expected) -> None:
    from agents.config import load_run_config
    from agents.train import load_data, make_vec_env

    cfg = load_run_config(config, [*TINY, f"train.vec_env={vec_env}", f"train.n_envs={n_envs}"])
    vec = make_vec_env(cfg, load_data(cfg)[1].train)
    inner = getattr(vec, "venv", vec)
    assert type(inner).__name__ == expected and vec.num_envs == n_envs
    if expected == "PortfolioSB3VecEnv":  # DQN's discrete env is batched with its Discrete actions
        assert inner.venv.discrete == (config == "dqn_lstm")
        assert vec.action_space == cfg_space(cfg)


def cfg_space(cfg):
    from tradegym.envs import make

    return make(cfg.env.id, data=_test_split(cfg), **cfg.env.env_kwargs()).action_space


def test_vector_env_refuses_a_custom_env(tmp_path) -> None:
    with pytest.raises(ConfigError, match="train.vec_env='vector' batches only the built-in envs .* not "
                                          "'my_pkg.envs:MyEnv'; use train.vec_env=auto, dummy or subproc"):
        train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.vec_env=vector",
                                     "env.id=my_pkg.envs:MyEnv"], run_dir=tmp_path / "run", echo=quiet)


@pytest.mark.parametrize("override, message", [
    ("env.cost_rate=-0.1", "cost_rate"),
    ("env.window_bars=100000", "fewer than the"),
    ("data.source=sp500_stock", "Did you mean 'sp500_stocks'"),
])
def test_a_failed_train_leaves_no_run_directory(override, message, tmp_path, capsys) -> None:
    runs = tmp_path / "runs"
    assert main(["train", "--config", "ppo_mlp", "--runs", str(runs), "--set", override]) == 2
    assert message in capsys.readouterr().err
    assert not runs.exists() or not any(runs.iterdir())
