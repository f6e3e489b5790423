"""Reliability: a SIGKILLed run resumes, corrupt files are named and refused, runs are deterministic."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from agents.train import load_trained, train
from tests.agents.test_train import PPO_TINY, TINY
from tradegym.cli import main
from tradegym.errors import CacheError, ConfigError
from tradegym.runs import RunDir

TRADEGYM = str(Path(sys.executable).parent / "tradegym")


def quiet(_: str) -> None:
    pass


def manifest_checkpoints(run: Path) -> list[str]:
    try:
        manifest = json.loads((run / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return sorted(k for k in manifest if k.startswith("checkpoints/"))


def test_sigkill_mid_training_then_resume_loses_at_most_one_interval(tmp_path) -> None:
    run = tmp_path / "run"
    total, every = 1536, 128
    argv = [TRADEGYM, "train", "--config", "ppo_lstm", "--run-dir", str(run)]
    for override in [*TINY, *PPO_TINY, f"train.total_timesteps={total}", f"train.checkpoint_freq={every}",
                     "train.eval_freq=256", "train.keep_checkpoints=2"]:
        argv += ["--set", override]
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while len(manifest_checkpoints(run)) < 2:  # mid-run: after two checkpoints
            assert child.poll() is None, "training ended before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint within 300 s"
            time.sleep(0.05)
        time.sleep(random.Random(os.getpid()).uniform(0.0, 0.3))  # a random moment after that
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "training"  # it really died mid-run
    newest = max(int(name[-13:-4]) for name in manifest_checkpoints(run))

    lines: list[str] = []
    result = train(None, resume=run, echo=lines.append)
    resumed_from = next(int(line.rsplit(" ", 1)[1]) for line in lines if "resuming" in line)
    assert resumed_from >= newest  # the newest recorded checkpoint: at most one interval lost
    assert result.timesteps == total
    assert json.loads((run / "run.json").read_text())["status"] == "finished"
    assert json.loads((run / "metrics.json").read_text())["timesteps"] == total
    opened = RunDir.open(run)
    for name in json.loads((run / "manifest.json").read_text()):
        opened.verify(name)  # every artifact matches its recorded hash
    assert not list(run.rglob("*.tmp"))  # the killed writer's temp files are gone
    with open(run / "eval.csv", newline="") as handle:
        steps = [float(row["timesteps"]) for row in csv.DictReader(handle)]
    assert steps == sorted(set(steps))  # no evaluation listed twice after the resume
    load_trained(run)  # the best model loads


def test_a_kill_between_rename_and_manifest_leaves_a_valid_artifact(tmp_path, monkeypatch) -> None:
    run = RunDir.create(tmp_path, "r", path=tmp_path / "r")
    run.save_artifact("model.bin", lambda f: f.write(b"old"))
    calls = {"n": 0}
    real = RunDir.write_json

    def die_on_phase_two(self, name, data):
        if name == "manifest.json":
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt  # killed after the rename, before phase 2
        return real(self, name, data)

    monkeypatch.setattr(RunDir, "write_json", die_on_phase_two)
    with pytest.raises(KeyboardInterrupt):
        run.save_artifact("model.bin", lambda f: f.write(b"new"))
    monkeypatch.undo()
    assert run.verify("model.bin").read_bytes() == b"new"
    (tmp_path / "r" / "model.bin").write_bytes(b"old")
    run.verify("model.bin")  # the old content is still valid mid-write
    (tmp_path / "r" / "model.bin").write_bytes(b"neither")
    with pytest.raises(CacheError, match="does not match its hash"):
        run.verify("model.bin")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("trained") / "run"
    train("ppo_lstm", overrides=[*TINY, *PPO_TINY, "train.total_timesteps=256"], run_dir=run, echo=quiet)
    return run


def copy_run(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_truncated_newest_checkpoint_is_skipped_on_resume(trained, tmp_path) -> None:
    run = copy_run(trained, tmp_path / "run")
    names = manifest_checkpoints(run)
    newest = run / names[-1]
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    lines: list[str] = []
    result = train(None, resume=run, overrides=["train.total_timesteps=320"], echo=lines.append)
    assert any(f"skipping checkpoint {names[-1]}" in line and "does not match" in line for line in lines)
    assert any(f"resuming {run} from step {int(names[-2][-13:-4])}" in line for line in lines)
    assert result.timesteps == 320


def test_every_checkpoint_corrupt_is_a_clear_error(trained, tmp_path) -> None:
    run = copy_run(trained, tmp_path / "run")
    for name in manifest_checkpoints(run):
        (run / name).write_bytes(b"garbage")
    with pytest.raises(CacheError, match="has no checkpoint that matches its manifest"):
        train(None, resume=run, echo=quiet)


@pytest.mark.parametrize(("name", "content", "error", "message"), [
    ("config.yaml", "agent: [unclosed", ConfigError, "config.yaml is not valid YAML"),
    ("manifest.json", '{"model.zip": ', CacheError, "manifest.json is corrupt"),
    ("manifest.json", "[1, 2]", CacheError, "manifest.json is not a manifest"),
    ("run.json", "", CacheError, "run.json is corrupt"),
    ("eval.csv", "timesteps,sharpe\nabc,1\n", CacheError, "eval.csv is corrupt"),
])
def test_corrupt_run_files_are_named(trained, tmp_path, name, content, error, message) -> None:
    run = copy_run(trained, tmp_path / "run")
    (run / name).write_text(content)
    with pytest.raises(error, match=message):
        train(None, resume=run, overrides=["train.total_timesteps=320"], echo=quiet)


def test_model_archives_are_verified_or_need_trust(trained, tmp_path, capsys) -> None:
    run = copy_run(trained, tmp_path / "run")
    (run / "model.zip").write_bytes((run / "model.zip").read_bytes()[:100])
    with pytest.raises(CacheError, match="model.zip does not match its hash"):
        load_trained(run, best=False)
    # A foreign archive is refused without --trust, and a garbage one is named even with it.
    foreign = tmp_path / "downloaded.zip"
    foreign.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["backtest", str(foreign), "--algo", "ppo"]) == 2
    assert "Pass --trust" in capsys.readouterr().err
    assert main(["backtest", str(foreign), "--algo", "ppo", "--trust"]) == 2
    assert "is not a readable ppo model archive" in capsys.readouterr().err


def test_same_seed_same_config_same_data_gives_identical_runs(tmp_path) -> None:
    """Determinism on CPU: parameters, validation history and backtest numbers are identical."""
    runs = [train("ppo_lstm", overrides=[*TINY, *PPO_TINY], run_dir=tmp_path / f"run{i}", echo=quiet)
            for i in range(2)]
    for a, b in zip(runs[0].model.policy.parameters(), runs[1].model.policy.parameters(), strict=True):
        assert torch.equal(a, b)
    assert (runs[0].run.path / "eval.csv").read_text() == (runs[1].run.path / "eval.csv").read_text()
    assert (json.loads((runs[0].run.path / "data.json").read_text())
            == json.loads((runs[1].run.path / "data.json").read_text()))
    from agents.evaluate import evaluate_run

    first, second = (evaluate_run(r.run.path, baselines=["random", "min_variance"], write_report=False)
                     for r in runs)
    for x, y in zip(first, second, strict=True):
        assert x.metrics == y.metrics
        np.testing.assert_array_equal(x.weights.to_numpy(), y.weights.to_numpy())
