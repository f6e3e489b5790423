"""Autoencoder state compression: reconstruction vs PCA, and PPO on the compressed state.

``mse``: test-window reconstruction MSE of the autoencoders (MLP and a sequence variant)
and of PCA at equal total code size, on the embedded real data and a synthetic market.
Every method sees the same windows (the env's causal features of each split, computed on
that split alone); PCA and the autoencoders are fitted on the training split, the
autoencoders stop early on the validation split, the test split only scores. MSE is the
mean over windows and all ``W*N*K`` values, in feature units (z-scores).

``ppo``: on the planted-signal market of ``benchmarks/learnability.py`` (same settings),
PPO + LSTM on the full window against PPO on the frozen autoencoder's code (plus the
weights) through ``CompressedPortfolioEnv``, and PPO with the encoder fine-tuned from the
pretrained weights (``CompressedExtractor``); PPO training wall time and test Sharpe over
seeds. Target: >= 90 % of the full-window Sharpe at >= 2x the training speed.

Results go to ``benchmarks/AUTOENCODER.md`` (each part replaces its own section, written
atomically) and charts to ``docs/autoencoder/``.

    python benchmarks/autoencoder.py mse [--quick]
    python benchmarks/autoencoder.py ppo [--quick] [--seeds 0 1 2] [--timesteps 60000]
        [AUTOENCODER OPTIONS] [--arms full compressed finetuned last_bar]
    python benchmarks/autoencoder.py probe [--seed 0] [AUTOENCODER OPTIONS]

Autoencoder options (the MLP autoencoder of the planted market, window 10): ``--code-size``
(32), ``--predict-weight w`` (0; ``> 0`` trains the predictive autoencoder: a linear head on
the code predicts the next-bar return), ``--predict-target`` (``close``; ``intraday`` is what
the env's ``next_open`` execution earns), ``--asset-mode`` (``joint``; ``shared`` encodes each
asset with the same weights) and ``--hidden-size`` (128). Each non-default choice suffixes
the report sections (``_p10_intraday_shared_h32``). The ``last_bar`` arm is an ablation
without autoencoder: PPO on the env's newest bar alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _sections
import numpy as np
import torch

from feature_nets.autoencoder import (
    PCA,
    load_autoencoder_config,
    plot_error_vs_code_size,
    plot_reconstructions,
    reconstruction_mse,
    split_windows,
    train_autoencoder,
)
from feature_nets.windows import make_windows

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "benchmarks" / "AUTOENCODER.md"
DOCS = ROOT / "docs" / "autoencoder"
SIZES = (4, 8, 16, 32)
MARKETS = {
    # name: (data config, window bars)
    "sp500_stocks": ({"source": "sp500_stocks"}, 30),
    "sp500_index": ({"source": "sp500_index"}, 30),
    "regime": ({"source": "regime", "kwargs": {"n_assets": 10, "n_bars": 6000, "seed": 0}}, 30),
}
# Sequence variants are slower: a narrower network and a shorter budget keep the run short.
KIND_MODEL = {"mlp": {"hidden_size": 128}, "lstm": {"hidden_size": 64}, "conv": {"hidden_size": 64}}


def write_section(name: str, text: str) -> None:
    """Replace the ``<!-- name -->`` section of the report (or append it), atomically."""
    intro = "# Autoencoder benchmarks\n\nWritten by `benchmarks/autoencoder.py`.\n"
    _sections.write_section(REPORT, name, text, intro)


# ---------------------------------------------------------------------- mse
def bench_mse(markets: list[str], kinds: list[str], sizes: list[int], max_epochs: int,
              seq_epochs: int) -> None:
    lines = ["## Reconstruction: autoencoder vs PCA (test windows)", "",
             "MSE per value on the test split (z-score units); `ratio` = AE / PCA at the same total "
             "code size "
             "(< 1: the autoencoder wins). `mean` is the training mean window (code size 0).", ""]
    header = f"{'market':14s}{'(W, N, K)':>14s}{'D':>6s}{'kind':>6s}"
    header += "".join(f"{'C=' + str(c):>9s}" for c in sizes)
    with tempfile.TemporaryDirectory() as tmp:
        for market in markets:
            data_cfg, window = MARKETS[market]
            cfg = load_autoencoder_config({"data": data_cfg, "model": {"window_bars": window}})
            split, names, (train, _, test) = split_windows(cfg)
            started = time.perf_counter()
            pca = PCA.fit(train, max(sizes))
            pca_s = time.perf_counter() - started
            shape = tuple(train.shape[1:])
            mean_mse = reconstruction_mse(test, np.broadcast_to(pca.mean.reshape(shape), test.shape))
            pca_mse = {c: reconstruction_mse(test, pca.truncate(c).reconstruct(test)) for c in sizes}
            rows = {"pca": pca_mse}
            recon = {}
            for kind in kinds:
                rows[kind] = {}
                for c in sizes:
                    epochs = max_epochs if kind == "mlp" else seq_epochs
                    overrides = [f"model.kind={kind}", f"model.code_size={c}", f"fit.max_epochs={epochs}",
                                 "fit.progress_bar=false", "fit.torch_threads=1",
                                 *(f"model.{k}={v}" for k, v in KIND_MODEL[kind].items())]
                    run = train_autoencoder(cfg, overrides=overrides,
                                            run_dir=Path(tmp) / f"{market}-{kind}-{c}",
                                            pca=pca, echo=lambda _: None)
                    out = run.autoencoder.reconstruct(test)
                    rows[kind][c] = reconstruction_mse(test, out)
                    print(f"{market} {kind} C={c}: AE {rows[kind][c]:.4f} PCA {pca_mse[c]:.4f} "
                          f"({run.metrics['epochs']} epochs, {run.metrics['wall_s']:.0f} s)", flush=True)
                    if c == 8:
                        recon[kind] = out
            lines.append(f"**{market}** — {split.test.describe()}; test windows {len(test)}, W = {window}, "
                         f"features {', '.join(names)}; PCA fit {pca_s:.0f} s; "
                         f"mean-window MSE {mean_mse:.4f}")
            lines += ["", "```", header, "-" * len(header)]
            d = int(np.prod(shape))
            for kind in ("pca", *kinds):
                lines.append(f"{market:14s}{str(shape):>14s}{d:>6d}{kind:>6s}"
                             + "".join(f"{rows[kind][c]:9.4f}" for c in sizes))
            for kind in kinds:
                lines.append(f"{'':14s}{'':>14s}{'':>6s}{'ratio':>6s}"
                             + "".join(f"{rows[kind][c] / pca_mse[c]:9.3f}" for c in sizes)
                             + f"  ({kind} / pca)")
            lines += ["```", ""]
            curves = {k: rows[k] for k in ("pca", *kinds)}
            plot_error_vs_code_size(curves, DOCS / f"error_vs_code_size_{market}.png", baseline=mean_mse,
                                    title=f"test reconstruction MSE, {market}")
            if recon:
                shown = {f"{k} C=8": v for k, v in recon.items()}
                shown["pca C=8"] = pca.truncate(8).reconstruct(test)
                plot_reconstructions(test, shown, names, DOCS / f"reconstruction_{market}.png",
                                     title=f"test windows, {market}")
            write_section("mse", "\n".join(lines))
    print("\n".join(lines))


# ---------------------------------------------------------------------- ppo
def ae_model(code_size: int, predict_weight: float = 0.0, predict_target: str = "close",
             asset_mode: str = "joint", hidden_size: int = 128) -> dict[str, object]:
    """The ``model`` section of the planted-market autoencoder (MLP, window 10)."""
    return {"kind": "mlp", "code_size": code_size, "window_bars": 10, "predict_weight": predict_weight,
            "predict_target": predict_target, "asset_mode": asset_mode, "hidden_size": hidden_size}


def _suffix(model: dict[str, object]) -> str:
    """Report-section suffix naming the non-default choices (the plain joint autoencoder: none).

    The close-to-close head's sections predate ``predict_target`` and keep their names.
    """
    out = f"_p{model['predict_weight']:g}" if model["predict_weight"] > 0 else ""
    if model["predict_weight"] > 0 and model["predict_target"] != "close":
        out += f"_{model['predict_target']}"
    out += "_shared" if model["asset_mode"] == "shared" else ""
    return out + (f"_h{model['hidden_size']}" if model["hidden_size"] != 128 else "")


def _ae_name(model: dict[str, object], possessive: bool = False) -> str:
    """How the report names the autoencoder: its asset mode, width, and head (label and weight)."""
    s = "'s" if possessive else ""
    shape = "per-asset (shared weights) " if model["asset_mode"] == "shared" else ""
    shape += f"hidden {model['hidden_size']} " if model["hidden_size"] != 128 else ""
    if model["predict_weight"] <= 0:
        return f"{shape}MLP autoencoder{s}"
    label = {"close": "close-to-close", "intraday": "intraday (open -> close)"}.get(
        str(model["predict_target"]), str(model["predict_target"]))
    return (f"predictive {shape}MLP autoencoder{s} (next-bar {label} return head, "
            f"predict_weight = {model['predict_weight']:g})")


def bench_ppo(seeds: list[int], timesteps: int, model: dict[str, object], arms: list[str]) -> None:
    from learnability import COMMON, MARKET, PPO  # this script's folder: same market and PPO settings

    from agents.train import load_data, load_trained, train
    from tradegym.backtest import backtest
    from tradegym.data.synthetic import OraclePolicy

    torch.set_num_threads(1)
    rows: dict[str, list[dict[str, float]]] = {arm: [] for arm in arms}
    ae_s: list[float] = []
    ae_ratio: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            data = {"source": "planted", "kwargs": {**MARKET, "seed": seed}}
            ae = train_autoencoder({"data": data, "model": model,
                                    "fit": {"progress_bar": False, "seed": seed, "torch_threads": 1}},
                                   run_dir=Path(tmp) / f"ae-{seed}", echo=lambda _: None)
            ae_s.append(ae.metrics["wall_s"])
            ae_ratio.append(ae.metrics["val_mse"] / ae.metrics["val_mse_pca"])
            ae_dir = str(ae.run.path)
            base = ["data.source=planted", f"data.kwargs={{n_assets: {MARKET['n_assets']}, "
                    f"n_bars: {MARKET['n_bars']}, seed: {seed}}}", f"train.total_timesteps={timesteps}",
                    f"train.seed={seed}", "train.progress_bar=false", "train.tensorboard=false",
                    f"train.eval_freq={max(timesteps // 6, 1000)}", f"train.checkpoint_freq={timesteps}",
                    *COMMON, *PPO]
            arm_overrides = {
                "full": [],
                "compressed": ["env.id=feature_nets.autoencoder.observation:CompressedPortfolioEnv",
                               f"env.kwargs={{reward_scale: 100, autoencoder: '{ae_dir}'}}",
                               "agent.extractor=default"],
                # Ablation: the newest bar alone, no autoencoder (the planted signal is one bar deep).
                "last_bar": ["env.window_bars=1", "agent.extractor=default"],
                "finetuned": ["agent.extractor=feature_nets.autoencoder.observation:CompressedExtractor",
                              f"agent.extractor_kwargs={{autoencoder: '{ae_dir}', finetune: true}}"],
            }
            for arm in arms:
                started = time.perf_counter()
                result = train("ppo_lstm", overrides=[*base, *arm_overrides[arm]],
                               run_dir=Path(tmp) / f"{arm}-{seed}", echo=lambda _: None)
                wall = time.perf_counter() - started
                agent, cfg = load_trained(result.run.path)
                _, split = load_data(cfg)
                kwargs = cfg.env.env_kwargs()
                sharpe = backtest(agent, split.test, env_kwargs=kwargs, env_id=cfg.env.id).metrics["sharpe"]
                oracle = backtest(OraclePolicy(), split.test,
                                  env_kwargs={"window_bars": 10}).metrics["sharpe"]
                rows[arm].append({"sharpe": sharpe, "wall_s": wall, "oracle": oracle,
                                  "steps_per_s": result.metrics["steps_per_s"]})
                print(f"seed {seed} {arm}: test Sharpe {sharpe:.2f} (oracle {oracle:.2f}), "
                      f"train {wall:.0f} s",
                      flush=True)

    def cell(x: np.ndarray) -> str:
        return f"{x.mean():.2f} ± {x.std(ddof=1) if len(x) > 1 else 0:.2f}"

    full = np.array([r["sharpe"] for r in rows["full"]]) if "full" in rows else None
    full_s = np.array([r["wall_s"] for r in rows["full"]]) if "full" in rows else None
    header = f"{'agent':12s}{'test Sharpe':>14s}{'oracle':>14s}{'train s':>10s}{'steps/s':>9s}" \
             f"{'Sharpe / full':>15s}{'speed-up':>10s}"
    table = [header, "-" * len(header)]
    for arm in arms:
        s = np.array([r["sharpe"] for r in rows[arm]])
        w = np.array([r["wall_s"] for r in rows[arm]])
        sps = np.mean([r["steps_per_s"] for r in rows[arm]])
        rel = f"{s.mean() / full.mean():14.0%}" if full is not None else f"{'-':>14s}"
        speed = f"{full_s.mean() / w.mean():9.1f}x" if full_s is not None else f"{'-':>10s}"
        table.append(f"{arm:12s}{cell(s):>14s}{cell(np.array([r['oracle'] for r in rows[arm]])):>14s}"
                     f"{w.mean():10.0f}{sps:9.0f} {rel}{speed}")
    for arm in arms:
        table.append(f"  {arm}: " + ", ".join(f"seed {sd} {r['sharpe']:.2f} in {r['wall_s']:.0f} s"
                                              for sd, r in zip(seeds, rows[arm], strict=True)))
    described = {
        "full": "PPO + LSTM extractor on the (10, 5, 7) window",
        "compressed": "PPO (SB3's CombinedExtractor + MLP heads) on the frozen "
                      f"{_ae_name(model, possessive=True)} code (C = {model['code_size']} of 350) and the "
                      "weights",
        "finetuned": "the same encoder inside the policy (CompressedExtractor), trained with it from the "
                     "pretrained weights",
        "last_bar": "an ablation without autoencoder, PPO (CombinedExtractor + MLP heads) on the env's "
                    "newest bar alone (window 1, 35 values) and the weights",
    }
    text = ["## PPO on the compressed state vs the full window (planted market)", "",
            f"Planted market {MARKET} (market seed = training seed), window 10, 10 bps costs, "
            f"{timesteps} PPO steps with the learnability settings, best model on validation, "
            f"test split; seeds {seeds}. " + "; ".join(f"`{arm}`: {described[arm]}" for arm in arms)
            + ". `train s` is the whole `agents.train` call (validation backtests included), autoencoder "
            f"training excluded: {np.mean(ae_s):.0f} s per seed, its validation MSE {np.mean(ae_ratio):.3f} "
            "of PCA's; all arms run one after another in this process, one torch thread.", "",
            "```", *table, "```"]
    write_section(f"ppo_c{model['code_size']}{_suffix(model)}", "\n".join(text))
    print("\n".join(text))


# ---------------------------------------------------------------------- probe
def bench_probe(seed: int, model: dict[str, object]) -> None:
    """How much of the planted signal a linear read-out finds in the code, the window, PCA."""
    from learnability import MARKET

    from tradegym.data.synthetic import planted_expected_returns

    data = {"source": "planted", "kwargs": {**MARKET, "seed": seed}}
    code_size = model["code_size"]
    with tempfile.TemporaryDirectory() as tmp:
        ae = train_autoencoder({"data": data, "model": model,
                                "fit": {"progress_bar": False, "seed": seed, "torch_threads": 1}},
                               run_dir=Path(tmp) / "ae", echo=lambda _: None)
    cfg = load_autoencoder_config({"data": data, "model": model})
    split, names, _ = split_windows(cfg)
    # Row t of planted_expected_returns is E[intraday return of bar t+1 | bars <= t]: the signal.
    sets = [make_windows(part, 10, names) for part in (split.train, split.test)]
    targets = [planted_expected_returns(ws.market)[ws.rows] for ws in sets]  # (M, N)
    train_x, test_x = (np.asarray(ws.windows) for ws in sets)
    inputs = {
        f"autoencoder code (C = {code_size})": (ae.autoencoder.encode(train_x),
                                                ae.autoencoder.encode(test_x)),
        f"PCA (C = {code_size})": (ae.pca.encode(train_x), ae.pca.encode(test_x)),
        "full window (350)": (train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)),
        "last bar only (35)": (train_x[:, -1].reshape(len(train_x), -1),
                               test_x[:, -1].reshape(len(test_x), -1)),
    }
    title = "## Where the planted signal goes"
    if _suffix(model):
        title += f": {_ae_name(model)}"
    lines = [title, "",
             f"Test R² of a least-squares read-out (fitted on train) of the oracle's expected next intraday "
             f"return per asset, planted market seed {seed}, window 10; the autoencoder is the "
             f"{_ae_name(model)}, its validation reconstruction MSE "
             f"{ae.metrics['val_mse'] / ae.metrics['val_mse_pca']:.3f} of PCA's:", "", "```"]
    for name, (a, b) in inputs.items():
        a1 = np.c_[a, np.ones(len(a))]
        coef, *_ = np.linalg.lstsq(a1, targets[0], rcond=None)
        pred = np.c_[b, np.ones(len(b))] @ coef
        r2 = 1 - ((targets[1] - pred) ** 2).sum() / ((targets[1] - targets[1].mean(0)) ** 2).sum()
        lines.append(f"{name:32s} R² {r2:6.3f}")
    lines.append("```")
    write_section(f"probe_c{code_size}{_suffix(model)}", "\n".join(lines))
    print("\n".join(lines))


def _add_model_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code-size", type=int, default=32)
    parser.add_argument("--predict-weight", type=float, default=0.0,
                        help="model.predict_weight of the autoencoder (0: plain reconstruction)")
    parser.add_argument("--predict-target", default="close", choices=["close", "intraday", "auto"],
                        help="model.predict_target of the predictive autoencoder")
    parser.add_argument("--asset-mode", default="joint", choices=["joint", "shared"],
                        help="model.asset_mode: one code of all assets, or per-asset codes by shared weights")
    parser.add_argument("--hidden-size", type=int, default=128, help="model.hidden_size of the autoencoder")


def _model_args(args: argparse.Namespace) -> dict[str, object]:
    return ae_model(args.code_size, args.predict_weight, args.predict_target, args.asset_mode,
                    args.hidden_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="part", required=True)
    mse = sub.add_parser("mse", help="autoencoder vs PCA reconstruction MSE")
    mse.add_argument("--quick", action="store_true", help="regime market only, MLP, 3 epochs")
    mse.add_argument("--markets", nargs="+", default=list(MARKETS), choices=list(MARKETS))
    mse.add_argument("--kinds", nargs="+", default=["mlp", "lstm"], choices=list(KIND_MODEL))
    mse.add_argument("--max-epochs", type=int, default=60)
    mse.add_argument("--seq-epochs", type=int, default=15, help="epoch cap of the sequence kinds")
    ppo = sub.add_parser("ppo", help="PPO on the compressed state vs the full window")
    ppo.add_argument("--quick", action="store_true", help="one seed, 6,000 steps")
    ppo.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ppo.add_argument("--timesteps", type=int, default=60_000)
    _add_model_args(ppo)
    ppo.add_argument("--arms", nargs="+", default=["full", "compressed", "finetuned"],
                     choices=["full", "compressed", "finetuned", "last_bar"])
    probe = sub.add_parser("probe", help="linear read-out of the planted signal from code vs window")
    probe.add_argument("--seed", type=int, default=0)
    _add_model_args(probe)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.part == "mse":
        if args.quick:
            args.markets, args.kinds, args.max_epochs = ["regime"], ["mlp"], 3
        bench_mse(args.markets, args.kinds, list(SIZES), args.max_epochs, args.seq_epochs)
    elif args.part == "probe":
        bench_probe(args.seed, _model_args(args))
    else:
        if args.quick:
            args.seeds, args.timesteps = args.seeds[:1], 6_000
        bench_ppo(args.seeds, args.timesteps, _model_args(args), args.arms)


if __name__ == "__main__":
    main()
