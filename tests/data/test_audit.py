import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from tradegym.cli import main
from tradegym.data import MarketData, load
from tradegym.data.audit import audit, check_market
from tradegym.errors import DataError, DataWarning

DATES = pd.bdate_range("2014-05-26", periods=30)  # 2014-06-09 is row 10


def clean_frame(seed_shift: float = 0.0) -> pd.DataFrame:
    """OHLCV with small daily moves, consistent bars and no repeated close."""
    t = np.arange(len(DATES))
    close = 100.0 * (1 + 0.005 * np.sin(t + seed_shift))
    open_ = 100.0 * (1 + 0.005 * np.sin(t + seed_shift - 0.5))
    body_hi, body_lo = np.maximum(open_, close), np.minimum(open_, close)
    return pd.DataFrame(
        {"Open": open_, "High": body_hi * 1.01, "Low": body_lo * 0.99, "Close": close,
         "Volume": 1e6 + t},
        index=DATES.rename("Date"),
    )


def hazard_frames(gap: bool = True) -> dict[str, pd.DataFrame]:
    """Each hazard at a known symbol and date.

    AAA: an unadjusted 7:1 split on 2014-06-09. BBB: high below the body on 2014-06-02, low above
    it on 2014-06-04, six identical closes from 2014-06-16. CCC: no bar on 2014-06-11 (with
    ``gap``), volume 0 on 2014-06-23.
    """
    aaa = clean_frame(0.0)
    aaa.iloc[10:, :4] /= 7
    aaa.iloc[10:, 4] *= 7
    bbb = clean_frame(1.0)
    bbb.iloc[5, 1] = bbb.iloc[5, 3] * 0.98  # High
    bbb.iloc[7, 2] = max(bbb.iloc[7, 0], bbb.iloc[7, 3]) * 1.001  # Low
    bbb.iloc[15:21, :4] = 100.0
    ccc = clean_frame(2.0)
    ccc.iloc[20, 4] = 0.0
    if gap:
        ccc = ccc.drop(DATES[12])
    return {"AAA": aaa, "BBB": bbb, "CCC": ccc}


EXPECTED = [
    ("AAA", "2014-06-09", "move"),
    ("BBB", "2014-06-02", "high_below_body"),
    ("BBB", "2014-06-04", "low_above_body"),
    ("BBB", "2014-06-16", "stale"),
    ("CCC", "2014-06-11", "gap"),
    ("CCC", "2014-06-23", "volume_zero"),
]


def write_folder(folder, frames):
    folder.mkdir()
    for symbol, frame in frames.items():
        frame.to_csv(folder / f"{symbol}.csv")
    return folder


def test_each_hazard_is_found_exactly_once_at_its_symbol_and_date():
    report = audit(hazard_frames())
    assert [(f.symbol, f.date, f.check) for f in report.findings] == EXPECTED
    split, high, low, stale, _, zero = report.findings
    assert split.detail.endswith("; possible unadjusted 7:1 split (no adjusted close)")
    assert split.value == pytest.approx(-6 / 7, abs=0.01)
    assert re.fullmatch(r"high \S+ < max\(open, close\) \S+", high.detail)
    assert low.check == "low_above_body"
    assert (stale.value, stale.detail) == (6.0, "close 100 unchanged for 6 bars to 2014-06-23")
    assert zero.value == 0.0
    ccc = report.symbols[2]
    assert (ccc.first, ccc.last, ccc.rows, ccc.gaps) == ("2014-05-26", "2014-07-04", 29, 1)
    assert report.counts()["move"] == 1 and not report.errors


def test_an_adjusted_close_takes_returns_and_silences_the_split_hint():
    frame = hazard_frames()["AAA"]
    frame["Adj Close"] = clean_frame(0.0)["Close"]  # the split folded back in
    assert audit({"AAA": frame}).findings == ()
    assert "split" not in audit({"AAA": hazard_frames()["AAA"]}, adjusted=True).findings[0].detail


def test_nans_and_unusable_values_are_counted_per_field():
    frame = clean_frame()
    frame.iloc[3, 0] = np.nan
    frame.iloc[4, 3] = -1.0
    frame.iloc[5, 4] = -5.0
    report = audit({"X": frame})
    assert [(f.date, f.check) for f in report.findings] == [
        ("2014-05-29", "nan"), ("2014-05-30", "low_above_body"), ("2014-05-30", "price_nonpositive"),
        ("2014-06-02", "volume_negative"),
    ]  # returns skip the bad close: no move
    assert report.symbols[0].nans == {"open": 1, "high": 0, "low": 0, "close": 0, "volume": 0}
    assert [f.check for f in report.errors] == ["price_nonpositive", "volume_negative"]


def test_a_built_market_gives_the_same_findings_but_the_gap():
    market = MarketData.from_frames(hazard_frames(gap=False), name="hz")
    assert [(f.symbol, f.date, f.check) for f in audit(market).findings] == [
        e for e in EXPECTED if e[2] != "gap"
    ]


def test_shipped_markets_have_no_split_or_ohlc_false_positive():
    with pytest.warns(DataWarning) as caught:
        market = load("sp500_stocks")
    assert [str(w.message).splitlines()[0] for w in caught] == [
        "sp500_stocks: 43 runs of identical closes:", "sp500_stocks: 4 one-day moves beyond the threshold:",
    ]
    report = audit(market)  # closes only, adjusted
    counts = report.counts()
    assert counts["high_below_body"] == counts["low_above_body"] == counts["gap"] == 0
    assert [(f.symbol, f.date) for f in report.of("move")] == [
        ("AAPL", "2000-09-29"), ("AMD", "2016-04-22"), ("RRC", "1990-04-10"), ("RRC", "1998-10-19"),
    ]  # real one-day moves, none called a split: the closes are adjusted
    assert not any("split" in f.detail for f in report.findings)
    assert counts["stale"] == 43  # low-priced closes rounded to the cent in the 1990s
    assert audit(load("googl")).findings == ()
    assert audit(load("googl", adjust=False)).findings == ()


def test_loading_warns_by_kind_naming_symbol_and_date_and_records_the_checks(tmp_path):
    frames = hazard_frames(gap=False)
    for day in range(21, 28):  # eight bars of volume 0 in all
        frames["CCC"].iloc[day, 4] = 0.0
    folder = write_folder(tmp_path / "hz", frames)
    with pytest.warns(DataWarning) as caught:
        market = load("csv", path=str(folder))
    messages = [str(w.message) for w in caught]
    assert messages[0] == "hz: 1 bars with high < max(open, close):\n  BBB 2014-06-02: " + re.search(
        r"high \S+ < max\(open, close\) \S+", messages[0]).group()
    zero = next(m for m in messages if "volume 0" in m).splitlines()
    assert zero[0] == "hz: 8 bars with volume 0:"
    assert zero[1:] == [f"  CCC {d}: volume is 0" for d in
                        ("2014-06-23", "2014-06-24", "2014-06-25", "2014-06-26", "2014-06-27")
                        ] + ["  and 3 more"]
    assert any("AAA 2014-06-09: one-day move -85." in m and "7:1 split" in m for m in messages)
    assert market.meta["checks"] == {
        "gap": 0, "nan": 0, "high_below_body": 1, "low_above_body": 1, "price_nonpositive": 0,
        "volume_negative": 0, "volume_zero": 8, "stale": 1, "move": 1,
    }
    assert market.meta["adjusted"] is False  # no Adj Close column: nothing was adjusted


def test_strict_turns_the_warnings_into_a_data_error(tmp_path):
    folder = write_folder(tmp_path / "hz", hazard_frames(gap=False))
    with pytest.raises(DataError, match=re.escape("strict data checks failed: hz: 1 bars with high <")
                       + r"(.|\n)*and 4 more kinds\); clean the data, or load without strict"):
        load("csv", path=str(folder), strict=True)
    clean = write_folder(tmp_path / "clean", {"A": clean_frame(), "B": clean_frame(1.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        market = load("csv", path=str(clean), strict=True)
    assert set(market.meta["checks"].values()) == {0}


def test_meta_adjusted_only_when_an_adjusted_close_was_used(tmp_path):
    frame = clean_frame()
    frame["Adj Close"] = frame["Close"] / 2
    folder = write_folder(tmp_path / "adj", {"A": frame})
    assert load("csv", path=str(folder)).meta["adjusted"] is True
    assert load("csv", path=str(folder), adjust=False).meta["adjusted"] is False


def test_data_check_prints_the_table_and_findings_and_exits_by_usability(tmp_path, capsys):
    folder = write_folder(tmp_path / "hz", hazard_frames())
    before = sorted(p.name for p in folder.iterdir())
    assert main(["data", "check", f"csv:{folder}"]) == 1  # the gap: calendars differ
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["symbol", "first", "last", "rows", "gaps", "nan", "high<body",
                              "low>body", "price<=0", "vol<0", "vol=0", "stale", "move"]
    assert out[1].split() == ["AAA", "2014-05-26", "2014-07-04", "30", "0", "0", "0", "0", "0", "0",
                              "0", "0", "1"]
    assert out[3].split()[:5] == ["CCC", "2014-05-26", "2014-07-04", "29", "1"]
    assert "warning  CCC  2014-06-11  gap    no bar on a date other symbols have" in out
    assert any(line.startswith("warning  AAA  2014-06-09  move  -0.85") and line.endswith(
        "possible unadjusted 7:1 split (no adjusted close)") for line in out)
    assert out[-2].startswith("unusable: misaligned calendars: AAA has 2014-06-11 which CCC lacks")
    assert out[-1].startswith(f"csv:{folder}: NOT usable; findings: {{'gap': 1, 'high_below_body': 1")
    assert sorted(p.name for p in folder.iterdir()) == before  # writes nothing

    clean = write_folder(tmp_path / "clean", hazard_frames(gap=False))
    assert main(["data", "check", f"csv:{clean}", "--json"]) == 0  # warnings only: usable
    report = json.loads(capsys.readouterr().out)
    assert (report["usable"], report["problem"], report["counts"]["stale"]) == (True, None, 1)
    assert report["findings"][0] == {
        "symbol": "AAA", "date": "2014-06-09", "check": "move", "value": pytest.approx(-0.857, abs=1e-3),
        "detail": "one-day move -85.8%; possible unadjusted 7:1 split (no adjusted close)",
        "severity": "warning",
    }


def test_data_check_of_a_named_source_and_of_a_bad_spec(capsys):
    assert main(["data", "check", "googl"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["GOOGL", "2009-05-22", "2018-08-29", "2335"] + ["0"] * 9
    assert out[-2:] == ["no findings", "googl: usable; findings: none"]
    assert main(["data", "check", "csv:/no/such/folder"]) == 2
    assert capsys.readouterr().err.startswith("error: no such file or folder: /no/such/folder")


def test_check_market_records_counts_without_touching_prices():
    market = load("gbm", n_assets=2, n_bars=50, seed=0)
    checked = check_market(market)
    assert checked.fingerprint() == market.fingerprint()
    assert checked.meta["checks"]["move"] == 0
