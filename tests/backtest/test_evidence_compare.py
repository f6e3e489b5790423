"""compare_evidence on real backtests: a record per policy, SPA over the rest, honest words."""

from __future__ import annotations

import json
import math

import pytest

from tests.conftest import make_market
from tradegym.backtest import backtest
from tradegym.backtest.evidence import compare_evidence, sharpe_difference, sharpe_interval, verdict
from tradegym.errors import ConfigError, DataError

ENV = {"window_bars": 10}


@pytest.fixture(scope="module")
def results():
    market = make_market(400, 3, ohlc=False, seed=4)
    return [backtest(name, market, env_kwargs=ENV) for name in ("buy_and_hold", "cash", "equal_weight")]


def test_every_result_gets_a_record_and_the_others_an_spa(results) -> None:
    evidence = compare_evidence(results, n_resamples=99, seed=1)
    assert [r.name for r in evidence.records] == ["buy_and_hold", "cash", "equal_weight"]
    bh, cash, ew = evidence.records
    direct = sharpe_interval(results[0].returns, n_resamples=99, seed=1)
    assert (bh.sharpe, bh.ci_low, bh.ci_high) == (direct.sharpe, direct.ci_low, direct.ci_high)
    assert bh.sharpe == pytest.approx(results[0].metrics["sharpe"], rel=1e-12)
    test = sharpe_difference(results[0].returns, results[2].returns, n_resamples=99, seed=1)
    assert (bh.difference, bh.p_value) == (test.difference, test.p_value)
    assert bh.verdict == verdict("buy_and_hold", "equal_weight", test.difference, test.p_value)
    assert 0 < bh.psr < 1 and bh.beta > 0.5 and bh.tracking_error > 0
    assert ew.verdict == "the benchmark" and math.isnan(ew.difference) and math.isnan(ew.p_value)
    assert math.isnan(cash.sharpe) and cash.verdict.startswith("cash cannot be tested against equal_weight")
    assert evidence.spa is not None and evidence.spa.n_candidates == 2
    assert evidence.n_bars == len(results[0].returns) and evidence.benchmark == "equal_weight"
    json.dumps(evidence.to_dict(), allow_nan=False)
    assert list(evidence.to_frame().index) == ["buy_and_hold", "cash", "equal_weight"]


def test_a_missing_benchmark_lists_the_names_there_are(results) -> None:
    with pytest.raises(ConfigError, match=r"benchmark 'equal_wieght' is not among the results. Did you mean "
                                          r"'equal_weight'\? Available: buy_and_hold, cash, equal_weight"):
        compare_evidence(results, benchmark="equal_wieght")


def test_results_need_distinct_names_and_shared_bars(results) -> None:
    with pytest.raises(ConfigError, match=r"results share the name\(s\) \['cash'\]"):
        compare_evidence([results[1], results[1], results[2]])
    import dataclasses

    short = dataclasses.replace(results[0], returns=results[0].returns.iloc[:20])
    with pytest.raises(DataError, match="the results share 20 bars, fewer than the 30"):
        compare_evidence([short, results[2]])


def test_a_benchmark_alone_has_no_spa(results) -> None:
    evidence = compare_evidence([results[2]], n_resamples=49)
    assert evidence.spa is None and evidence.to_dict()["spa"] is None


@pytest.mark.parametrize(("difference", "p_value", "words"), [
    (0.42, 0.01, "ppo beats equal_weight by 0.42 Sharpe (p = 0.01)"),
    (0.42, 0.004, "ppo beats equal_weight by 0.42 Sharpe (p = 0.004)"),
    (-0.3, 0.0001, "ppo trails equal_weight by 0.30 Sharpe (p < 0.001)"),
    (0.12, 0.71, "ppo is not distinguishable from equal_weight (Sharpe difference +0.12, p = 0.71)"),
    (-0.9, 0.05, "ppo is not distinguishable from equal_weight (Sharpe difference -0.90, p = 0.05)"),
    (float("nan"), float("nan"), "ppo cannot be tested against equal_weight (a Sharpe ratio is undefined)"),
])
def test_verdict_says_no_more_than_the_test_shows(difference: float, p_value: float, words: str) -> None:
    assert verdict("ppo", "equal_weight", difference, p_value) == words
