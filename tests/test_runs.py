"""Run directories: atomic artifacts, manifest verification, clear errors."""

from __future__ import annotations

import pytest

from tradegym.errors import CacheError, ConfigError
from tradegym.runs import RunDir


def test_artifacts_are_recorded_and_verified(tmp_path) -> None:
    run = RunDir.create(tmp_path, "x")
    run.save_artifact("model.zip", lambda f: f.write(b"weights"))
    assert run.verify("model.zip").read_bytes() == b"weights"
    run.file("model.zip").write_bytes(b"tampered")
    with pytest.raises(CacheError, match="does not match its hash in the manifest"):
        run.verify("model.zip")


def test_unrecorded_file_is_refused(tmp_path) -> None:
    run = RunDir.create(tmp_path, "x")
    run.file("model.zip").write_bytes(b"dropped in by hand")
    with pytest.raises(CacheError, match="is not in .*manifest.json; refusing to load it"):
        run.verify("model.zip")


def test_opening_a_folder_that_is_not_a_run(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        RunDir.open(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ConfigError, match="is not a tradegym run directory"):
        RunDir.open(tmp_path / "plain")


def test_checkpoints_are_listed_in_step_order_and_pruned(tmp_path) -> None:
    run = RunDir.create(tmp_path, "x")
    for step in (30, 5, 100):
        run.save_artifact(f"checkpoints/step_{step:09d}.zip", lambda f: f.write(b"c"))
    assert [s for s, _ in run.checkpoints()] == [5, 30, 100]
    run.remove_artifact("checkpoints/step_000000005.zip")
    assert [s for s, _ in run.checkpoints()] == [30, 100]
    assert not run.file("checkpoints/step_000000005.zip").exists()


def test_corrupt_json_names_the_file(tmp_path) -> None:
    run = RunDir.create(tmp_path, "x")
    run.file("metrics.json").write_text("{not json")
    with pytest.raises(CacheError, match="metrics.json is corrupt"):
        run.read_json("metrics.json")
