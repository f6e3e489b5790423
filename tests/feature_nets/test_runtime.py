"""feature_nets.runtime: the heap setting, the thread policy, the device, and what is restored."""

from __future__ import annotations

import platform

import pytest
import torch

from feature_nets import runtime
from feature_nets.runtime import (
    apply_runtime,
    choose_threads,
    keep_heap,
    resolve_device,
    restores_threads,
    torch_runtime,
)
from tradegym.errors import ConfigError


@pytest.fixture
def fresh_heap(monkeypatch):
    """keep_heap() decides again in this test (it decides once per process otherwise)."""
    monkeypatch.setattr(runtime, "_heap_kept", None)


@pytest.mark.parametrize("requested, threads", [(3, 3), (1, 1), (0, 5), (None, 5), ("auto", 5)])
def test_a_positive_count_wins_and_zero_none_auto_mean_the_policy(requested, threads, monkeypatch) -> None:
    monkeypatch.setattr(runtime, "_auto_threads", None)
    monkeypatch.setattr(runtime, "free_cores", lambda: 5)
    assert choose_threads(requested) == threads


def test_auto_is_decided_once_per_process(monkeypatch) -> None:
    monkeypatch.setattr(runtime, "_auto_threads", None)
    answers = iter([2, 1])
    monkeypatch.setattr(runtime, "free_cores", lambda: next(answers))
    assert [choose_threads(0), choose_threads("auto")] == [2, 2]


@pytest.mark.parametrize("busy, usable, free", [(0.05, 2, 2), (1.0, 2, 1), (1.4, 2, 1), (1.6, 2, 1),
                                                (2.0, 2, 1), (3.0, 16, 13)])
def test_free_cores_are_the_usable_ones_less_the_busy_ones_and_at_least_one(busy, usable, free,
                                                                           monkeypatch) -> None:
    monkeypatch.setattr(runtime, "_busy_cores", lambda sample_s: busy)
    monkeypatch.setattr(runtime.os, "sched_getaffinity", lambda pid: set(range(usable)))
    assert runtime.free_cores() == free


def test_busy_cores_read_from_proc_stat_count_a_spinning_process(monkeypatch) -> None:
    if not platform.system() == "Linux":
        pytest.skip("/proc/stat is Linux's")
    import subprocess
    import sys

    idle = runtime._busy_cores(0.3)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = runtime._busy_cores(0.5)
    finally:
        spinner.kill()
    assert 0.0 <= idle <= (runtime.os.cpu_count() or 1) and busy >= 0.5


def test_spinning_is_limited_only_where_nobody_chose_and_torch_is_not_loaded(monkeypatch) -> None:
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert not runtime.limit_spinning()  # torch is loaded in this process already
    monkeypatch.setattr(runtime.sys, "modules", {k: v for k, v in runtime.sys.modules.items() if k != "torch"})
    assert runtime.limit_spinning() and runtime.os.environ["GOMP_SPINCOUNT"] == runtime.SPIN_COUNT
    monkeypatch.setenv("GOMP_SPINCOUNT", "7")
    assert not runtime.limit_spinning() and runtime.os.environ["GOMP_SPINCOUNT"] == "7"


@pytest.mark.parametrize("requested", [-1, "two", 1.5, True])
def test_a_bad_thread_count_is_a_config_error_naming_the_key(requested) -> None:
    with pytest.raises(ConfigError, match=r"^train\.torch_threads must be an integer >= 0 \(0: auto, the "
                                          r"cores free at the start\) or 'auto', got "):
        choose_threads(requested, "train.")


def test_auto_device_is_cuda_only_when_available(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match=r"^train\.device must be 'auto', 'cpu', 'cuda' or 'cuda:N', "
                                          r"got 'gpu0'$"):
        resolve_device("gpu0", "train.")


def test_torch_runtime_sets_threads_and_restores_them_on_exit_and_on_error() -> None:
    before = torch.get_num_threads()
    target = 2 if before == 1 else 1
    with torch_runtime(target, "cpu") as rt:
        assert torch.get_num_threads() == target and rt.threads == target and rt.device == "cpu"
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="inside"), torch_runtime(target, "cpu"):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == before


def test_restores_threads_undoes_what_the_function_applied() -> None:
    before = torch.get_num_threads()
    target = 2 if before == 1 else 1

    @restores_threads
    def work() -> int:
        return apply_runtime(target, "cpu").threads

    assert work() == target
    assert torch.get_num_threads() == before


def test_keep_heap_is_a_no_op_off_glibc(monkeypatch, fresh_heap) -> None:
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))  # musl reports no glibc
    assert keep_heap() is False
    monkeypatch.setattr(runtime, "_heap_kept", None)
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    assert keep_heap() is False
    assert "heap as the platform allocates" in apply_runtime(1, "cpu").describe()


def test_keep_heap_is_turned_off_by_its_environment_variable(monkeypatch, fresh_heap) -> None:
    monkeypatch.setattr(runtime, "_mallopt_keep", lambda size: pytest.fail("mallopt called"))
    monkeypatch.setenv("TRADEGYM_KEEP_HEAP", "0")
    assert keep_heap() is False


def test_keep_heap_is_a_no_op_when_libc_has_no_mallopt(monkeypatch, fresh_heap) -> None:
    class NoMallopt:
        def __init__(self, name) -> None:
            pass

    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "libc_ver", lambda: ("glibc", "2.36"))
    monkeypatch.setattr(runtime.ctypes, "CDLL", NoMallopt)
    assert keep_heap() is False


def test_keep_heap_decides_once_per_process(monkeypatch, fresh_heap) -> None:
    calls = []
    monkeypatch.setattr(runtime, "_mallopt_keep", lambda size: calls.append(size) or True)
    assert keep_heap() and keep_heap()
    assert calls == [runtime.HEAP_KEEP_BYTES]


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_keep_heap_applies_on_glibc(fresh_heap) -> None:
    assert keep_heap() is True
