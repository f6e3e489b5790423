"""stable-baselines3's ``VecEnv`` over :class:`~tradegym.envs.vector.PortfolioVectorEnv`.

SB3's algorithms take it wherever they take a ``DummyVecEnv`` (PPO and DQN are tested); env ``i``
of ``PortfolioSB3VecEnv(PortfolioVectorEnv(B, ...))`` after ``seed(s)`` behaves exactly as
env ``i`` of ``make_vec_env(PortfolioEnv, n_envs=B, seed=s)`` (tests/envs/test_vector.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn

from tradegym.envs.vector import PortfolioVectorEnv
from tradegym.errors import ConfigError

STATE_ATTRS = ("value", "steps", "index")
"""Per-sub-environment state that :meth:`PortfolioSB3VecEnv.get_attr` reads from the batch."""
SHARED_METHODS = ("weights_to_action", "action_to_weights")
"""Template methods that depend on the shared configuration only, so ``env_method`` may call them."""


class PortfolioSB3VecEnv(VecEnv):
    """SB3's ``VecEnv`` protocol over a :class:`PortfolioVectorEnv` (same-step autoreset).

    As ``DummyVecEnv``: ``step_wait`` returns ``(obs, rewards float32 (B,), dones (B,), infos)``
    with one info dict per sub-environment; an ended one has its last observation in
    ``info["terminal_observation"]``, ``info["TimeLimit.truncated"]`` says whether it was cut
    short rather than ruined, and its reset info is in ``reset_infos``. Observations are
    the vector env's buffers (valid through the next step; see its docstring), which is
    all SB3's algorithms need. ``seed(s)`` seeds sub-environment ``i`` with ``s + i`` at
    the next reset.
    """

    def __init__(self, venv: PortfolioVectorEnv) -> None:
        self.venv = venv
        self._actions: Any = None
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)

    def reset(self) -> dict[str, np.ndarray]:
        """Reset every sub-environment with the pending seeds and options; return the observations.

        Raises:
            ConfigError: different reset options for different sub-environments.
        """
        options = self._options[0]
        if any(o != options for o in self._options):
            raise ConfigError("PortfolioSB3VecEnv resets all envs with one options dict; got different ones")
        obs, info = self.venv.reset(seed=self._seeds, options=options or None)
        self.reset_infos = self._rows({k: info[k] for k in info if not k.startswith("_")},
                                      range(self.num_envs))
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        """Remember the actions ``(B, A)`` (or ``(B,)`` indices) for :meth:`step_wait`."""
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        """Step all sub-environments at once; see the class docstring for the return value."""
        s = self.venv.step_batch(self._actions)
        dones = s.terminated | s.truncated
        infos = self._rows(s.info, range(self.num_envs))
        for info, term, trunc in zip(infos, s.terminated, s.truncated, strict=True):
            info["TimeLimit.truncated"] = bool(trunc and not term)
        for j, (i, reset_info) in enumerate(zip(s.done, self._rows(s.reset_info, range(s.done.size)),
                                                strict=True)):
            infos[i]["terminal_observation"] = {key: value[j] for key, value in s.final_obs.items()}
            self.reset_infos[i] = reset_info
        return s.obs, s.reward.astype(np.float32), dones, infos

    def close(self) -> None:
        """Release the vector env (nothing to stop: it runs in this process)."""
        self.venv.close()

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """Per-env state (``value``, ``steps``, ``index``, ``weights``), else the shared config's."""
        ids = self._get_indices(indices)
        if attr_name in STATE_ATTRS:
            state = getattr(self.venv, attr_name)
            return [state[i].item() for i in ids]
        if attr_name == "weights":
            return [self.venv.weights[i] for i in ids]
        return [getattr(self.venv.env, attr_name) for _ in ids]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Not supported: the sub-environments share one configuration.

        Raises:
            NotImplementedError: always; build a new ``PortfolioVectorEnv`` with the value instead.
        """
        raise NotImplementedError(
            f"cannot set {attr_name!r} on sub-environments of a PortfolioVectorEnv: they share one "
            "configuration; build a new vector env with the value you want"
        )

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        """Call a configuration-only method (``SHARED_METHODS``) once per selected sub-environment.

        Raises:
            NotImplementedError: any other method (it would read one env's state that the
                batch does not keep per env object).
        """
        if method_name not in SHARED_METHODS:
            raise NotImplementedError(
                f"env_method({method_name!r}) is not available on a PortfolioVectorEnv; "
                f"use one of {list(SHARED_METHODS)} or the vector env's batched state"
            )
        method = getattr(self.venv.env, method_name)
        return [method(*method_args, **method_kwargs) for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        """No sub-environment is wrapped (wrap the whole VecEnv, e.g. in ``VecMonitor``)."""
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> list[np.ndarray | None]:
        """No images: the vector env does not render."""
        return [None for _ in range(self.num_envs)]

    @staticmethod
    def _rows(info: dict[str, np.ndarray], rows: Iterable[int]) -> list[dict[str, Any]]:
        """Split a dict of arrays ``(D, ...)`` into ``D`` dicts of scalars and ``(A,)`` rows."""
        # 1-D columns become Python scalars at once (as PortfolioEnv reports them); 2-D ones
        # are fresh per step, so their rows can be handed out as views.
        columns = {key: value.tolist() if value.ndim == 1 else value for key, value in info.items()}
        return [{key: column[j] for key, column in columns.items()} for j in rows]
