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
import math
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
SPIN_COUNT = "100000"
"""``GOMP_SPINCOUNT`` set (unless the user set it) before torch loads its OpenMP runtime: how
long an idle torch thread spins before it sleeps. glibc's libgomp spins 300,000 times by
default, and a spinning thread whose peer was descheduled by another process burns the core
that peer needs. Measured on 2 cores, PPO+LSTM, 2 threads, ``learn()`` steps/s idle: 396-399
with 10,000, 433-449 with 30,000-50,000, 446-453 with 100,000, 453-457 with the default;
beside one busy process, 4,096 steps took 98 s with 100,000 (about 35 s with 10,000, 9 s
idle). Under the auto policy :class:`CoreFollower` drops to one thread within
:data:`FOLLOW_INTERVAL_S` of such a process starting, so the idle speed is kept."""
FOLLOW_INTERVAL_S = 1.0
"""How often (wall seconds) :class:`CoreFollower` reads the machine's load during a run."""
OTHERS_TOLERANCE = 0.25
"""Cores other processes may keep busy before :class:`CoreFollower` gives one up: a busy
process beside two spinning torch threads gets only part of a core, so the cut is below 0.5."""

_heap_kept: bool | None = None
_auto_threads: int | None = None
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Runtime:
    """What :func:`apply_runtime` set: torch CPU ``threads``, the resolved ``device``, ``heap_kept``.

    ``auto``: the count is the auto policy's, so it may follow the load (:class:`CoreFollower`).
    """

    threads: int
    device: str
    heap_kept: bool
    auto: bool = False

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
    usable = _usable_cores()
    busy = _busy_cores(sample_s)
    return max(1, min(usable, usable - int(round(busy))))


def _ticks() -> tuple[int, int]:
    """``(total, idle)`` clock ticks of all cores since boot, from ``/proc/stat``.

    Raises:
        OSError, ValueError, IndexError: no readable ``/proc/stat`` (not Linux).
    """
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]  # cpu: user nice system idle iowait ...
    return sum(values), values[3] + values[4]


def _busy_cores(sample_s: float) -> float:
    ticks = _ticks
    try:
        total0, idle0 = ticks()
        time.sleep(sample_s)
        total1, idle1 = ticks()
    except (OSError, ValueError, IndexError):
        return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    cores = os.cpu_count() or 1
    return cores * (1.0 - (idle1 - idle0) / max(total1 - total0, 1))


def _usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def threads_beside(others: float, usable: int) -> int:
    """Torch threads to use when other processes keep ``others`` cores busy: 1 to ``usable``.

    >>> threads_beside(0.1, 2), threads_beside(0.6, 2), threads_beside(1.0, 2), threads_beside(3.0, 2)
    (2, 1, 1, 1)
    """
    return max(1, min(usable, usable - math.ceil(others - OTHERS_TOLERANCE)))


class CoreFollower:
    """Keeps torch's thread count at the cores other processes leave free, during a long run.

    The auto policy (``torch_threads: 0``) picks the count once, at the start; a process
    that starts later would leave two torch threads fighting it for the cores (about 11x
    slower on 2 cores). :meth:`poll` is cheap and may be called as often as every step:
    every ``interval_s`` wall seconds it reads the machine's busy core-seconds
    (``/proc/stat``) less this process's CPU seconds, and sets ``torch.set_num_threads`` to
    :func:`threads_beside` of the cores the others used. Training calls it at every env step
    and every optimizer step. Linux only; elsewhere :func:`follow_cores` gives ``None``.

    Changing the count mid-run changes how sums are split, like the start-up choice: a run
    that must repeat bit for bit sets ``torch_threads`` (and then nothing follows).

    Attributes:
        threads: the count in force.
        changes: ``(seconds since the start, new count, cores the others used)`` per change.
    """

    def __init__(self, usable: int | None = None, interval_s: float = FOLLOW_INTERVAL_S,
                 read: Callable[[], tuple[float, float, float]] | None = None) -> None:
        import torch

        self.usable = usable or _usable_cores()
        self.interval_s = interval_s
        self._read = read or _load_reading
        self.threads = self.start_threads = torch.get_num_threads()
        self.changes: list[tuple[float, int, float]] = []
        self._start = self._last = self._read()

    def poll(self) -> bool:
        """Re-read the load when ``interval_s`` has passed; returns whether the count changed."""
        if time.monotonic() - self._last[0] < self.interval_s:
            return False
        now = self._read()
        wall = now[0] - self._last[0]
        others = ((now[1] - self._last[1]) - (now[2] - self._last[2])) / max(wall, 1e-9)
        self._last = now
        count = threads_beside(others, self.usable)
        if count == self.threads:
            return False
        import torch

        torch.set_num_threads(count)
        self.threads = count
        self.changes.append((round(now[0] - self._start[0], 1), count, round(others, 2)))
        return True

    def summary(self) -> dict[str, Any]:
        """``{"start", "end", "changes"}`` thread counts for a run's metrics."""
        return {"start": self.start_threads, "end": self.threads, "changes": len(self.changes)}


def _load_reading() -> tuple[float, float, float]:
    """``(monotonic wall s, busy core-seconds of the machine, CPU seconds of this process)``."""
    total, idle = _ticks()
    return time.monotonic(), (total - idle) / os.sysconf("SC_CLK_TCK"), time.process_time()


def follow_cores(runtime: Runtime) -> CoreFollower | None:
    """A :class:`CoreFollower` for an auto thread count on the CPU, else ``None``.

    ``None`` for a set count, another device, or a platform without ``/proc/stat``.
    """
    if not runtime.auto or runtime.device != "cpu":
        return None
    try:
        _ticks()
    except (OSError, ValueError, IndexError):
        return None
    return CoreFollower()


def _is_auto(requested: int | str | None) -> bool:
    """Whether a (checked) ``torch_threads`` value asks for the auto policy: 0, None or "auto"."""
    return not (isinstance(requested, int) and requested > 0)


def choose_threads(requested: int | str | None, section: str = "") -> int:
    """Torch CPU threads for a requested count: ``> 0`` is used as given; 0, None or "auto" is auto.

    Auto is the number of cores free when this process first asks (:func:`free_cores`), kept
    for the rest of the process so that runs in one process are alike. Measured on 2 cores,
    PPO+LSTM, 8,192 steps, heap kept: idle, 19.0 s with 2 threads vs 26.8 s with 1; beside one
    busy process, 27.7 s with 1 thread vs about 500 s with 2 (libgomp's default spin). A load
    that changes later is followed by :class:`CoreFollower` where the caller polls one.
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
    if not _is_auto(requested):
        return int(requested)  # type: ignore[arg-type]
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
    return Runtime(count, resolved, heap_kept, _is_auto(threads))


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
