"""The package's shape: its public names, the old flat module paths, the protocols, no import cycles."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import feature_nets.gan as gan

GAN_NAMES = {
    "BARS", "SELECT", "VOLUME_LOOKBACK", "SOFT_CLIP", "WINDOW_STATISTICS",
    "GanConfig", "GanDataConfig", "GanModelConfig", "GanTrainConfig", "load_gan_config", "run_config",
    "BarCodec", "Generator", "Critic", "row_corr", "window_statistics", "statistics_quantiles", "facts_loss",
    "gradient_penalty", "stylized_gap", "GanModel", "GanRun", "snapshot_name", "train_gan", "load_gan",
    "calibrate_mean", "gan_market",
}
"""Every public name the flat ``feature_nets/gan.py`` defined."""

OLD_MODULES = {
    "feature_nets.gan_controls": ("feature_nets.gan.controls", [
        "Generator", "RowGenerator", "check_returns", "Replay", "TimeShuffled", "IidDays", "BlockBootstrap",
        "GaussianReturns", "GarchT", "CONTROL_NAMES", "fit_controls", "RowReplay", "RandomWalkRows",
        "IidGaussianRows"]),
    "feature_nets.gan_eval": ("feature_nets.gan.evaluate", [
        "HORIZONS", "DISC_COLUMNS", "GanEvaluation", "evaluate_generators", "judge_block", "TIMEGAN_COLUMNS",
        "googl_rows", "row_controls", "protocol_a"]),
    "feature_nets.gan_facts": ("feature_nets.gan.facts", [
        "QUANTILES", "check_windows", "log_returns", "cut_windows", "acf", "leverage", "StylizedFacts",
        "stylized_facts", "horizon_returns", "wasserstein_by_horizon", "nearest_distance", "memorization"]),
    "feature_nets.gan_judges": ("feature_nets.gan.judges", [
        "GruJudge", "train_judge", "judge_accuracy", "timegan_hidden", "discriminative_score",
        "predictive_score", "TimeSplit", "time_split", "return_channels", "time_split_judge", "judge_windows"]),
    "feature_nets.gan_plots": ("feature_nets.gan.plots", ["plot_facts"]),
    "feature_nets.gan_report": ("feature_nets.gan.report", [
        "QUICK", "QUICK_A", "GanRows", "plot_sample_paths", "evaluate_gan_run"]),
    "feature_nets.gan_select": ("feature_nets.gan.select", [
        "snapshots", "interleaved_windows", "TrainingSplitJudge", "select_snapshot", "select_runs"]),
}
"""Old flat module -> (its new home, the public names it defined)."""


def test_the_package_exports_exactly_the_names_of_the_flat_module() -> None:
    assert set(gan.__all__) == GAN_NAMES
    for name in GAN_NAMES:
        value = getattr(gan, name)
        home = importlib.import_module(f"feature_nets.gan.{gan._HOME[name]}")
        assert value is getattr(home, name)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        gan.nope  # noqa: B018


def test_the_data_source_string_resolves_to_gan_market() -> None:
    from feature_nets.gan.model import gan_market
    from tradegym.data import SOURCES

    assert SOURCES.resolve("gan") is gan_market
    assert SOURCES.resolve("feature_nets.gan:gan_market") is gan_market


@pytest.fixture
def aliases_first(monkeypatch):
    """Put the alias finder ahead of an editable install's finder.

    A development venv installed editable from another checkout that still has the flat files
    would otherwise serve that checkout's stale ``gan_*.py``; an install without them (a wheel,
    or this checkout) reaches the alias finder either way.
    """
    from feature_nets import _moved

    finders = [f for f in sys.meta_path if isinstance(f, _moved._AliasFinder)]
    monkeypatch.setattr(sys, "meta_path", finders + [f for f in sys.meta_path if f not in finders])
    for old in OLD_MODULES:
        monkeypatch.delitem(sys.modules, old, raising=False)


@pytest.mark.parametrize("old", sorted(OLD_MODULES))
def test_an_old_module_path_imports_and_gives_the_same_objects(old, aliases_first) -> None:
    new, names = OLD_MODULES[old]
    module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    for name in names:
        assert getattr(module, name) is getattr(importlib.import_module(new), name), name
    assert getattr(__import__(old, fromlist=[names[0]]), names[0]) is getattr(module, names[0])


def test_old_names_are_aliases_of_the_new_ones() -> None:
    from feature_nets.gan import controls, facts, protocols, report

    assert controls.Generator is protocols.ReturnSampler and controls.RowGenerator is protocols.RowSampler
    assert facts.log_returns is facts.closes_to_log_returns
    assert report.GanRows is report.SamplerRows


def test_models_and_controls_satisfy_the_evaluation_protocols(tiny_run) -> None:
    import numpy as np

    from feature_nets.gan.controls import RowReplay, fit_controls
    from feature_nets.gan.protocols import MarketSampler, ReturnSampler, RowSampler

    assert isinstance(tiny_run.model, MarketSampler) and isinstance(tiny_run.model, ReturnSampler)
    assert tiny_run.model.fields == tiny_run.model.codec.fields
    rows = np.random.default_rng(0).normal(0, 0.01, (200, 2))
    assert all(isinstance(c, ReturnSampler) for c in fit_controls(rows, ("replay", "gbm")).values())
    assert isinstance(RowReplay(rows), RowSampler) and not isinstance(RowReplay(rows), ReturnSampler)


def test_evaluation_modules_take_no_gan_model() -> None:
    """Evaluation reads the protocols only: a second generator family is one new module."""
    package = Path(gan.__file__).parent
    for name in ("evaluate", "controls", "facts", "judges", "plots", "protocols"):
        tree = ast.parse((package / f"{name}.py").read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not imported & {"feature_nets.gan.model", "feature_nets.gan.train", "feature_nets.gan.networks"}, name


def test_the_package_has_no_import_cycles() -> None:
    package = Path(gan.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):  # function-level imports too
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("feature_nets.gan."):
                deps.add(node.module.split(".")[2])
        graph[path.stem] = deps - {path.stem}
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, f"import cycle: {' -> '.join((*trail, name))}"
        if name not in done:
            for dep in graph.get(name, ()):
                visit(dep, (*trail, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_importing_the_statistics_does_not_load_torch() -> None:
    """The package's __init__ is light: facts, controls and protocols need numpy only."""
    code = ("import sys, feature_nets.gan.facts, feature_nets.gan.controls, feature_nets.gan.protocols; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(gan.__file__).parents[2])
