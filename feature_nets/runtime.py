"""Process settings every torch trainer needs, written once: keep the heap, pick threads and device.

Training, evaluation and the ``feature_nets`` fits call :func:`torch_runtime` (or
:func:`apply_runtime` under :func:`restores_threads`) instead of setting torch's threads
themselves. The heap setting and the OpenMP spin count never change results; the thread count
does (floating-point sums are split differently), so the count in force is reported and a
config that sets ``torch_threads`` repeats a run bit for bit. torch is imported on first use,
so ``agents.train`` can import this module and stay light.

>>> import torch
>>> with torch_runtime(1, "cpu") as rt:
...     rt.threads, rt.device, torch.get_num_threads()
(1, 'cpu', 1)
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from tradegym.errors import ConfigError

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""``mallopt`` parameter numbers from glibc's ``malloc.h``."""
HEAP_KEEP_BYTES = 1 << 30
"""Blocks below 1 GiB come from the heap and freed memory stays there (up to 1 GiB of slack)."""
AUTO_SAMPLE_S = 0.2
"""How long :func:`free_cores` watches the machine before ``torch_threads: 0`` picks a count."""
SPIN_COUNT = "10000"
"""``GOMP_SPINCOUNT`` set (unless the user set it) before torch loads its OpenMP runtime: how
long an idle torch thread spins before it sleeps. glibc's libgomp spins 300,000 times by
default, and a spinning thread whose peer was descheduled by another process burns the core
that peer needs. Measured on 2 cores, PPO+LSTM, 8,192 steps, 2 threads, beside one busy
process: about 500 s with the default spin, 70 s with 10,000; idle, 19.0 s vs 20.3 s."""

_heap_kept: bool | None = None
_auto_threads: int | None = None
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Runtime:
    """What :func:`apply_runtime` set: torch CPU ``threads``, the resolved ``device``, ``heap_kept``."""

    threads: int
    device: str
    heap_kept: bool

    def describe(self) -> str:
        """One line for a run's log, e.g. ``"cpu, 1 torch thread, heap kept"``."""
        plural = "" if self.threads == 1 else "s"
        heap = "heap kept" if self.heap_kept else "heap as the platform allocates"
        return f"{self.device}, {self.threads} torch thread{plural}, {heap}"


def limit_spinning() -> bool:
    """Set ``GOMP_SPINCOUNT`` to :data:`SPIN_COUNT` unless it is set or torch is already loaded.

    Called when :mod:`feature_nets` is imported, before any of its modules imports torch
    (libgomp reads the variable once, when it loads). Returns whether it set the variable.
    """
    if "GOMP_SPINCOUNT" in os.environ or "OMP_WAIT_POLICY" in os.environ or "torch" in sys.modules:
        return False
    os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    return True


def keep_heap() -> bool:
    """Tell glibc's malloc to keep large blocks in the heap instead of returning them to the OS.

    Once per process. glibc serves blocks above a dynamic threshold (at most 32 MiB) with
    ``mmap`` and gives them back with ``munmap`` on free, so a per-asset LSTM's activations
    (batch x assets x window x gates, tens of MB) are mapped, page-faulted, zeroed and unmapped
    on every pass: 40 % of a PPO+LSTM run was kernel time. Raising ``M_MMAP_THRESHOLD`` and
    ``M_TRIM_THRESHOLD`` to 1 GiB lets freed blocks be reused. Results are bit-identical.

    The environment variable ``TRADEGYM_KEEP_HEAP=0`` turns it off (the process may hold up
    to 1 GiB of freed memory otherwise; ``benchmarks/train_speed.py`` measures the difference).

    Returns:
        ``True`` where it applied (Linux with glibc); ``False`` elsewhere (macOS, musl,
        Windows) or when turned off, where it does nothing.
    """
    global _heap_kept
    if _heap_kept is None:
        off = os.environ.get("TRADEGYM_KEEP_HEAP", "1").strip().lower() in ("0", "false", "no", "off")
        _heap_kept = not off and _mallopt_keep(HEAP_KEEP_BYTES)
    return _heap_kept


def _mallopt_keep(size: int) -> bool:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False  # musl and macOS have no such thresholds; their mallopt differs or is absent
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt returns 1 on success; either setting also turns off glibc's dynamic threshold
    return bool(mallopt(M_MMAP_THRESHOLD, size)) and bool(mallopt(M_TRIM_THRESHOLD, size))


def free_cores(sample_s: float = AUTO_SAMPLE_S) -> int:
    """Cores this process may use that no other process is busy on, now (at least 1).

    On Linux, the busy share of every core is read from ``/proc/stat`` twice, ``sample_s``
    apart (this process sleeps meanwhile); elsewhere the 1-minute load average stands in.
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = _busy_cores(sample_s)
    return max(1, min(usable, usable - int(round(busy))))


def _busy_cores(sample_s: float) -> float:
    def ticks() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]  # cpu: user nice system idle iowait ...
        return sum(values), values[3] + values[4]

    try:
        total0, idle0 = ticks()
        time.sleep(sample_s)
        total1, idle1 = ticks()
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    cores = os.cpu_count() or 1
    return cores * (1.0 - (idle1 - idle0) / max(total1 - total0, 1))


def choose_threads(requested: int | str | None, section: str = "") -> int:
    """Torch CPU threads for a requested count: ``> 0`` is used as given; 0, None or "auto" is auto.

    Auto is the number of cores free when this process first asks (:func:`free_cores`), kept
    for the rest of the process so that runs in one process are alike. Measured on 2 cores,
    PPO+LSTM, 8,192 steps, heap kept: idle, 19.0 s with 2 threads vs 26.8 s with 1; beside one
    busy process, 27.7 s with 1 thread vs about 500 s with 2 (70 s with :data:`SPIN_COUNT`).
    The count changes the floating-point sums, so the same seed gives other parameters with
    another count: the count used is written to the run (``run.json``); set it to repeat a run
    bit for bit.

    ``section`` prefixes the key in messages (``"train."``).

    Raises:
        ConfigError: a negative count or another string.
    """
    if not (requested is None or requested == "auto") and (
            isinstance(requested, bool) or not isinstance(requested, int) or requested < 0):
        raise ConfigError(f"{section}torch_threads must be an integer >= 0 (0: auto, the cores free at "
                          f"the start) or 'auto', got {requested!r}")
    if isinstance(requested, int) and requested > 0:
        return requested
    global _auto_threads
    if _auto_threads is None:
        _auto_threads = free_cores()
    return _auto_threads


def resolve_device(device: str = "auto", section: str = "") -> str:
    """``"auto"``: ``"cuda"`` when a CUDA GPU is available, else ``"cpu"``; other names as given.

    ``section`` prefixes the key in messages (``"train."``).

    Raises:
        ConfigError: a string torch does not parse as a device.
    """
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        torch.device(device)
    except RuntimeError:
        raise ConfigError(
            f"{section}device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    return device


def apply_runtime(threads: int | str | None = 0, device: str = "auto", section: str = "") -> Runtime:
    """Keep the heap and set torch's thread count, without restoring it; see :func:`torch_runtime`.

    ``section`` prefixes the keys in messages (``"train."``).

    Raises:
        ConfigError: a bad thread count or device.
    """
    import torch

    count, resolved = choose_threads(threads, section), resolve_device(device, section)
    heap_kept = keep_heap()
    torch.set_num_threads(count)
    return Runtime(count, resolved, heap_kept)


@contextlib.contextmanager
def torch_runtime(threads: int | str | None = 0, device: str = "auto") -> Iterator[Runtime]:
    """Run the block with the heap kept and ``threads`` torch threads; restore the count after.

    Args:
        threads: torch CPU threads; 0, None or ``"auto"`` is the cores free (:func:`choose_threads`).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...; resolved, not set (pass
            ``runtime.device`` to the model).

    Yields:
        The :class:`Runtime` in effect.

    Raises:
        ConfigError: a bad thread count or device.
    """
    import torch

    before = torch.get_num_threads()
    try:
        yield apply_runtime(threads, device)
    finally:
        torch.set_num_threads(before)


def restores_threads(fn: F) -> F:
    """Restore torch's thread count after ``fn``, which calls :func:`apply_runtime` itself."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import torch

        before = torch.get_num_threads()
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)

    return wrapper  # type: ignore[return-value]
