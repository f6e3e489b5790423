"""The sweep's multiple-testing view on planted trials: PBO, DSR and SPA say what they should."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents.multiple_testing import sweep_evidence
from tradegym.backtest.evidence import deflated_sharpe


def _records(tmp_path, returns: pd.DataFrame) -> list[dict]:
    records = []
    for name in returns.columns:
        run = tmp_path / name
        run.mkdir()
        returns[name].rename("return").to_csv(run / "val_returns.csv")
        records.append({"trial": name, "run_dir": run, "status": "finished"})
    return records


def _trials(edge: float, seed: int, n: int = 12, bars: int = 800) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=bars)
    data = rng.normal(0.0002, 0.01, size=(bars, n))
    data[:, 0] += edge  # trial 0 has a planted edge on every bar
    return pd.DataFrame(data, index=dates, columns=[f"trial-{i:04d}-s0" for i in range(n)])


def test_a_planted_edge_survives_and_noise_does_not(tmp_path) -> None:
    planted = _trials(0.002, seed=1)
    (tmp_path / "a").mkdir()
    view = sweep_evidence(_records(tmp_path / "a", planted), planted.iloc[:, 1].rename("equal_weight"))
    payload = view["payload"]
    assert payload["n_trials"] == 12 and payload["dsr"]["best"] == "trial-0000-s0"
    assert payload["pbo"]["pbo"] < 0.1 and payload["dsr"]["probability"] > 0.95
    assert payload["spa"]["p_value"] < 0.05
    # The DSR printed is the closed form with the sweep's real trial count and Sharpe spread.
    sharpe = planted.mean() / planted.std(ddof=1) * np.sqrt(252)
    expected = deflated_sharpe(planted["trial-0000-s0"], n_trials=12, trial_sharpe_variance=float(sharpe.var(ddof=1)))
    assert payload["dsr"]["probability"] == pytest.approx(expected.probability)

    noise = _trials(0.0, seed=2)
    (tmp_path / "b").mkdir()
    view = sweep_evidence(_records(tmp_path / "b", noise), None)["payload"]
    assert view["pbo"]["pbo"] > 0.3 and view["dsr"]["probability"] < 0.95 and "spa" not in view


def test_fewer_than_two_trials_with_returns_is_said(tmp_path) -> None:
    records = [{"trial": "trial-0000-s0", "run_dir": tmp_path / "missing", "status": "stopped"}]
    assert sweep_evidence(records, None)["lines"] == [
        "multiple testing: 0 trial(s) with validation returns; needs 2"]
