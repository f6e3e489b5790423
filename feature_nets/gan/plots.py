"""One figure per generator: its stylized facts beside the real data's (matplotlib, Agg)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from feature_nets.gan.facts import StylizedFacts
from tradegym.io import atomic_path


def plot_facts(name: str, real: np.ndarray, synthetic: np.ndarray, real_facts: StylizedFacts,
               synthetic_facts: StylizedFacts, symbols: Sequence[str], path: str | os.PathLike[str],
               *, n_paths: int = 20, dpi: int = 110) -> Path:
    """Write a 2 x 4 PNG comparing ``synthetic`` windows ``(m, L, N)`` with ``real`` ``(n, L, N)``.

    Panels (first asset where one is shown): return histogram (log density, central 99.9 %), QQ of
    synthetic vs real quantiles, ACF of ``r`` and of ``|r|`` with ±1.96/√n bands, the leverage
    curve, real and synthetic correlation matrices, and ``n_paths`` cumulative log-return paths.
    """
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(2, 4, figsize=(17, 7.5))
    a, b = real[:, :, 0].ravel(), synthetic[:, :, 0].ravel()
    lo, hi = np.quantile(np.concatenate([a, b]), [0.0005, 0.9995])  # a few outliers would squash it
    bins = np.linspace(lo, hi, 80)
    ax[0, 0].hist(a, bins, density=True, alpha=0.5, label="real", log=True)
    ax[0, 0].hist(b, bins, density=True, alpha=0.5, label=name, log=True)
    ax[0, 0].set_title(f"daily log return, {symbols[0]}")
    ax[0, 0].legend()
    q = np.linspace(0.001, 0.999, 200)
    qa, qb = np.quantile(a, q), np.quantile(b, q)
    ax[0, 1].plot(qa, qb, ".", ms=3)
    ax[0, 1].plot(qa, qa, "k--", lw=0.8)
    ax[0, 1].set(title="QQ: synthetic vs real", xlabel="real quantile", ylabel=f"{name} quantile")
    lags = np.arange(1, len(real_facts.acf_r) + 1)
    for panel, key, title in ((ax[0, 2], "acf_r", "ACF of r"), (ax[0, 3], "acf_abs", "ACF of |r|")):
        for i, sym in enumerate(symbols):
            panel.plot(lags, getattr(real_facts, key)[:, i], "-", color=f"C{i}", label=f"real {sym}")
            panel.plot(lags, getattr(synthetic_facts, key)[:, i], "--", color=f"C{i}", label=f"{name} {sym}")
        band = 1.96 / np.sqrt(real_facts.n_pairs)
        panel.axhspan(-band, band, color="grey", alpha=0.2)
        panel.axhline(0, color="k", lw=0.6)
        panel.set(title=title, xlabel="lag (days)")
        panel.legend(fontsize=7)
    lev = np.arange(1, len(real_facts.leverage) + 1)
    for i, sym in enumerate(symbols):
        ax[1, 0].plot(lev, real_facts.leverage[:, i], "-", color=f"C{i}", label=f"real {sym}")
        ax[1, 0].plot(lev, synthetic_facts.leverage[:, i], "--", color=f"C{i}", label=f"{name} {sym}")
    ax[1, 0].axhline(0, color="k", lw=0.6)
    ax[1, 0].set(title="leverage corr(r_t, r²_t+k)", xlabel="k (days)")
    ax[1, 0].legend(fontsize=7)
    for panel, facts, title in ((ax[1, 1], real_facts, "real"), (ax[1, 2], synthetic_facts, name)):
        im = panel.imshow(facts.corr, vmin=-1, vmax=1, cmap="RdBu_r")
        panel.set(title=f"correlation, {title}", xticks=range(len(symbols)), yticks=range(len(symbols)))
        panel.set_xticklabels(symbols, fontsize=7)
        panel.set_yticklabels(symbols, fontsize=7)
        for (r, c), v in np.ndenumerate(facts.corr):
            panel.text(c, r, f"{v:.2f}", ha="center", va="center", fontsize=8,
                       color="white" if abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax[1, 2], fraction=0.046)
    paths = np.cumsum(synthetic[:n_paths, :, 0], axis=1)  # (n_paths, L)
    ax[1, 3].plot(paths.T, lw=0.8, alpha=0.8)
    ax[1, 3].set(title=f"{n_paths} sample paths, {symbols[0]}", xlabel="day", ylabel="cumulative log return")
    fig.suptitle(f"{name} vs real")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    plt.close(fig)
    return Path(path)
