"""Stable-Baselines3 features extractor over ``PortfolioEnv`` observations.

:class:`WindowExtractor` encodes the ``window`` ``(B, W, N, K)`` with a
:class:`~feature_nets.encoders.WindowEncoder` and joins the current ``weights`` ``(B, A)``:
``concat(WindowEncoder(window) (B, D), weights (B, A)) -> Linear -> ReLU -> (B, features_dim)``.
Any other 1-D ``Box`` keys of the observation (such as the ``forecast`` that
:class:`~feature_nets.forecast.observation.ForecastObservation` adds, or the ``mask`` ``(N,)``
of assets tradable at ``t`` that a dynamic universe adds) are joined after the weights, in
sorted key order. Coarse-timeframe windows ``window_1W``, ``window_1M``, ... ``(B, W_tf, N, K)``
(``PortfolioEnv(timeframes=...)``) are each encoded by an encoder of the same kind with its
own weights, and their codes joined after the ``window`` code.
SB3's policy and value heads follow it. It plugs in where SB3 expects it, through
``policy_kwargs`` with the ``"MultiInputPolicy"`` of PPO (continuous ``PortfolioEnv``),
DQN (``PortfolioDiscreteEnv``) and, from sb3-contrib, RecurrentPPO's ``"MultiInputLstmPolicy"``
(the extractor's features then feed SB3's LSTM). No device is hard-coded: the model runs
where SB3 puts it (``device="cuda"`` or ``"cpu"``).

>>> from sb3_contrib import RecurrentPPO
>>> from stable_baselines3 import DQN, PPO
>>> from tradegym.data import load
>>> from tradegym.envs.discrete import PortfolioDiscreteEnv
>>> from tradegym.envs.portfolio import PortfolioEnv
>>> market = load("planted", n_assets=3, n_bars=300, seed=0)
>>> env = PortfolioEnv(market, window_bars=10)
>>> policy_kwargs = dict(features_extractor_class=WindowExtractor,
...                      features_extractor_kwargs=dict(encoder="transformer", hidden_size=32))
>>> ppo = PPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs, n_steps=64, seed=0)
>>> ppo.policy.features_extractor.encoder.output_dim  # N * hidden_size
96
>>> ppo.predict(env.reset(seed=0)[0], deterministic=True)[0].shape  # A = N + 1 scores
(4,)
>>> dqn = DQN("MultiInputPolicy", PortfolioDiscreteEnv(market, window_bars=10),
...           policy_kwargs=policy_kwargs, buffer_size=1_000, seed=0)
>>> rppo = RecurrentPPO("MultiInputLstmPolicy", env, n_steps=64, seed=0, policy_kwargs=dict(
...     features_extractor_class=WindowExtractor, features_extractor_kwargs=dict(encoder="tcn")))
>>> rppo.policy.features_extractor.features_dim
64
"""

from __future__ import annotations

from typing import Any

import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import Tensor, nn

from feature_nets.encoders import WindowEncoder
from tradegym.errors import ConfigError


def _portfolio_spaces(
    observation_space: Any,
) -> tuple[spaces.Box, spaces.Box, dict[str, int], dict[str, spaces.Box]]:
    """The ``window``, ``weights``, extra 1-D and coarse-timeframe boxes of a PortfolioEnv space.

    Returns ``window`` ``(W, N, K)``, ``weights`` ``(A,)``, ``{key: size}`` of extra 1-D boxes
    and ``{key: box}`` of the coarse-timeframe windows ``window_*`` ``(W_tf, N, K)``.

    Raises:
        ConfigError: not a Dict with those two keys and ranks, or an extra key that is not
            a 1-D Box, naming what was found.
    """
    expected = ("WindowExtractor needs a Dict observation space with 'window' Box (W, N, K) and "
                "'weights' Box (A,), as PortfolioEnv gives")
    hint = "use another features_extractor_class for other observations"
    if not isinstance(observation_space, spaces.Dict):
        raise ConfigError(f"{expected}; got {observation_space!r}: {hint}")
    missing = [key for key in ("window", "weights") if key not in observation_space.spaces]
    if missing:
        found = sorted(observation_space.spaces)
        raise ConfigError(f"{expected}; keys {missing} missing from {found}: {hint}")
    window, weights = observation_space["window"], observation_space["weights"]
    if not isinstance(window, spaces.Box) or len(window.shape) != 3:
        raise ConfigError(f"{expected}; got window {window!r}")
    if not isinstance(weights, spaces.Box) or len(weights.shape) != 1:
        raise ConfigError(f"{expected}; got weights {weights!r}")
    extra, timeframes = {}, {}
    for key in sorted(set(observation_space.spaces) - {"window", "weights"}):
        box = observation_space[key]
        if key.startswith("window_") and isinstance(box, spaces.Box) and len(box.shape) == 3:
            timeframes[key] = box
            continue
        if not isinstance(box, spaces.Box) or len(box.shape) != 1:
            raise ConfigError(f"WindowExtractor joins extra observation keys only as 1-D Boxes; "
                              f"{key!r} is {box!r}: {hint}")
        extra[key] = box.shape[0]
    return window, weights, extra, timeframes


class WindowExtractor(BaseFeaturesExtractor):
    """Encoded window joined with the current weights: ``dict -> (B, features_dim)``.

    ``W, N, K`` come from ``observation_space["window"].shape`` and ``A`` from
    ``observation_space["weights"].shape``. Forward:
    ``WindowEncoder(window (B, W, N, K)) (B, D)`` concatenated with ``weights (B, A)``,
    then ``Linear(D + A, features_dim) -> ReLU``; ``D = N * hidden_size`` for
    ``asset_mode="shared"``, ``hidden_size`` for ``"flatten"``.

    Args:
        observation_space: a PortfolioEnv observation space (``Dict`` with window, weights).
        encoder: temporal encoder name in ``feature_nets.encoders.ENCODERS`` (lstm, gru,
            transformer, tcn, mlp) or ``module:Class``.
        hidden_size: the temporal encoder's output size ``H``.
        features_dim: output size of the extractor, the input of SB3's heads.
        asset_mode: ``"shared"`` (per-asset, shared weights) or ``"flatten"``.
        encoder_kwargs: options of the temporal encoder (``num_layers``, ``heads``, ...).

    Raises:
        ConfigError: observation space not a PortfolioEnv Dict, ``features_dim < 1``, or an
            encoder name, asset mode or option that is unknown.
    """

    def __init__(self, observation_space: spaces.Dict, encoder: str = "lstm", hidden_size: int = 32,
                 features_dim: int = 64, asset_mode: str = "shared",
                 encoder_kwargs: dict[str, Any] | None = None) -> None:
        window_space, weights_space, self.extra_sizes, coarse = _portfolio_spaces(observation_space)
        if int(features_dim) != features_dim or features_dim < 1:
            raise ConfigError(f"features_dim must be an integer >= 1, got {features_dim!r}")
        super().__init__(observation_space, features_dim)
        w, n, k = window_space.shape
        self.encoder = WindowEncoder(encoder, w, n, k, hidden_size=hidden_size, asset_mode=asset_mode,
                                     **dict(encoder_kwargs or {}))
        # One encoder per coarse timeframe, same kind, own weights (empty without timeframes).
        self.timeframe_encoders = nn.ModuleDict({
            key: WindowEncoder(encoder, *box.shape, hidden_size=hidden_size, asset_mode=asset_mode,
                               **dict(encoder_kwargs or {}))
            for key, box in coarse.items()
        })
        codes = self.encoder.output_dim + sum(e.output_dim for e in self.timeframe_encoders.values())
        joined = codes + weights_space.shape[0] + sum(self.extra_sizes.values())
        self.head = nn.Sequential(nn.Linear(joined, features_dim), nn.ReLU())

    def forward(self, observations: dict[str, Tensor]) -> Tensor:
        """Encode and join: ``dict -> (B, features_dim)``.

        Keys: ``window`` ``(B, W, N, K)``, ``window_*`` ``(B, W_tf, N, K)``, ``weights``
        ``(B, A)`` and extra 1-D keys ``(B, E)``.
        """
        code = self.encoder(observations["window"])  # (B, D)
        parts = [code] + [enc(observations[key]) for key, enc in self.timeframe_encoders.items()]
        parts += [observations[key].to(code.dtype) for key in ("weights", *self.extra_sizes)]
        joined = torch.cat(parts, dim=1)  # (B, D + sum D_tf + A + sum E)
        return self.head(joined)  # (B, features_dim)
