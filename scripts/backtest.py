"""Backtest a trained run against the baselines: the same function as ``tradegym backtest``.

    python scripts/backtest.py runs/ppo_lstm-20261123-203015 --split test
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["backtest", *sys.argv[1:]]))
