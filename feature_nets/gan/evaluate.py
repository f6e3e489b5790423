"""Judging synthetic markets: one table of generators and controls, real vs synthetic.

:func:`evaluate_generators` runs every generator and every control of
:mod:`feature_nets.gan.controls` through the same code on a market's training split
(log close-to-close returns ``(T, N)``), over several seeds:

========================  ===================================================================
column                    meaning
========================  ===================================================================
``disc_b_in``, ``_sd``    calibrated judge (:func:`~feature_nets.gan.judges.time_split_judge`:
                          64-day windows, channels ``r/σ`` and ``|r|/σ``, 2-layer GRU 32,
                          3,000 steps of 64 + 64), ``|acc - 0.5|`` on real windows of a later
                          block of the training period; mean and sd over seeds
``disc_b_oos``            the same judge scored on windows of the test period
``small_in``, ``_oos``    TimeGAN's small judge (1 layer, hidden ``features // 2``, 2,000
                          steps of 128 + 128) on 24-day windows of the same channels, same split
``w1_h{h}_bps``           Wasserstein-1 of ``h``-day log returns vs the training period, basis
                          points, mean over assets
``kurtosis``              excess kurtosis of daily returns, mean over assets
``acf_abs_1_10``          ACF of ``|r|`` at lags 1-10, mean (volatility clustering)
``leverage_1_10``         ``corr(r_t, r²_{t+k})``, k = 1..10, mean (negative on equities)
``memo_ratio``            median nearest-training-window distance, synthetic / held-out real
========================  ===================================================================

Scores near 0 mean "indistinguishable"; a score means something only where the controls
spread out. :func:`protocol_a` is TimeGAN's literature protocol on GOOGL's six raw columns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from feature_nets.gan.controls import (
    CONTROL_NAMES,
    IidGaussianRows,
    RandomWalkRows,
    RowReplay,
    fit_controls,
)
from feature_nets.gan.facts import (
    StylizedFacts,
    check_windows,
    closes_to_log_returns,
    cut_windows,
    memorization,
    stylized_facts,
    wasserstein_by_horizon,
)
from feature_nets.gan.judges import (
    TimeSplit,
    discriminative_score,
    judge_windows,
    predictive_score,
    return_channels,
    time_split,
    time_split_judge,
    timegan_hidden,
)
from feature_nets.gan.protocols import ReturnSampler, RowSampler
from tradegym.data import MarketData
from tradegym.data.market import DEFAULT_SPLIT
from tradegym.errors import ConfigError, DataError
from tradegym.io import atomic_write

HORIZONS: tuple[int, ...] = (1, 5, 20)
DISC_COLUMNS: tuple[str, ...] = ("disc_b_in", "disc_b_oos", "small_in", "small_oos")


@dataclass
class GanEvaluation:
    """What :func:`evaluate_generators` measured.

    Attributes:
        table: one row per generator (controls included) and a ``real`` row of the training
            period's own stylized facts; columns as in the module docstring, means over seeds,
            ``*_sd`` the standard deviation over seeds.
        per_seed: long frame ``generator, seed, metric, value``.
        facts: stylized facts of ``real`` (training windows) and of each generator's first seed.
        plots: PNG paths written (empty without ``out_dir``).
    """

    table: pd.DataFrame
    per_seed: pd.DataFrame
    facts: dict[str, StylizedFacts]
    plots: list[Path] = field(default_factory=list)

    def to_markdown(self, digits: int = 3) -> str:
        """The table as markdown; disc columns as ``mean ± sd``."""
        t = self.table
        cols = [c for c in t.columns if not c.endswith("_sd")]
        lines = ["| generator | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        for name, row in t.iterrows():
            cells = []
            for c in cols:
                v, sd = row[c], row.get(f"{c}_sd", np.nan)
                cell = "" if pd.isna(v) else f"{v:.{digits}f}"
                cells.append(cell + (f" ± {sd:.{digits}f}" if not pd.isna(sd) and cell else ""))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def _sample(gen: ReturnSampler, name: str, n: int, length: int, seed: int, n_assets: int) -> np.ndarray:
    out = np.asarray(gen.sample_returns(n, length, seed))
    if out.shape != (n, length, n_assets):
        raise DataError(
            f"generator {name!r} returned shape {out.shape}; expected ({n}, {length}, {n_assets})"
        )
    return check_windows(out, f"generator {name!r} windows")


def evaluate_generators(
    generators: Mapping[str, ReturnSampler],
    data: MarketData,
    *,
    seeds: tuple[int, ...] = (0, 1, 2),
    controls: tuple[str, ...] = CONTROL_NAMES,
    train_fraction: float = DEFAULT_SPLIT[0],
    val_fraction: float = DEFAULT_SPLIT[1],
    window: int = 64,
    small_window: int = 24,
    judge_steps: int = 3000,
    small_judge_steps: int = 2000,
    judge_train_fraction: float = 0.75,
    fit_controls_on: str = "judge_block",
    memo_window: int = 20,
    n_facts_windows: int = 1000,
    out_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> GanEvaluation:
    """Score ``generators`` and the named controls against ``data``'s training split.

    The controls are fitted here on log returns of :func:`judge_block` (the start of
    ``data.split(train_fraction, val_fraction).train`` whose windows train the judge; see
    ``fit_controls_on``); train a generator on the same rows for scores comparable with
    theirs. Each seed draws fresh synthetic windows and trains fresh judges. Facts and
    distances compare with the whole training split.

    Args:
        generators: name -> object with ``sample_returns(n, length, seed) -> (n, length, N)``.
        data: the real market (closes are used), ``N`` assets.
        seeds: one judge training per seed and judge.
        controls: control names from :data:`~feature_nets.gan.controls.CONTROL_NAMES`.
        train_fraction: share of rows in the training split (chronological).
        val_fraction: share of rows in the validation split; the rest is the test split.
            The the held-out real windows
            (memorization) come from after the training split, the out-of-sample judge
            windows from the test part.
        window: days per window of the calibrated judge (and of facts and distances).
        small_window: days per window of TimeGAN's small judge.
        judge_steps: Adam steps of the calibrated judge (shrink for tests).
        small_judge_steps: Adam steps of the small judge.
        judge_train_fraction: share of the training period whose windows train the judge;
            its test windows start one window after that block ends.
        fit_controls_on: ``"judge_block"`` fits the controls on the judge's training block
            only (:func:`judge_block`); ``"train"`` on the whole training split. A generator
            that knows the later block is handicapped in-sample: the judge sees that block's
            days only in the synthetic class and learns them as "synthetic" (replay of the
            whole training split scores 0.33 on us_indices, replay of the block 0.03). For a
            fair in-sample score, train the generator on :func:`judge_block` too.
        memo_window: days per piece in the memorization check.
        n_facts_windows: synthetic windows used for facts, distances and plots.
        out_dir: where ``results.json``, ``table.md`` and ``facts_<name>.png`` go (atomically).
        progress: tqdm bars over judge trainings.

    Raises:
        ConfigError: a generator named like a control, or an unknown control.
        DataError: too little data for the split or the judges' time split; a generator
            returning the wrong shape or non-finite values.
    """
    clash = sorted(set(generators) & set(controls))
    if clash:
        raise ConfigError(f"generator name {clash[0]!r} is taken by a control; rename it")
    parts = data.split(train_fraction, val_fraction, min_rows=window + 2)
    r_train = closes_to_log_returns(parts.train.close)  # (T, N)
    r_test = closes_to_log_returns(parts.test.close)
    r_after = closes_to_log_returns(data.close[parts.train.n_bars - 1 :])  # val + test, for memorization
    n_assets = r_train.shape[1]
    scale = r_train.std(axis=0)  # (N,) training sd of daily log returns
    big, small = time_split(len(r_train), window, train_fraction=judge_train_fraction), time_split(
        len(r_train), small_window, train_fraction=judge_train_fraction)
    sets = {key: _judge_set(r_train, r_test, split, w, scale)
            for key, w, split in (("big", window, big), ("small", small_window, small))}
    real_w = cut_windows(r_train, window)  # (n, L, N) non-overlapping
    facts = {"real": stylized_facts(real_w)}
    if fit_controls_on not in ("judge_block", "train"):
        raise ConfigError(f"fit_controls_on must be 'judge_block' or 'train'; got {fit_controls_on!r}")
    fit_rows = r_train[: big.train_rows[1]] if fit_controls_on == "judge_block" else r_train
    all_gens: dict[str, ReturnSampler] = {**generators, **fit_controls(fit_rows, controls)}
    rows, plots = [], []
    out = Path(out_dir) if out_dir is not None else None
    judges = (("big", window, judge_steps, 2, 32, 64, "disc_b"),  # the calibrated judge first
              ("small", small_window, small_judge_steps, 1, timegan_hidden(2 * n_assets), 128, "small"))
    for name, gen in all_gens.items():
        for seed in seeds:
            rec, syn = _judge_scores(gen, name, seed, sets, judges, scale, n_assets, progress)
            sample = syn[:n_facts_windows]
            sf = stylized_facts(sample)
            rec.update(_facts_scores(sample, sf, real_w, r_after, r_train, scale, memo_window))
            rows += [{"generator": name, "seed": seed, "metric": k, "value": v} for k, v in rec.items()]
            if seed == seeds[0]:
                facts[name] = sf
                if out is not None:
                    from feature_nets.gan.plots import plot_facts

                    plots.append(plot_facts(name, real_w, sample, facts["real"], sf, data.symbols,
                                            out / f"facts_{name}.png"))
    per_seed = pd.DataFrame(rows)
    table = _table(per_seed, facts["real"], list(all_gens))
    result = GanEvaluation(table, per_seed, facts, plots)
    if out is not None:
        _write(result, out, {"data": data.describe(), "seeds": list(seeds), "window": window,
                             "small_window": small_window, "judge_steps": judge_steps,
                             "fit_controls_on": fit_controls_on, "judge_block_rows": list(big.train_rows),
                             "judge_test_rows": list(big.test_rows),
                             "small_judge_steps": small_judge_steps})
    return result


def _judge_set(r_train: np.ndarray, r_test: np.ndarray, split: TimeSplit, window: int,
               scale: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A judge's real windows as judge channels: its training windows, and ``in`` / ``oos`` test sets."""
    tr, te = judge_windows(r_train, split, window)
    return return_channels(tr, scale), {"in": return_channels(te, scale),
                                        "oos": return_channels(cut_windows(r_test, window, 1), scale)}


def _judge_scores(gen: ReturnSampler, name: str, seed: int,
                  sets: Mapping[str, tuple[np.ndarray, dict[str, np.ndarray]]],
                  judges: tuple[tuple[str, int, int, int, int, int, str], ...], scale: np.ndarray,
                  n_assets: int, progress: bool) -> tuple[dict[str, float], np.ndarray]:
    """Train each judge against ``gen``: scores ``{prefix_in, prefix_oos, ...}``, the first judge's windows.

    ``judges`` rows are ``(set key, window, steps, layers, hidden, batch, prefix)``; the first
    judge draws with ``seed``, the others with ``seed + 7919``.
    """
    rec: dict[str, float] = {}
    first = np.empty(0)
    for i, (key, w, steps, layers, hidden, batch, prefix) in enumerate(judges):
        real_tr, tests = sets[key]
        n = len(real_tr) + max(len(x) for x in tests.values())
        syn = _sample(gen, name, n, w, seed + (0 if i == 0 else 7919), n_assets)  # (n, w, N)
        scores = time_split_judge(real_tr, tests, return_channels(syn, scale), hidden=hidden,
                                  layers=layers, steps=steps, batch_real=batch,
                                  batch_synthetic=batch, seed=seed, progress=progress,
                                  desc=f"{name} {prefix} seed {seed}")
        rec.update({f"{prefix}_{k}": v for k, v in scores.items()})
        first = syn if i == 0 else first
    return rec, first


def _facts_scores(sample: np.ndarray, sf: StylizedFacts, real_w: np.ndarray, r_after: np.ndarray,
                  r_train: np.ndarray, scale: np.ndarray, memo_window: int) -> dict[str, float]:
    """Horizon distances, the stylized-fact columns and the memorization ratio of ``sample`` ``(n, L, N)``."""
    w1 = wasserstein_by_horizon(real_w, sample, HORIZONS).mean(axis=1) * 1e4
    rec = {f"w1_h{h}_bps": float(v) for h, v in zip(HORIZONS, w1, strict=True)}
    rec.update({k: sf.summary()[k] for k in ("kurtosis", "acf_abs_1_10", "leverage_1_10")})
    rec["memo_ratio"] = memorization(sample, r_after[None], r_train, scale, memo_window)["ratio"]
    return rec


def judge_block(data: MarketData, *, train_fraction: float = DEFAULT_SPLIT[0],
                val_fraction: float = DEFAULT_SPLIT[1],
                judge_train_fraction: float = 0.75) -> MarketData:
    """The rows of ``data`` whose returns train the calibrated judge: the start of the training split.

    Its log returns are exactly the judge's real training block of :func:`evaluate_generators`
    with the same fractions; the in-sample test block starts one window after it ends.
    """
    n_returns = data.split(train_fraction, val_fraction).train.n_bars - 1
    cut = int(round(n_returns * judge_train_fraction))  # as time_split
    return data.slice_rows(0, cut + 1)  # cut + 1 closes -> cut returns


def _table(per_seed: pd.DataFrame, real: StylizedFacts, order: list[str]) -> pd.DataFrame:
    grouped = per_seed.groupby(["generator", "metric"])["value"]
    wide, sd = grouped.mean().unstack(), grouped.std().unstack()  # sd NaN for one seed
    cols = ["disc_b_in", "disc_b_oos", "small_in", "small_oos", *[f"w1_h{h}_bps" for h in HORIZONS],
            "kurtosis", "acf_abs_1_10", "leverage_1_10", "memo_ratio"]
    table = wide.reindex(index=order, columns=cols)
    for c in DISC_COLUMNS:
        table.insert(table.columns.get_loc(c) + 1, f"{c}_sd", sd.reindex(order)[c])
    s = real.summary()
    table.loc["real", ["kurtosis", "acf_abs_1_10", "leverage_1_10"]] = [
        s["kurtosis"], s["acf_abs_1_10"], s["leverage_1_10"]]
    return table


def _write(result: GanEvaluation, out: Path, settings: dict[str, object]) -> None:
    payload = {
        "settings": settings,
        "table": json.loads(result.table.to_json(orient="index")),
        "per_seed": result.per_seed.to_dict(orient="records"),
        "facts": {k: v.to_dict() for k, v in result.facts.items()},
        "plots": [str(p) for p in result.plots],
    }
    atomic_write(out / "results.json", json.dumps(payload, indent=1))
    atomic_write(out / "table.md", result.to_markdown() + "\n")


# ---------------------------------------------------------------------- protocol (a)
TIMEGAN_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")
"""TimeGAN's stock_data column order; the predictive score predicts the last one (volume)."""


def googl_rows(data: MarketData) -> np.ndarray:
    """Rows ``(T, 6)`` of a one-symbol market with raw OHLC, adjusted close and volume, TimeGAN order.

    Load with ``load("googl", adjust=False)`` so the adjusted close is kept as a column.

    Raises:
        DataError: not one symbol, or a field missing.
    """
    missing = [f for f in TIMEGAN_COLUMNS if not data.has(f)]
    if data.n_assets != 1 or missing:
        raise DataError(f"protocol (a) needs one symbol with fields {list(TIMEGAN_COLUMNS)}; {data.name!r} "
                        f"has {data.n_assets} symbols and lacks {missing} (load with adjust=False)")
    return np.stack([data.field(f)[:, 0] for f in TIMEGAN_COLUMNS], axis=1)


def row_controls(rows: np.ndarray) -> dict[str, RowSampler]:
    """Protocol (a)'s controls on rows ``(T, 6)`` in TimeGAN order."""
    return {
        "replay": RowReplay(rows), "time_shuffled": RowReplay(rows, shuffle=True),
        "random_walk": RandomWalkRows(rows, price_columns=[0, 1, 2, 3, 4], volume_column=5, close_column=3),
        "iid_gaussian_rows": IidGaussianRows(rows),
    }


def protocol_a(generators: Mapping[str, RowSampler], data: MarketData, *,
               seeds: tuple[int, ...] = (0, 1, 2), window: int = 24, disc_steps: int = 2000,
               pred_steps: int = 5000, controls: bool = True,
               out_dir: str | os.PathLike[str] | None = None, progress: bool = True) -> pd.DataFrame:
    """TimeGAN's literature protocol: discriminative and predictive scores on GOOGL's six columns.

    Each column is min-max scaled over the whole series (synthetic windows with the real
    series' min and max); the real windows are every ``window``-day window, step 1; each
    generator samples as many windows in raw units. A ``real`` row gives the predictive
    score of a predictor trained on the real windows themselves.

    Args:
        generators: name -> object with ``sample_windows(n, length, seed) -> (n, length, 6)``
            in the units and column order of :func:`googl_rows`.
        data: one-symbol market with all six fields (``load("googl", adjust=False)``).
        seeds: one synthetic draw and one training of each score per seed.
        window: days per window (TimeGAN: 24).
        disc_steps: Adam steps of the discriminative score (TimeGAN: 2,000).
        pred_steps: Adam steps of the predictive score (TimeGAN: 5,000).
        controls: also run :func:`row_controls`.
        out_dir: where ``protocol_a.json`` goes (atomically).
        progress: tqdm bars over trainings.

    Returns:
        frame indexed by generator: ``disc``, ``disc_sd``, ``pred``, ``pred_sd`` over seeds.

    Raises:
        DataError: see :func:`googl_rows`; a generator's windows of the wrong shape or non-finite.
    """
    rows = googl_rows(data)
    lo, hi = rows.min(axis=0), rows.max(axis=0)
    scaled = lambda x: (x - lo) / (hi - lo + 1e-7)  # noqa: E731  TimeGAN's MinMaxScaler
    real = cut_windows(scaled(rows), window, 1)  # (n, L, 6)
    gens = {**generators, **(row_controls(rows) if controls else {})}
    recs = []
    for seed in seeds:
        recs.append({"generator": "real", "seed": seed,
                     "pred": predictive_score(real, real, steps=pred_steps, seed=seed, progress=progress)})
        for name, gen in gens.items():
            syn = np.asarray(gen.sample_windows(len(real), window, seed))
            if syn.shape != real.shape:
                raise DataError(f"generator {name!r} returned shape {syn.shape}; expected {real.shape}")
            syn = scaled(check_windows(syn, f"generator {name!r} windows"))
            recs.append({"generator": name, "seed": seed,
                         "disc": discriminative_score(real, syn, steps=disc_steps, seed=seed,
                                                      progress=progress),
                         "pred": predictive_score(real, syn, steps=pred_steps, seed=seed, progress=progress)})
    frame = pd.DataFrame(recs)
    table = frame.groupby("generator", sort=False)[["disc", "pred"]].agg(["mean", "std"])
    table.columns = ["disc", "disc_sd", "pred", "pred_sd"]
    if out_dir is not None:
        atomic_write(Path(out_dir) / "protocol_a.json", json.dumps(
            {"settings": {"data": data.describe(), "seeds": list(seeds), "window": window,
                          "disc_steps": disc_steps, "pred_steps": pred_steps},
             "table": json.loads(table.to_json(orient="index")), "per_seed": frame.to_dict(orient="records")},
            indent=1))
    return table
