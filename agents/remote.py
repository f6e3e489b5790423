"""Ray for the commands that fan trainings out: start or join it, and say in one line why not.

Sweeps (:mod:`agents.sweep`) and walk-forward (:mod:`agents.walkforward`) run each training
as a Ray task or trial. Both go through :func:`ray_session`:

* ``address=None`` starts Ray embedded in this process with this machine's cores (or
  ``num_cpus``) and shuts it down at the end;
* ``address="HOST:PORT"`` (a head's GCS port, 6379 by default), ``"auto"`` (the cluster this
  machine is part of) or ``"ray://HOST:10001"`` (Ray Client) joins a running cluster.

A cluster that cannot be joined is a :class:`~tradegym.errors.ConfigError` naming the address
and the fix, not Ray's traceback: nothing listening is found by a 5-second TCP probe before
Ray's own retries (minutes), and a refused token names the variables a driver needs. Ray 2.60
starts heads with token authentication: the driver needs ``RAY_AUTH_MODE=token`` and the
cluster's token (``RAY_AUTH_TOKEN``, or the file ``RAY_AUTH_TOKEN_PATH``, default
``~/.ray/auth_token``). Ray is an optional extra, imported only here and only when used.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from typing import Any

from tradegym.errors import ConfigError

INSTALL_HINT = ("Ray is not installed; sweeps and parallel walk-forward run on Ray: "
                "pip install 'tradegym[distributed]'")
PROBE_TIMEOUT_S = 5.0
"""How long the TCP probe of a cluster address waits before calling it unreachable."""
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HEAD_HINT = ("start a head there with `ray start --head --port {port}` (on a machine whose network address "
             "refuses local connections: `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 ray start --head "
             "--node-ip-address 127.0.0.1 --port {port}`, and the same variable here), or leave out "
             "--address to run Ray here")
TOKEN_HINT = ("set RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN (or a file named by "
              "RAY_AUTH_TOKEN_PATH, default ~/.ray/auth_token; `ray get-auth-token` on the head prints it)")


def require_ray() -> Any:
    """Import and return ``ray``.

    Raises:
        ConfigError: Ray is not installed (the message says how to install it).
    """
    try:
        import ray
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return ray


def cores() -> int:
    """CPUs this process may use (its affinity where the OS tells it, else the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextlib.contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None) -> Iterator[Any]:
    """Start (or join) Ray for the block and yield the ``ray`` module; shut down what we started.

    A Ray already running in this process is used as it is (and left running).

    Args:
        address: None starts Ray here; ``"HOST:PORT"``, ``"auto"`` or ``"ray://HOST:PORT"``
            joins a running cluster.
        num_cpus: CPUs of the Ray started here (default: :func:`cores`; ignored with ``address``).

    Raises:
        ConfigError: Ray is not installed, or the cluster at ``address`` cannot be joined
            (nothing listening, a refused token, a malformed address), with the fix.
    """
    ray = require_ray()
    started = False
    if not ray.is_initialized():
        # Tune trials keep the driver's working directory, so relative data paths in configs work.
        runtime_env = {"env_vars": {"RAY_CHDIR_TO_TRIAL_DIR": "0"}}
        if address:
            join(ray, address, runtime_env)
        else:
            ray.init(num_cpus=num_cpus or cores(), include_dashboard=False, log_to_driver=False,
                     runtime_env=runtime_env)
        started = True
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def join(ray: Any, address: str, runtime_env: dict[str, Any] | None = None) -> None:
    """``ray.init(address=...)``, with a one-line :class:`ConfigError` for every way it fails.

    Raises:
        ConfigError: see :func:`ray_session`.
    """
    if address != "auto":
        probe(address)
    try:
        ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as exc:
        raise ConfigError(join_error(address, exc)) from None


def probe(address: str) -> None:
    """Fail fast if nothing accepts a TCP connection where Ray would connect for ``address``.

    Ray itself retries an unreachable head for minutes. A loopback host is what Ray replaces
    by this machine's network address unless ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, so that
    address is probed and named.

    Raises:
        ConfigError: a malformed address, or nothing answering at it.
    """
    client = address.startswith("ray://")
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit():
        raise ConfigError(f"Ray address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    target = host if client else _ray_host(host)
    try:
        socket.create_connection((target, int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc)).lower()
        if target != host:
            raise ConfigError(
                f"no Ray cluster answers at {address}: Ray connects to {host} through this machine's "
                f"address {target} ({reason}); for a head started here with --node-ip-address 127.0.0.1, "
                f"set RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 for this command; else "
                f"{HEAD_HINT.format(port=port)}") from None
        raise ConfigError(f"no Ray cluster answers at {address} ({reason}); "
                          f"{HEAD_HINT.format(port=port)}") from None


def _ray_host(host: str) -> str:
    """The host Ray's driver will really connect to for a bootstrap ``host`` (see :func:`probe`)."""
    if host not in LOOPBACK:
        return host
    try:  # Ray's own rule; a private function, so any failure keeps the host as given
        from ray._private.services import resolve_ip_for_localhost

        return str(resolve_ip_for_localhost(host))
    except Exception:  # noqa: BLE001 - only a better guess is at stake
        return host


def join_error(address: str, exc: BaseException) -> str:
    """One line saying why joining the Ray cluster at ``address`` failed, and what to do.

    Ray wraps a refused token in a ``ConnectionError`` whose causes name it; the chain is read.
    """
    chain = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8:
        chain.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__ or cause.__context__
    text = "\n".join(chain)
    if "no authentication token was found" in text or "couldn't find an authentication token" in text:
        return f"RAY_AUTH_MODE=token but no token was found for the Ray cluster at {address}: {TOKEN_HINT}"
    if any(word in text for word in ("InvalidAuthToken", "Unauthenticated", "AuthenticationError")):
        return f"the Ray cluster at {address} refused this driver's authentication token: {TOKEN_HINT}"
    if "Could not find any running Ray instance" in text:
        return (f"Ray found no running cluster for --address {address}; start one with `ray start --head`, "
                "pass its HOST:PORT, or leave out --address to run Ray here")
    first = str(exc).strip().splitlines()[0].rstrip(".") if str(exc).strip() else type(exc).__name__
    return (f"could not join the Ray cluster at {address}: {first}; check that it runs and, as Ray "
            f">= 2.60 heads use token authentication, {TOKEN_HINT}")


def raise_task_error(exc: BaseException) -> None:
    """Re-raise a Ray task's own ``ValueError`` (a ConfigError...) without Ray's wrapping.

    ``ray.get`` raises a task's error wrapped with the remote traceback in its message; a
    user error (bad config, bad data) should print as its one line, like it does without Ray.
    """
    cause = getattr(exc, "cause", None)
    if isinstance(cause, ValueError):
        raise cause from None
    raise exc


__all__ = ["INSTALL_HINT", "cores", "join", "join_error", "probe", "raise_task_error", "ray_session",
           "require_ray"]
