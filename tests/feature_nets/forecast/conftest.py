"""A tiny trained forecaster run, shared by the forecast wing's tests (trained once per session)."""

from __future__ import annotations

import pytest

from feature_nets.forecast.train import train_forecaster

TINY = ["data.source=ar1", "data.kwargs={n_assets: 2, n_bars: 600, phi: 0.5, seed: 1}",
        "model.window_bars=5", "model.hidden_size=8", "fit.max_epochs=3", "fit.patience=2",
        "fit.progress_bar=false", "fit.torch_threads=1"]



@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    return train_forecaster(overrides=TINY, run_dir=tmp_path_factory.mktemp("fc") / "run", echo=lambda _: None)
