"""Old import paths of modules that moved into a wing, kept importable.

``import feature_nets.gan_eval`` (the flat layout before the wings) still works and gives
the module at its new home, the same object, so pickles, ``module:attr`` strings in old
configs and users' imports keep resolving. Add a line here when a module moves; never
put code under an old name.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

MOVED: dict[str, str] = {
    # gan wing
    "feature_nets.gan_controls": "feature_nets.gan.controls",
    "feature_nets.gan_eval": "feature_nets.gan.evaluate",
    "feature_nets.gan_facts": "feature_nets.gan.facts",
    "feature_nets.gan_judges": "feature_nets.gan.judges",
    "feature_nets.gan_plots": "feature_nets.gan.plots",
    "feature_nets.gan_report": "feature_nets.gan.report",
    "feature_nets.gan_select": "feature_nets.gan.select",
    # forecast and autoencoder wings
    "feature_nets.forecasters": "feature_nets.forecast",
    "feature_nets.forecast_eval": "feature_nets.forecast.evaluate",
    "feature_nets.forecast_obs": "feature_nets.forecast.observation",
    "feature_nets.autoencoder_net": "feature_nets.autoencoder.networks",
    "feature_nets.autoencoder_eval": "feature_nets.autoencoder.evaluate",
    "feature_nets.compressed_obs": "feature_nets.autoencoder.observation",
    "feature_nets.pca": "feature_nets.autoencoder.pca",
}
"""Old module path -> new module path."""


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: Any) -> ModuleType:
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run (the module ran at its new home); undo the import system's relabel."""
        module.__spec__ = self.spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new))


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        # First: an editable install's finder could otherwise serve a stale flat file.
        sys.meta_path.insert(0, _AliasFinder())
