"""Old flat paths of the forecast and autoencoder wings still import, and give the moved objects."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from feature_nets._moved import MOVED
from tradegym.registry import import_object

OLD_NAMES = {
    "feature_nets.forecasters": (
        "ForecastConfig", "ForecastDataConfig", "ForecastModelConfig", "ForecastNet", "ForecastRun", "Forecaster",
        "NORMALIZE", "TASKS", "WindowSet", "fit_scalers", "forecast_frame", "load_forecast_config",
        "load_forecaster", "load_market", "log_returns", "make_windows", "save_forecaster", "train_forecaster"),
    "feature_nets.forecast_eval": (
        "DMResult", "SPLITS", "ar_forecast", "baseline_forecasts", "diebold_mariano", "evaluate_forecaster",
        "evaluate_on", "evaluation_table", "fit_ar", "forecast_metrics", "format_table", "plot_forecasts",
        "spearman"),
    "feature_nets.forecast_obs": ("ForecastObservation", "forecast_env"),
    "feature_nets.autoencoder_net": ("ASSET_MODES", "Autoencoder", "KINDS", "WindowAutoencoder", "per_asset_windows"),
    "feature_nets.autoencoder_eval": (
        "SPLITS", "evaluate_autoencoder", "plot_error_vs_code_size", "plot_reconstructions"),
    "feature_nets.compressed_obs": (
        "CODE_BOUND", "CompressedExtractor", "CompressedObservation", "CompressedPortfolioEnv", "check_compatible",
        "compress", "compressed_space"),
    "feature_nets.pca": ("PCA", "check_code_size", "reconstruction_mse"),
}
"""Each old module's public names, as the flat module defined them."""

OLD_AUTOENCODER = (
    "Autoencoder", "AutoencoderConfig", "AutoencoderModelConfig", "AutoencoderRun", "NORMALIZE", "PCA",
    "PREDICT_TARGETS", "WindowAutoencoder", "load_autoencoder", "load_autoencoder_config", "load_pca",
    "next_bar_target", "per_asset_windows", "reconstruction_mse", "resolve_predict_target", "run_config",
    "save_autoencoder", "split_window_sets", "split_windows", "train_autoencoder")
"""The old ``feature_nets.autoencoder`` module's public names; the path is now the wing's package."""

HOMES = ("feature_nets.windows", "feature_nets.forecast.", "feature_nets.autoencoder.", "tradegym.data.config")


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_an_old_module_path_is_the_moved_module_with_every_old_name(old: str) -> None:
    new = MOVED[old]
    module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    for name in OLD_NAMES[old]:
        obj = getattr(module, name)
        home = getattr(obj, "__module__", None)
        assert home is None or home.startswith(HOMES), (old, name, home)  # defined at its new home, not copied


def test_the_autoencoder_package_re_exports_the_old_module() -> None:
    import feature_nets.autoencoder as package
    from feature_nets.autoencoder import config, networks, pca, train

    homes = {name: module for module in (config, networks, pca, train) for name in module.__all__}
    homes.update({"NORMALIZE": config, "PREDICT_TARGETS": config})
    for name in OLD_AUTOENCODER:
        assert getattr(package, name) is getattr(homes[name], name), name
    # The observation names load lazily (stable-baselines3); they are still the package's.
    from feature_nets.autoencoder.observation import CompressedExtractor

    assert package.CompressedExtractor is CompressedExtractor


def test_the_forecast_package_re_exports_every_old_forecast_name() -> None:
    import feature_nets.forecast as package

    for old in ("feature_nets.forecast_eval", "feature_nets.forecast_obs"):
        for name in OLD_NAMES[old]:
            assert getattr(package, name) is getattr(importlib.import_module(MOVED[old]), name), (old, name)


@pytest.mark.parametrize(("old", "new"), [
    ("feature_nets.forecast_obs:forecast_env", "feature_nets.forecast.observation:forecast_env"),
    ("feature_nets.compressed_obs:CompressedPortfolioEnv", "feature_nets.autoencoder.observation:CompressedPortfolioEnv"),
    ("feature_nets.compressed_obs:CompressedExtractor", "feature_nets.autoencoder.observation:CompressedExtractor"),
    ("feature_nets.forecasters:load_market", "feature_nets.windows:load_market"),
    ("feature_nets.forecasters:ForecastDataConfig", "feature_nets.windows:ForecastDataConfig"),
])
def test_old_module_attr_strings_resolve_to_the_moved_objects(old: str, new: str) -> None:
    assert import_object(old) is import_object(new)


def test_a_pickle_naming_an_old_path_loads_the_moved_class() -> None:
    from feature_nets.forecast.config import ForecastConfig

    assert pickle.loads(b"cfeature_nets.forecasters\nForecastConfig\n.") is ForecastConfig  # noqa: S301


def test_old_paths_import_first_in_a_fresh_interpreter() -> None:
    code = (
        "import importlib\n"
        f"old = {sorted(OLD_NAMES)!r}\n"
        "mods = [importlib.import_module(m) for m in old]\n"
        "from feature_nets._moved import MOVED\n"
        "assert all(m is importlib.import_module(MOVED[n]) for m, n in zip(mods, old)), 'not the moved module'\n"
        "from feature_nets.forecasters import ForecastDataConfig, load_market\n"
        "import feature_nets.windows as w\n"
        "assert ForecastDataConfig is w.ForecastDataConfig and load_market is w.load_market\n"
        "print('ok')\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert out.stdout.strip() == "ok", out.stderr
