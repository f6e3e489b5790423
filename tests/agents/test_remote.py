"""Joining a Ray cluster: every way it fails is one line naming the address and the fix."""

from __future__ import annotations

import socket

import pytest

from agents.remote import join_error, probe
from tests.agents.test_train import PPO_TINY, TINY
from tradegym.cli import main
from tradegym.errors import ConfigError


def free_port() -> int:
    """A TCP port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def walkforward_argv(*extra: str) -> list[str]:
    argv = ["walkforward", "--folds", "2", "--seeds", "1", "--baselines", "cash", *extra]
    for override in [*TINY, *PPO_TINY]:
        argv += ["--set", override]
    return argv


@pytest.mark.parametrize("command", ["sweep", "walkforward"])
def test_an_address_where_nothing_listens_is_one_line_and_exit_2(command, tmp_path, capsys) -> None:
    address = f"127.0.0.1:{free_port()}"
    argv = (["sweep", "--config", "tiny", "--out", str(tmp_path), "--address", address]
            if command == "sweep" else walkforward_argv("--out", str(tmp_path), "--address", address))
    assert main(argv) == 2  # a 5-second probe, not Ray's minutes of retries
    err = capsys.readouterr().err
    assert err.startswith(f"error: no Ray cluster answers at {address}") and err.count("\n") == 1
    assert "ray start --head" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*-s0"))  # no training started


def test_a_ray_client_address_is_probed_too() -> None:
    with pytest.raises(ConfigError, match=r"no Ray cluster answers at ray://127\.0\.0\.1:\d+ \("):
        probe(f"ray://127.0.0.1:{free_port()}")


@pytest.mark.parametrize("address", ["127.0.0.1", "ray://:10001", "host:port"])
def test_a_malformed_address_says_what_is_expected(address) -> None:
    with pytest.raises(ConfigError, match="is not HOST:PORT, ray://HOST:PORT or auto"):
        probe(address)


def _chain(*excs: BaseException) -> BaseException:
    """``excs[0]`` raised from ``excs[1]`` raised from ...: how Ray wraps a refused connection."""
    for outer, inner in zip(excs[:-1], excs[1:], strict=True):
        outer.__cause__ = inner
    return excs[0]


def test_a_refused_token_names_the_variables_a_driver_needs() -> None:
    exc = _chain(ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379"),
                 RuntimeError("Failed to connect to GCS. ray.exceptions.AuthenticationError: RPC error: "
                              "InvalidAuthToken: Authentication token is missing or incorrect"))
    line = join_error("10.0.0.1:6379", exc)
    assert line.startswith("the Ray cluster at 10.0.0.1:6379 refused this driver's authentication token: "
                           "set RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN")
    assert "\n" not in line


def test_token_mode_without_a_token_says_where_to_put_one() -> None:
    line = join_error("h:6379", RuntimeError(
        "Token authentication is enabled but no authentication token was found"))
    assert line.startswith("RAY_AUTH_MODE=token but no token was found for the Ray cluster at h:6379")
    assert "RAY_AUTH_TOKEN_PATH" in line


def test_auto_without_a_cluster_says_how_to_start_one() -> None:
    line = join_error("auto", ConnectionError("Could not find any running Ray instance. Please specify"))
    assert line == ("Ray found no running cluster for --address auto; start one with `ray start --head`, "
                    "pass its HOST:PORT, or leave out --address to run Ray here")


def test_another_failure_keeps_rays_first_line() -> None:
    line = join_error("h:6379", ConnectionError("Failed to connect to Ray cluster at h:6379.\nmore"))
    assert line.startswith("could not join the Ray cluster at h:6379: Failed to connect to Ray cluster at "
                           "h:6379; check that it runs and, as Ray >= 2.60 heads use token authentication, "
                           "set RAY_AUTH_MODE=token")
    assert "\n" not in line
