"""``python -m tradegym.cli``: the ``tradegym`` console script."""

import sys

from tradegym.cli import main

sys.exit(main())
