"""A trained forecaster's prediction as an observation feature: :class:`ForecastObservation`.

The wrapper adds one key to ``PortfolioEnv``'s ``Dict`` observation, computed from that
observation's own ``window`` (features of bars ``t-W+1..t``) and nothing else, so it can
read no more of the future than the window does. The forecaster is trained on the
training split only (:func:`feature_nets.forecast.train.train_forecaster`); build the env with
``forecaster.env_kwargs()`` so that the window holds the features the model was trained on.

``forecast``, shape ``(N,)``, float32:

* regression: predicted ``r[t+1]`` per asset in training-split sd units,
  ``(r_hat - mean) / sd``, clipped to ``[-10, 10]``;
* classification: the probability that ``r[t+1] > 0``, in ``[0, 1]``.

:class:`feature_nets.extractors.WindowExtractor` joins every extra 1-D key to the weights,
so SB3 agents use the forecast with no other change.

>>> from feature_nets.forecast import ForecastNet, Forecaster
>>> from tradegym.data import load
>>> from tradegym.envs.portfolio import PortfolioEnv
>>> market = load("ar1", n_assets=2, n_bars=300, seed=0)
>>> net = ForecastNet("gru", 10, 2, 3, hidden_size=8)
>>> model = Forecaster(net, "regression", 10, ("log_return", "volatility_20", "momentum_20"),
...                    "rolling", np.zeros(2), np.ones(2), market.symbols)
>>> env = ForecastObservation(PortfolioEnv(market, **model.env_kwargs()), model)
>>> obs, _ = env.reset(seed=0)
>>> sorted(obs), obs["forecast"].shape
(['forecast', 'weights', 'window'], (2,))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from feature_nets.forecast.model import Forecaster, load_forecaster
from tradegym.errors import ConfigError
from tradegym.features import CLIP


class ForecastObservation(gym.ObservationWrapper):
    """Add a forecaster's per-asset prediction at ``t`` to a PortfolioEnv observation (module docstring).

    Args:
        env: a ``PortfolioEnv`` (or a wrapper of one) with a ``Dict`` observation holding ``window``.
        forecaster: a :class:`Forecaster` or the run directory of a trained one.
        key: the name of the added observation key.

    Raises:
        ConfigError: the observation has no ``window`` of the forecaster's ``(W, N, K)``, the
            key exists already, or the env trades other assets, computes other features or
            another normalisation than the forecaster was trained on.
    """

    def __init__(self, env: gym.Env, forecaster: Forecaster | str | Path, *, key: str = "forecast") -> None:
        super().__init__(env)
        model = forecaster if isinstance(forecaster, Forecaster) else load_forecaster(forecaster)
        space = env.observation_space
        if not isinstance(space, spaces.Dict) or "window" not in space.spaces:
            raise ConfigError(f"ForecastObservation needs a Dict observation with a 'window' key, "
                              f"got {space!r}")
        if key in space.spaces:
            raise ConfigError(f"observation already has a {key!r} key; pass another key=")
        if tuple(space["window"].shape) != model.window_shape:
            raise ConfigError(
                f"env window has shape (W, N, K) = {tuple(space['window'].shape)} but the forecaster was "
                f"trained on {model.window_shape}; build the env with forecaster.env_kwargs() = "
                f"{ {k: v for k, v in model.env_kwargs().items() if k != 'normalize'} }"
            )
        _check_features(env.unwrapped, model)
        self.forecaster, self.key = model, key
        n = model.window_shape[1]
        low, high = (0.0, 1.0) if model.task == "classification" else (-CLIP, CLIP)
        self.observation_space = spaces.Dict({**space.spaces, key: spaces.Box(low, high, (n,), np.float32)})

    def observation(self, observation: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The observation with ``key``: the forecast ``(N,)`` from ``observation["window"]`` alone."""
        score = self.forecaster.score(observation["window"])  # (N,)
        if self.forecaster.task == "regression":
            score = np.clip(score, -CLIP, CLIP)
        return {**observation, self.key: score.astype(np.float32)}


def _check_features(env: Any, model: Forecaster) -> None:
    """Same assets, feature names and normalisation as training, where the env exposes them."""
    symbols = tuple(getattr(getattr(env, "data", None), "symbols", model.symbols))
    if symbols != tuple(model.symbols):
        # The target scalers are per asset, in order: other assets would get another's scale.
        raise ConfigError(f"env trades {list(symbols)} but the forecaster was trained on "
                          f"{list(model.symbols)}; use the same assets in the same order")
    feature_set = getattr(env, "feature_set", None)
    if feature_set is None:
        return
    expected = model.normalize if isinstance(model.normalize, str) else "scaler"
    if tuple(feature_set.names) != tuple(model.features) or feature_set.normalize != expected:
        raise ConfigError(
            f"env computes features {list(feature_set.names)} normalised {feature_set.normalize!r}, but "
            f"the forecaster was trained on {list(model.features)} normalised {expected!r}; build the "
            "env with forecaster.env_kwargs()"
        )


def forecast_env(data: Any = "sp500_stocks", forecaster: Forecaster | str | Path | None = None,
                 **env_kwargs: Any) -> ForecastObservation:
    """A ``PortfolioEnv`` with the forecaster's features, wrapped in :class:`ForecastObservation`.

    Usable as an env id in an agent config: ``env.id: feature_nets.forecast.observation:forecast_env``
    with ``env.kwargs: {forecaster: RUN_DIR}``. Note that on the forecaster's own training
    split its forecasts are in-sample, so an agent trained there sees them at their best.

    Args:
        data: MarketData or a source name, as ``PortfolioEnv`` takes it.
        forecaster: a :class:`Forecaster` or a forecaster run directory.
        **env_kwargs: other ``PortfolioEnv`` arguments; ``window_bars``, ``features`` and
            ``normalize`` default to the forecaster's and must match them if given.

    Raises:
        ConfigError: no forecaster, or an env window, features or normalisation that
            contradict the forecaster's (see :class:`ForecastObservation`).
    """
    from tradegym.envs.portfolio import PortfolioEnv

    if forecaster is None:
        raise ConfigError("forecast_env needs forecaster=RUN_DIR (a run of 'tradegym forecast train')")
    model = forecaster if isinstance(forecaster, Forecaster) else load_forecaster(forecaster)
    # Unset arguments take the forecaster's; contradicting ones are refused by the wrapper.
    for key, value in model.env_kwargs().items():
        env_kwargs.setdefault(key, value)
    return ForecastObservation(PortfolioEnv(data, **env_kwargs), model)


__all__ = ["ForecastObservation", "forecast_env"]
