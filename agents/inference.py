"""An SB3 model's deterministic actions for backtests, without SB3's per-call set-up.

Validation backtests run inside training (every ``train.eval_freq`` steps, 1,246 bars of the
default validation split, one ``predict`` per bar) and were the largest cost left outside
the gradient updates. SB3's ``BasePolicy.predict`` walks the whole module tree to set eval
mode on every call, and ``torch.distributions`` checks every action distribution's
arguments; on PPO+LSTM those are about a fifth of a validation backtest. :class:`Predictor`
sets eval mode once and skips the argument checks, and otherwise runs SB3's own steps
(``obs_to_tensor``, ``_predict``, reshape, clip or unscale); for an actor-critic policy with a
Gaussian action (PPO, A2C) ``_predict``'s deterministic action is the mean, ``action_net`` of
the actor's latent, which it computes directly rather than through a ``Normal`` it reads back.
The actions are identical to
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
        from stable_baselines3.common.distributions import DiagGaussianDistribution
        from stable_baselines3.common.policies import ActorCriticPolicy, BasePolicy

        self.model = model
        # SB3's generic predict is the one this mirrors; a policy with its own runs as it is.
        self._fast = type(model.policy).predict is BasePolicy.predict
        # An actor-critic's deterministic Gaussian action is its mean, action_net(latent):
        # SB3 wraps it in a Normal and reads .mean back (the same tensor); skip the wrapping.
        kind = type(model.policy)
        self._mean_only = self._fast and isinstance(model.policy, ActorCriticPolicy) and (
            kind.get_distribution is ActorCriticPolicy.get_distribution
            and kind._get_action_dist_from_latent is ActorCriticPolicy._get_action_dist_from_latent
            and kind._predict is ActorCriticPolicy._predict
            and type(model.policy.action_dist) is DiagGaussianDistribution)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        """Actions ``(A,)`` for one observation (``(B, A)`` for a batch), and ``state`` unchanged.

        Non-deterministic calls and policies with their own ``predict`` go to SB3's.
        """
        if not (self._fast and deterministic):
            return self.model.predict(observation, state=state, episode_start=episode_start,
                                      deterministic=deterministic)
        import torch
        from torch.distributions import Distribution

        policy = self.model.policy
        if policy.training:  # once per backtest: SB3's training loop switches it back itself
            policy.set_training_mode(False)
        obs_tensor, vectorized = policy.obs_to_tensor(observation)
        if self._mean_only:
            from stable_baselines3.common.policies import BaseModel

            with torch.no_grad():  # ActorCriticPolicy.get_distribution's steps, then the mean
                features = BaseModel.extract_features(policy, obs_tensor, policy.pi_features_extractor)
                actions = policy.action_net(policy.mlp_extractor.forward_actor(features))  # (B, A)
            return self._finish(actions, vectorized), state
        validate = Distribution._validate_args
        Distribution.set_default_validate_args(False)  # the mean of a Gaussian needs no check
        try:
            with torch.no_grad():
                actions = policy._predict(obs_tensor, deterministic=True)
        finally:
            Distribution.set_default_validate_args(validate)
        return self._finish(actions, vectorized), state

    def _finish(self, actions: Any, vectorized: bool) -> np.ndarray:
        """SB3's last steps of ``predict``: to numpy, reshape, then unscale or clip a Box action."""
        from gymnasium import spaces

        policy = self.model.policy
        actions = actions.cpu().numpy().reshape((-1, *policy.action_space.shape))  # (B, A) or (B,)
        if isinstance(policy.action_space, spaces.Box):
            if policy.squash_output:
                actions = policy.unscale_action(actions)
            else:
                actions = np.clip(actions, policy.action_space.low, policy.action_space.high)
        if not vectorized:
            actions = actions.squeeze(axis=0)  # (A,) or ()
        return actions


__all__ = ["Predictor"]
