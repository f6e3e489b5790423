"""A sweep and a walk-forward sent to a real standalone Ray head, as a cluster user would.

The head is its own process tree (``ray start --head`` in a new session, files in a temp
folder), started with token authentication (Ray >= 2.60 turns it on) and a token of its own,
and stopped by killing that session only: other Ray instances on the machine are untouched.
The drivers are ``python -m tradegym.cli`` subprocesses: ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER``
is read when Ray is imported, so it cannot be set in this already-running test process.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.agents.test_remote import free_port, walkforward_argv

pytest.importorskip("ray", reason="Ray is not installed (pip install 'tradegym[distributed]')")

ROOT = Path(__file__).resolve().parents[2]
DRIVER_TIMEOUT_S = 240


def _session_pids(sid: int) -> list[int]:
    """Processes of session ``sid`` (the head and every process it started), from /proc."""
    pids = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.getsid(int(entry)) == sid:
                    pids.append(int(entry))
    return pids


def _stop_session(sid: int) -> None:
    """SIGTERM the head's session, SIGKILL what is left after 3 s (Ray's daemons may ignore TERM)."""
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        pids = _session_pids(sid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(sid, sig)  # the process group of `ray start`, led by sid
        for pid in pids:  # and any process that left the group but not the session
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while _session_pids(sid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _session_pids(sid):
            return


@pytest.fixture(scope="module")
def head() -> Iterator[dict[str, str]]:
    """A standalone Ray head on 127.0.0.1 with 2 CPUs; yields the driver's env and ``ADDRESS``."""
    # A short folder: Ray's unix sockets live under it, and their paths must stay < 108 bytes.
    temp = tempfile.mkdtemp(prefix="tgray-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update({
        # Keep 127.0.0.1 as the node's address: Ray otherwise swaps in the machine's network
        # address, which some machines (this test's CI among them) refuse to connect to locally.
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
        "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": uuid.uuid4().hex,  # this head's own token
        "RAY_USAGE_STATS_ENABLED": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        # The workers import this checkout's packages, as the drivers do.
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    })
    port = free_port()
    ports = {f"--{name}": str(free_port()) for name in (
        "ray-client-server-port", "dashboard-port", "dashboard-agent-listen-port",
        "dashboard-agent-grpc-port", "runtime-env-agent-port", "metrics-export-port")}
    argv = [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--port", str(port),
            "--node-ip-address", "127.0.0.1", "--num-cpus", "2", "--include-dashboard", "false",
            "--disable-usage-stats", "--temp-dir", temp, *(x for kv in ports.items() for x in kv)]
    start = subprocess.Popen(argv, env=env, cwd=temp, start_new_session=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        log, _ = start.communicate(timeout=120)  # `ray start` returns once the head is up
        if start.returncode != 0:
            pytest.fail(f"ray start failed ({start.returncode}):\n{log[-3000:]}")
        yield {**env, "ADDRESS": f"127.0.0.1:{port}"}
    finally:
        with contextlib.suppress(ProcessLookupError):
            start.kill()
        _stop_session(start.pid)  # start_new_session: the session id is ray start's pid
        shutil.rmtree(temp, ignore_errors=True)
        assert not _session_pids(start.pid), "processes of the test's Ray head outlived it"


def tradegym(env: dict[str, str], *argv: str, timeout: float = DRIVER_TIMEOUT_S) -> subprocess.CompletedProcess:
    """``python -m tradegym.cli ARGV`` from the repository root, with ``env``."""
    return subprocess.run([sys.executable, "-m", "tradegym.cli", *argv], env=env, cwd=ROOT, timeout=timeout,
                          capture_output=True, text=True)


def test_a_tiny_sweep_runs_on_the_cluster(head, tmp_path) -> None:
    out = tmp_path / "sweep"
    done = tradegym(head, "sweep", "--config", "tiny", "--out", str(out), "--address", head["ADDRESS"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on Ray" in done.stdout and "with 2 CPUs" in done.stdout  # the head's CPUs, not this machine's
    table = pd.read_csv(out / "trials.csv")
    assert sorted(table["trial"]) == ["trial-0000-s0", "trial-0001-s0"] and "finished" in set(table["status"])
    finished = table[table["status"] == "finished"]
    assert all(math.isfinite(v) for v in finished["best_val_sharpe"])
    for trial in table["trial"]:
        assert (out / trial / "run.json").is_file() and (out / trial / "eval.csv").is_file()
    assert (out / "best_config.yaml").is_file()
    best = finished.loc[finished["best_val_sharpe"].idxmax(), "trial"]
    assert (out / best / "backtest-test" / "report.html").is_file()


def test_a_walk_forward_runs_on_the_cluster(head, tmp_path) -> None:
    done = tradegym(head, *walkforward_argv("--seeds", "2", "--out", str(tmp_path), "--address", head["ADDRESS"]))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "4 trainings as Ray" in done.stdout and "tasks on 2 CPUs" in done.stdout
    assert sum(line.startswith("[") and "] fold " in line for line in done.stdout.splitlines()) == 4
    for run in ("fold0-s0", "fold0-s1", "fold1-s0", "fold1-s1"):
        marker = json.loads((tmp_path / run / "run.json").read_text())
        assert marker["status"] == "finished" and marker["torch_threads"] == 1, marker
    rows = {row["policy"]: row for row in json.loads((tmp_path / "report" / "metrics.json").read_text())}
    # each seed's stitched test blocks; equal weight is the benchmark of the evidence
    assert list(rows) == ["ppo_lstm_s0", "ppo_lstm_s1", "cash", "equal_weight"]
    assert all(math.isfinite(rows[p][k]) for p in ("ppo_lstm_s0", "ppo_lstm_s1")
               for k in ("sharpe", "total_return", "max_drawdown"))
    assert "Per fold" in (tmp_path / "report" / "report.html").read_text()


def test_a_wrong_token_is_one_line_and_exit_2(head, tmp_path) -> None:
    env = {**head, "RAY_AUTH_TOKEN": uuid.uuid4().hex,
           "RAY_gcs_server_port_wait_time_s": "2"}  # Ray's connect retries: 2 instead of 20 (seconds)
    done = tradegym(env, "sweep", "--config", "tiny", "--out", str(tmp_path), "--address", head["ADDRESS"],
                    timeout=120)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: the Ray cluster at {head['ADDRESS']} refused this driver's authentication "
                      "token: set RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN (or a file "
                      "named by RAY_AUTH_TOKEN_PATH, default ~/.ray/auth_token; `ray get-auth-token` on the "
                      "head prints it)"]
    assert "Traceback" not in done.stderr
