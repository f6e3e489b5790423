"""Episode plots for ``render()``: matplotlib is imported here only, on first use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def episode_figure_array(history: Sequence[dict[str, Any]], labels: Sequence[str]) -> np.ndarray:
    """Plot portfolio value and stacked weights of an episode; return ``(H, W, 3)`` uint8 RGB."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    dates = [h["date"] for h in history]
    values = [h["value"] for h in history]
    weights = np.array([h["weights"] for h in history])  # (steps, A)
    fig, (ax_v, ax_w) = plt.subplots(2, 1, figsize=(8, 5), sharex=True, constrained_layout=True)
    ax_v.plot(dates, values, color="tab:blue")
    ax_v.set_ylabel("portfolio value")
    ax_v.grid(alpha=0.3)
    ax_w.stackplot(dates, weights.T, labels=list(labels))
    ax_w.set_ylabel("weights")
    ax_w.set_ylim(0, 1)
    if len(labels) <= 12:
        ax_w.legend(loc="upper left", fontsize=7, ncol=min(len(labels), 6))
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())  # type: ignore[attr-defined]  # Agg canvas: (H, W, 4)
    plt.close(fig)
    return rgba[..., :3].copy()
