"""``tradegym gan evaluate``: a trained GAN run judged beside the controls, with plots.

:func:`evaluate_sampler` judges any :class:`~feature_nets.gan.protocols.MarketSampler`
against a market: :func:`feature_nets.gan.evaluate.evaluate_generators` (protocol (b),
stylized facts, distances, memorization; every control beside it) and, on a one-symbol
market with the six TimeGAN columns (``googl`` loaded with ``adjust: false``),
:func:`feature_nets.gan.evaluate.protocol_a`. :func:`evaluate_gan_run` loads a GAN run's
generator and its market and calls it, writing into ``RUN/eval`` (or ``out``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from feature_nets.gan.config import load_market, run_config
from feature_nets.gan.controls import CONTROL_NAMES
from feature_nets.gan.evaluate import TIMEGAN_COLUMNS, evaluate_generators, judge_block, protocol_a
from feature_nets.gan.facts import closes_to_log_returns
from feature_nets.gan.model import load_gan
from feature_nets.gan.protocols import MarketSampler
from tradegym.data import MarketData
from tradegym.io import atomic_path, atomic_write

QUICK = {"judge_steps": 60, "small_judge_steps": 60}
"""Judge budgets of ``--quick``: a smoke test of the pipeline, not a result."""
QUICK_A = {"disc_steps": 60, "pred_steps": 60}


class SamplerRows:
    """Protocol (a)'s view of a market sampler: raw six-column windows that start from real rows.

    A generator of dynamics does not know price levels; each synthetic window starts from the
    row of a random real day (of the whole series, like protocol (a)'s real windows), and the
    sampler's bars follow it.
    """

    def __init__(self, model: MarketSampler, market: MarketData) -> None:
        self.model, self.market = model, market
        self.order = [model.fields.index(c) for c in TIMEGAN_COLUMNS]

    def sample_windows(self, n: int, length: int, seed: int) -> np.ndarray:
        """``(n, length, 6)`` in TimeGAN column order and raw units."""
        rng = np.random.default_rng(seed)
        rows = rng.integers(0, self.market.n_bars - 1, size=n)
        start = self.market.prices[rows]  # (n, 1, F) in MarketData field order == the sampler's
        prices = self.model.sample_prices(n, length, seed, start=start)  # (n, L, 1, F)
        return prices[:, :, 0, self.order]


GanRows = SamplerRows
"""The old name of :class:`SamplerRows` (``feature_nets.gan_report.GanRows``)."""


def plot_sample_paths(model: MarketSampler, path: str | os.PathLike[str], *, seed: int = 0,
                      real: MarketData | None = None, n_paths: int = 8, n_bars: int = 1260) -> Path:
    """Draw ``n_paths`` sampled close paths (and the real one) per asset, and one path's returns.

    Top row: cumulative log return per asset, real training closes (rebased) in black.
    Bottom row: daily log returns of one synthetic path and of the real series, where
    volatility clustering is visible.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = model.sample_returns(n_paths, n_bars, seed)  # (n, T, N)
    n_assets = r.shape[2]
    fig, ax = plt.subplots(2, n_assets, figsize=(6 * n_assets, 7), squeeze=False)
    real_r = closes_to_log_returns(real.close[: n_bars + 1]) if real is not None else None
    for i, sym in enumerate(model.symbols):
        ax[0, i].plot(np.cumsum(r[:, :, i], axis=1).T, lw=0.8, alpha=0.8)
        if real_r is not None:
            ax[0, i].plot(np.cumsum(real_r[:, i]), color="k", lw=1.4, label=f"real {sym}")
            ax[0, i].legend()
        ax[0, i].set(title=f"{sym}: {n_paths} GAN paths of {n_bars} bars (seed {seed})",
                     ylabel="cumulative log return")
        ax[1, i].plot(r[0, :, i], lw=0.5, label="GAN path 0")
        if real_r is not None:
            ax[1, i].plot(real_r[:, i], lw=0.5, alpha=0.7, color="k", label="real")
        ax[1, i].set(title="daily log returns", xlabel="bar")
        ax[1, i].legend()
    fig.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return target


def _markdown(table: Any, digits: int = 3) -> str:
    """Protocol (a)'s frame (``disc, disc_sd, pred, pred_sd`` by generator) as a markdown table."""
    lines = ["| generator | discriminative | predictive |", "|---|---|---|"]
    for name, row in table.iterrows():
        cells = []
        for c in ("disc", "pred"):
            mean, sd = row[c], row[f"{c}_sd"]
            text = "" if np.isnan(mean) else f"{mean:.{digits}f}"
            cells.append(text + ("" if np.isnan(sd) else f" ± {sd:.{digits}f}"))
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def evaluate_sampler(model: MarketSampler, market: MarketData, target: Path, *,
                     seeds: Sequence[int] = (0, 1, 2), quick: bool = False,
                     controls: Sequence[str] | None = None,
                     echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Judge a market sampler against ``market`` and the controls; write tables and plots into ``target``.

    Args:
        model: the generator (any :class:`~feature_nets.gan.protocols.MarketSampler`).
        market: the real market it learned (its training split is the reference).
        target: output folder.
        seeds: one synthetic draw and one training of every judge per seed.
        quick: tiny judge budgets (a smoke test: the scores mean nothing).
        controls: control names (default: all six).
        echo: where the tables go.

    Returns:
        ``{"b": GanEvaluation, "a": DataFrame or None, "out": Path}``.
    """
    result = evaluate_generators({"gan": model}, market, seeds=tuple(seeds), out_dir=target,
                                 controls=tuple(CONTROL_NAMES if controls is None else controls),
                                 **(QUICK if quick else {}))
    echo("protocol (b) and stylized facts:")
    echo(result.to_markdown())
    paths = plot_sample_paths(model, target / "paths.png", seed=seeds[0], real=market)
    table_a = None
    if market.n_assets == 1 and all(market.has(c) for c in TIMEGAN_COLUMNS):
        table_a = protocol_a({"gan": SamplerRows(model, market)}, market, seeds=tuple(seeds), out_dir=target,
                             **(QUICK_A if quick else {}))
        echo("protocol (a), TimeGAN's scores on the six columns (published on Google: TimeGAN "
             "0.102 / 0.038, Diffusion-TS 0.067 / 0.036, real predictive 0.036):")
        text = _markdown(table_a)
        echo(text)
        atomic_write(target / "protocol_a.md", text + "\n")
    echo(f"tables and plots: {target} (facts_<name>.png, {paths.name})")
    return {"b": result, "a": table_a, "out": target}


def evaluate_gan_run(run_path: str | os.PathLike[str], *, seeds: Sequence[int] = (0, 1, 2),
                     out: str | os.PathLike[str] | None = None, quick: bool = False,
                     controls: Sequence[str] | None = None,
                     echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Judge a GAN run against real data and the controls: :func:`evaluate_sampler` on its generator.

    Args:
        run_path: a directory written by ``tradegym gan train``.
        seeds: one synthetic draw and one training of every judge per seed.
        out: output folder (default ``RUN/eval``).
        quick: tiny judge budgets (a smoke test: the scores mean nothing).
        controls: control names (default: all six).
        echo: where the tables go.

    Returns:
        ``{"b": GanEvaluation, "a": DataFrame or None, "out": Path}``.

    Raises:
        ConfigError: not a GAN run directory.
        CacheError: the weights fail their hash check.
    """
    model = load_gan(run_path)
    cfg = run_config(run_path)
    market = load_market(cfg.data)
    target = Path(out) if out is not None else Path(run_path) / "eval"
    block = judge_block(market)
    trained_to = market.split(cfg.data.train, cfg.data.val).train.dates[-1]
    echo(f"{market.describe()}; the GAN trained up to {trained_to.date()}; the judge's real training "
         f"block ends {block.dates[-1].date()}")
    if trained_to > block.dates[-1]:
        echo("note: the GAN saw data after the judge's training block, whose windows the judge then "
             "sees only as synthetic: its in-sample scores are handicapped (train it with "
             "data.train = the block, see docs/gan.md)")
    return evaluate_sampler(model, market, target, seeds=seeds, quick=quick, controls=controls, echo=echo)
