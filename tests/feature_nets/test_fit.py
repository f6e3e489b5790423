"""The one supervised fit loop: early stopping keeps the best weights, misaligned data, thread count."""

from __future__ import annotations

import pytest
import torch

from feature_nets.fit import FitConfig, fit
from tradegym.errors import ConfigError


def test_fit_stops_early_and_restores_the_best_weights(tmp_path):
    from tradegym.runs import RunDir

    torch.manual_seed(0)
    x = torch.randn(64, 3)
    model = torch.nn.Linear(3, 1)
    loss_fn = lambda m, xb, yb: ((m(xb) - yb) ** 2).mean()  # noqa: E731
    run = RunDir.create(tmp_path, "fit", kind="test")
    # Validation targets unrelated to training ones: validation loss stops improving soon.
    result = fit(model, (x, x[:, :1] * 2), (x, -x[:, :1] * 2), loss_fn,
                 FitConfig(max_epochs=50, patience=2, lr=0.05, progress_bar=False), run=run)
    assert result.stopped_early and result.epochs == result.best_epoch + 2
    from feature_nets.fit import evaluate_loss

    assert evaluate_loss(model, (x, -x[:, :1] * 2), loss_fn, 256) == pytest.approx(result.best_val_loss)
    state = torch.load(run.verify("best.pt"), weights_only=True)
    torch.testing.assert_close(state["weight"], model.weight.detach())


def test_fit_rejects_misaligned_data():
    with pytest.raises(ConfigError, match=r"training tensors have different lengths \[3, 4\]"):
        fit(torch.nn.Linear(1, 1), (torch.zeros(3, 1), torch.zeros(4, 1)), (torch.zeros(2, 1),) * 2,
            lambda m, x, y: m(x).mean())


def test_fit_restores_the_torch_thread_count():
    before = torch.get_num_threads()
    x = torch.zeros(8, 1)
    fit(torch.nn.Linear(1, 1), (x, x), (x, x), lambda m, xb, yb: ((m(xb) - yb) ** 2).mean(),
        FitConfig(max_epochs=1, progress_bar=False, torch_threads=1))
    assert torch.get_num_threads() == before


def test_the_old_thread_knob_still_loads_under_its_one_spelling() -> None:
    from tradegym.config import from_dict
    from tradegym.errors import ConfigError

    assert from_dict(FitConfig, {"num_threads": 2}).torch_threads == 2
    assert from_dict(FitConfig, {"num_threads": None}).torch_threads == 0  # old "torch's default" -> auto
    assert FitConfig().device == "auto"
    with pytest.raises(ConfigError, match="'num_threads' is the old name of 'torch_threads'"):
        from_dict(FitConfig, {"num_threads": 1, "torch_threads": 1})
