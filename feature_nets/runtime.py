"""Process settings every torch trainer needs, written once: keep the heap, pick threads and device.

Training, evaluation and the ``feature_nets`` fits call :func:`torch_runtime` (or
:func:`apply_runtime` under :func:`restores_threads`) instead of setting torch's threads
themselves. None of these settings changes results: the heap setting only decides where
memory comes from, and the thread count is fixed by the config, never by the machine's load.
torch is imported on first use, so ``agents.train`` can import this module and stay light.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from tradegym.errors import ConfigError

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""``mallopt`` parameter numbers from glibc's ``malloc.h``."""
HEAP_KEEP_BYTES = 1 << 30
"""Blocks below 1 GiB come from the heap and freed memory stays there (up to 1 GiB of slack)."""
AUTO_THREADS = 1
"""What ``torch_threads: 0`` (auto) means on CPU: one thread. Measured on 2 cores, PPO+LSTM,
8,192 steps, heap kept: idle, 15.5 s with 2 threads vs 21.2 s with 1; beside one busy
process, 538 s with 2 (torch's threads spin-wait on a descheduled peer) vs 21.8 s with 1. A
policy that counted free cores would be faster when idle, but 1 and 2 threads give different
parameters from the same seed, so results would depend on the machine's load."""

_heap_kept: bool | None = None
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


def choose_threads(requested: int | str | None, section: str = "") -> int:
    """Torch CPU threads for a requested count: ``> 0`` is used as given; 0, None or "auto" is 1.

    ``section`` prefixes the key in messages (``"train."``).

    Raises:
        ConfigError: a negative count or another string.
    """
    if requested is None or requested == "auto":
        return AUTO_THREADS
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 0:
        raise ConfigError(f"{section}torch_threads must be an integer >= 0 (0: auto, {AUTO_THREADS} thread) "
                          f"or 'auto', got {requested!r}")
    return requested or AUTO_THREADS


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
        threads: torch CPU threads; 0, None or ``"auto"`` is :data:`AUTO_THREADS`.
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
