"""Train a GAN market generator: the same function as ``tradegym gan train``.

    python scripts/train_gan.py --data us_indices --set model.bars=close --set train.iterations=3000
    python scripts/train_gan.py --resume runs/gan_us_indices-20261124-010403
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["gan", "train", *sys.argv[1:]]))
