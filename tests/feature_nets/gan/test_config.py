"""The GAN config: defaults, partial sections and the benchmark configuration."""

from __future__ import annotations


def test_a_partial_data_section_keeps_the_gan_default_source() -> None:
    from feature_nets.gan import load_gan_config

    assert load_gan_config(None, ["data.train=0.5"]).data.source == "us_indices"


def test_the_benchmark_config_is_the_fourth_round_configuration() -> None:
    """benchmarks/gan_us_indices.yaml loads, passes its checks and is what GAN.md measured."""
    from pathlib import Path

    from feature_nets.gan import load_gan_config

    cfg = load_gan_config(Path(__file__).parents[3] / "benchmarks" / "gan_us_indices.yaml")
    assert cfg.model.feedback and cfg.train.facts_weight == 20 and cfg.train.iterations == 2500
    assert cfg.data.source == "us_indices" and cfg.model.bars == "close"


def test_the_committed_run_config_with_the_old_thread_knob_loads() -> None:
    from pathlib import Path

    from feature_nets.gan.config import run_config

    run = Path(__file__).resolve().parents[3] / "docs" / "gan" / "us_indices_generator"
    assert "num_threads: 1" in (run / "config.yaml").read_text()
    cfg = run_config(run)
    assert cfg.train.torch_threads == 1 and cfg.train.device == "cpu"
