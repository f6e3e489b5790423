"""``PortfolioDiscreteEnv``: the portfolio env with a ``Discrete(M)`` action for DQN."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from tradegym.envs.longshort import long_short_targets
from tradegym.envs.portfolio import PortfolioEnv


class PortfolioDiscreteEnv(PortfolioEnv):
    """:class:`PortfolioEnv` whose action picks one of ``M`` target portfolios (``N + 3`` long-only).

    Everything but the action space is the parent's (observation, execution, costs,
    rewards, episode end, info); see :class:`PortfolioEnv`.

    ## Action Space
    ``Discrete(N + 3)``:

    =========  ==================================================================
    action     target portfolio
    =========  ==================================================================
    0          hold: keep the weights drifted to at the fill: no trade, no cost
    1          all cash
    2          equal weight over the ``N`` assets, no cash
    3 + i      all in asset ``i`` (``i = 0..N-1``)
    =========  ==================================================================

    With ``action_mapping="long_short"``, ``Discrete(2N + 4)``: ``hold``, ``flat``, ``long_all``,
    ``short_all``, then ``long:SYM`` and ``short:SYM`` for each asset, each inside the book's
    gross and net limits (:func:`~tradegym.envs.longshort.long_short_targets`).

    >>> from tradegym.data import load
    >>> env = PortfolioDiscreteEnv(load("gbm", n_assets=2, n_bars=200, seed=1), window_bars=5)
    >>> env.action_space, env.target_names
    (Discrete(5), ['hold', 'cash', 'equal_weight', 'S00', 'S01'])
    >>> _ = env.reset(seed=0)
    >>> env.step(3)[4]["weights"].round(3).tolist()
    [0.0, 1.0, 0.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        n = self.data.n_assets
        if self.long_short:
            assert self.book is not None
            self.targets, self.target_names = long_short_targets(self.data.symbols, self.book)
            self.action_space: spaces.Discrete = spaces.Discrete(len(self.targets))
            return
        targets = np.zeros((n + 3, n + 1))  # (M, A); row 0 (hold) is filled per step
        targets[1, 0] = 1.0
        targets[2, 1:] = 1.0 / n
        targets[np.arange(3, n + 3), np.arange(1, n + 1)] = 1.0
        self.targets = targets
        self.target_names = ["hold", "cash", "equal_weight", *self.data.symbols]
        self.action_space = spaces.Discrete(n + 3)

    def _map_action(self, action: Any) -> np.ndarray:
        """Map an action index to target weights ``(1, A)``.

        Raises:
            ValueError: not an integer in ``[0, M)``, naming the step and date.
        """
        arr = np.asarray(action)
        if arr.shape not in ((), (1,)) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(
                f"action {action!r} must be one integer in [0, {self.action_space.n}) {self._where()}"
            )
        index = int(arr.reshape(()))
        if not 0 <= index < self.action_space.n:
            raise ValueError(f"action {index} outside [0, {self.action_space.n}) {self._where()}")
        if index == 0:
            return self.hold_weights()[None]
        return self.targets[index : index + 1]

    def weights_to_action(self, weights: Any) -> np.ndarray:
        """Not available: discrete targets are chosen by index (see ``target_names``)."""
        raise NotImplementedError("PortfolioDiscreteEnv actions are indices; see target_names")
