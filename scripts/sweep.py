"""Hyperparameter and seed sweep on Ray Tune: the same function as ``tradegym sweep``.

    python scripts/sweep.py --config ppo_lstm_small [--address auto] [--set num_samples=2]
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["sweep", *sys.argv[1:]]))
