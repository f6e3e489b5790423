"""Run directories: the unit of reproducibility, every file written atomically.

A run directory holds everything needed to reproduce, resume or evaluate one run and
nothing else::

    runs/ppo_lstm-20261123-203015/
      run.json          marker: tradegym run, kind, status, created, device
      config.yaml       the resolved config (all defaults filled in)
      data.json         data description and content fingerprints of each split
      manifest.json     sha256 of every artifact below, written after the artifact
      model.zip         final model            best_model.zip  best on validation
      checkpoints/      step_000004096.zip ... (the last few are kept)
      eval.csv          validation metrics at each evaluation
      metrics.json      final validation metrics
      tb/               TensorBoard logs

An artifact is written to a temporary file and fsynced; its hash is added to the
manifest next to the old one, the file is renamed into place, and the manifest then
keeps only the new hash. A process killed at any moment leaves the artifact either old
or new, and both verify; :meth:`RunDir.verify` refuses anything else (a truncated or
tampered file). Temporary files a killed writer left behind are removed by
:meth:`RunDir.remove_stale_temps` when a run is resumed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from tradegym.errors import CacheError, ConfigError
from tradegym.io import atomic_path, atomic_write, sha256_file

MARKER = "run.json"
_WRITERS = {
    "agent": "tradegym train",
    "forecaster": "tradegym forecast train",
    "autoencoder": "tradegym autoencoder train",
    "gan": "tradegym gan train",
}
"""The command that writes each kind of run, named in errors about a wrong folder."""
_CHECKPOINT = re.compile(r"step_(\d+)\.zip$")


def _hashes(entry: Any) -> list[str]:
    """A manifest entry as a list of valid hashes (a string, or a list mid-write)."""
    if entry is None:
        return []
    return [entry] if isinstance(entry, str) else [h for h in entry if isinstance(h, str)]


class RunDir:
    """One run directory (see the module docstring for its layout)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # ------------------------------------------------------------------ create / open
    @classmethod
    def create(cls, root: str | Path = "runs", name: str = "run", *, kind: str = "agent",
               path: str | Path | None = None) -> RunDir:
        """Make a new run directory ``root/name-YYYYmmdd-HHMMSS`` (or exactly ``path``).

        Raises:
            ConfigError: ``path`` exists and is not empty.
        """
        if path is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            target = Path(root) / f"{name}-{stamp}"
            suffix = 1
            while target.exists():
                suffix += 1
                target = Path(root) / f"{name}-{stamp}-{suffix}"
        else:
            target = Path(path)
            if target.exists() and any(target.iterdir()):
                raise ConfigError(f"run directory {target} exists and is not empty; "
                                  "choose another or resume it with --resume")
        target.mkdir(parents=True, exist_ok=True)
        run = cls(target)
        run.write_json(MARKER, {"tradegym_run": 1, "kind": kind, "status": "created",
                                "created": dt.datetime.now().isoformat(timespec="seconds")})
        return run

    @classmethod
    def open(cls, path: str | Path, kind: str | None = None) -> RunDir:
        """Open an existing run directory.

        Raises:
            ConfigError: the path is missing, or is not a tradegym run (of ``kind``).
        """
        target = Path(path)
        writer = f"'{_WRITERS.get(kind or '', 'tradegym train')}'"
        if target.is_file():
            raise ConfigError(
                f"{target} is a file, not a run directory; pass the folder {writer} wrote "
                "(models load from run directories, where their hashes are checked)"
            )
        if not target.is_dir():
            raise ConfigError(f"run directory {target} does not exist")
        marker = target / MARKER
        if not marker.is_file():
            raise ConfigError(
                f"{target} is not a tradegym run directory (no {MARKER}); "
                f"pass a folder written by {writer}"
            )
        run = cls(target)
        info = run.read_json(MARKER)
        if info.get("tradegym_run") != 1:
            raise ConfigError(f"{marker} is not a tradegym run marker")
        if kind is not None and info.get("kind") != kind:
            raise ConfigError(f"{target} is a {info.get('kind')!r} run, expected {kind!r}")
        return run

    # ------------------------------------------------------------------ files
    def file(self, name: str) -> Path:
        """Path of ``name`` inside the run directory."""
        return self.path / name

    def write_json(self, name: str, data: Any) -> Path:
        """Write JSON atomically."""
        return atomic_write(self.file(name), json.dumps(data, indent=2, default=str) + "\n")

    def read_json(self, name: str) -> Any:
        """Read a JSON file of the run.

        Raises:
            CacheError: the file is missing or not valid JSON (naming its path).
        """
        file = self.file(name)
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CacheError(f"{file} is missing from the run directory") from None
        except json.JSONDecodeError as exc:
            raise CacheError(f"{file} is corrupt ({exc}); the run directory was damaged") from None

    def write_yaml(self, name: str, data: Any) -> Path:
        """Write YAML (``yaml.safe_dump``) atomically."""
        import yaml

        return atomic_write(self.file(name), yaml.safe_dump(data, sort_keys=False))

    def update_marker(self, **fields: Any) -> None:
        """Merge ``fields`` into ``run.json`` (status, device, ...)."""
        info = self.read_json(MARKER)
        info.update(fields)
        self.write_json(MARKER, info)

    def save_artifact(self, name: str, writer: Callable[[IO[bytes]], None]) -> Path:
        """Write an artifact through ``writer(file)`` atomically and record its hash (two phases)."""
        target = self.file(name)
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as handle:
                writer(handle)
            digest = sha256_file(tmp)
            manifest = self._manifest()
            # Phase 1: old and new content both valid while the rename happens.
            manifest[name] = [*_hashes(manifest.get(name)), digest]
            self.write_json("manifest.json", manifest)
        manifest[name] = digest  # phase 2: the rename is done, only the new content is valid
        self.write_json("manifest.json", manifest)
        return target

    def verify(self, name: str) -> Path:
        """Return the artifact's path after checking its hash against the manifest.

        Raises:
            CacheError: the artifact is missing, unrecorded, or its content changed.
        """
        target = self.file(name)
        if not target.is_file():
            raise CacheError(f"{target} does not exist")
        expected = _hashes(self._manifest().get(name))
        if not expected:
            raise CacheError(f"{target} is not in {self.file('manifest.json')}; refusing to load it")
        if sha256_file(target) not in expected:
            raise CacheError(
                f"{target} does not match its hash in the manifest (truncated or modified); "
                "refusing to load it"
            )
        return target

    def remove_artifact(self, name: str) -> None:
        """Delete an artifact and its manifest entry."""
        self.file(name).unlink(missing_ok=True)
        manifest = self._manifest()
        if manifest.pop(name, None) is not None:
            self.write_json("manifest.json", manifest)

    def checkpoints(self) -> list[tuple[int, str]]:
        """``[(step, name), ...]`` of recorded checkpoints, oldest first."""
        found = []
        for name in self._manifest():
            match = _CHECKPOINT.search(name)
            if match and name.startswith("checkpoints/"):
                found.append((int(match.group(1)), name))
        return sorted(found)

    def latest_valid_checkpoint(self, echo: Callable[[str], Any] = print) -> tuple[int, Path]:
        """``(step, path)`` of the newest checkpoint whose hash verifies.

        A newer checkpoint that fails verification (truncated, tampered) is reported
        through ``echo`` and skipped, so a resume loses at most one more interval.

        Raises:
            CacheError: no checkpoint verifies (naming the run and what to do).
        """
        for step, name in reversed(self.checkpoints()):
            try:
                return step, self.verify(name)
            except CacheError as exc:
                echo(f"warning: skipping checkpoint {name}: {exc}")
        raise CacheError(
            f"{self.path} has no checkpoint that matches its manifest; it cannot be resumed. "
            "Start a new run (tradegym train --config ...)"
        )

    def remove_stale_temps(self) -> list[Path]:
        """Delete temporary files (``.NAME.*.tmp``) a killed writer left; returns them.

        Only safe while no process writes into this run (on resume, before training).
        """
        stale = [p for p in self.path.rglob(".*.tmp") if p.is_file()]
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    def _manifest(self) -> dict[str, Any]:
        file = self.file("manifest.json")
        manifest = self.read_json("manifest.json") if file.is_file() else {}
        if not isinstance(manifest, dict):
            raise CacheError(f"{file} is not a manifest (expected a JSON object)")
        return manifest

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"


# ---------------------------------------------------------------------- the lifecycle
# Every trainer (agents, forecasters, the autoencoder, the GAN) runs the same steps:
#   run = open_run(RUN, kind)              on --resume: the run's own config.yaml is read next
#   ...config and data are loaded and validated: nothing is written yet...
#   run = start_run(kind, ..., resume=run) creates the folder, or checks the data and cleans up
#   ...train, saving artifacts and checkpoints through the RunDir...
#   finish_run(run, metrics)


def open_run(path: str | Path, kind: str) -> RunDir:
    """Open a run of ``kind`` to resume it (its ``config.yaml`` is read before the data).

    Raises:
        ConfigError: not a tradegym run directory of ``kind``.
    """
    return RunDir.open(path, kind=kind)


def start_run(
    kind: str,
    name: str,
    *,
    config: Any,
    data: dict[str, Any],
    runs_root: str | Path = "runs",
    run_dir: str | Path | None = None,
    resume: RunDir | None = None,
    echo: Callable[[str], Any] = print,
    **marker: Any,
) -> RunDir:
    """Create a new run directory, or take up ``resume``, once config and data are known good.

    A new run is made only now, after the config and the data loaded without error, so a
    command that fails on its input leaves no half-made run directory. A resumed run must
    see the same data (fingerprint in ``data.json``); temporary files a killed writer left
    behind are removed.

    Args:
        kind: the run kind (``agent``, ``forecaster``, ``autoencoder``, ``gan``).
        name: the new directory's name stem (``runs_root/name-YYYYmmdd-HHMMSS``).
        config: the resolved config as plain data, written to ``config.yaml``.
        data: the data description from :func:`tradegym.data.config.describe_data`.
        runs_root: where new runs are made.
        run_dir: an exact new run directory instead.
        resume: the run being resumed (from :func:`open_run`), or None for a new run.
        echo: where notes on cleaned-up files go.
        **marker: fields for ``run.json`` (with ``status="training"``).

    Raises:
        ConfigError: ``run_dir`` exists and is not empty, or the data of ``resume`` changed.
    """
    if resume is None:
        run = RunDir.create(runs_root, name, kind=kind, path=run_dir)
    else:
        run = resume
        from tradegym.data.config import same_data

        if not same_data(run.read_json("data.json"), data):
            raise ConfigError(
                f"the training data of {run.path} changed since the run began (fingerprint differs); "
                "start a new run instead of resuming"
            )
        for stale in run.remove_stale_temps():
            echo(f"removed {stale} (a write interrupted when the run stopped)")
    run.write_yaml("config.yaml", config)
    run.write_json("data.json", data)
    run.update_marker(status="training", **marker)
    return run


def finish_run(run: RunDir, metrics: dict[str, Any] | None, *, interrupted: bool = False,
               **marker: Any) -> None:
    """Write ``metrics.json`` (when given) and mark the run finished or interrupted."""
    if metrics is not None:
        run.write_json("metrics.json", metrics)
    run.update_marker(status="interrupted" if interrupted else "finished", **marker)
