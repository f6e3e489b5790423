"""Walk-forward evaluation: the same function as ``tradegym walkforward``.

    python scripts/walk_forward.py --config ppo_lstm --folds 3 --seeds 2 \
        --set train.total_timesteps=8192
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["walkforward", *sys.argv[1:]]))
