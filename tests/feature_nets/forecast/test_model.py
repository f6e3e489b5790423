"""ForecastNet and the trained Forecaster: per-asset outputs, save / load, tampering, shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from feature_nets.forecast.model import ForecastNet, load_forecaster
from tradegym.errors import CacheError, ConfigError


def test_forecast_net_is_per_asset():
    net = ForecastNet("transformer", 6, 3, 2, hidden_size=8, encoder_kwargs={"heads": 2, "layers": 1})
    assert tuple(net(torch.zeros(4, 6, 3, 2)).shape) == (4, 3)


def test_training_writes_a_run_that_reloads_to_the_same_predictions(trained):
    run = trained.run
    for name in ("config.yaml", "data.json", "model.json", "model.pt", "best.pt", "history.csv",
                 "metrics.json"):
        assert run.file(name).is_file(), name
    assert run.read_json("run.json")["kind"] == "forecaster"
    ws = trained.forecaster.windows(trained.split.test)
    again = load_forecaster(run.path)
    np.testing.assert_allclose(again.predict(ws.windows), trained.forecaster.predict(ws.windows), rtol=1e-6)
    assert again.env_kwargs() == {"window_bars": 5, "features": ["log_return", "volatility_20", "momentum_20"],
                                  "normalize": "rolling"}


def test_a_tampered_model_is_refused(trained, tmp_path):
    import shutil

    copy = shutil.copytree(trained.run.path, tmp_path / "copy")
    (copy / "model.pt").write_bytes(b"junk")
    with pytest.raises(CacheError, match="does not match its hash"):
        load_forecaster(copy)


def test_wrong_window_shape_for_a_saved_model_is_an_error(trained):
    with pytest.raises(ConfigError, match=r"windows have shape \(4, 6, 2, 3\), expected .* \(W, N, K\) = "
                                          r"\(5, 2, 3\), the shape this forecaster was trained on"):
        trained.forecaster.predict(np.zeros((4, 6, 2, 3), dtype=np.float32))
