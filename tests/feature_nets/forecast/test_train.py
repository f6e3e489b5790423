"""Training runs: scalers from the training split only, classification, the train-split feature scaler."""

from __future__ import annotations

import numpy as np

from feature_nets.forecast.model import load_forecaster
from feature_nets.forecast.train import train_forecaster
from feature_nets.windows import make_windows
from tests.feature_nets.forecast.conftest import TINY
from tradegym.envs.portfolio import PortfolioEnv


def test_target_scaler_is_fitted_on_the_training_split_only(trained):
    train_target = make_windows(trained.split.train, 5).target
    np.testing.assert_allclose(trained.forecaster.target_mean, train_target.mean(axis=0))
    np.testing.assert_allclose(trained.forecaster.target_std, train_target.std(axis=0))


def test_classification_predicts_probabilities(tmp_path):
    result = train_forecaster(overrides=[*TINY, "model.task=classification", "model.encoder=tcn",
                                         "fit.max_epochs=1"], run_dir=tmp_path / "cls", echo=lambda _: None)
    ws = result.forecaster.windows(result.split.val)
    p = result.forecaster.predict(ws.windows)
    assert p.shape == (len(ws), 2) and ((p > 0) & (p < 1)).all()


def test_train_scaler_normalisation_feeds_an_env_built_from_env_kwargs(tmp_path):
    result = train_forecaster(overrides=[*TINY, "model.normalize=train", "fit.max_epochs=1", "model.encoder=gru"],
                              run_dir=tmp_path / "scaled", echo=lambda _: None)
    model = load_forecaster(result.run.path)
    env = PortfolioEnv(result.split.test, **model.env_kwargs())
    obs, _ = env.reset(options={"start": env.first_index})
    ws = model.windows(result.split.test)
    np.testing.assert_array_equal(obs["window"], ws.windows[0])
