"""The ``Policy`` protocol: anything the backtester, callbacks and evaluation can run.

A policy has SB3's ``predict`` signature (``stable_baselines3.common.type_aliases.
PolicyPredictor``), so an SB3 model, a baseline and a wrapped plain function run the same
way. :func:`as_policy` turns any of them into a :class:`Policy`.

>>> import numpy as np
>>> policy = as_policy(lambda obs: np.zeros(3))
>>> action, state = policy.predict({"weights": np.ones(3) / 3})
>>> action.tolist(), state
([0.0, 0.0, 0.0], None)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tradegym.errors import ConfigError
from tradegym.registry import Registry


@runtime_checkable
class Policy(Protocol):
    """Maps an observation to an action, SB3-style.

    ``predict(obs, state, episode_start, deterministic) -> (action, state)``: ``obs`` is
    one observation of the env (for :class:`~tradegym.envs.portfolio.PortfolioEnv` a dict
    ``{"window": (W, N, K), "weights": (A,)}``), ``action`` an array ``(A,)`` of scores,
    ``state`` a recurrent state (``None`` for feed-forward policies) and ``episode_start``
    a bool array ``(1,)`` that is ``True`` on an episode's first step.
    """

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """Return ``(action, state)`` for one observation."""
        ...


class FunctionPolicy:
    """A plain function ``obs -> action`` seen as a :class:`Policy` (stateless).

    Attributes:
        fn: the wrapped function.
        name: the function's ``__name__`` (``"function"`` for objects without one).
    """

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.name = getattr(fn, "__name__", "function")

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """Return ``(fn(observation) as an array, state unchanged)``."""
        return np.asarray(self.fn(observation)), state

    def __repr__(self) -> str:
        return f"FunctionPolicy({self.name})"


def as_policy(obj: Any) -> Policy:
    """Return ``obj`` as a :class:`Policy`.

    Args:
        obj: an object with a ``predict`` method (an SB3 model, a baseline, any
            :class:`Policy`), returned unchanged; or a callable ``obs -> action``, wrapped
            in a :class:`FunctionPolicy`.

    Raises:
        ConfigError: ``obj`` has no ``predict`` and is not callable.
    """
    if callable(getattr(obj, "predict", None)):
        return obj
    if callable(obj):
        return FunctionPolicy(obj)
    raise ConfigError(
        f"cannot use {type(obj).__name__} {obj!r} as a policy: pass an object with "
        "predict(obs, state, episode_start, deterministic) (an SB3 model, a baseline) "
        "or a function obs -> action"
    )


def policy_name(obj: Any) -> str:
    """A short display name: ``obj.name``, a function's ``__name__``, or the class name."""
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name:
        return name
    return str(getattr(obj, "__name__", type(obj).__name__))


LOADER_GROUP = "tradegym.run_loaders"
"""Entry-point group of run loaders: ``run kind = "module:function"``, the function taking a
run directory and returning ``(policy, defaults)`` (tradegym's own ``agent`` kind is declared
there by the agents layer)."""

LOADERS: Registry[Callable[[Any], tuple[Any, dict[str, Any]]]] = Registry("run loader", group=LOADER_GROUP)
"""Policy loader of each run kind (a run's ``run.json`` may name its own ``loader`` instead)."""


def load_run_policy(path: Any) -> tuple[Any, dict[str, Any]]:
    """Load the policy of a run directory, hashes verified, and the env it trained in.

    The loader is a ``"module:function"`` string from the run's ``run.json`` (``loader``)
    or the one :data:`LOADERS` holds for the run's kind (entry-point group
    :data:`LOADER_GROUP`), so this layer knows nothing of how a learning layer stores its
    models (the same plug-in mechanism as environments and data sources).

    Returns:
        ``(policy, defaults)`` with ``defaults`` holding ``env_id``, ``env_kwargs`` and ``name``.

    Raises:
        ConfigError: not a run directory, or a run kind with no loader.
        CacheError: a model file that does not match the run's manifest.
    """
    from tradegym.registry import import_object
    from tradegym.runs import MARKER, RunDir

    run = RunDir.open(path)
    info = run.read_json(MARKER)
    kind = info.get("kind", "")
    if info.get("loader"):
        return import_object(info["loader"])(run.path)
    if kind in LOADERS:
        return LOADERS.resolve(kind)(run.path)
    raise ConfigError(
        f"{run.path} is a {info.get('kind')!r} run, which holds no policy to backtest (no loader "
        f"for that kind in the entry-point group {LOADER_GROUP!r}; from a source checkout, "
        "'pip install -e .' registers tradegym's own)"
    )


__all__ = [
    "LOADERS", "LOADER_GROUP", "FunctionPolicy", "Policy", "as_policy", "load_run_policy", "policy_name",
]


def check_universe(model: Any, market: Any, run_path: Any) -> None:
    """Refuse a market whose universe the model cannot see: the ``mask`` key must match.

    A run trained where every asset is always tradable has no ``mask`` in its observation;
    one trained on listings and delistings has it. The other kind of market would reach the
    model with an observation it was not built for.

    Raises:
        ConfigError: the market is dynamic and the model has no mask input, or the reverse.
    """
    spaces = getattr(getattr(model, "observation_space", None), "spaces", None)
    if spaces is None:
        return
    has_mask, dynamic = "mask" in spaces, bool(getattr(market, "dynamic", False))
    name = getattr(market, "name", "this market")
    if dynamic and not has_mask:
        raise ConfigError(
            f"{run_path} was trained on a market where every asset is always tradable; "
            f"{name} has symbols that list late or end early (align=union), which its model "
            "cannot see: retrain on this data, or load it with ?align=intersection")
    if has_mask and not dynamic:
        raise ConfigError(
            f"{run_path} was trained on a market with listings and delistings (its observation has a "
            f"mask); {name} has none: load it with ?align=union so the mask is there")


def check_observation(policy: Any, env: Any, label: str) -> None:
    """Refuse an env whose observation a policy with a declared ``observation_space`` was not built for.

    The universe first (:func:`check_universe`: the ``mask`` key), then any other key a
    Dict space has or lacks (coarse timeframes ``window_1W``, a forecast or a compressed state):
    a model would otherwise fail deep inside with a ``KeyError``.

    Raises:
        ConfigError: naming the keys and what to change.
    """
    wanted = getattr(getattr(policy, "observation_space", None), "spaces", None)
    given = getattr(getattr(env, "observation_space", None), "spaces", None)
    if wanted is None or given is None:
        return
    check_universe(policy, getattr(getattr(env, "unwrapped", env), "data", None), label)
    if set(wanted) != set(given):
        raise ConfigError(
            f"{label} reads observation keys {sorted(wanted)} but this env gives {sorted(given)}; build "
            "the env with the settings the policy was trained with (its run's env.kwargs: timeframes, "
            "forecast or compressed-state wrappers)")
