"""Plugging in: entry-point environments and the example user env."""

from __future__ import annotations

import runpy
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import gymnasium as gym
import pytest

import tradegym
import tradegym.envs as envs

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
