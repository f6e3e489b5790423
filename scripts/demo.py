"""Train the default agent and backtest it against the baselines: ``tradegym demo``.

    python scripts/demo.py [--data sp500_stocks] [--out results/demo] [--split test]
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
