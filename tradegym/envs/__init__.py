"""Environments and their registration.

``import tradegym`` registers ``tradegym/Portfolio-v0`` and ``tradegym/PortfolioDiscrete-v0``
with Gymnasium by string entry point (nothing heavy is imported until ``gymnasium.make``),
each with a vector entry point, so ``gymnasium.make_vec(id, num_envs=B, ...)`` builds the
batched :class:`~tradegym.envs.vector.PortfolioVectorEnv`; plus every environment that an
installed package declares in the entry-point group
``tradegym.envs`` (name = environment id, value = ``"module:Class"``).
"""

from __future__ import annotations

import warnings
from importlib.metadata import entry_points
from typing import Any

import gymnasium as gym

ENV_IDS = {
    "tradegym/Portfolio-v0": "tradegym.envs.portfolio:PortfolioEnv",
    "tradegym/PortfolioDiscrete-v0": "tradegym.envs.discrete:PortfolioDiscreteEnv",
}
VECTOR_ENTRY_POINTS = {
    "tradegym/Portfolio-v0": "tradegym.envs.vector:PortfolioVectorEnv",
    "tradegym/PortfolioDiscrete-v0": "tradegym.envs.vector:discrete_vector_env",
}
PLUGIN_GROUP = "tradegym.envs"


def register_envs() -> list[str]:
    """Register the built-in and plug-in environments; return the ids registered."""
    ids = []
    for env_id, entry in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry, vector_entry_point=VECTOR_ENTRY_POINTS[env_id])
        ids.append(env_id)
    for ep in entry_points(group=PLUGIN_GROUP):
        if ep.name in gym.registry:
            continue
        if ":" not in ep.value:
            warnings.warn(f"ignoring plug-in env {ep.name!r}: {ep.value!r} is not 'module:Class'",
                          stacklevel=2)
            continue
        gym.register(id=ep.name, entry_point=ep.value)
        ids.append(ep.name)
    return ids


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gymnasium.make`` for a registered id, or construct a ``"module:Class"`` directly.

    Raises:
        ConfigError: unknown id (with a suggestion) or import failure.
    """
    from tradegym.errors import ConfigError
    from tradegym.registry import import_object, suggest

    register_envs()
    if env_id in gym.registry:
        return gym.make(env_id, disable_env_checker=True, **kwargs)
    if ":" in env_id:
        return import_object(env_id)(**kwargs)
    raise ConfigError(
        f"unknown environment {env_id!r}.{suggest(env_id, list(gym.registry))} "
        "Register it with gymnasium.register, the 'tradegym.envs' entry-point group, "
        "or pass 'module:Class'."
    )


def __getattr__(name: str) -> Any:
    # Lazy attribute access keeps `import tradegym` from importing the env modules.
    if name == "PortfolioEnv":
        from tradegym.envs.portfolio import PortfolioEnv

        return PortfolioEnv
    if name == "PortfolioDiscreteEnv":
        from tradegym.envs.discrete import PortfolioDiscreteEnv

        return PortfolioDiscreteEnv
    if name == "PortfolioVectorEnv":
        from tradegym.envs.vector import PortfolioVectorEnv

        return PortfolioVectorEnv
    raise AttributeError(name)


__all__ = ["ENV_IDS", "PLUGIN_GROUP", "VECTOR_ENTRY_POINTS", "PortfolioDiscreteEnv", "PortfolioEnv",
           "PortfolioVectorEnv", "make", "register_envs"]
