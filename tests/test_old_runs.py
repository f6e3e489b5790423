"""A run directory written before the consolidation still backtests and resumes.

``tests/fixtures/runs/agent_f146e8a`` was written by ``tradegym train`` at commit f146e8a
(PPO + MLP, 1,024 steps on three sp500_stocks symbols). Its backtest must give the same
numbers as it did then, and it must resume under today's code.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tradegym.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "runs" / "agent_f146e8a"


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(FIXTURE, run)
    return run


def test_old_run_backtests_to_the_numbers_it_gave_when_written(old_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "bt"
    assert main(["backtest", str(old_run), "--out", str(out), "--baselines", "none"]) == 0
    records = json.loads((out / "metrics.json").read_text())
    # The benchmark every row is tested against is backtested too (unless --benchmark none).
    assert [r["policy"] for r in records] == ["ppo_mlp", "equal_weight"]
    record = records[0]
    # Printed by `tradegym backtest RUN --baselines none` at f146e8a.
    assert record["policy"] == "ppo_mlp"
    assert (record["start"], record["end"], record["bars"]) == ("2021-10-18", "2022-12-28", 301)
    assert record["sharpe"] == pytest.approx(-0.48280089353613775, rel=1e-9)
    assert record["total_costs"] == pytest.approx(0.005589414276333939, rel=1e-9)


def test_old_run_resumes_from_its_checkpoint(old_run: Path) -> None:
    from agents.train import train

    done = train(resume=old_run, overrides=["train.total_timesteps=1536"], echo=lambda _: None)
    assert done.timesteps == 1536
    assert json.loads((old_run / "run.json").read_text())["status"] == "finished"
