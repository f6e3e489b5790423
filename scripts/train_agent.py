"""Train an agent: the same function as ``tradegym train``.

    python scripts/train_agent.py --config ppo_transformer --set train.total_timesteps=50000
    python scripts/train_agent.py --resume runs/ppo_transformer-20261123-203015
"""

import sys

from tradegym.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
