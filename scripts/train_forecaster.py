"""Train a next-bar forecaster: the same function as ``tradegym forecast train``.

    python scripts/train_forecaster.py --model gru --data sp500_stocks --set fit.max_epochs=20
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["forecast", "train", *sys.argv[1:]]))
