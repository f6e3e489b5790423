"""Evaluate an autoencoder run against PCA on a split, and draw the reconstruction charts.

:func:`evaluate_autoencoder` is what ``tradegym autoencoder evaluate`` calls: the run's
market split by date as in training, the windows of one split (features computed on that
split alone), and the reconstruction MSE (mean over windows and all ``W*N*K`` values, in
the env's feature units) of

* the autoencoder,
* PCA at the same code size, fitted on the training windows (``pca.npz`` of the run),
* the training mean window (a code of size 0: what any compression must beat).

Charts (matplotlib, imported when drawing): :func:`plot_reconstructions` — a few windows
of the split, one asset, every feature over the window: original, autoencoder, PCA — and
:func:`plot_error_vs_code_size` — MSE against code size for each method.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from feature_nets.autoencoder.pca import PCA, reconstruction_mse
from feature_nets.autoencoder.train import load_autoencoder, load_pca, run_config, split_windows
from tradegym.errors import ConfigError
from tradegym.io import atomic_path, atomic_write
from tradegym.registry import suggest

SPLITS = ("train", "val", "test")


def evaluate_autoencoder(run_path: str | Path, *, split: str = "test", out: str | Path | None = None,
                         plot: bool = True, echo: Callable[[str], Any] = print) -> dict[str, float]:
    """MSE of the autoencoder, PCA and the mean window on one split; writes ``table.csv`` (and charts).

    Args:
        run_path: a run directory of ``tradegym autoencoder train``.
        split: ``train``, ``val`` or ``test``.
        out: output folder (default ``RUN/eval-SPLIT``).
        plot: also write ``reconstruction.png`` and ``error_vs_code_size.png``.
        echo: where the table goes.

    Returns:
        ``{"autoencoder": mse, "pca": mse, "mean": mse}`` plus ``windows`` and ``code_size``.

    Raises:
        ConfigError: unknown split, or not an autoencoder run.
        CacheError: the weights or PCA file do not match the run's manifest.
    """
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r}.{suggest(split, list(SPLITS))} Use one of {list(SPLITS)}")
    model, pca, cfg = load_autoencoder(run_path), load_pca(run_path), run_config(run_path)
    parts, _, windows = split_windows(cfg)
    x = windows[SPLITS.index(split)]  # (M, W, N, K)
    recon_ae, recon_pca = model.reconstruct(x), pca.reconstruct(x)
    mean = np.broadcast_to(pca.mean.reshape(model.window_shape), x.shape)
    result = {"autoencoder": reconstruction_mse(x, recon_ae), "pca": reconstruction_mse(x, recon_pca),
              "mean": reconstruction_mse(x, mean)}
    part = getattr(parts, split)
    folder = Path(out) if out is not None else Path(run_path) / f"eval-{split}"
    folder.mkdir(parents=True, exist_ok=True)
    d = int(np.prod(model.window_shape))
    echo(f"{split} split of {part.name}: {len(x)} windows of (W, N, K) = {model.window_shape}, "
         f"{part.dates[0].date()} to {part.dates[-1].date()}")
    echo(f"{'method':<22s}{'code size':>10s}{'MSE':>10s}{'/ mean':>9s}")
    rows = [(f"autoencoder ({model.net.kind})", model.code_size, result["autoencoder"]),
            ("pca", pca.code_size, result["pca"]), ("mean window", 0, result["mean"])]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["method", "code_size", "mse", "input_size"])
    for name, size, mse in rows:
        echo(f"{name:<22s}{size:>10d}{mse:>10.4f}{mse / result['mean']:>9.3f}")
        writer.writerow([name, size, f"{mse:.6g}", d])
    atomic_write(folder / "table.csv", buffer.getvalue())
    echo(f"wrote {folder / 'table.csv'}")
    if plot:
        plot_reconstructions(x, {"autoencoder": recon_ae, "pca": recon_pca}, model.features,
                             folder / "reconstruction.png", title=f"{split} windows of {part.name}")
        train_pca = PCA.fit(windows[0], min(64, d, len(windows[0])))
        sizes = [c for c in (1, 2, 4, 8, 16, 32, 64) if c <= train_pca.code_size]
        curves = {"pca": {c: reconstruction_mse(x, train_pca.truncate(c).reconstruct(x)) for c in sizes},
                  f"autoencoder ({model.net.kind})": {model.code_size: result["autoencoder"]}}
        plot_error_vs_code_size(curves, folder / "error_vs_code_size.png", baseline=result["mean"],
                                title=f"{split} reconstruction MSE, {part.name}")
        echo(f"wrote {folder / 'reconstruction.png'} and {folder / 'error_vs_code_size.png'}")
    return {**result, "windows": float(len(x)), "code_size": float(model.code_size)}


def plot_reconstructions(windows: np.ndarray, recons: Mapping[str, np.ndarray], features: Sequence[str],
                         path: str | Path, *, asset: int = 0, samples: int = 3, title: str = "") -> None:
    """Grid of ``samples`` windows (rows) by feature (columns): one asset's original and reconstructions.

    Args:
        windows: ``(M, W, N, K)`` originals.
        recons: ``{label: (M, W, N, K)}`` reconstructions.
        features: the ``K`` feature names.
        path: PNG to write (atomically).
        asset: the asset index ``n`` shown.
        samples: how many windows, evenly spaced over the split.
        title: the figure title's start.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = np.linspace(0, len(windows) - 1, samples).astype(int)
    fig, axes = plt.subplots(samples, len(features), figsize=(3.2 * len(features), 2.2 * samples),
                             squeeze=False, sharex=True)
    for row, i in enumerate(picks):
        for col, name in enumerate(features):
            ax = axes[row, col]
            ax.plot(windows[i, :, asset, col], color="black", lw=1.6, label="original")
            for label, recon in recons.items():
                ax.plot(recon[i, :, asset, col], lw=1.1, label=label)
            if row == 0:
                ax.set_title(name, fontsize=9)
            if col == 0:
                ax.set_ylabel(f"window {i}", fontsize=8)
    axes[-1, 0].set_xlabel("bar in window")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"{title} (asset {asset}; feature z-scores)", fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def plot_error_vs_code_size(curves: Mapping[str, Mapping[int, float]], path: str | Path, *,
                            baseline: float | None = None, title: str = "") -> None:
    """Reconstruction MSE against code size, one line per method (log-2 x axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    for label, points in curves.items():
        sizes = sorted(points)
        ax.plot(sizes, [points[c] for c in sizes], marker="o", label=label)
    if baseline is not None:
        ax.axhline(baseline, color="grey", ls="--", lw=1, label="mean window (code 0)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("code size (total)")
    ax.set_ylabel("MSE per value")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save(fig, path)


def _save(fig: Any, path: str | Path) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


__all__ = ["evaluate_autoencoder", "plot_error_vs_code_size", "plot_reconstructions"]
