"""Sweeps: the sweep file, the Tune space, the results table and a 2-trial sweep on local Ray."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from agents.config import load_run_config
from agents.sweep import _best, _record, _scheduler, _searcher, search_space
from agents.sweep_config import check_trials, load_sweep_config
from tests.agents.test_train import PPO_TINY, TINY
from tradegym.cli import main
from tradegym.errors import ConfigError

LR = "agent.hyperparams.learning_rate"


def tiny_sweep(**extra):
    return {"name": "t", "base": "ppo_lstm", "overrides": [*TINY, *PPO_TINY], **extra}


def test_tiny_sweep_file_uses_the_training_tests_tiny_budget() -> None:
    cfg = load_sweep_config("tiny")
    assert cfg.overrides == [*TINY, *PPO_TINY]
    assert check_trials(cfg).agent.hyperparams[LR.rsplit(".", 1)[-1]] == 0.0003


@pytest.mark.parametrize(("extra", "message"), [
    ({"space": {LR: {"logunifrm": [1e-5, 1e-3]}}},
     "space.agent.hyperparams.learning_rate: unknown kind 'logunifrm'. Did you mean 'loguniform'?"),
    ({"space": {LR: {"loguniform": [0, 1e-3]}}}, r"loguniform needs \[lo, hi\] with lo < hi and lo > 0"),
    ({"space": {LR: {"uniform": ["a", 1]}}}, r"uniform needs \[lo, hi\] with lo < hi, got \['a', 1\]"),
    ({"space": {LR: {"choice": []}}}, "choice needs a non-empty list"),
    ({"space": {LR: {"uniform": [0.1, 0.2]}}, "search": "grid"}, "search: grid needs listed values"),
    ({"space": {LR: {"grid": [0.1, 0.2]}}, "search": "optuna"}, "Optuna cannot search a grid; use choice"),
    ({"metric": "val_sharp"}, "metric 'val_sharp' is not one of .* Did you mean 'val_sharpe'?"),
    ({"seeds": []}, "needs at least one seed"),
    ({"sheduler": {}}, "unknown key 'sheduler'. Did you mean 'scheduler'?"),
])
def test_bad_sweep_files_are_rejected_with_the_reason(extra, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_sweep_config(tiny_sweep(**extra))


def test_a_space_key_that_is_not_a_config_key_is_caught_before_ray_starts() -> None:
    cfg = load_sweep_config(tiny_sweep(space={"agent.extractr": {"choice": ["lstm", "gru"]}}))
    with pytest.raises(ConfigError, match="sweep t: config: unknown key 'agent.extractr'. Did you mean"):
        check_trials(cfg)


def test_every_listed_value_is_checked_against_the_key_type() -> None:
    cfg = load_sweep_config(tiny_sweep(space={"train.n_envs": {"choice": [2, "four"]}}))
    with pytest.raises(ConfigError, match="train.n_envs: expected an integer, got 'four'"):
        check_trials(cfg)


def test_yaml_exponents_without_a_dot_are_read_as_numbers(tmp_path) -> None:
    (tmp_path / "s.yaml").write_text("base: ppo_lstm\nspace:\n  agent.hyperparams.learning_rate: "
                                     "{loguniform: [1e-5, 1e-3]}\n")
    cfg = load_sweep_config(tmp_path / "s.yaml")
    assert cfg.name == "s"
    assert check_trials(cfg).agent.hyperparams["learning_rate"] == pytest.approx(1e-5)


def test_space_maps_to_tune_domains_with_the_seeds_as_a_grid() -> None:
    from ray import tune

    cfg = load_sweep_config(tiny_sweep(seeds=[0, 1], space={
        LR: {"loguniform": [1e-5, 1e-3]}, "agent.extractor": {"choice": ["lstm", "gru"]},
        "agent.hyperparams.n_epochs": {"randint": [1, 3]}, "agent.hyperparams.gamma": {"grid": [0.9, 0.99]}}))
    space = search_space(cfg)
    assert isinstance(space[LR], tune.search.sample.Float)
    assert space[LR].lower == 1e-5 and space[LR].upper == 1e-3
    assert space["agent.extractor"].categories == ["lstm", "gru"]
    assert (space["agent.hyperparams.n_epochs"].lower, space["agent.hyperparams.n_epochs"].upper) == (1, 4)
    assert space["agent.hyperparams.gamma"] == {"grid_search": [0.9, 0.99]}
    assert space["seed"] == {"grid_search": [0, 1]}
    grid = search_space(load_sweep_config(tiny_sweep(search="grid", space={"agent.extractor": {
        "choice": ["lstm", "gru"]}})))
    assert grid["agent.extractor"] == {"grid_search": ["lstm", "gru"]}


def test_every_seed_of_a_random_point_trains_the_same_values() -> None:
    from ray.tune.search.variant_generator import generate_variants

    cfg = load_sweep_config(tiny_sweep(seeds=[0, 1, 2], space={LR: {"loguniform": [1e-5, 1e-3]}}))
    variants = [spec for _, spec in generate_variants(search_space(cfg), constant_grid_search=True)]
    assert sorted(v["seed"] for v in variants) == [0, 1, 2]
    assert len({v[LR] for v in variants}) == 1


def test_max_concurrent_limits_the_trials_at_once() -> None:
    assert _searcher(load_sweep_config(tiny_sweep(max_concurrent=1))).max_concurrent == 1
    assert _searcher(load_sweep_config(tiny_sweep())).max_concurrent == 0  # as the CPUs allow


def test_asha_counts_timesteps_up_to_the_training_budget() -> None:
    cfg = load_sweep_config("tiny")
    asha = _scheduler(cfg, check_trials(cfg))
    assert (asha._time_attr, asha._max_t, asha._reduction_factor) == ("timesteps", 128, 2)
    assert [t for t, _ in asha._brackets[0]._rungs] == [128, 64]  # rungs from the grace period (Ray internals)
    bad = load_sweep_config(tiny_sweep(scheduler={"asha": {"grace_period": 1000}}))
    with pytest.raises(ConfigError, match=r"grace_period <= max_t \(128\)"):
        _scheduler(bad, check_trials(bad))


def fake_result(seed, lr, sharpes, *, finished=True, error=None, index=0):
    history = pd.DataFrame({"val_sharpe": sharpes, "timesteps": [64 * (i + 1) for i in range(len(sharpes))]})
    metrics = {"trial": f"trial-{index:04d}-s{seed}", "timesteps": 64 * len(sharpes),
               "time_total_s": 30.0 + index, **({"finished": True} if finished else {})}
    return SimpleNamespace(config={LR: lr, "seed": seed}, metrics={} if error else metrics,
                           metrics_dataframe=None if error else history, error=error,
                           path=f"/x/_trial_1a2b3_{index:05d}_{index}_lr={lr}")


def test_best_config_is_the_best_mean_over_seeds_and_stopped_trials_are_not_ranked(tmp_path) -> None:
    cfg = load_sweep_config(tiny_sweep(seeds=[0, 1], space={LR: {"choice": [1e-4, 1e-3, 1e-2]}}))
    results = [
        fake_result(0, 1e-4, [0.1, 2.0], index=0), fake_result(1, 1e-4, [-1.5], index=1),  # mean 0.25
        fake_result(0, 1e-3, [0.3, 0.5], index=2), fake_result(1, 1e-3, [0.4], index=3),  # mean 0.45
        fake_result(0, 1e-2, [3.0], finished=False, index=4),  # stopped by ASHA: partial budget
        fake_result(1, 1e-2, [], error=RuntimeError("boom\nValueError: bad batch"), index=5),
    ]
    records = [_record(r, cfg, tmp_path) for r in results]
    assert [r["status"] for r in records] == ["finished"] * 4 + ["stopped", "error"]
    assert records[0]["best_val_sharpe"] == 2.0 and records[0]["wall_s"] == 30.0
    assert records[4]["wall_s"] == 34.0 and records[5]["trial"] == "trial-0005-s1"
    assert records[5]["error"] == "ValueError: bad batch"
    assert records[2]["overrides"] == "agent.hyperparams.learning_rate=0.001"
    best_cfg, best_run, line = _best(records, cfg)
    assert best_cfg.agent.hyperparams["learning_rate"] == 1e-3 and best_cfg.train.seed == 0
    assert best_run == tmp_path / "trial-0002-s0"
    assert "mean best val_sharpe 0.450 over 2 seed(s); best run trial-0002-s0" in line


def test_without_ray_the_command_says_how_to_install_it(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` raise ImportError
    assert main(["sweep", "--config", "tiny"]) == 2
    assert "pip install 'tradegym[distributed]'" in capsys.readouterr().err


def test_two_trial_sweep_on_local_ray_writes_runs_table_best_config_and_backtest(tmp_path, capsys) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "--config", "tiny", "--out", str(out), "--num-cpus", "2"]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "trials.csv")
    assert list(table.columns) == ["trial", "overrides", "seed", "best_val_sharpe", "timesteps", "wall_s",
                                   "status"]
    assert sorted(table["trial"]) == ["trial-0000-s0", "trial-0001-s0"]
    assert set(table["status"]) <= {"finished", "stopped"} and "finished" in set(table["status"])
    for row in table.itertuples():
        run = out / row.trial  # the ordinary run directory, not Ray's
        assert (run / "run.json").is_file() and (run / "eval.csv").is_file()
        cfg = load_run_config(run / "config.yaml")
        assert row.overrides == f"{LR}={cfg.agent.hyperparams['learning_rate']}" and cfg.train.seed == 0
        assert row.trial in printed
    assert sorted(table["overrides"]) == [f"{LR}=0.0003", f"{LR}=0.001"]
    finished = table[table["status"] == "finished"]
    assert (finished["timesteps"] >= 128).all() and (finished["wall_s"] > 0).all()
    best = load_run_config(out / "best_config.yaml")
    assert best.name == "tiny-best" and best.train.total_timesteps == 128
    best_trial = finished.loc[finished["best_val_sharpe"].idxmax(), "trial"]
    assert best.agent.hyperparams["learning_rate"] == load_run_config(
        out / best_trial / "config.yaml").agent.hyperparams["learning_rate"]
    assert (out / best_trial / "backtest-test" / "report.html").is_file()
    assert (out / "ray" / "tiny").is_dir()  # Ray's own files stay in the output folder
    # The multiple-testing view counts every trial run, from each kept model's validation returns.
    assert all((out / t / "val_returns.csv").is_file() for t in table["trial"])
    assert "over all 2 trials run" in printed and "SPA over the trials vs equal_weight" in printed
    assert json.loads((out / "multiple_testing.json").read_text())["n_trials"] == 2
    with pytest.raises(ConfigError, match="already holds trials"):
        from agents.sweep import sweep

        sweep("tiny", out=out)


def test_optuna_search_runs_each_point_once_per_seed(tmp_path) -> None:
    pytest.importorskip("optuna")
    from agents.sweep import sweep

    cfg = load_sweep_config(tiny_sweep(name="opt", search="optuna", seeds=[0, 1], max_concurrent=2,
                                       space={LR: {"loguniform": [1e-4, 1e-3]}}))
    result = sweep(cfg, out=tmp_path, backtest=False, echo=lambda _: None)
    table = result.trials.sort_values("seed")
    assert list(table["seed"]) == [0, 1] and table["overrides"].nunique() == 1  # one point, two seeds
    for row in table.itertuples():
        assert load_run_config(tmp_path / row.trial / "config.yaml").train.seed == row.seed
    assert result.best_config.agent.hyperparams["learning_rate"] == pytest.approx(
        float(table["overrides"].iloc[0].split("=")[1]), rel=1e-3)
