"""``import tradegym`` stays light: no torch, matplotlib, yfinance or wheel-data packages."""

from __future__ import annotations

import subprocess
import sys


def test_import_tradegym_pulls_no_heavy_modules() -> None:
    code = (
        "import sys, tradegym, tradegym.data, tradegym.envs, tradegym.backtest\n"
        "heavy = ['torch', 'matplotlib', 'yfinance', 'skfolio', 'arch', 'stable_baselines3', 'numba']\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
