"""The interactive report: one file, plotly.js once, stable colours, its sections, and a real
browser that renders every chart without a console error."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_market
from tradegym.backtest import backtest, report_html
from tradegym.backtest.baselines import BASELINES
from tradegym.backtest.report import report
from tradegym.backtest.tearsheet.browser import check_report, find_chromium, screenshot
from tradegym.backtest.tearsheet.colours import ASSET_PALETTE, asset_colours, policy_style

CHART = re.compile(r'<div class="chart tearsheet-chart">')


@pytest.fixture(scope="module")
def market():
    return make_market(300, 4, ohlc=False, seed=2)


@pytest.fixture(scope="module")
def written(tmp_path_factory, market):
    results = [backtest(lambda obs: np.array([0.0, 1, 2, 1, 1], np.float32), market,
                        env_kwargs={"window_bars": 10}, name=f"my_policy_s{seed}") for seed in (0, 1)]
    results += [backtest(b, market, env_kwargs={"window_bars": 10})
                for b in ("cash", "equal_weight", "equal_weight_monthly", "min_variance")]
    out = tmp_path_factory.mktemp("tearsheet")
    lines: list[str] = []
    folds = pd.DataFrame({"fold": [0, 1], "agent Sharpe": ["0.50 ± 0.10", "0.20 ± 0.30"]})
    paths = report(results, out, lines.append, tables={"Per fold": folds}, market=market,
                   provenance={"split": "train", "run directory": "/runs/x"}, in_sample=True,
                   events=[(results[0].equity.index[100], "fold 1")])
    return out, paths, lines, results


def test_colours_are_stable_and_baselines_are_secondary() -> None:
    for name in BASELINES.names():
        style = policy_style(name)
        assert style["baseline"] and style["width"] < 2 and style["dash"] != "solid"
    agent = policy_style("ppo_lstm_s0")
    assert agent == policy_style("ppo_lstm_s0") and agent["dash"] == "solid" and agent["width"] > 2
    variants = {policy_style(n)["dash"] for n in ("equal_weight", "equal_weight_weekly", "equal_weight_monthly")}
    assert len(variants) == 3  # overlapping curves stay distinguishable
    colours = {policy_style(n)["color"] for n in BASELINES.names() if not n.startswith("equal_weight")}
    assert len(colours) == len([n for n in BASELINES.names() if not n.startswith("equal_weight")])


def test_asset_colours_never_repeat_below_32_assets() -> None:
    columns = ["cash", *(f"S{i}" for i in range(31)), "other"]
    colours = asset_colours(columns)
    assert len(set(colours.values())) == len(columns)  # cash and other have their own
    assert colours["S0"] == ASSET_PALETTE[0] and asset_colours(columns) == colours


def test_report_is_one_file_with_plotly_inlined_once(written) -> None:
    from plotly.offline import get_plotlyjs

    out, paths, lines, _ = written
    assert [p.name for p in paths] == ["metrics.csv", "metrics.json", "evidence.json", "equity.csv",
                                       "returns.csv", "weights.csv", "trades.csv", "report.html"]
    text = (out / "report.html").read_text()
    assert text.count(get_plotlyjs()[:200]) == 1  # the library once, not per chart
    assert "<script src=" not in text and "<link" not in text  # nothing fetched
    assert len(CHART.findall(text)) == text.count("Plotly.newPlot")
    assert lines[-1] == f"report: {(out / 'report.html').resolve().as_uri()}"


def test_report_has_every_section_that_applies(written) -> None:
    out, _, _, results = written
    text = (out / "report.html").read_text()
    for key in ("metrics", "equity", "periods", "distribution", "rolling", "weights", "contributions",
                "costs", "seeds", "tables", "provenance", "conventions"):
        assert f'<section id="{key}">' in text, key
    assert "In-sample: this period overlaps" in text
    assert "worst" in text and "drawdowns</h3>" in text and "Per fold" in text and "0.50 ± 0.10" in text
    assert "Sharpe 95% CI" in text and "p vs equal_weight" in text and "up capture" in text
    assert "/runs/x" in text and "tradegym version" in text and "A0, A1, A2, A3" in text
    seed_names = [r.name for r in results if r.name.startswith("my_policy_s")]
    assert "my_policy: equity of 2 seeds" in text and all(n in text for n in seed_names)


def test_report_without_market_or_benchmark_leaves_those_parts_out(tmp_path, market) -> None:
    results = [backtest(b, market, env_kwargs={"window_bars": 10}) for b in ("inverse_vol", "cash")]
    path = results[0].report(tmp_path, results[1:], benchmark=None, echo=lambda _: None)
    text = path.read_text()
    assert path.name == "report.html" and "In-sample" not in text
    assert "need the market the backtests ran on" in text and "up capture" not in text
    assert '<section id="seeds">' not in text and "no benchmark: beta left out" in text


def test_benchmark_series_from_a_data_spec_is_a_row_the_evidence_uses(tmp_path, market) -> None:
    """A one-series CSV as the benchmark: its returns on the backtest's bars, evidence against it."""
    rng = np.random.default_rng(5)
    csv = tmp_path / "INDEX.csv"
    pd.DataFrame({"Date": market.dates, "Close": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(market.dates))))}
                 ).to_csv(csv, index=False)
    results = [backtest(b, market, env_kwargs={"window_bars": 10}) for b in ("inverse_vol", "equal_weight")]
    lines: list[str] = []
    report_html(results, tmp_path / "out", benchmark=f"csv:{csv}", echo=lines.append)
    records = {r["policy"]: r for r in json.loads((tmp_path / "out" / "metrics.json").read_text())}
    assert set(records) == {"inverse_vol", "equal_weight", f"csv:{csv}"}
    assert records[f"csv:{csv}"]["turnover"] == 0.0 and records["inverse_vol"]["p_value"] is not None
    assert any("is a benchmark series, not a backtest" in line for line in lines)
    evidence = json.loads((tmp_path / "out" / "evidence.json").read_text())
    assert evidence["benchmark"] == f"csv:{csv}"


def test_benchmark_series_missing_dates_is_left_out_with_a_reason(tmp_path, market) -> None:
    csv = tmp_path / "SHORT.csv"
    pd.DataFrame({"Date": market.dates[:50], "Close": np.linspace(100, 110, 50)}).to_csv(csv, index=False)
    results = [backtest(b, market, env_kwargs={"window_bars": 10}) for b in ("inverse_vol", "equal_weight")]
    lines: list[str] = []
    report(results, tmp_path / "out", lines.append, benchmark=f"csv:{csv}")
    assert any(line.startswith(f"benchmark series csv:{csv} left out:") for line in lines)


CHROMIUM = find_chromium()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package 'chromium'; .ci/run installs it)")
def test_report_renders_every_chart_in_chromium_without_console_errors(written, tmp_path) -> None:
    out, *_ = written
    text = (out / "report.html").read_text()
    state = check_report(out / "report.html")
    assert state["status"] == "done", state
    assert state["js_errors"] == 0 and state["errors"] == [], state["errors"]
    assert state["charts_expected"] == len(CHART.findall(text)) == state["charts_rendered"] >= 10
    assert state["main_svg"] >= state["charts_rendered"]  # plotly drew an svg for each
    png = screenshot(out / "report.html", tmp_path / "top.png", height=1200)
    assert png.stat().st_size > 20_000


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package 'chromium'; .ci/run installs it)")
def test_the_browser_check_sees_a_console_error(written, tmp_path) -> None:
    """The negative control: an error thrown by the page is counted, so zero above means zero."""
    out, *_ = written
    broken = tmp_path / "broken.html"
    broken.write_text((out / "report.html").read_text().replace(
        "</main>", "<script>console.error('boom'); throw new Error('bad chart');</script></main>", 1))
    state = check_report(broken)
    assert state["js_errors"] == 2 and any("boom" in e for e in state["errors"])
