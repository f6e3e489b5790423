"""Plugging in: entry-point environments, data sources and run loaders, and the example user env."""

from __future__ import annotations

import runpy
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import gymnasium as gym
import pytest

import tradegym
import tradegym.envs as envs
import tradegym.registry as registry
from tradegym.data import SOURCE_GROUP, SOURCES
from tradegym.errors import ConfigError
from tradegym.policy import LOADER_GROUP, load_run_policy
from tradegym.registry import Registry
from tradegym.runs import RunDir

ROOT = Path(__file__).resolve().parents[1]


def test_entry_point_group_registers_third_party_envs(monkeypatch, market) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "examples/plugin_package/src"))
    fake = [EntryPoint("myplugin/Momentum-v0", "my_tradegym_plugin:MomentumEnv", envs.PLUGIN_GROUP)]
    monkeypatch.setattr(envs, "entry_points", lambda group: fake if group == envs.PLUGIN_GROUP else [])
    assert "myplugin/Momentum-v0" in envs.register_envs()
    env = tradegym.make("myplugin/Momentum-v0", data=market, window_bars=5)
    assert env.unwrapped.feature_set.names == ("momentum_20", "ma_ratio_20")
    gym.registry.pop("myplugin/Momentum-v0")


def test_example_custom_env_runs(capsys, monkeypatch) -> None:
    pytest.importorskip("tradegym.data.synthetic")
    monkeypatch.setattr(sys, "argv", ["custom_env.py"])
    runpy.run_path(str(ROOT / "examples/custom_env.py"), run_name="__main__")
    gym.registry.pop("examples/VolTarget-v0")
    assert "examples/VolTarget-v0: window (20, 4, 2)" in capsys.readouterr().out


def _fake_entry_points(monkeypatch, group: str, entries: dict[str, str]) -> list[str]:
    """Make ``group`` hold ``entries``; returns the list of groups read, in order."""
    reads: list[str] = []

    def fake(group: str) -> list[EntryPoint]:
        reads.append(group)
        return [EntryPoint(n, v, group) for n, v in entries.items()] if group == wanted else []

    wanted = group
    monkeypatch.setattr(registry, "entry_points", fake)
    return reads


def test_registry_reads_its_group_only_when_a_name_is_missing_or_listed(monkeypatch) -> None:
    reads = _fake_entry_points(monkeypatch, "test.sources", {
        "flat": "my_tradegym_plugin:calm_market", "gbm": "elsewhere:gbm"})
    monkeypatch.syspath_prepend(str(ROOT / "examples/plugin_package/src"))
    sources = Registry("data source", group="test.sources")
    sources.add_lazy("gbm", "tradegym.data.synthetic:gbm")
    assert sources.resolve("gbm").__module__ == "tradegym.data.synthetic"
    assert sources.resolve("tradegym.data.synthetic:ar1_returns").__name__ == "ar1_returns"
    assert reads == []  # built-ins and module:attr strings never scan the installed metadata
    assert sources.resolve("flat").__name__ == "calm_market"
    assert sources.names() == ["flat", "gbm"]
    assert sources.resolve("gbm").__module__ == "tradegym.data.synthetic"  # built-in wins
    assert reads == ["test.sources"]  # read once


def test_unknown_name_lists_the_plugins_too(monkeypatch) -> None:
    _fake_entry_points(monkeypatch, "test.sources", {"calm": "my_tradegym_plugin:calm_market"})
    with pytest.raises(ConfigError, match=r"unknown data source 'clam'\. Did you mean 'calm'\? Known: calm;"):
        Registry("data source", group="test.sources").resolve("clam")


def test_plugin_data_source_loads_through_tradegym_data(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "examples/plugin_package/src"))
    _fake_entry_points(monkeypatch, SOURCE_GROUP, {"calm": "my_tradegym_plugin:calm_market"})
    fresh = Registry("data source", group=SOURCE_GROUP)  # the real one may have read its group
    fresh.add_lazy("gbm", "tradegym.data.synthetic:gbm")
    monkeypatch.setattr("tradegym.data.SOURCES", fresh)
    market = tradegym.data.load("calm", n_assets=2, n_bars=50)
    assert market.prices.shape[:2] == (50, 2)
    assert SOURCES.group == SOURCE_GROUP


def _toy_loader(path):
    return "toy policy", {"path": str(path)}


def test_run_loaders_come_from_their_group(monkeypatch, tmp_path) -> None:
    _fake_entry_points(monkeypatch, LOADER_GROUP, {"toy": "tests.test_plugins:_toy_loader"})
    monkeypatch.setattr("tradegym.policy.LOADERS", Registry("run loader", group=LOADER_GROUP))
    run = RunDir.create(tmp_path, "t", kind="toy")
    assert load_run_policy(run.path) == ("toy policy", {"path": str(run.path)})
    other = RunDir.create(tmp_path, "f", kind="forecaster")
    with pytest.raises(ConfigError, match=r"is a 'forecaster' run, which holds no policy to backtest \(no "
                       r"loader for that kind in the entry-point group 'tradegym.run_loaders'"):
        load_run_policy(other.path)


def test_tradegym_declares_its_upper_layers_as_plugins() -> None:
    """Layer 1 names no upper layer: the built-in gan source and agent loader are entry points."""
    tomllib = pytest.importorskip("tomllib")
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert groups[SOURCE_GROUP] == {"gan": "feature_nets.gan:gan_market"}
    assert groups[LOADER_GROUP] == {"agent": "agents.train:load_policy"}
    for spec in [*groups[SOURCE_GROUP].values(), *groups[LOADER_GROUP].values()]:
        assert callable(registry.import_object(spec))
