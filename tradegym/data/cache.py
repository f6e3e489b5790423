"""An on-disk cache of data frames: one Parquet file per key, checked by a SHA-256 manifest.

Each entry is two files in the cache folder::

    <label>-<digest>.parquet   the frame, written atomically
    <label>-<digest>.json      {"key": ..., "sha256": ..., "rows": ..., "created": ...}

``digest`` hashes the key, so equal keys share an entry. The parquet file is written first
and the manifest second, so an entry without a manifest is one whose write never finished.
A missing manifest, a hash mismatch (truncated or garbled file), a different key or an
unreadable file makes :meth:`FrameCache.load` remove the entry and raise
:class:`~tradegym.errors.CacheError`; the caller decides whether to rebuild.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tradegym.errors import CacheError
from tradegym.io import atomic_path, atomic_write, sha256_file

CACHE_ENV = "TRADEGYM_CACHE"
"""Environment variable naming the cache root (default ``~/.cache/tradegym``)."""

_FORMAT = 1  # bump when the manifest or the stored layout changes


def default_cache_dir(kind: str) -> Path:
    """``$TRADEGYM_CACHE/<kind>``, or ``~/.cache/tradegym/<kind>`` when the variable is unset.

    >>> default_cache_dir("yahoo").name
    'yahoo'
    """
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "tradegym"
    return Path(root).expanduser() / kind


class FrameCache:
    """Parquet entries in one folder, keyed by a JSON-serialisable mapping.

    Every method takes the same ``(key, label)`` pair: the label only makes file names
    readable, but it is part of them, so pass the same one to :meth:`save` and :meth:`load`.

    Args:
        directory: the cache folder; created on the first :meth:`save`.

    >>> import tempfile
    >>> cache = FrameCache(tempfile.mkdtemp())
    >>> key = {"tickers": ["SPY"], "interval": "1d"}
    >>> cache.load(key) is None
    True
    >>> cache.save(key, pd.DataFrame({"close": [1.0, 2.0]}), label="SPY").name[:4]
    'SPY-'
    >>> cache.load(key, label="SPY")["close"].tolist()
    [1.0, 2.0]
    >>> import shutil; shutil.rmtree(cache.directory)
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()

    def path(self, key: Mapping[str, Any], label: str = "") -> Path:
        """The parquet path of ``key``'s entry (the manifest is the same path with ``.json``).

        Args:
            key: what identifies the entry; hashed after JSON encoding with sorted keys.
            label: a readable prefix for the file name (characters other than letters,
                digits, ``.``, ``_``, ``-`` become ``_``; cut to 48 characters).
        """
        digest = hashlib.sha256(_encode(key).encode()).hexdigest()[:16]
        prefix = re.sub(r"[^A-Za-z0-9._-]", "_", label)[:48]
        return self.directory / (f"{prefix}-{digest}.parquet" if prefix else f"{digest}.parquet")

    def load(self, key: Mapping[str, Any], label: str = "") -> pd.DataFrame | None:
        """Return the cached frame for ``key``, or ``None`` when there is no entry.

        Raises:
            CacheError: the entry exists but is corrupt (no manifest, hash mismatch, other
                key, unreadable parquet); it has been removed, naming its path.
        """
        data = self.path(key, label)
        manifest = data.with_suffix(".json")
        if not data.exists() and not manifest.exists():
            return None
        problem = _verify(data, manifest, _encode(key))
        if problem is None:
            try:
                return pd.read_parquet(data)
            except (OSError, ValueError) as exc:  # pyarrow errors subclass these
                problem = f"unreadable parquet ({exc})"
        self.remove(key, label)
        raise CacheError(f"corrupt cache entry {data}: {problem}; it has been removed")

    def save(self, key: Mapping[str, Any], frame: pd.DataFrame, label: str = "") -> Path:
        """Write ``frame`` and its manifest atomically and return the parquet path."""
        data = self.path(key, label)
        with atomic_path(data) as tmp:
            frame.to_parquet(tmp)
        manifest = {
            "format": _FORMAT,
            "key": json.loads(_encode(key)),
            "file": data.name,
            "sha256": sha256_file(data),
            "rows": len(frame),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        atomic_write(data.with_suffix(".json"), json.dumps(manifest, indent=1) + "\n")
        return data

    def remove(self, key: Mapping[str, Any], label: str = "") -> None:
        """Delete ``key``'s entry (both files) if present."""
        data = self.path(key, label)
        for file in (data, data.with_suffix(".json")):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()


def _encode(key: Mapping[str, Any]) -> str:
    return json.dumps(dict(key), sort_keys=True, default=str)


def _verify(data: Path, manifest: Path, key_json: str) -> str | None:
    """What is wrong with an entry, or ``None`` when its hash and key check out."""
    if not data.exists():
        return "the parquet file is missing"
    if not manifest.exists():
        return "no manifest (the write did not finish)"
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
        expected, stored_key = record["sha256"], record["key"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"unreadable manifest {manifest.name} ({exc!r})"
    if json.dumps(stored_key, sort_keys=True, default=str) != key_json:
        return f"manifest is for another key {stored_key}"
    actual = sha256_file(data)
    if actual != expected:
        return f"sha256 {actual[:12]}... does not match the manifest's {str(expected)[:12]}..."
    return None
