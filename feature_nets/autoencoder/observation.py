"""Agents on the compressed state: a frozen autoencoder's code in place of the window.

Three ways to use a trained :class:`~feature_nets.autoencoder.networks.Autoencoder` (or its run
directory), all reading the code from the observation's own ``window`` (features of bars
``t-W+1..t``) and nothing else, so the code can see no more of the future than the window:

* :class:`CompressedObservation`, a Gymnasium observation wrapper of any env with a
  ``Dict`` observation holding ``window``: the ``window`` key is replaced by ``code``;
* :class:`CompressedPortfolioEnv`, a ``PortfolioEnv`` whose observation is already
  compressed, usable as an env id everywhere one is taken — agent configs, validation and
  backtests, which unwrap wrappers — as ``feature_nets.autoencoder.observation:CompressedPortfolioEnv``
  with ``env.kwargs: {autoencoder: RUN_DIR}``;
* :class:`CompressedExtractor`, an SB3 features extractor over the plain window that starts
  from the pretrained encoder and, with ``finetune=True``, trains it with the policy.

==============  ==========  ===========  ==================================================
key             shape       range        unit
==============  ==========  ===========  ==================================================
``code``        ``(C,)``    ``±1000``    the encoder's code of the window, standardised by the
                                         training split's mean and sd per component (float32)
``weights``     ``(A,)``    ``[0, 1]``   current weights, cash first, as in PortfolioEnv
==============  ==========  ===========  ==================================================

SB3's ``"MultiInputPolicy"`` with its default ``CombinedExtractor`` (agent config
``agent.extractor: default``) flattens and joins the two keys.

>>> from feature_nets.autoencoder import Autoencoder, WindowAutoencoder
>>> from tradegym.data import load
>>> from tradegym.envs.portfolio import PortfolioEnv
>>> names = ("log_return", "volatility_20", "momentum_20")
>>> model = Autoencoder(WindowAutoencoder("mlp", (10, 2, 3), 4, hidden_size=16).eval(), 10, names, "rolling",
...                     ("A", "B"))
>>> market = load("ar1", n_assets=2, n_bars=300, seed=0)
>>> env = CompressedObservation(PortfolioEnv(market, **model.env_kwargs()), model)
>>> obs, _ = env.reset(seed=0)
>>> sorted(obs), obs["code"].shape
(['code', 'weights'], (4,))
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import Tensor

from feature_nets.autoencoder.networks import Autoencoder
from feature_nets.autoencoder.train import load_autoencoder
from tradegym.envs.portfolio import PortfolioEnv
from tradegym.errors import ConfigError

CODE_BOUND = 1_000.0
"""Codes are clipped to ``[-CODE_BOUND, CODE_BOUND]`` so the observation space is bounded; a
trained encoder's codes stay far inside (inputs are z-scores clipped to [-10, 10])."""


def _model(autoencoder: Autoencoder | str | Path | None) -> Autoencoder:
    if autoencoder is None:
        raise ConfigError("a compressed observation needs autoencoder=RUN_DIR (a run of "
                          "'tradegym autoencoder train') or an Autoencoder")
    return autoencoder if isinstance(autoencoder, Autoencoder) else load_autoencoder(autoencoder)


def check_compatible(space: Any, env: Any, model: Autoencoder) -> None:
    """Raise ConfigError unless ``space`` holds a ``window`` of the model's ``(W, N, K)`` features.

    ``env`` (the unwrapped env) is checked for the same feature names and normalisation
    where it exposes a ``feature_set``.
    """
    if not isinstance(space, spaces.Dict) or "window" not in space.spaces:
        raise ConfigError(f"a compressed observation needs a Dict observation with a 'window' key, "
                          f"got {space!r}")
    shape = tuple(space["window"].shape)
    if shape != model.window_shape:
        raise ConfigError(
            f"env window has shape (W, N, K) = {shape} but the autoencoder was trained on "
            f"{model.window_shape}; "
            f"build the env with autoencoder.env_kwargs() = {model.env_kwargs()}")
    feature_set = getattr(env, "feature_set", None)
    if feature_set is not None and (tuple(feature_set.names) != model.features
                                    or feature_set.normalize != model.normalize):
        raise ConfigError(
            f"env computes features {list(feature_set.names)} normalised {feature_set.normalize!r}, but the "
            f"autoencoder was trained on {list(model.features)} normalised {model.normalize!r}; build "
            "the env with autoencoder.env_kwargs()")


def compressed_space(space: spaces.Dict, model: Autoencoder) -> spaces.Dict:
    """``space`` with ``window`` replaced by ``code``, ``Box(-CODE_BOUND, CODE_BOUND, (C,))``."""
    code = spaces.Box(-CODE_BOUND, CODE_BOUND, (model.code_size,), np.float32)
    return spaces.Dict({("code" if k == "window" else k): (code if k == "window" else v)
                        for k, v in space.spaces.items()})


def compress(observation: dict[str, np.ndarray], model: Autoencoder) -> dict[str, np.ndarray]:
    """The observation with ``window`` replaced by its standardised code ``(C,)`` float32."""
    out = {k: v for k, v in observation.items() if k != "window"}
    code = np.clip(model.state(observation["window"]), -CODE_BOUND, CODE_BOUND).astype(np.float32)
    return {"code": code, **out}


class CompressedObservation(gym.ObservationWrapper):
    """Replace the ``window`` of a Dict observation by a frozen autoencoder's code (module docstring).

    Args:
        env: a ``PortfolioEnv`` (or a wrapper of one) with a ``Dict`` observation holding ``window``.
        autoencoder: an :class:`Autoencoder` or the run directory of a trained one.

    Raises:
        ConfigError: no ``window`` of the autoencoder's ``(W, N, K)`` (the message names both
            shapes), or other features or normalisation than it was trained on.
    """

    def __init__(self, env: gym.Env, autoencoder: Autoencoder | str | Path) -> None:
        super().__init__(env)
        self.autoencoder = _model(autoencoder)
        check_compatible(env.observation_space, env.unwrapped, self.autoencoder)
        self.observation_space = compressed_space(env.observation_space, self.autoencoder)

    def observation(self, observation: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``{"window": (W, N, K), "weights": (A,), ...} -> {"code": (C,), "weights": (A,), ...}``."""
        return compress(observation, self.autoencoder)


class CompressedPortfolioEnv(PortfolioEnv):
    """A ``PortfolioEnv`` observing ``{"code": (C,), "weights": (A,)}`` (module docstring).

    It is an env, not a wrapper, so code that unwraps envs (the backtester) still sees the
    compressed observation. The codes of all bars are computed once, batched, at construction
    (each from the window ending at its bar, as the wrapper computes it per step, equal up to
    float32 rounding), so a step costs what a ``PortfolioEnv`` step costs. Everything else is
    ``PortfolioEnv``'s.

    Args:
        data: MarketData or a source name.
        autoencoder: an :class:`Autoencoder` or an autoencoder run directory.
        **env_kwargs: other ``PortfolioEnv`` arguments; ``window_bars``, ``features`` and
            ``normalize`` default to the autoencoder's and must match them if given.

    Raises:
        ConfigError: no autoencoder, or a window, features or normalisation that contradict it.
    """

    def __init__(self, data: Any = "sp500_stocks", *, autoencoder: Autoencoder | str | Path | None = None,
                 **env_kwargs: Any) -> None:
        model = _model(autoencoder)
        # Unset arguments take the autoencoder's; contradicting ones are refused below.
        for key, value in model.env_kwargs().items():
            env_kwargs.setdefault(key, value)
        super().__init__(data, **env_kwargs)
        check_compatible(self.observation_space, self, model)
        self.autoencoder = model
        self.observation_space = compressed_space(self.observation_space, model)
        # The code of every decision bar, in one batched pass: row t is the state of the window
        # ending at t, the one _obs would encode at t (the features are causal and fixed at
        # construction), so no row reads a later bar; stepping then costs no forward pass.
        w, first = self.window_bars, self.first_index
        view = np.lib.stride_tricks.sliding_window_view(self._features, w, axis=0)  # (T-W+1, N, K, W)
        windows = np.moveaxis(view, -1, 1)[first - w + 1 :]  # (T-first, W, N, K), row j ends at bar first+j
        self._codes = np.zeros((self.data.n_bars, model.code_size), np.float32)  # (T, C), rows < first unused
        self._codes[first:] = np.clip(model.state(windows), -CODE_BOUND, CODE_BOUND)

    def _obs(self) -> dict[str, np.ndarray]:
        out = {k: v for k, v in super()._obs().items() if k != "window"}
        return {"code": self._codes[self.current_index].copy(), **out}  # (C,) float32, a copy


class CompressedExtractor(BaseFeaturesExtractor):
    """The pretrained encoder over the window, joined with the weights: ``dict -> (B, C + A + E)``.

    ``concat(encode(window (B, W, N, K)) (B, C), weights (B, A), other 1-D keys (B, E))``, no
    layer after it (SB3's heads follow); the same clipped code as the wrapper's. With
    ``finetune=False`` the encoder is frozen and this is the wrapper's state computed inside the
    policy; with ``True`` it starts from the pretrained weights and learns with the policy. The
    denoising noise is never applied here.

    Args:
        observation_space: a PortfolioEnv ``Dict`` (``window``, ``weights``).
        autoencoder: an :class:`Autoencoder` or an autoencoder run directory.
        finetune: train the encoder with the policy.

    Raises:
        ConfigError: no ``window`` of the autoencoder's ``(W, N, K)``, or an extra key that
            is not a 1-D Box.
    """

    def __init__(self, observation_space: spaces.Dict, autoencoder: Autoencoder | str | Path | None = None,
                 finetune: bool = True) -> None:
        model = _model(autoencoder)
        check_compatible(observation_space, None, model)
        self.keys = [k for k in observation_space.spaces if k != "window"]
        for key in self.keys:
            if len(observation_space[key].shape) != 1:
                raise ConfigError(f"CompressedExtractor joins only 1-D keys; {key!r} is "
                                  f"{observation_space[key]!r}")
        sizes = sum(observation_space[k].shape[0] for k in self.keys)
        super().__init__(observation_space, model.code_size + sizes)
        # The agent's own copy of the encoding half: fine-tuning must not change the caller's model.
        self.autoencoder = copy.deepcopy(model.net).train()
        self.autoencoder.noise_std = 0.0
        del self.autoencoder.decoder
        if self.autoencoder.linear_path:
            del self.autoencoder.unproject
        if self.autoencoder.predict_head:  # the predictive autoencoder's training-only head
            del self.autoencoder.head
        self.autoencoder.requires_grad_(finetune)

    def apply(self, fn: Any) -> CompressedExtractor:
        """Apply ``fn`` to nothing: the extractor's only layers are the pretrained encoder's.

        SB3's ``ortho_init`` (on by default for PPO/A2C) re-initialises every ``nn.Linear`` of
        the features extractor through ``apply`` (``ActorCriticPolicy._build``), which would
        silently discard the pretrained weights.
        """
        return self

    def forward(self, observations: dict[str, Tensor]) -> Tensor:
        """``{"window": (B, W, N, K), "weights": (B, A), ...} -> (B, C + A + E)``."""
        code = self.autoencoder.state(observations["window"]).clamp(-CODE_BOUND, CODE_BOUND)  # (B, C)
        return torch.cat([code, *(observations[k].to(code.dtype) for k in self.keys)], dim=1)


__all__ = ["CompressedExtractor", "CompressedObservation", "CompressedPortfolioEnv", "compress"]
