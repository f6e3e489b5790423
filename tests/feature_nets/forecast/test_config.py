"""Forecaster configs: unknown names get a suggestion, bad values are named."""

from __future__ import annotations

import pytest

from feature_nets.forecast.config import load_forecast_config
from tradegym.errors import ConfigError


def test_unknown_model_name_suggests_the_closest():
    with pytest.raises(ConfigError, match="unknown encoder 'lstn'. Did you mean 'lstm'?"):
        load_forecast_config(overrides=["model.encoder=lstn"])


@pytest.mark.parametrize(("override", "message"), [
    ("model.task=regresion", "unknown model.task 'regresion'. Did you mean 'regression'?"),
    ("model.normalize=none", "unknown model.normalize 'none'."),
    ("fit.patience=0", "fit.patience must be an integer >= 1, got 0"),
    ("model.windowbars=3", "unknown key 'model.windowbars'. Did you mean 'window_bars'?"),
])
def test_bad_config_values_are_named(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        load_forecast_config(overrides=[override])
