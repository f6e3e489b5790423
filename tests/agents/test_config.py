"""Agent configs: shipped files load, overrides apply, bad input is a clear error."""

from __future__ import annotations

import pytest

from agents.config import RunConfig, load_run_config, shipped_configs
from tradegym.config import apply_overrides
from tradegym.errors import ConfigError


@pytest.mark.parametrize("name", shipped_configs())
def test_every_shipped_config_loads(name: str) -> None:
    cfg = load_run_config(name)
    assert isinstance(cfg, RunConfig) and cfg.name == name
    assert cfg.agent.algo in {"ppo", "dqn", "a2c", "sac", "recurrent_ppo"}


def test_shipped_configs_cover_the_documented_combinations() -> None:
    assert {"ppo_lstm", "ppo_gru", "ppo_transformer", "ppo_tcn", "ppo_mlp", "dqn_lstm",
            "dqn_transformer", "recurrent_ppo"} <= set(shipped_configs())


def test_overrides_are_typed_and_nested() -> None:
    cfg = load_run_config("ppo_lstm", ["train.total_timesteps=1000", "env.cost_rate=0.002",
                                       "agent.hyperparams.n_steps=64", "data.symbols=[AAPL, MSFT]"])
    assert cfg.train.total_timesteps == 1000 and cfg.env.cost_rate == 0.002
    assert cfg.agent.hyperparams["n_steps"] == 64 and cfg.data.symbols == ["AAPL", "MSFT"]


def test_unknown_key_suggests_the_right_one(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  total_timestep: 10\n")
    with pytest.raises(ConfigError, match="unknown key 'train.total_timestep'. Did you mean 'total_timesteps'"):
        load_run_config(path)


def test_wrong_type_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"config.train.n_envs: expected an integer, got 'four'"):
        load_run_config("ppo_lstm", ["train.n_envs=four"])


def test_unknown_shipped_name_suggests() -> None:
    with pytest.raises(ConfigError, match="unknown config 'ppo_lstn'. Did you mean 'ppo_lstm'"):
        load_run_config("ppo_lstn")


def test_invalid_yaml_names_the_file(tmp_path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match=f"config file {path} is not valid YAML"):
        load_run_config(path)


def test_override_without_equals_is_an_error() -> None:
    with pytest.raises(ConfigError, match="override 'train.seed' must look like 'section.key=value'"):
        apply_overrides({}, ["train.seed"])


def test_overrides_apply_to_a_config_object_too() -> None:
    from agents.config import load_run_config

    base = load_run_config("ppo_mlp")
    cfg = load_run_config(base, ["train.total_timesteps=64", "env.window_bars=12"])
    assert (cfg.train.total_timesteps, cfg.env.window_bars) == (64, 12)
    assert base.train.total_timesteps != 64 and cfg.agent == base.agent
