"""``PortfolioVectorEnv``: ``B`` portfolio environments stepped in one call (Gymnasium's vector API).

The step math is :mod:`tradegym.envs.kernel` on ``(B, A)`` arrays, the same functions
:class:`~tradegym.envs.portfolio.PortfolioEnv` calls with ``B = 1``; configuration,
features and price ratios come from one template ``PortfolioEnv`` built with the same
arguments, so a vector env and ``B`` separate envs cannot disagree on anything but speed.
The stable-baselines3 face of this class is :class:`agents.vec_env.PortfolioSB3VecEnv`.

Size: just over 400 lines, kept whole: one environment, one file, its class docstring the
manual (STYLE 1); the step math is already in kernel.py, and what is left (action checks,
autoreset, window gathering) is this env's own shell, which a split would scatter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from tradegym.data.market import MarketData
from tradegym.envs import kernel
from tradegym.envs.discrete import PortfolioDiscreteEnv
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.envs.rewards import RewardContext, log_return, make_reward, simple_return
from tradegym.errors import ConfigError, DataError

RESET_INFO_KEYS = ("value", "weights", "date", "index", "execution")
"""The ``info`` keys :meth:`PortfolioEnv.reset` returns (a step adds target, turnover, cost, log_return)."""


class BatchStep(NamedTuple):
    """One step of all ``B`` sub-environments, before Gymnasium's or SB3's info conventions.

    ``D`` is the number of sub-environments whose episode ended at this step.
    """

    obs: dict[str, np.ndarray]
    """``window (B, W, N, K)`` float32 and ``weights (B, A)`` float32, after autoreset."""
    reward: np.ndarray  # (B,) float64
    terminated: np.ndarray  # (B,) bool
    truncated: np.ndarray  # (B,) bool
    info: dict[str, np.ndarray]
    """The step's info, each key ``(B, ...)``, before any reset (what ``PortfolioEnv.step`` returns)."""
    done: np.ndarray  # (D,) indices of the sub-environments that ended and were reset
    final_obs: dict[str, np.ndarray]
    """Their last observations: ``window (D, W, N, K)``, ``weights (D, A)``."""
    reset_info: dict[str, np.ndarray]
    """Their reset info, each key ``(D, ...)``."""


class PortfolioVectorEnv(VectorEnv):
    """``B`` :class:`PortfolioEnv` (or :class:`PortfolioDiscreteEnv`) episodes stepped as one batch.

    ## Description
    Sub-environment ``i`` behaves exactly like a ``PortfolioEnv`` built with the same
    arguments and reset with seed ``seed + i`` (stable-baselines3's ``make_vec_env``
    convention): same starts, costs, drift, rewards, ends and ``info``. All share one market
    and one configuration; they differ in their state (bar, value, weights, steps, random
    generator). The observation windows of all sub-environments are gathered with one
    indexed ``np.take`` from the precomputed ``(T, N, K)`` features per step.

    ## Observation Space
    ``Dict(window=Box(B, W, N, K), weights=Box(B, A))`` (plus ``mask=Box(B, N)`` on a dynamic
    universe, with the single env's masking of targets): the single env's, batched. The
    arrays are written into a ring of two preallocated buffers: what one call returns stays
    valid through the next call and is overwritten by the one after (stable-baselines3
    holds the previous observation while it steps, never longer). ``copy=True`` returns
    fresh arrays instead.

    ## Action Space
    The single env's, batched: ``Box(-1, 1, (B, A))`` scores, or ``MultiDiscrete`` of
    ``B`` target indices with ``discrete=True``. A wrong shape or a non-finite score is a
    ``ValueError`` naming the sub-environment, its step and its date.

    ## Autoreset
    Same-step (``AutoresetMode.SAME_STEP``, stable-baselines3's convention): a
    sub-environment that terminates or truncates is reset within the step; the returned
    observation is the new episode's first, and the last one is ``infos["final_obs"][i]``
    with the step's info in ``infos["final_info"]`` (masks ``_final_obs``, ``_final_info``).
    The top-level info of a reset sub-environment is its reset info, as in Gymnasium's
    ``SyncVectorEnv``.

    ## Info
    Gymnasium's dict of arrays: every key of the single env's ``info`` as an array
    ``(B, ...)`` (``date`` and ``execution`` as object arrays), with a boolean mask
    ``_key`` of the sub-environments that report it.

    ## Arguments
    ``num_envs`` (B), ``data``, ``discrete`` (the ``Discrete(N + 3)`` action of
    ``PortfolioDiscreteEnv``), ``copy``, and every keyword of ``PortfolioEnv`` except
    ``render_mode``.

    ## Example
    >>> from tradegym.data import load
    >>> venv = PortfolioVectorEnv(4, load("gbm", n_assets=3, n_bars=300, seed=0), window_bars=10)
    >>> obs, info = venv.reset(seed=0)
    >>> obs["window"].shape, obs["weights"].shape, info["index"].tolist()
    ((4, 10, 3, 3), (4, 4), [261, 166, 258, 251])
    >>> obs, reward, terminated, truncated, info = venv.step(venv.action_space.sample())
    >>> reward.shape, info["value"].shape, info["date"][0] == venv.dates[info["index"][0]]
    ((4,), (4,), True)
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        num_envs: int,
        data: MarketData | str = "sp500_stocks",
        *,
        discrete: bool = False,
        copy: bool = False,
        **env_kwargs: Any,
    ) -> None:
        if int(num_envs) < 1:
            raise ConfigError(f"num_envs must be >= 1, got {num_envs}")
        if env_kwargs.get("render_mode") is not None:
            raise ConfigError("PortfolioVectorEnv does not render; render a single PortfolioEnv instead")
        # The template validates the arguments and precomputes features and price ratios once.
        self.env = env = (PortfolioDiscreteEnv if discrete else PortfolioEnv)(data, **env_kwargs)
        self.num_envs = b = int(num_envs)
        self.discrete, self.copy = discrete, copy
        self.single_observation_space = env.observation_space
        self.single_action_space = env.action_space
        self.observation_space = batch_space(env.observation_space, b)
        self.action_space = batch_space(env.action_space, b)
        self.dates = np.array(list(env.data.dates), dtype=object)  # (T,) Timestamps, as info["date"]
        # C-contiguous sources: np.take copies any other source whole before gathering.
        self._features = np.ascontiguousarray(env._features)  # (T, N, K) float32, masked if dynamic
        self._tradable = np.ascontiguousarray(env.data.tradable)  # (T, N) bool
        self._r_pre_all = np.ascontiguousarray(env.r_pre)  # (T-1, A)
        self._r_post_all = np.ascontiguousarray(env.r_post)  # (T-1, A)
        self._offsets = np.arange(1 - env.window_bars, 1)  # (W,): rows t-W+1..t
        self._rows = np.empty((b, env.window_bars), dtype=np.intp)  # (B, W) window rows
        self._ring = [self._empty_obs(b) for _ in range(2)]
        self._ring_pos = 0
        a = env.n_slots
        self._buffers = kernel.StepBuffers(b, a)
        self._r_pre, self._r_post = np.empty((b, a)), np.empty((b, a))  # (B, A) this step's ratios
        self.index = np.full(b, env.first_index, dtype=np.int64)  # (B,) current bar
        self.steps = np.zeros(b, dtype=np.int64)  # (B,)
        self.value = np.full(b, env.initial_value)  # (B,)
        self._weights = np.zeros((b, a))  # (B, A)
        self._weights[:, 0] = 1.0
        self._rngs: list[np.random.Generator | None] = [None] * b
        self._setup_reward(env_kwargs.get("reward", "log_return"), env_kwargs.get("reward_kwargs") or {})

    def _setup_reward(self, spec: Any, kwargs: dict[str, Any]) -> None:
        """Batch the registered rewards; run any other once per sub-environment, like separate envs."""
        self._reward_batch: Any = None
        self._reward_each: list[Any] = []
        fn = self.env.reward_fn
        if fn is log_return or fn is simple_return or hasattr(fn, "reset_where"):
            self._reward_batch = make_reward(spec, **kwargs)
        else:
            self._reward_each = [make_reward(spec, **kwargs) for _ in range(self.num_envs)]

    # ------------------------------------------------------------------ Gymnasium API
    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start every sub-environment's episode; ``seed`` int means ``seed + i`` for env ``i``.

        ``options={"start": ...}`` overrides the start of these episodes (not of autoresets),
        as ``PortfolioEnv.reset`` does. Returns ``(obs, infos)``.

        Raises:
            ConfigError: a seed list of the wrong length, or a bad start.
        """
        seeds = self._seed_list(seed)
        start = (options or {}).get("start", self.env.start)
        self.env._check_start(start)
        for i, s in enumerate(seeds):
            if s is not None or self._rngs[i] is None:
                self._rngs[i] = seeding.np_random(s)[0]
        everyone = np.arange(self.num_envs)
        self._restart(everyone, start)
        info = self._reset_info(everyone)
        return self._observe(), self._with_masks(info, np.ones(self.num_envs, dtype=bool))

    def step(
        self, actions: Any
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every sub-environment; ended ones are reset in the same step (class docstring)."""
        s = self.step_batch(actions)
        b = self.num_envs
        ended = np.zeros(b, dtype=bool)
        ended[s.done] = True
        infos = self._with_masks(dict(s.info), np.ones(b, dtype=bool))
        if s.done.size:
            infos["final_info"] = self._with_masks(s.info, ended)
            infos["_final_info"] = ended
            final_obs = np.full(b, None, dtype=object)
            for j, i in enumerate(s.done):
                final_obs[i] = {key: value[j] for key, value in s.final_obs.items()}
            infos["final_obs"], infos["_final_obs"] = final_obs, ended
            for key in s.info:
                if key in s.reset_info:
                    infos[key] = infos[key].copy()
                    infos[key][s.done] = s.reset_info[key]
                else:
                    infos[f"_{key}"] = ~ended
        return s.obs, s.reward, s.terminated, s.truncated, infos

    def close_extras(self, **kwargs: Any) -> None:
        """Nothing to release: no processes, no files."""

    # ------------------------------------------------------------------ the batched step
    def step_batch(self, actions: Any) -> BatchStep:
        """Advance all ``B`` sub-environments one bar and autoreset the ones that end.

        Args:
            actions: ``(B, A)`` scores, or ``(B,)`` target indices with ``discrete=True``.

        Raises:
            ValueError: wrong shape, a non-finite score or an index out of range, naming
                the sub-environment, its step and date.
            DataError: called before :meth:`reset`.
        """
        if self._rngs[0] is None:
            raise DataError("PortfolioVectorEnv.step before reset(): call reset(seed=...) first")
        env, t = self.env, self.index
        np.take(self._r_pre_all, t, axis=0, out=self._r_pre, mode="clip")  # (B, A)
        np.take(self._r_post_all, t, axis=0, out=self._r_post, mode="clip")  # (B, A)
        target = self._map_actions(actions)  # (B, A)
        if env.dynamic:  # the decision bar's tradable rows, as PortfolioEnv._advance
            kernel.mask_targets(target, np.take(self._tradable, t, axis=0), target,  # (B, N) mask
                                env.long_short)
        buf = self._buffers
        prev_value = self.value
        res = kernel.portfolio_step(prev_value, self._weights, target, self._r_pre, self._r_post,
                                    env.cost_fn, buf, t, env.book)
        # Swap state and output arrays instead of copying (the kernel never aliases them);
        # prev_value stays intact until the next step writes into it.
        self.value, buf.value = buf.value, self.value
        self._weights, buf.weights = buf.weights, self._weights
        self.index = t + 1
        self.steps += 1
        value = self.value
        ratio = value / prev_value
        log_ret = np.full(self.num_envs, -np.inf)
        np.log(ratio, out=log_ret, where=ratio > 0)  # log(0) is -inf, as in PortfolioEnv
        turnover, cost = res.turnover.copy(), res.cost.copy()
        reward = self._reward(prev_value, value, log_ret, turnover, cost)
        terminated = value < env.ruin_fraction * env.initial_value
        if env.book is not None and not env.book.deleverage:  # a margin call ends the episode
            terminated |= buf.margin_call
        truncated = self.index >= env.data.n_bars - 1
        if env.max_steps is not None:
            truncated |= self.steps >= env.max_steps
        info = {
            "value": value.copy(), "weights": self._weights.copy(), "target": target.copy(),
            "turnover": turnover, "cost": cost, "log_return": log_ret, "date": self.dates[self.index],
            "index": self.index.copy(), "execution": np.full(self.num_envs, env.execution, dtype=object),
        }
        if env.capped:  # as PortfolioEnv: the participation cap's filled weights and wanted turnover
            info["filled"], info["wanted_turnover"] = buf.filled.copy(), buf.wanted.copy()
        if env.book is not None:  # as PortfolioEnv: carry and the margin rule
            info["carry"], info["margin_call"] = buf.carry.copy(), buf.margin_call.copy()
        done = np.flatnonzero(terminated | truncated)
        final_obs: dict[str, np.ndarray] = {}
        reset_info: dict[str, np.ndarray] = {}
        if done.size:
            final_obs = self._gather(self.index[done], self._weights[done], self._empty_obs(done.size))
            self._restart(done, env.start)
            reset_info = self._reset_info(done)
        return BatchStep(self._observe(), reward, terminated, truncated, info, done, final_obs, reset_info)

    def _map_actions(self, actions: Any) -> np.ndarray:
        """Validate actions and map them to target weights ``(B, A)`` in the step buffer."""
        env, b, out = self.env, self.num_envs, self._buffers.target
        if isinstance(env, PortfolioDiscreteEnv):
            try:
                arr = np.asarray(actions)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"actions {actions!r} are not an array of integers: {exc}") from None
            if arr.shape not in ((b,), (b, 1)) or not np.issubdtype(arr.dtype, np.integer):
                raise ValueError(
                    f"actions have shape {arr.shape} and dtype {arr.dtype}, expected ({b},) integers "
                    f"in [0, {env.action_space.n}): one target index per env"
                )
            arr = arr.reshape(b)
            bad = np.flatnonzero((arr < 0) | (arr >= env.action_space.n))
            if bad.size:
                i = int(bad[0])
                raise ValueError(f"action {int(arr[i])} outside [0, {env.action_space.n}) {self._where(i)}"
                                 f"{self._more(bad)}")
            np.take(env.targets, arr, axis=0, out=out)  # (B, A)
            hold = arr == 0
            if hold.any():  # "hold" trades to the drifted weights: exactly no trade
                out[hold] = kernel.drifted_weights(self._weights[hold], self._r_pre[hold])
            return out
        try:
            arr = np.asarray(actions)
        except (TypeError, ValueError) as exc:  # ragged nested lists
            raise ValueError(f"actions {actions!r} are not an array of numbers: {exc}") from None
        if arr.dtype.kind not in "iuf":  # integers and floats only: no silent casts of text or complex
            raise ValueError(f"actions have dtype {arr.dtype}, expected real numbers: one row of "
                             f"scores per env, shape ({b}, {env.n_slots})")
        arr = arr.astype(np.float64, copy=False)
        if arr.shape != (b, env.n_slots):
            raise ValueError(
                f"actions have shape {arr.shape}, expected ({b}, {env.n_slots}) = (B, N+1): one row "
                "of scores per env, cash first"
            )
        if not env.actions.into(arr, out):
            bad_rows = np.flatnonzero(~np.isfinite(arr).all(axis=1))
            i = int(bad_rows[0])
            slots = np.flatnonzero(~np.isfinite(arr[i]))
            raise ValueError(
                f"action has non-finite scores {arr[i, slots].tolist()} at slots {slots.tolist()} "
                f"{self._where(i)}{self._more(bad_rows)}; a policy produced NaN or inf"
            )
        return out

    def _reward(self, prev_value: np.ndarray, value: np.ndarray, log_ret: np.ndarray,
                turnover: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Rewards ``(B,)``, scaled; the arithmetic of ``PortfolioEnv._advance`` elementwise."""
        scale = self.env.reward_scale
        if self._reward_batch is log_return:
            return log_ret * scale
        if self._reward_batch is not None:
            ctx = RewardContext(prev_value, value, log_ret, turnover, cost)
            return scale * np.asarray(self._reward_batch(ctx), dtype=np.float64)
        return np.array([
            scale * float(fn(RewardContext(float(prev_value[i]), float(value[i]), float(log_ret[i]),
                                           float(turnover[i]), float(cost[i]))))
            for i, fn in enumerate(self._reward_each)
        ])

    # ------------------------------------------------------------------ state and observations
    def _restart(self, envs: np.ndarray, start: str | int) -> None:
        """Start new episodes, all in cash, for the sub-environments ``envs`` ``(D,)``."""
        for i in envs:
            self.index[i] = self.env.start_index(start, self._rngs[i])
        self.value[envs] = self.env.initial_value
        self.steps[envs] = 0
        self._weights[envs] = 0.0
        self._weights[envs, 0] = 1.0
        if self._reward_batch is not None and hasattr(self._reward_batch, "reset"):
            if envs.size == self.num_envs:
                self._reward_batch.reset((self.num_envs,))
            else:
                mask = np.zeros(self.num_envs, dtype=bool)
                mask[envs] = True
                self._reward_batch.reset_where(mask)
        for i in envs if self._reward_each else ():
            if hasattr(self._reward_each[i], "reset"):
                self._reward_each[i].reset(())

    def _reset_info(self, envs: np.ndarray) -> dict[str, np.ndarray]:
        """What ``PortfolioEnv.reset`` reports, for the sub-environments ``envs`` ``(D,)``."""
        index = self.index[envs]
        return {"value": self.value[envs], "weights": self._weights[envs], "date": self.dates[index],
                "index": index, "execution": np.full(envs.size, self.env.execution, dtype=object)}

    def _observe(self) -> dict[str, np.ndarray]:
        """Observations of all sub-environments, in the next ring buffer (or fresh with ``copy``)."""
        if self.copy:
            out = self._empty_obs(self.num_envs)
        else:
            out = self._ring[self._ring_pos]
            self._ring_pos ^= 1
        return self._gather(self.index, self._weights, out)

    def _gather(self, index: np.ndarray, weights: np.ndarray,
                out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Fill ``out`` with windows ending at rows ``index (D,)`` and ``weights (D, A)``."""
        rows = self._rows if index.size == self.num_envs else np.empty((index.size, self._offsets.size),
                                                                      dtype=np.intp)
        np.add(index[:, None], self._offsets, out=rows)  # (D, W)
        # One take for all windows. mode="clip" (rows are always in range) lets numpy write
        # straight into `out`; the default mode="raise" buffers the whole result first.
        np.take(self._features, rows, axis=0, out=out["window"], mode="clip")  # (D, W, N, K)
        out["weights"][...] = weights  # (D, A) float64 -> float32
        if "mask" in out:
            np.take(self.env._mask, index, axis=0, out=out["mask"], mode="clip")  # (D, N)
        for tf in self.env.timeframes:  # coarse windows: precomputed rows, one take each
            np.take(tf.values, tf.rows[index], axis=0, out=out[tf.key], mode="clip")  # (D, W_tf, N, K)
        return out

    def _empty_obs(self, n: int) -> dict[str, np.ndarray]:
        space = self.env.observation_space
        return {key: np.empty((n, *(s.shape or ())), dtype=s.dtype) for key, s in space.spaces.items()}

    # ------------------------------------------------------------------ helpers
    def _seed_list(self, seed: int | Sequence[int | None] | None) -> list[int | None]:
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, (int, np.integer)):
            return [int(seed) + i for i in range(self.num_envs)]
        seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise ConfigError(f"got {len(seeds)} seeds for {self.num_envs} envs; pass one per env or an int")
        return seeds

    @staticmethod
    def _with_masks(info: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, Any]:
        """Gymnasium's vector info: each key with a boolean mask ``_key`` of who reports it."""
        out: dict[str, Any] = dict(info)
        for key in info:
            out[f"_{key}"] = mask
        return out

    def _where(self, i: int) -> str:
        return f"in env {i} at step {int(self.steps[i])} ({self.dates[self.index[i]].date()})"

    @staticmethod
    def _more(bad: np.ndarray) -> str:
        return f" (and {bad.size - 1} more envs)" if bad.size > 1 else ""

    @property
    def weights(self) -> np.ndarray:
        """Current weights ``(B, A)`` of every sub-environment, cash first (a copy)."""
        return self._weights.copy()

    def __repr__(self) -> str:
        return (f"PortfolioVectorEnv({self.num_envs} x {type(self.env).__name__} on "
                f"{self.env.data.name!r}, window {self.env.window_bars})")


def discrete_vector_env(num_envs: int, **kwargs: Any) -> PortfolioVectorEnv:
    """``PortfolioVectorEnv(num_envs, discrete=True, ...)``: ``PortfolioDiscrete-v0``'s vector entry point."""
    return PortfolioVectorEnv(num_envs, discrete=True, **kwargs)
