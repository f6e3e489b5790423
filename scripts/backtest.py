"""Backtest a run, a baseline or your own policy against the baselines: ``tradegym backtest``.

    python scripts/backtest.py runs/ppo_lstm-20261123-203015 --split test
    python scripts/backtest.py min_variance --data sp500_stocks --baselines default
    python scripts/backtest.py my_package.policies:momentum_policy --split test
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["backtest", *sys.argv[1:]]))
