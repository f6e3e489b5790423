"""The static report (static=True): PNG charts, every image embedded in report_static.html and
decodable, renders in Chromium; the evidence in the tables and files. The interactive
report.html is tested in test_tearsheet.py."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_market
from tradegym.backtest import backtest
from tradegym.backtest.report import report
from tradegym.errors import ConfigError

IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    data = make_market(300, 4, ohlc=False, seed=2)
    results = [backtest(lambda obs: np.array([0.0, 1, 1, 1, 1], np.float32), data,
                        env_kwargs={"window_bars": 10}, name="my_policy")]
    results += [backtest(b, data, env_kwargs={"window_bars": 10})
                for b in ("cash", "equal_weight", "min_variance")]
    out = tmp_path_factory.mktemp("report")
    lines: list[str] = []
    folds = pd.DataFrame({"fold": [0, 1], "agent Sharpe": ["0.50 ± 0.10", "0.20 ± 0.30"]})
    paths = report(results, out, lines.append, tables={"Per fold": folds}, static=True)
    return out, paths, lines, results


def test_report_writes_charts_metrics_and_html(written) -> None:
    out, paths, lines, _ = written
    names = sorted(p.name for p in paths)
    assert names == ["equity.csv", "equity.png", "evidence.json", "metrics.csv", "metrics.json",
                     "report.html", "report_static.html", "returns.csv", "rolling_sharpe.png",
                     "trades.csv", "weights.csv", "weights_my_policy.png"]
    assert paths[-1].name == "report.html"
    assert lines[-1] == f"report: {(out / 'report.html').resolve().as_uri()}"
    assert any("Per fold" in line for line in lines)  # extra tables are printed too


def test_html_is_self_contained_and_every_image_decodes(written) -> None:
    out, _, _, results = written
    text = (out / "report_static.html").read_text()
    assert "http://" not in text and "https://" not in text  # nothing fetched from a network
    images = IMAGE.findall(text)
    assert len(images) == 3  # equity+drawdown, rolling Sharpe, weights of the policy
    for payload in images:
        pixels = mpimg.imread(io.BytesIO(base64.b64decode(payload)), format="png")
        assert pixels.shape[0] > 200 and pixels.shape[1] > 600
        assert pixels[..., :3].std() > 0.05  # a chart, not a blank canvas
    for r in results:
        assert f"<td>{r.name}</td>" in text
    assert "Per fold" in text and "0.50 ± 0.10" in text
    assert 'class="policy"' in text  # the policy under test is marked, baselines are not


def test_report_states_the_evidence_against_the_benchmark(written) -> None:
    """Table columns, a verdict in words, SPA, and the numbers with their methods in the files."""
    import json

    from tradegym.backtest.evidence import compare_evidence

    out, _, lines, results = written
    header = next(line for line in lines if line.startswith("policy"))
    assert "Sharpe 95% CI" in header and "p vs equal_weight" in header
    expected = compare_evidence(results, benchmark="equal_weight")
    mine = next(r for r in expected.records if r.name == "my_policy")
    assert mine.verdict in lines  # the policy under test gets its sentence
    assert any(line.startswith("SPA over the 3 other rows: p = ") for line in lines)
    records = {r["policy"]: r for r in json.loads((out / "metrics.json").read_text())}
    assert records["my_policy"]["p_value"] == pytest.approx(mine.p_value)
    assert records["my_policy"]["sharpe_ci_low"] == pytest.approx(mine.ci_low)
    assert records["equal_weight"]["p_value"] is None  # the benchmark is not tested against itself
    evidence = json.loads((out / "evidence.json").read_text())
    assert evidence["benchmark"] == "equal_weight" and "Ledoit & Wolf" in evidence["methods"]["p_value"]
    html = (out / "report.html").read_text()
    assert mine.verdict in html and "Ledoit &amp; Wolf" in html


def test_report_without_the_benchmark_says_so(tmp_path) -> None:
    data = make_market(200, 3, ohlc=False, seed=3)
    results = [backtest(b, data, env_kwargs={"window_bars": 10}) for b in ("cash", "min_variance")]
    lines: list[str] = []
    paths = report(results, tmp_path, lines.append)
    assert any("no equal_weight row to measure against" in line and "--benchmark" in line for line in lines)
    assert "evidence.json" not in {p.name for p in paths}
    assert {p.name for p in paths} == {"metrics.csv", "metrics.json", "report.html", "equity.csv",
                                       "returns.csv", "weights.csv", "trades.csv"}  # no PNGs unless static
    assert "Sharpe 95% CI" not in next(line for line in lines if line.startswith("policy"))


def test_report_needs_results(tmp_path) -> None:
    with pytest.raises(ConfigError, match="at least one"):
        report([], tmp_path)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package 'chromium')")
def test_report_renders_in_headless_chromium(written) -> None:
    """Chromium loads the file offline and decodes every image (the report's own onload count)."""
    out, *_ = written
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
         "--dump-dom", (out / "report_static.html").resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-images-loaded="3"' in body and 'data-images-broken="0"' in body
