"""Forecasters judged honestly: AR(1) ceiling, no false skill on noise, the real-data table.

    python benchmarks/forecast_ar1.py ar1   # test R^2 of each model vs the AR(1) ceiling phi^2
    python benchmarks/forecast_ar1.py gbm   # DM false-positive rate against the random walk on GBM
    python benchmarks/forecast_ar1.py real  # sp500_stocks test-split table, 3 seeds

Each part prints its table and writes it under results/forecast_bench/ (JSON + text + PNG).
Budgets are small: everything runs on 2 CPU cores with one torch thread.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from feature_nets.forecast import ForecastConfig, evaluate_on, format_table, plot_forecasts, train_forecaster
from tradegym.config import from_dict

OUT = Path("results/forecast_bench")
MODELS = ("lstm", "gru", "transformer", "tcn")


def config(source: str, kwargs: dict, encoder: str, seed: int, **fit) -> ForecastConfig:
    return from_dict(ForecastConfig, {
        "data": {"source": source, "kwargs": kwargs},
        "model": {"encoder": encoder, "window_bars": fit.pop("window_bars", 20),
                  "hidden_size": fit.pop("hidden_size", 32)},
        "fit": {"seed": seed, "torch_threads": 1, "progress_bar": False, **fit},
    })


def train_and_test(cfg: ForecastConfig, root: str):
    result = train_forecaster(cfg, runs_root=root, echo=lambda _: None)
    table, ws, forecasts = evaluate_on(result.forecaster, result.split.train, result.split.test,
                                       cfg.ar_order, label=cfg.model.encoder)
    return result, table, ws, forecasts


def part_ar1(root: str, phi: float = 0.5) -> None:
    kwargs = {"n_assets": 5, "n_bars": 4000, "phi": phi, "sigma": 0.01, "seed": 0}
    rows, last = [], None
    for encoder in MODELS:
        cfg = config("ar1", kwargs, encoder, 0, max_epochs=40, patience=6, lr=0.003)
        result, table, ws, forecasts = train_and_test(cfg, root)
        y, r_now = ws.target, ws.last_return
        oracle = phi * r_now  # the true conditional mean (mu = 0)
        oracle_r2 = 1 - ((y - oracle) ** 2).sum() / ((y - y.mean()) ** 2).sum()
        r2 = table.loc[encoder, "r2"]
        rows.append({"model": encoder, "test_r2": r2, "r2_max": phi**2, "ratio": r2 / phi**2,
                     "oracle_r2_on_sample": oracle_r2, "ar5_r2": table.loc["ar5", "r2"],
                     "p_zero": table.loc[encoder, "p_zero"], "best_epoch": result.fit.best_epoch,
                     "samples_test": len(ws) * ws.market.n_assets})
        print(f"{encoder:<12} test R2 {r2:.4f}  max phi^2 {phi**2:.4f}  ratio {r2 / phi**2:.1%}  "
              f"(oracle on this sample {oracle_r2:.4f}, AR(5) {table.loc['ar5', 'r2']:.4f}, "
              f"best epoch {result.fit.best_epoch})", flush=True)
        last = (encoder, ws, forecasts)
    frame = pd.DataFrame(rows)
    _write("ar1", frame, frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    encoder, ws, forecasts = last
    close = ws.market.close[np.r_[ws.rows, ws.rows[-1] + 1], 0]
    plot_forecasts(ws.market.dates[ws.rows + 1], close, ws.target, forecasts, OUT / "ar1_forecasts.png",
                   symbol="S00", title=f"{encoder} on AR(1), phi={phi}, test split")


def part_gbm(root: str, seeds: int = 10) -> None:
    rows = []
    for seed in range(seeds):
        kwargs = {"n_assets": 5, "n_bars": 2000, "seed": seed}
        for encoder in MODELS:
            cfg = config("gbm", kwargs, encoder, seed, max_epochs=10, patience=3, hidden_size=16)
            _, table, _, _ = train_and_test(cfg, root)
            row = table.loc[encoder]
            rows.append({"seed": seed, "model": encoder, "r2": row["r2"], "dm_zero": row["dm_zero"],
                         "p_zero": row["p_zero"], "p_pers": row["p_pers"]})
            print(f"seed {seed} {encoder:<12} R2 {row['r2']:+.4f}  DM vs zero {row['dm_zero']:+.2f} "
                  f"(p {row['p_zero']:.3f})  p vs persistence {row['p_pers']:.3g}", flush=True)
    frame = pd.DataFrame(rows)
    rate = (frame["p_zero"] < 0.05).groupby(frame["model"]).mean()
    pers = (frame["p_pers"] < 0.05).groupby(frame["model"]).mean()
    summary = pd.DataFrame({"false_positive_rate_vs_zero": rate, "significant_vs_persistence": pers})
    text = (f"{seeds} seeds x {len(MODELS)} models on GBM; one-sided DM p < 0.05 (model better)\n"
            f"{summary.to_string(float_format=lambda v: f'{v:.0%}')}\n"
            f"overall vs zero: {(frame['p_zero'] < 0.05).mean():.1%} of {len(frame)} tests")
    _write("gbm", frame, text)


def part_real(root: str, seeds: int = 3, models: tuple[str, ...] = MODELS) -> None:
    kwargs_start = {}  # the whole embedded universe; the run trims by date below
    tables = []
    for seed in range(seeds):
        for encoder in models:
            cfg = config("sp500_stocks", kwargs_start, encoder, seed, max_epochs=8, patience=2,
                         batch_size=512, window_bars=20)
            _, table, ws, _ = train_and_test(cfg, root)
            tables.append(table.assign(seed=seed))
            print(f"seed {seed} {encoder}\n{format_table(table)}\n", flush=True)
    frame = pd.concat(tables).reset_index()
    text = (f"sp500_stocks test split {ws.market.dates[ws.rows[0]].date()} to "
            f"{ws.market.dates[ws.rows[-1] + 1].date()}, {len(ws)} bars x {ws.market.n_assets} stocks; "
            f"mean ± sd over {seeds} seeds (baselines do not depend on the seed)\n"
            f"{seed_summary(frame, models)}")
    _write("real", frame, text)


def seed_summary(frame: pd.DataFrame, models: tuple[str, ...]) -> str:
    """Mean ± sd over seeds per model; baselines once; DM p-values against zero per seed."""
    def cell(group: pd.DataFrame, column: str, scale: float, digits: int) -> str:
        if group[column].isna().all():
            return "-"
        text = f"{scale * group[column].mean():.{digits}f}"
        return text + (f" ± {scale * group[column].std():.{digits}f}" if len(group) > 1 else "")

    rows = []
    for name in (*models, "zero", "persistence", "hist_mean", "ar5"):
        group = frame[frame["model"] == name]
        group = group if name in models else group.iloc[:1]
        rows.append({"model": name, "RMSE (%)": cell(group, "rmse", 100, 3),
                     "R2 (%)": cell(group, "r2", 100, 2),
                     "hit rate (%)": cell(group, "hit_rate", 100, 1), "IC": cell(group, "ic", 1, 3),
                     "p vs zero": ", ".join(f"{p:.2f}" for p in group["p_zero"].dropna()) or "-",
                     "p vs persistence": ", ".join(f"{p:.1g}" for p in group["p_pers"].dropna()) or "-"})
    return pd.DataFrame(rows).to_string(index=False)


def _write(name: str, frame: pd.DataFrame, text: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(frame.to_dict(orient="records"), indent=1, default=float))
    (OUT / f"{name}.txt").write_text(text + "\n")
    print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["ar1", "gbm", "real"])
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        if args.part == "ar1":
            part_ar1(root)
        elif args.part == "gbm":
            part_gbm(root, args.seeds or 10)
        else:
            part_real(root, args.seeds or 3, tuple(args.models.split(",")))


if __name__ == "__main__":
    main()
