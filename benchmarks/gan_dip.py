"""The lag-1 dip of the ACF of |r| within 64-day windows: real S&P 500 + NASDAQ against GAN runs.

Within the calibrated judge's real training windows (``gan.judges.judge_windows`` on the
training split's returns, the windows a generator is judged against in-sample), the
autocorrelation of ``|r|`` is negative at lag 1 and positive at lag 2; so is ``|r|`` of one
index against the other's next day. This prints those within-window statistics (mean over
windows, lags 1-3, and the lag-1 cross-correlation of ``|r|``) for the real windows and for
windows sampled from each run's ``best.pt``, and writes them to ``benchmarks/GAN.md``
(section ``dip``)::

    python benchmarks/gan_dip.py runs/gan_s0 runs/gan_s1 ... [--names a b ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import _sections
import numpy as np
import torch

from feature_nets.gan import load_gan, row_corr
from feature_nets.gan.judges import judge_windows, time_split
from tradegym.data import load

REPORT = Path(__file__).with_name("GAN.md")
INTRO = "# GAN benchmarks\n\nWritten by `benchmarks/gan_*.py`.\n"
WINDOW = 64


def dip_statistics(windows: np.ndarray) -> list[float]:
    """``(B, L, 2)`` windows -> mean over windows of: ACF of ``|r|`` at lags 1, 2, 3 for each
    asset, then ``corr(|r_0[t]|, |r_1[t+1]|)`` and ``corr(|r_1[t]|, |r_0[t+1]|)``."""
    a = torch.from_numpy(np.abs(windows))

    def mean_corr(x: torch.Tensor, y: torch.Tensor) -> float:
        return float(row_corr(x, y).mean())

    out = [mean_corr(a[:, :-k, j], a[:, k:, j]) for j in (0, 1) for k in (1, 2, 3)]
    return out + [mean_corr(a[:, :-1, 0], a[:, 1:, 1]), mean_corr(a[:, :-1, 1], a[:, 1:, 0])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", type=Path, help="GAN run directories trained on us_indices")
    parser.add_argument("--names", nargs="*", default=None, help="row labels (default: folder names)")
    parser.add_argument("--samples", type=int, default=2000, help="synthetic windows per run")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    names = args.names or [run.name for run in args.runs]
    if len(names) != len(args.runs):
        raise SystemExit("--names needs one label per run")

    train = load("us_indices").split(0.7, 0.15).train
    r = np.diff(np.log(train.close), axis=0)
    real_train, real_later = judge_windows(r, time_split(len(r), WINDOW), WINDOW)
    rows = [("real, judge's training windows", dip_statistics(real_train)),
            ("real, its later in-sample test windows", dip_statistics(real_later))]
    for name, run in zip(names, args.runs, strict=True):
        rows.append((name, dip_statistics(load_gan(run).sample_returns(args.samples, WINDOW, seed=0))))
    header = ("| windows | S&P lag 1 | lag 2 | lag 3 | NASDAQ lag 1 | lag 2 | lag 3 "
              "| S&P → NASDAQ next day | NASDAQ → S&P next day |")
    lines = [
        "## The lag-1 dip of the ACF of |r| (within 64-day windows)",
        "",
        "Written by `benchmarks/gan_dip.py`: mean over windows of the within-window autocorrelation "
        f"of |r| and the lag-1 cross-correlation of |r|; {args.samples} synthetic windows per run (seed 0).",
        "",
        header,
        "|---|---|---|---|---|---|---|---|---|",
        *[f"| {name} | " + " | ".join(f"{v:+.3f}" for v in values) + " |" for name, values in rows],
    ]
    text = "\n".join(lines)
    _sections.write_section(args.report, "dip", text, INTRO)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
