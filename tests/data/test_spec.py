"""Data specs ``SOURCE[:ARG][?key=value&...]``: one parser for the CLI, configs and load()."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradegym.cli import main
from tradegym.config import load_config
from tradegym.data import SOURCES, load, load_spec
from tradegym.data.config import DataConfig, load_market
from tradegym.data.spec import (
    DataSpec,
    format_spec,
    main_argument,
    parse_spec,
    source_options,
    split_spec,
)
from tradegym.errors import ConfigError, DataError

DDMM = "Date,Close\n02/01/2006,10\n03/01/2006,11\n13/01/2006,12\n16/01/2006,13\n"
"""dd/mm/yyyy throughout: pandas infers mm/dd/yyyy from the first date and fails at 13/01."""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---------------------------------------------------------------------- text
keys = st.text(min_size=1).filter(lambda k: k == k.strip() and k.strip())


@given(arg=st.none() | st.text(), options=st.dictionaries(keys, st.text(), max_size=4))
def test_split_inverts_format_for_any_text(arg: str | None, options: dict[str, str]) -> None:
    assert split_spec(format_spec("csv", arg, options)) == ("csv", arg, options)


def test_format_writes_values_as_a_spec_reads_them() -> None:
    text = format_spec("csv", "a b/prices?.csv", {"fill": None, "adjust": False, "vol": (0.1, 0.2),
                                                  "date_format": "%d/%m/%Y", "x": "a&b=c%41"})
    assert text == ("csv:a b/prices%3F.csv?fill=none&adjust=false&vol=0.1,0.2"
                    "&date_format=%d/%m/%Y&x=a%26b=c%2541")
    assert parse_spec(format_spec("gbm", None, {"n_assets": 3})).kwargs == {"n_assets": 3}


def test_plus_and_percent_stay_themselves() -> None:
    assert split_spec("csv:p?align=union+ffill&date_format=%Y%m%d") == (
        "csv", "p", {"align": "union+ffill", "date_format": "%Y%m%d"})


def test_a_key_without_value_means_true() -> None:
    assert parse_spec("csv:p.csv?dayfirst").kwargs == {"path": "p.csv", "dayfirst": True}


def test_values_are_converted_by_the_parameter_type() -> None:
    spec = parse_spec("regime?n_assets=3&ohlc=yes&dof=4.5&seed=none&vol_annual=0.1,0.3")
    assert spec == DataSpec("regime", None, {"n_assets": 3, "ohlc": True, "dof": 4.5, "seed": None,
                                             "vol_annual": (0.1, 0.3)})
    assert parse_spec("yahoo:SPY,QQQ?start=2015-01-01").kwargs == {
        "tickers": ["SPY", "QQQ"], "start": "2015-01-01"}
    assert parse_spec("csv:p?fill=ffill&name=2020").kwargs == {"path": "p", "fill": "ffill", "name": "2020"}
    download = parse_spec("yahoo:SPY?download=tradegym.data.synthetic:gbm").kwargs["download"]
    assert download is load.__globals__["SOURCES"].resolve("gbm")


def test_module_function_sources_take_options() -> None:
    spec = "tradegym.data.synthetic:gbm?n_assets=2&n_bars=30"
    assert parse_spec(spec) == DataSpec("tradegym.data.synthetic:gbm", None, {"n_assets": 2, "n_bars": 30})
    assert load_spec(spec).prices.shape == (30, 2, 1)


@pytest.mark.parametrize("name", SOURCES.names())
def test_every_option_of_every_source_is_reachable_through_a_spec(name: str) -> None:
    function = SOURCES.resolve(name)
    main_arg = main_argument(name, function)
    for option in source_options(function):
        if option.required:
            assert option.name == main_arg, f"{name}: required {option.name} is not the ARG"
            assert parse_spec(f"{name}:x").kwargs[option.name] in ("x", ["x"])
            continue
        spec = format_spec(name, "x" if main_arg else None, {option.name: option.default})
        assert parse_spec(spec).kwargs[option.name] == option.default, spec


def test_every_parameter_is_an_option() -> None:
    for name in SOURCES.names():
        params = inspect.signature(SOURCES.resolve(name)).parameters
        assert [o.name for o in source_options(SOURCES.resolve(name))] == [
            p for p in params if not p.startswith("_")]


# ---------------------------------------------------------------------- errors
def test_an_unknown_option_names_source_options_and_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=re.escape(
        "unknown option 'symbol_col' for data source 'csv'. Did you mean 'symbol_column'? Options: "
        "path, symbol_column, date_column, align, fill, adjust, name, date_format, dayfirst "
        "(see tradegym data list)"
    )):
        load("csv:prices/?symbol_col=Name")


def test_a_bad_value_says_what_was_expected() -> None:
    with pytest.raises(ConfigError, match=re.escape(
        "option n_assets='three' of data source 'gbm': expected an integer")):
        parse_spec("gbm?n_assets=three")
    with pytest.raises(ConfigError, match=re.escape(
        "option align='intersect' of data source 'csv': expected one of strict, intersection")):
        parse_spec("csv:p?align=intersect")
    with pytest.raises(ConfigError, match="Did you mean 'intersection'"):
        parse_spec("csv:p?align=intersect")
    with pytest.raises(ConfigError, match=re.escape("expected true or false")):
        parse_spec("csv:p?adjust=maybe")


def test_arg_mistakes_are_refused() -> None:
    with pytest.raises(ConfigError, match=re.escape(
        "data source 'gbm' takes no ARG after ':' (got '5'); give options as gbm?key=value")):
        parse_spec("gbm:5")
    with pytest.raises(ConfigError, match=re.escape("gives path twice, as ARG and as ?path=")):
        parse_spec("csv:a.csv?path=b.csv")
    with pytest.raises(ConfigError, match=re.escape("gives 'fill' twice")):
        parse_spec("csv:a.csv?fill=ffill&fill=none")
    with pytest.raises(ConfigError, match=re.escape("unknown data source 'cvs'. Did you mean 'csv'?")):
        parse_spec("cvs:prices.csv")


def test_spec_and_keyword_arguments_must_agree() -> None:
    assert load("gbm?n_assets=2", n_assets=2, n_bars=20).n_assets == 2
    with pytest.raises(ConfigError, match=re.escape(
        "n_assets is 2 in the data spec 'gbm?n_assets=2' but 3 as keyword argument; give it once")):
        load("gbm?n_assets=2", n_assets=3)


# ---------------------------------------------------------------------- csv options
def test_dd_mm_yyyy_dates_name_the_fix_and_load_with_either_option(tmp_path: Path) -> None:
    path = write(tmp_path / "ABC.csv", DDMM)
    with pytest.raises(DataError, match=re.escape(
        f"cannot parse date '13/01/2006' in column 'Date' of {path}, row 3 and 1 more; if the dates "
        f"have another format, give it in the spec: csv:{path}?date_format=%d/%m/%Y "
        "(or ?dayfirst=true for day-first dates)"
    )):
        load(f"csv:{path}")
    by_format = load(f"csv:{path}?date_format=%d/%m/%Y")
    by_dayfirst = load(f"csv:{path}?dayfirst=true")
    assert list(by_format.dates.strftime("%Y-%m-%d")) == [
        "2006-01-02", "2006-01-03", "2006-01-13", "2006-01-16"]
    assert by_dayfirst.dates.equals(by_format.dates)


def test_a_wrong_date_format_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "ABC.csv", DDMM)
    with pytest.raises(DataError, match=re.escape(
        f"cannot parse date '13/01/2006' in column 'Date' of {path}, row 3 and 1 more; it does not "
        f"match date_format='%m/%d/%Y'; correct the format (strftime codes, e.g. "
        f"csv:{path}?date_format=%Y-%m-%d)"
    )):
        load(f"csv:{path}?date_format=%m/%d/%Y")


@pytest.mark.parametrize("column", ["Name", "code", "TICKER", "symbol"])
def test_common_symbol_columns_are_recognised(tmp_path: Path, column: str) -> None:
    # One file per symbol, each with its symbol in a column (the Kaggle DJIA layout).
    for sym in ("AAA", "BBB"):
        write(tmp_path / "djia" / f"{sym}_2006-01-01_to_2017-12-31.csv",
              f"Date,Open,Close,{column}\n2006-01-03,1,2,{sym}\n2006-01-04,2,3,{sym}\n")
    market = load(f"csv:{tmp_path / 'djia'}")
    assert market.symbols == ("AAA", "BBB") and market.name == "djia"


def test_an_unrecognised_symbol_column_is_named_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "long.csv", "Date,Close,Sym\n2006-01-03,2,AAA\n2006-01-03,3,BBB\n")
    with pytest.raises(DataError, match=re.escape(
        f"column 'Sym' of {path} is not a field and holds text (first 'AAA'); if it names the "
        f"symbols, say so in the spec: csv:{path}?symbol_column=Sym. Columns: ['Close', 'Sym']; "
        "recognised symbol columns: symbol, ticker, name, code (any case)"
    )):
        load(f"csv:{path}")
    assert load(f"csv:{path}?symbol_column=Sym").symbols == ("AAA", "BBB")


def test_a_market_is_named_for_its_folder_file_or_option(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "djia" / "AAA.csv", "Date,Close\n2006-01-03,2\n")
    assert load(f"csv:{tmp_path / 'djia'}/").name == "djia"
    assert load(f"csv:{tmp_path / 'djia' / 'AAA.csv'}").name == "AAA"
    assert load(f"csv:{tmp_path / 'djia'}?name=Dow 30").name == "Dow 30"
    monkeypatch.chdir(tmp_path / "djia")
    assert load("csv:.").name == "djia"


# ---------------------------------------------------------------------- CLI and config
def test_data_show_loads_a_csv_spec(tmp_path: Path, capsys) -> None:
    path = write(tmp_path / "prices" / "ABC.csv", DDMM)
    assert main(["data", "show", f"csv:{path.parent}?dayfirst=true&name=mine"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mine: 4 bars x 1 assets, fields ['close']") and "symbols: ABC" in out
    assert main(["data", "show", f"csv:{path.parent}?dayfirs=true"]) == 2
    assert "Did you mean 'dayfirst'?" in capsys.readouterr().err


def test_data_list_documents_each_option(capsys) -> None:
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "spec: csv:PATH?key=value&..." in out
    assert re.search(r"\n +dayfirst += false +read ambiguous dates such as 01/02/2006 day first", out)
    assert re.search(r"\n +n_assets += 5 ", out) and "spec: sp500_stocks\n" in out


def test_a_yaml_config_takes_a_full_spec(tmp_path: Path) -> None:
    folder = tmp_path / "prices"
    write(folder / "ABC.csv", DDMM)
    config = write(tmp_path / "data.yaml", f"source: csv:{folder}?date_format=%d/%m/%Y&name=mine\n"
                                           "kwargs: {adjust: false}\n")
    data = load_market(load_config(DataConfig, config))
    assert data.name == "mine" and data.n_bars == 4 and data.dates[2] == pd.Timestamp("2006-01-13")


def test_old_configs_with_kwargs_still_load(tmp_path: Path) -> None:
    path = write(tmp_path / "ABC.csv", DDMM)
    cfg = DataConfig(source="csv", kwargs={"path": str(path), "dayfirst": True})
    assert load_market(cfg).n_bars == 4
    assert load_market(DataConfig(source="gbm", kwargs={"n_assets": 2, "n_bars": 40})).n_assets == 2
