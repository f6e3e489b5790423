"""Train a window autoencoder: the same function as ``tradegym autoencoder train``.

    python scripts/train_autoencoder.py --kind lstm --code-size 8 --data sp500_stocks --set fit.max_epochs=20
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["autoencoder", "train", *sys.argv[1:]]))
