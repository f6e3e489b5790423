"""feature_nets.runtime.CoreFollower: the auto thread count follows the cores other processes use."""

from __future__ import annotations

import platform
import subprocess
import sys
import time

import pytest
import torch

from feature_nets import runtime
from feature_nets.runtime import CoreFollower, Runtime, follow_cores, threads_beside


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("others, usable, threads", [(0.0, 2, 2), (0.2, 2, 2), (0.3, 2, 1), (0.9, 2, 1),
                                                     (5.0, 2, 1), (0.0, 16, 16), (2.1, 16, 14), (2.3, 16, 13)])
def test_threads_beside_gives_a_core_up_per_busy_core_past_the_tolerance(others, usable, threads) -> None:
    assert threads_beside(others, usable) == threads


class FakeLoad:
    """Readings ``(wall s, busy core-s, own CPU s)``: each step adds 1 s of wall time."""

    def __init__(self) -> None:
        self.wall, self.busy, self.own = 100.0, 0.0, 0.0

    def step(self, own_cores: float, other_cores: float) -> None:
        self.wall += 1.0
        self.own += own_cores
        self.busy += own_cores + other_cores

    def __call__(self) -> tuple[float, float, float]:
        return self.wall, self.busy, self.own


def test_the_count_drops_when_another_process_gets_busy_and_comes_back_after(monkeypatch) -> None:
    torch.set_num_threads(2)
    load = FakeLoad()
    follower = CoreFollower(usable=2, interval_s=0.0, read=load)
    load.step(own_cores=2.0, other_cores=0.05)  # our own two busy threads do not count
    assert not follower.poll() and torch.get_num_threads() == 2
    load.step(own_cores=1.4, other_cores=0.6)  # a busy process beside two spinning threads
    assert follower.poll() and torch.get_num_threads() == 1 == follower.threads
    load.step(own_cores=1.0, other_cores=1.0)
    assert not follower.poll() and torch.get_num_threads() == 1
    load.step(own_cores=1.0, other_cores=0.0)  # it stopped
    assert follower.poll() and torch.get_num_threads() == 2
    assert follower.changes == [(2.0, 1, 0.6), (4.0, 2, 0.0)]
    assert follower.summary() == {"start": 2, "end": 2, "changes": 2}


def test_poll_reads_the_load_only_once_per_interval() -> None:
    reads = []

    def read() -> tuple[float, float, float]:
        reads.append(1)
        return time.monotonic(), 0.0, 0.0

    follower = CoreFollower(usable=2, interval_s=3600.0, read=read)
    for _ in range(1000):
        follower.poll()
    assert len(reads) == 1  # the reading at construction only


def test_only_the_auto_count_on_the_cpu_follows() -> None:
    assert follow_cores(Runtime(2, "cpu", True, auto=False)) is None
    assert follow_cores(Runtime(2, "cuda", True, auto=True)) is None
    follower = follow_cores(Runtime(2, "cpu", True, auto=True))
    assert (follower is not None) == (platform.system() == "Linux")


def test_without_proc_stat_nothing_follows(monkeypatch) -> None:
    def missing() -> tuple[int, int]:
        raise OSError("no /proc/stat")

    monkeypatch.setattr(runtime, "_ticks", missing)
    assert follow_cores(Runtime(2, "cpu", True, auto=True)) is None


@pytest.mark.skipif(platform.system() != "Linux", reason="/proc/stat is Linux's")
def test_a_real_spinning_process_takes_a_thread_away() -> None:
    torch.set_num_threads(2)
    follower = CoreFollower(usable=2, interval_s=0.0)
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.6)
        follower.poll()
    finally:
        spinner.kill()
        spinner.wait()
    assert follower.threads == 1 == torch.get_num_threads()
    assert follower.changes[-1][2] > 0.5  # the spinner's core
