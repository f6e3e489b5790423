"""Fixtures of the GAN tests: one tiny trained run, and one torch thread for the judges."""

from __future__ import annotations

import pytest
import torch

from feature_nets.gan import train_gan
from tests.conftest import make_market
from tests.feature_nets.gan.samples import TINY


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("gan")
    return train_gan(overrides=TINY, data=make_market(300, 2), run_dir=root / "run", echo=lambda _: None)


@pytest.fixture
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
