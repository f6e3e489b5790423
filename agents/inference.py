"""An SB3 model's deterministic actions for backtests, without SB3's per-call set-up.

Validation backtests run inside training (every ``train.eval_freq`` steps, 1,246 bars of the
default validation split, one ``predict`` per bar) and were the largest cost left outside
the gradient updates. SB3's ``BasePolicy.predict`` walks the whole module tree to set eval
mode on every call, and ``torch.distributions`` checks every action distribution's
arguments; on PPO+LSTM those are about a fifth of a validation backtest. :class:`Predictor`
sets eval mode once and skips the argument checks, and otherwise runs SB3's own steps
(``obs_to_tensor``, ``_predict``, reshape, clip or unscale), so the actions are identical to
``model.predict(obs, deterministic=True)`` (tests/agents/test_inference.py checks every
algorithm). Policies that define their own ``predict`` (recurrent ones) use it unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Predictor:
    """``predict(obs, state, episode_start, deterministic)`` of an SB3 model, for backtests.

    Args:
        model: a stable-baselines3 (or sb3-contrib) algorithm instance.

    Attributes:
        model: the wrapped model (its name and policy are unchanged).
    """

    def __init__(self, model: Any) -> None:
        from stable_baselines3.common.policies import BasePolicy

        self.model = model
        # SB3's generic predict is the one this mirrors; a policy with its own runs as it is.
        self._fast = type(model.policy).predict is BasePolicy.predict

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        """Actions ``(A,)`` for one observation (``(B, A)`` for a batch), and ``state`` unchanged.

        Non-deterministic calls and policies with their own ``predict`` go to SB3's.
        """
        if not (self._fast and deterministic):
            return self.model.predict(observation, state=state, episode_start=episode_start,
                                      deterministic=deterministic)
        import torch
        from gymnasium import spaces
        from torch.distributions import Distribution

        policy = self.model.policy
        if policy.training:  # once per backtest: SB3's training loop switches it back itself
            policy.set_training_mode(False)
        obs_tensor, vectorized = policy.obs_to_tensor(observation)
        validate = Distribution._validate_args
        Distribution.set_default_validate_args(False)  # the mean of a Gaussian needs no check
        try:
            with torch.no_grad():
                actions = policy._predict(obs_tensor, deterministic=True)
        finally:
            Distribution.set_default_validate_args(validate)
        actions = actions.cpu().numpy().reshape((-1, *policy.action_space.shape))  # (B, A) or (B,)
        if isinstance(policy.action_space, spaces.Box):
            if policy.squash_output:
                actions = policy.unscale_action(actions)
            else:
                actions = np.clip(actions, policy.action_space.low, policy.action_space.high)
        if not vectorized:
            actions = actions.squeeze(axis=0)  # (A,) or ()
        return actions, state


__all__ = ["Predictor"]
