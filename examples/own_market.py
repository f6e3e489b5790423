"""Build a folder of per-symbol price files with the hazards of real data, from data that ships.

    python examples/own_market.py prices/

writes three OHLCV files (from arch's S&P 500 and NASDAQ indices and gym-anytrading's GOOGL)
with what a real folder of downloads has:

* ``GOOGL.csv`` lists late (2009-05-22) and ends early (2018-08-29), dates written dd/mm/yyyy;
* ``NASDAQ.csv`` is delisted (its file ends on 2015-06-30) and carries an unadjusted 7:1
  split on 2005-03-01: prices before it are 7 times higher, volume 7 times lower, and there
  is no adjusted-close column to say so;
* ``SP500.csv`` has three bars whose high lies below the close (a broken bar).

The walk through it (``data check``, train, backtest with listings and delistings,
``predict``) is in docs/own_market.md.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd

from tradegym.data import load

SPLIT_DATE, SPLIT = "2005-03-01", 7.0
BROKEN = ("2012-03-14", "2016-11-09", "2018-02-06")


def frame(market, symbol: str) -> pd.DataFrame:
    """One symbol's bars as a download has them: Date, Open, High, Low, Close, Volume."""
    n = market.symbols.index(symbol)
    out = pd.DataFrame(market.prices[:, n, :], index=market.dates, columns=[f.title() for f in market.fields])
    out.index.name = "Date"
    return out


def main(folder: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the shipped series themselves are audited elsewhere
        indices, googl = load("us_indices"), load("googl")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    sp500 = frame(indices, "SP500")
    for day in BROKEN:  # a broken bar: the high below the close
        sp500.loc[day, "High"] = sp500.loc[day, "Close"] * 0.99
    sp500.to_csv(out / "SP500.csv")
    nasdaq = frame(indices, "NASDAQ").loc[:"2015-06-30"].copy()
    before = nasdaq.index < SPLIT_DATE
    nasdaq.loc[before, ["Open", "High", "Low", "Close"]] *= SPLIT
    nasdaq.loc[before, "Volume"] = (nasdaq.loc[before, "Volume"] / SPLIT).round()
    nasdaq.to_csv(out / "NASDAQ.csv")
    frame(googl, "GOOGL").to_csv(out / "GOOGL.csv", date_format="%d/%m/%Y")
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.csv')))} to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "prices")
