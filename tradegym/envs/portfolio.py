"""``PortfolioEnv``: long-only or long/short portfolios of ``N`` assets and cash (``tradegym/Portfolio-v0``).

Size: one env, one file — its class docstring is the env's manual (observation, action,
step timing, costs, rewards, the dynamic universe), and the step is already split between
this class and the compiled kernel (``kernel.py``), which the vector env shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from tradegym.data.market import MarketData
from tradegym.envs import kernel
from tradegym.envs.actions import ActionMap, numeric_row
from tradegym.envs.costs import TERMS, MarketCosts, resolve_costs
from tradegym.envs.longshort import resolve_book
from tradegym.envs.rates import DEFAULT_BORROW
from tradegym.envs.rewards import RewardContext, log_return, make_reward
from tradegym.envs.timeframes import build_timeframes
from tradegym.errors import ConfigError, DataError
from tradegym.features import CLIP, FeatureScaler, compute_features
from tradegym.registry import Registry

COSTS: Registry[Any] = Registry("cost model")
COSTS.add("proportional", kernel.proportional_cost)
for _name, _term in TERMS.items():  # spread, min_commission, impact, participation
    COSTS.add(_name, _term)


def resolve_data(data: MarketData | str, data_kwargs: Mapping[str, Any] | None = None) -> MarketData:
    """Return ``data`` itself, or load it by source name through :func:`tradegym.data.load`."""
    if isinstance(data, MarketData):
        return data
    from tradegym.data import load

    return load(data, **dict(data_kwargs or {}))


class PortfolioEnv(gym.Env):
    """Allocate a portfolio across ``N`` assets and cash, one bar at a time.

    ## Description
    At each bar ``t`` the agent sees a window of causal features up to the close of ``t``
    and its current weights, and chooses target weights. The trade fills according to
    ``execution``, pays proportional costs on turnover, and the weights then drift with
    prices until the next decision. ``A = N + 1`` slots, cash first.

    ## Observation Space
    ``Dict``:

    ===========  ==============  ================  ============================================
    key          shape           range             unit
    ===========  ==============  ================  ============================================
    ``window``   ``(W, N, K)``   ``[-10, 10]``     causal features of rows ``t-W+1..t``,
                                                   z-scored against their own past (float32)
    ``weights``  ``(A,)``        ``[0, 1]``        current weights, cash first, sum 1 (long/short:
                                                   signed; cash ``1 - sum``, negative if borrowed)
    ``mask``     ``(N,)``        ``{0, 1}``        only on a dynamic universe (``data.dynamic``):
                                                   1 where the asset is tradable at ``t``
    ``window_``  ``(W_tf, N,     as ``window``     only with ``timeframes``: one key per coarse
    ``1W`` ...   K)``                              timeframe, its last bar the partial period
                                                   up to ``t`` (:mod:`tradegym.envs.timeframes`)
    ===========  ==============  ================  ============================================

    ## Dynamic universe
    Where ``data.tradable`` is False (before a listing, after a delisting or the end of a
    symbol's file) the asset's window features are 0 and its target weight is 0 whatever
    the action (the rest renormalised; cash takes all if nothing is left). Whether an asset
    is tradable at ``t+1`` is not visible at ``t``: a position open at its last bar is sold
    at the first decision bar where it is not tradable, at its last close (its prices are
    held there), with costs. See :mod:`tradegym.envs.kernel`.

    ## Action Space
    ``Box(-1, 1, (A,))`` scores, cash first, mapped to long-only weights on the simplex by
    :func:`~tradegym.envs.kernel.scores_to_weights`: ``"softmax"`` (default; temperature 0.2,
    weights under ``dust_weight`` dropped, so one score at +1 and the rest at -1 is a fully
    concentrated portfolio) or ``"simplex"`` (projection; every simplex point reachable).
    ``"long_short"``: risky weights in ``[-1, 1]`` with ``sum |w_i| <= max_gross`` and the net
    ``sum w_i`` inside ``net_exposure`` (default ``[-max_gross, max_gross]``), cash the rest; the
    cash score sets the exposure (``-1`` flat, ``+1`` full) and every allowed point is reached
    (:mod:`tradegym.envs.longshort`). Finite scores outside ``[-1, 1]`` are clipped; NaN/inf or
    a wrong shape is an error. :meth:`weights_to_action` gives the action for given weights.

    ## Long/short: carry and margin
    Per step on the weights held after the fill, credited to cash at the close: idle cash earns
    ``cash_rate`` (annual; a number, a date-indexed series or one value per bar), borrowed cash
    pays ``financing_rate`` (default ``cash_rate`` + 1 %), shorts pay ``borrow_rate`` (default
    0.5 %; or ``{symbol: rate}`` for hard-to-borrow names) on their notional; ``info["carry"]``
    is the sum in currency. Margin: gross exposure above ``1 / margin_maintenance`` (default
    0.25, Reg T) at a close is a margin call: ``margin_call="deleverage"`` scales the book back
    to ``max_gross`` at that close, paying ``cost_rate``; ``"end"`` terminates. Formulas:
    :mod:`tradegym.envs.longshort`.

    ## Execution and Costs
    ``execution="next_open"`` (default when the data has opens): decided at the close of
    ``t``, filled at the open of ``t+1``; the old weights carry the overnight move.
    ``"next_close"`` (default for close-only data): filled at the close of ``t+1``; the old
    weights carry the whole bar. ``"close"``: filled at the close just observed — the
    optimistic convention of most papers, kept for comparison. Costs: ``cost_rate`` (a
    fraction; 0.001 = 10 bps) times the risky turnover ``sum_{i>=1} |target_i - drifted_i|``,
    or a ``cost_model``: a name or ``module:attr`` resolving to a factory
    ``f(cost_rate) -> float | CostFn`` (a float is a proportional rate; a ``CostFn`` maps
    ``(trade (1, A), turnover (1,))`` to a cost fraction). Formulas: :mod:`tradegym.envs.kernel`.
    ``costs=[...]`` composes registered terms that add up, e.g. ``[{"name": "proportional",
    "cost_rate": 0.001}, {"name": "spread", "bps": 5}]``: ``spread``, ``min_commission`` (in
    currency: set a realistic ``initial_value``), ``impact`` (square root of the traded share
    of trailing volume) and ``participation`` (fills capped at a share of trailing volume, the
    rest cancelled); ``cost_model="spread"`` (or another of them) is ``cost_rate`` plus that
    term. Formulas and conventions: :mod:`tradegym.envs.costs`.

    ## Rewards
    ``"log_return"`` (default) of value net of costs, ``"simple_return"``,
    ``"differential_sharpe"``, ``"drawdown_penalized"``, or a callable
    ``f(RewardContext) -> float``; see :mod:`tradegym.envs.rewards`. ``reward_scale``
    multiplies it (100 gives log returns in percent, a scale value networks learn more
    easily); ``info`` always reports unscaled values.

    ## Starting State
    All cash, value ``initial_value``. The first decision bar is ``start``: ``"random"``
    (uniform over bars with a full warmed-up window, seeded by ``reset(seed=...)``),
    ``"first"``, or a row index; ``reset(options={"start": ...})`` overrides it.

    ## Episode End
    Terminated when value falls below ``ruin_fraction * initial_value`` (ruin), or on a margin
    call with ``margin_call="end"``. Truncated
    at the last bar of the data or after ``max_steps`` steps.

    ## Info
    ``value`` (after costs), ``weights`` (A,) after drift, ``target`` (A,), ``turnover``,
    ``cost`` (currency), ``log_return``, ``date`` (of bar t+1), ``index``, ``execution``; with a
    participation cap also ``filled`` (A,), the weights the capped trade reached, and
    ``wanted_turnover`` (``turnover`` is what was filled); with carry or a long/short book,
    ``carry`` (currency, negative when paid) and ``margin_call`` (bool).

    ## Arguments
    ``data`` (MarketData or source name), ``window_bars`` (W), ``features`` (names or
    ``"auto"``), ``normalize`` (``"rolling"``, ``"expanding"``, ``"none"``, or a
    FeatureScaler), ``cost_rate``, ``cost_model``, ``costs``, ``execution``, ``reward``,
    ``reward_kwargs``, ``reward_scale``, ``action_mapping``, ``temperature``, ``dust_weight``, ``start``,
    ``max_steps``, ``initial_value`` (currency), ``ruin_fraction``, ``render_mode``,
    ``timeframes`` (e.g. ``("1D", "1W", "1M")``; default: the data's bars only), ``timeframe_bars``
    (``W_tf``: an int or ``{timeframe: int}``; default ``window_bars``), and for long/short books
    ``max_gross``, ``net_exposure``, ``cash_rate``, ``financing_rate``, ``borrow_rate``,
    ``margin_maintenance``, ``margin_call`` (``cash_rate`` applies to long-only books too).

    ## Example
    >>> from tradegym.data import load
    >>> env = PortfolioEnv(load("planted", n_assets=3, n_bars=300, seed=0), window_bars=10)
    >>> obs, info = env.reset(seed=0)
    >>> obs["window"].shape, obs["weights"].tolist(), env.execution
    ((10, 3, 7), [1.0, 0.0, 0.0, 0.0], 'next_open')
    >>> obs, reward, terminated, truncated, info = env.step(env.weights_to_action([0, 1, 0, 0]))
    >>> round(info["turnover"], 6), bool(info["cost"] > 0), bool(info["weights"][1] > 0.99)
    (1.0, True, True)
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 4}

    def __init__(
        self,
        data: MarketData | str = "sp500_stocks",
        *,
        data_kwargs: Mapping[str, Any] | None = None,
        window_bars: int = 30,
        features: tuple[str, ...] | list[str] | str = "auto",
        normalize: str | FeatureScaler = "rolling",
        cost_rate: float = 0.001,
        cost_model: Any = "proportional",
        costs: Sequence[str | Mapping[str, Any]] | None = None,
        execution: str | None = None,
        reward: Any = "log_return",
        reward_kwargs: Mapping[str, Any] | None = None,
        reward_scale: float = 1.0,
        action_mapping: str = "softmax",
        temperature: float = 0.2,
        dust_weight: float = 1e-4,
        start: str | int = "random",
        max_steps: int | None = None,
        initial_value: float = 1.0,
        ruin_fraction: float = 0.05,
        render_mode: str | None = None,
        timeframes: Sequence[str] | None = None,
        timeframe_bars: int | Mapping[str, int] | None = None,
        max_gross: float = 1.0,
        net_exposure: Sequence[float] | None = None,
        cash_rate: Any = 0.0,
        financing_rate: Any = None,
        borrow_rate: Any = DEFAULT_BORROW,
        margin_maintenance: float = 0.25,
        margin_call: str = "deleverage",
    ) -> None:
        self.data = resolve_data(data, data_kwargs)
        if window_bars < 1:
            raise ConfigError(f"window_bars must be >= 1, got {window_bars}")
        if max_steps is not None and max_steps < 1:
            raise ConfigError(f"max_steps must be >= 1 or None, got {max_steps}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode {render_mode!r} not in {self.metadata['render_modes']}")
        self.window_bars = int(window_bars)
        self.execution = execution or ("next_open" if self.data.has("open") else "next_close")
        self.r_pre, self.r_post = kernel.execution_ratios(self.data, self.execution)  # (T-1, A)
        self.cost_fn, self.cost_rate = resolve_costs(self.data, COSTS, cost_model, cost_rate, costs)
        self.book = resolve_book(  # None: long-only without carry, the plain step
            self.data, action_mapping=action_mapping, max_gross=max_gross, net_exposure=net_exposure,
            cash_rate=cash_rate, financing_rate=financing_rate, borrow_rate=borrow_rate,
            margin_maintenance=margin_maintenance, margin_call=margin_call, cost_rate=self.cost_rate)
        self.actions = ActionMap(action_mapping, temperature, dust_weight, self.book)
        self.long_short = self.actions.long_short
        if self.long_short and isinstance(self.cost_fn, MarketCosts):  # a capped fill may borrow
            self.cost_fn = self.cost_fn._replace(cash_floor=-math.inf)
        self.per_bar = isinstance(self.cost_fn, MarketCosts) or self.book is not None  # reads bar t
        self.capped = isinstance(self.cost_fn, MarketCosts) and self.cost_fn.capped
        self._rows = np.zeros(1, dtype=np.int64)  # (1,) the decision bar, for per-bar costs
        self.reward_fn = make_reward(reward, **dict(reward_kwargs or {}))
        self.reward_scale = float(reward_scale)
        self.action_mapping, self.temperature, self.dust_weight = action_mapping, temperature, dust_weight
        self.feature_set = compute_features(self.data, features, normalize=normalize)
        self._features = self.feature_set.values  # (T, N, K), read-only
        self.dynamic = bool(self.data.dynamic)
        if self.dynamic:  # features of bars outside a symbol's life are 0
            masked = self._features * self.data.tradable[:, :, None]  # (T, N, K) float32
            masked.flags.writeable = False
            self._features = masked
            self._mask = self.data.tradable.astype(np.float32)  # (T, N)
        self.timeframes = build_timeframes(  # () unless coarse timeframes are asked for
            self.data, timeframes, self.feature_set.names, normalize, timeframe_bars or self.window_bars)
        self.first_index = self.feature_set.warmup_bars + self.window_bars - 1
        self.data.require_rows(
            self.first_index + 2,
            f"a window of {self.window_bars} bars after {self.feature_set.warmup_bars} warm-up bars "
            "plus one step",
        )
        self.start, self.max_steps = start, max_steps
        self._check_start(start)
        self.initial_value, self.ruin_fraction = float(initial_value), float(ruin_fraction)
        self.render_mode = render_mode
        self._dates = list(self.data.dates)

        n, k, a = self.data.n_assets, len(self.feature_set.names), self.data.n_assets + 1
        self.n_slots = a
        bound = np.inf if self.feature_set.normalize == "none" else CLIP
        obs_spaces: dict[str, spaces.Space[Any]] = {
            "window": spaces.Box(-bound, bound, (self.window_bars, n, k), np.float32),
            "weights": self.actions.weights_space(a),
        }
        if self.dynamic:  # only then: static markets keep the observation space of older runs
            obs_spaces["mask"] = spaces.Box(0.0, 1.0, (n,), np.float32)
        for tf in self.timeframes:
            obs_spaces[tf.key] = spaces.Box(-bound, bound, (tf.window_bars, n, k), np.float32)
        self.observation_space: spaces.Dict = spaces.Dict(obs_spaces)
        self.action_space = spaces.Box(-1.0, 1.0, (a,), np.float32)
        self._action_shape = (a,)
        self.current_index = self.first_index
        self._buffers = kernel.StepBuffers(1, a)
        self._last_index = self.data.n_bars - 1
        self.value = self.initial_value
        self._value = np.array([self.initial_value])  # (1,)
        self._weights = self._cash()  # (1, A)
        self.steps = 0
        self.history: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start an episode all in cash at the chosen start bar; returns ``(obs, info)``."""
        super().reset(seed=seed)
        start = (options or {}).get("start", self.start)
        self._check_start(start)
        self.current_index = self.start_index(start, self.np_random)
        self.value = self.initial_value
        self._value[0] = self.initial_value
        self._weights = self._cash()
        self.steps = 0
        if hasattr(self.reward_fn, "reset"):
            self.reward_fn.reset(())
        info = {
            "value": self.value, "weights": self.weights.copy(), "date": self._dates[self.current_index],
            "index": self.current_index, "execution": self.execution,
        }
        self.history = [dict(info, turnover=0.0, cost=0.0)]
        return self._obs(), info

    def step(
        self, action: np.ndarray
    ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        """Trade to the weights ``action`` maps to and advance one bar; see the class docstring."""
        return self._advance(self._map_action(action))

    def step_weights(
        self, target: Any
    ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        """Advance one bar trading to ``target`` weights ``(A,)`` directly (no action mapping).

        ``None`` holds: it trades to :meth:`hold_weights`, so turnover and cost are exactly 0.

        Raises:
            ValueError: target not ``(A,)``, not finite, negative or not summing to 1,
                naming the step and date.
        """
        if target is None:
            return self._advance(self.hold_weights()[None])
        weights = numeric_row(target, "target weights", self.n_slots, self._where)
        problem = self.actions.check_target(weights)
        if problem is not None:
            raise ValueError(f"target weights {weights.tolist()} {self._where()} {problem}")
        return self._advance(weights[None])

    def hold_weights(self) -> np.ndarray:
        """Weights ``(A,)`` the holdings drift to by the next fill: trading to them trades nothing.

        It reads the price ratio up to the fill, which is right for "do not trade" and for
        nothing else.
        """
        t = self.current_index
        return kernel.drifted_weights(self._weights, self.r_pre[t : t + 1])[0]

    @property
    def weights(self) -> np.ndarray:
        """Current weights ``(A,)`` at the close of the current bar, cash first (a copy)."""
        return self._weights[0].copy()

    def _advance(
        self, target: np.ndarray
    ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        """One step to ``target`` ``(1, A)``; the kernel writes into the env's buffers."""
        t = self.current_index
        if t >= self._last_index:
            raise DataError(f"episode is over at the last bar {self._dates[t].date()}; call reset()")
        prev_value = self.value
        buf = self._buffers
        if self.dynamic:
            target = kernel.mask_targets(target, self.data.tradable[t : t + 1], buf.target, self.long_short)
        if self.per_bar:
            self._rows[0] = t
        res = kernel.portfolio_step(
            self._value, self._weights, target, self.r_pre[t : t + 1], self.r_post[t : t + 1],
            self.cost_fn, buf, self._rows, self.book,
        )
        # Swap state and output arrays instead of copying (the kernel never aliases them).
        self._value, buf.value = buf.value, self._value
        self._weights, buf.weights = buf.weights, self._weights
        self.value = value = float(res.value[0])
        self.current_index = t + 1
        self.steps += 1
        log_ret = math.log(value / prev_value) if value > 0 else -math.inf
        turnover, cost = float(res.turnover[0]), float(res.cost[0])
        if self.reward_fn is log_return:  # the default: skip building a context per step
            reward = log_ret * self.reward_scale
        else:
            reward = self.reward_scale * float(
                self.reward_fn(RewardContext(prev_value, value, log_ret, turnover, cost)))
        margin_call = self.book is not None and bool(buf.margin_call[0])
        terminated = value < self.ruin_fraction * self.initial_value or (
            margin_call and not self.book.deleverage)  # type: ignore[union-attr]
        truncated = self.current_index >= self._last_index or (
            self.max_steps is not None and self.steps >= self.max_steps
        )
        info = {
            "value": value, "weights": self._weights[0].copy(), "target": target[0].copy(),
            "turnover": turnover, "cost": cost, "log_return": log_ret,
            "date": self._dates[self.current_index], "index": self.current_index,
            "execution": self.execution,
        }
        if self.capped:  # the participation cap: what was filled against what was wanted
            info["filled"], info["wanted_turnover"] = buf.filled[0].copy(), float(buf.wanted[0])
        if self.book is not None:  # interest and borrow fees; the margin rule
            info["carry"], info["margin_call"] = float(buf.carry[0]), margin_call
        if self.render_mode is not None:
            self.history.append(info)
        return self._obs(), reward, bool(terminated), bool(truncated), info

    # ------------------------------------------------------------------ actions
    def _map_action(self, action: Any) -> np.ndarray:
        """Validate an action ``(A,)``; return target weights ``(1, A)`` in the env's buffer."""
        if type(action) is np.ndarray and action.dtype.kind == "f" and action.shape == self._action_shape:
            arr = action  # SB3's float32 row as it is: the compiled mappings read it without a copy
        else:
            arr = numeric_row(action, "action", self.n_slots, self._where)
        out = self._buffers.target  # (1, A)
        if self.actions.into(arr[None], out):
            return out
        bad = np.flatnonzero(~np.isfinite(arr))
        raise ValueError(
            f"action has non-finite scores {arr[bad].tolist()} at slots {bad.tolist()} "
            f"{self._where()}; a policy produced NaN or inf"
        )

    def action_to_weights(self, action: Any) -> np.ndarray:
        """Validate an action ``(A,)`` and map it to target weights ``(A,)``.

        Raises:
            ValueError: wrong shape, or NaN/inf, naming the step and date.
        """
        return self._map_action(action)[0].copy()

    def weights_to_action(self, weights: Any) -> np.ndarray:
        """The action ``(A,)`` float32 that maps exactly to ``weights`` (cash first).

        Raises:
            ValueError: weights the mapping cannot reach (see :meth:`ActionMap.inverse`).
        """
        return self.actions.inverse(weights, self.n_slots)

    # ------------------------------------------------------------------ helpers
    def _obs(self) -> dict[str, np.ndarray]:
        t = self.current_index
        # A copy: users keep what they are given (Gymnasium's checker asserts it).
        window = self._features[t - self.window_bars + 1 : t + 1].copy()  # (W, N, K)
        obs = {"window": window, "weights": self._weights[0].astype(np.float32)}
        if self.dynamic:
            obs["mask"] = self._mask[t].copy()  # (N,)
        for tf in self.timeframes:
            obs[tf.key] = tf.window(t)  # (W_tf, N, K), a new array
        return obs

    def _cash(self) -> np.ndarray:
        w = np.zeros((1, self.data.n_assets + 1))  # (1, A): the kernel's batch of one
        w[0, 0] = 1.0
        return w

    def _where(self) -> str:
        return f"at step {self.steps} ({self._dates[self.current_index].date()})"

    def start_index(self, start: str | int, rng: np.random.Generator) -> int:
        """The first decision bar for ``start`` (already checked); ``"random"`` draws one from ``rng``.

        Random starts leave room for ``max_steps`` steps before the last bar where the data allows.
        """
        if start == "random":
            last = self.data.n_bars - 2 - (self.max_steps - 1 if self.max_steps else 0)
            return int(rng.integers(self.first_index, max(last, self.first_index) + 1))
        if start == "first":
            return self.first_index
        return int(start)

    def _check_start(self, start: Any) -> None:
        if start in ("random", "first"):
            return
        if isinstance(start, (int, np.integer)) and self.first_index <= start <= self.data.n_bars - 2:
            return
        raise ConfigError(
            f"start must be 'random', 'first' or a row index in [{self.first_index}, "
            f"{self.data.n_bars - 2}] (a full window and one step), got {start!r}"
        )

    def render(self) -> np.ndarray | str | None:
        """``"rgb_array"``: an (H, W, 3) uint8 plot of value and weights; ``"ansi"``: a text line."""
        if self.render_mode == "ansi":
            w = " ".join(f"{x:.2f}" for x in self._weights[0])
            return f"{self._dates[self.current_index].date()} value={self.value:.4f} weights=[{w}]"
        if self.render_mode == "rgb_array":
            from tradegym.envs.render import episode_figure_array

            return episode_figure_array(self.history, ["cash", *self.data.symbols])
        return None
