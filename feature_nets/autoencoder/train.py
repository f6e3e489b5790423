"""Training an autoencoder over the env's observation windows, into a run directory, and loading it.

An autoencoder reads exactly what ``PortfolioEnv`` shows an agent — the window
``(W, N, K)`` of :func:`tradegym.features.compute_features` ending at the close of bar
``t`` (the core's :func:`~feature_nets.windows.make_windows`, as the forecasters read it) — and
squeezes it into a code of ``C`` numbers, the total over all assets. The networks
(``kind`` mlp / lstm / conv; ``asset_mode`` joint, one code of the whole window, or shared,
each asset encoded alone by the same weights into ``C/N`` numbers; the PCA-initialised linear
path; denoising) are :class:`~feature_nets.autoencoder.networks.WindowAutoencoder`'s. The
yardstick is :class:`~feature_nets.autoencoder.pca.PCA` at the same total code size, fitted
on the same training windows. The reconstruction MSE of both is the mean over all ``W*N*K``
values of the squared error, in the env's feature units.

``predict_weight > 0`` makes it a predictive (supervised) autoencoder: a linear head on the
code (``(B, C) -> (B, N)``; with ``asset_mode="shared"`` one head for all assets, each reading
its own ``C/N`` numbers) predicts each asset's return over the next bar, standardised
by the training split's per-asset mean and sd; the loss is
``recon MSE + predict_weight * pred MSE``. ``predict_target`` picks the return:

* ``"intraday"``: ``log(close[t+1] / open[t+1])``, the return a decision at the close of ``t``
  earns when it fills at the open of ``t+1`` (``PortfolioEnv``'s ``execution="next_open"``,
  its default where the data has opens). The overnight gap ``open[t+1] / close[t]`` is
  earned by the weights held before the decision, so it is noise to this label;
* ``"close"``: the close-to-close ``r[t+1]`` (the forecasters' target of
  :func:`~feature_nets.windows.make_windows`), what ``execution="close"`` earns;
* ``"auto"`` (default): intraday where the data has opens, close otherwise — the env's default
  execution. (On close-only data the env's ``"next_close"`` earns ``r[t+2]``; ``r[t+1]`` is
  the nearest label the window ending at ``t`` has.)

A pure reconstruction objective spends the code on the window's large-variance directions
and treats a small predictive component (the planted market's last-bar signal) as noise;
the head pulls it into the code. The input is still the window ending at ``t`` only, so the
code at ``t`` reads no later data; the label of bar ``t+1`` is a training target only, as
the forecasters' are, and targets of each split come from that split (the head's
standardisation from the training split). The head is a training device: agents read
:meth:`WindowAutoencoder.encode` / ``state`` only, never the head.

Honesty rules as for the forecasters: windows of each split come from features computed
on that split alone; the centring mean and PCA are fitted on the training split; early
stopping reads the validation split; the test split is for evaluation only.

:func:`train_autoencoder` writes a run directory (``kind="autoencoder"``)::

    config.yaml  data.json  model.json (shapes, features)  model.pt  best.pt  pca.npz
    history.csv  metrics.json
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from feature_nets.autoencoder.config import AutoencoderConfig, AutoencoderModelConfig, load_autoencoder_config
from feature_nets.autoencoder.networks import Autoencoder, WindowAutoencoder, per_asset_windows
from feature_nets.autoencoder.pca import PCA, reconstruction_mse
from feature_nets.fit import FitResult, fit, seed_everything
from feature_nets.windows import WindowSet, load_market, make_windows, split_market, train_feature_names
from tradegym.config import from_dict, read_yaml, to_dict
from tradegym.data import MarketData, Split
from tradegym.data.config import describe_data
from tradegym.errors import ConfigError
from tradegym.io import write_csv
from tradegym.runs import RunDir, finish_run, start_run


def _loss(model: WindowAutoencoder, x: Tensor) -> Tensor:
    # The clean window is the target; encode() adds the denoising noise in training mode only.
    return nn.functional.mse_loss(model(x), x)


def _predictive_loss(weight: float) -> Callable[[WindowAutoencoder, Tensor, Tensor], Tensor]:
    """``recon MSE + weight * MSE(head(code), y)``; ``x`` ``(B, W, N, K)``, ``y`` ``(B, N)`` standardised."""

    def loss(model: WindowAutoencoder, x: Tensor, y: Tensor) -> Tensor:
        recon, pred = model.reconstruct_and_predict(x)
        return nn.functional.mse_loss(recon, x) + weight * nn.functional.mse_loss(pred, y)

    return loss


@dataclass
class AutoencoderRun:
    """What :func:`train_autoencoder` produced."""

    run: RunDir
    autoencoder: Autoencoder
    pca: PCA
    fit: FitResult
    split: Split
    metrics: dict[str, Any]


def split_window_sets(cfg: AutoencoderConfig, data: MarketData | None = None
                      ) -> tuple[Split, tuple[str, ...], list[WindowSet]]:
    """The configured market split by date, the feature names, and the train / val / test samples.

    Each split's :class:`~feature_nets.windows.WindowSet` comes from features computed on
    that split alone (as an env built on it computes them): windows ``(M, W, N, K)`` ending at
    bar ``t`` and targets ``(M, N)``, the log return ``t -> t+1`` within the same split.
    """
    data = data if data is not None else load_market(cfg.data)
    m = cfg.model
    split = split_market(data, cfg.data, m.window_bars)
    names = train_feature_names(split.train, m.features)
    return split, names, [make_windows(part, m.window_bars, names, m.normalize) for part in split]


def split_windows(cfg: AutoencoderConfig, data: MarketData | None = None
                  ) -> tuple[Split, tuple[str, ...], list[np.ndarray]]:
    """The configured market split by date, the feature names, and the train / val / test windows.

    Each split's windows come from features computed on that split alone (as an env built on
    it computes them): ``(M, W, N, K)`` read-only views.
    """
    split, names, sets = split_window_sets(cfg, data)
    return split, names, [ws.windows for ws in sets]


def resolve_predict_target(target: str, market: MarketData) -> str:
    """The head's label, ``"intraday"`` or ``"close"``; ``"auto"`` is intraday where ``market`` has opens.

    Raises:
        ConfigError: ``"intraday"`` on a market without opens.
    """
    if target == "auto":
        return "intraday" if market.has("open") else "close"
    if target == "intraday" and not market.has("open"):
        raise ConfigError(f"model.predict_target='intraday' needs open prices, but market {market.name!r} "
                          f"has fields {list(market.fields)}; use 'close' (close-to-close returns) or "
                          "'auto', or a source with opens")
    return target


def next_bar_target(ws: WindowSet, target: str) -> np.ndarray:
    """``(M, N)`` label of each sample's next bar ``t+1``: its intraday or close-to-close log return.

    ``target`` is resolved (``"intraday"`` or ``"close"``, see :func:`resolve_predict_target`).
    """
    if target == "close":
        return ws.target  # (M, N) r[t+1]
    nxt = ws.rows + 1  # (M,)
    return np.log(ws.market.close[nxt] / ws.market.field("open")[nxt])  # (M, N) log(close / open) of t+1


def _pca_initialised_net(m: AutoencoderModelConfig, train: np.ndarray, pca: PCA | None,
                         predictive: bool) -> tuple[WindowAutoencoder, PCA]:
    """The network for training windows ``(M, W, N, K)``, its linear path set to the training PCA.

    ``pca`` (at least ``code_size`` components, fitted on ``train``) is reused if given.
    """
    window_shape = tuple(train.shape[1:])
    net = WindowAutoencoder(m.kind, window_shape, m.code_size, hidden_size=m.hidden_size,
                            noise_std=m.noise_std, linear_path=m.linear_path, predict_head=predictive,
                            asset_mode=m.asset_mode)
    pca = PCA.fit(train, m.code_size) if pca is None else pca.truncate(m.code_size)
    asset_pca = None
    if net.shared and m.linear_path:  # the per-asset linear path starts at the per-asset PCA
        centred = train - pca.mean.reshape(window_shape).astype(np.float32)  # (M, W, N, K)
        asset_pca = PCA.fit(per_asset_windows(centred), m.code_size // window_shape[1])
    net.init_from_pca(pca, asset_pca)
    return net, pca


def _training_tensors(train_set: WindowSet, val_set: WindowSet, target: str | None, weight: float
                      ) -> tuple[list[tuple[Tensor, ...]], Callable[..., Tensor]]:
    """Train and val tensors and the loss: windows alone, or with next-bar labels when ``target`` is set.

    Labels are standardised by the training split's per-asset mean and sd.
    """
    tensors = [(torch.from_numpy(np.ascontiguousarray(ws.windows, dtype=np.float32)),)  # (M, W, N, K)
               for ws in (train_set, val_set)]
    if target is None:
        return tensors, _loss
    labels = [next_bar_target(ws, target) for ws in (train_set, val_set)]  # (M, N) each
    y_mean = labels[0].mean(axis=0)  # (N,)
    y_std = np.maximum(labels[0].std(axis=0), 1e-12)  # (N,)
    targets = [torch.from_numpy(((y - y_mean) / y_std).astype(np.float32)) for y in labels]  # (M, N) each
    return [(*t, y) for t, y in zip(tensors, targets, strict=True)], _predictive_loss(weight)


def _metrics(model: Autoencoder, pca: PCA, x: np.ndarray, y: Tensor | None, result: FitResult,
             target: str | None, wall_s: float) -> dict[str, Any]:
    """``metrics.json``: the fit, and the validation MSE of the best weights next to PCA's.

    ``x`` is the validation windows ``(M, W, N, K)``, ``y`` their standardised labels ``(M, N)``
    when ``target`` is set.
    """
    val_pca = reconstruction_mse(x, pca.reconstruct(x))
    val_mse = reconstruction_mse(x, model.reconstruct(x)) if target is not None else result.best_val_loss
    metrics = {"best_epoch": result.best_epoch, "val_mse": val_mse, "val_mse_pca": val_pca,
               "epochs": result.epochs, "stopped_early": result.stopped_early, "wall_s": round(wall_s, 2)}
    if target is not None and y is not None:
        with torch.inference_mode():
            pred = model.net.predict(torch.from_numpy(model.encode(x))).numpy()  # (M, N) standardised
        metrics["val_pred_mse"] = float(np.mean((pred - y.numpy()) ** 2))
        metrics["predict_target"] = target
        metrics["val_loss"] = result.best_val_loss
    return metrics


def train_autoencoder(
    config: AutoencoderConfig | str | Path | dict[str, Any] | None = None,
    *,
    overrides: Sequence[str] = (),
    runs_root: str | Path = "runs",
    run_dir: str | Path | None = None,
    data: MarketData | None = None,
    pca: PCA | None = None,
    echo: Callable[[str], Any] = print,
) -> AutoencoderRun:
    """Train an autoencoder into a new run directory: config -> windows -> PCA -> model -> fit -> save.

    Args:
        config: an :class:`AutoencoderConfig`, a YAML path or a mapping (defaults if ``None``).
        overrides: ``section.key=value`` strings, e.g. ``model.code_size=8``.
        runs_root: parent of the new run directory.
        run_dir: an exact new run directory instead.
        data: a market to use instead of loading ``config.data`` (benchmarks reuse one).
        pca: a PCA already fitted on this config's training windows, with at least
            ``code_size`` components (benchmarks fit one per market), instead of fitting it here.
        echo: where progress lines go.

    Raises:
        ConfigError: bad config, or a code size larger than the window (``W*N*K``).
        DataError: a split too short for the window and warm-up.
    """
    # 1. config
    cfg = load_autoencoder_config(config, overrides)
    seed_everything(cfg.fit.seed)

    # 2. data: windows per split; the mean window and PCA see the training split only
    data = data if data is not None else load_market(cfg.data)
    split, names, (train_set, val_set, test_set) = split_window_sets(cfg, data)
    train, val = train_set.windows, val_set.windows  # (M, W, N, K)
    m = cfg.model
    target = resolve_predict_target(m.predict_target, split.train) if m.predict_weight > 0 else None
    net, pca = _pca_initialised_net(m, train, pca, predictive=target is not None)
    model = Autoencoder(net, m.window_bars, names, m.normalize, tuple(split.train.symbols))

    # 3. run directory
    described = describe_data(data, split, samples=(len(train_set), len(val_set), len(test_set)))
    run = start_run("autoencoder", cfg.run_name, config=to_dict(cfg), data=described, runs_root=runs_root,
                    run_dir=run_dir, echo=echo, model_kind=m.kind, code_size=m.code_size)
    window_shape = tuple(train.shape[1:])
    per_asset = f" (per asset: {m.code_size // window_shape[1]}, shared weights)" if net.shared else ""
    echo(f"run {run.path}: {m.kind} autoencoder, code {m.code_size}{per_asset} of W*N*K = "
         f"{int(np.prod(window_shape))} values; {len(train)} train / {len(val)} val windows of "
         f"(W, N, K) = {window_shape}")

    # 4. fit with early stopping on the validation loss (reconstruction MSE, plus the weighted
    #    prediction MSE when predictive; targets standardised by the training split's statistics)
    started = time.perf_counter()
    tensors, loss_fn = _training_tensors(train_set, val_set, target, float(m.predict_weight))
    result = fit(net, tensors[0], tensors[1], loss_fn, cfg.fit, run=run, describe=f"{m.kind} c{m.code_size}")
    wall_s = time.perf_counter() - started

    # 5. save the best weights, the PCA yardstick and the history
    codes = model.encode(train)  # (M, C), the best weights
    net.code_mean.copy_(torch.from_numpy(codes.mean(axis=0)))
    net.code_std.copy_(torch.from_numpy(np.maximum(codes.std(axis=0), 1e-6)))
    save_autoencoder(run, model, pca)
    write_csv(run.file("history.csv"), result.history, ["epoch", "train_loss", "val_loss"])
    metrics = _metrics(model, pca, val, tensors[1][1] if target else None, result, target, wall_s)
    finish_run(run, metrics)
    echo(f"best epoch {result.best_epoch} of {result.epochs}: val MSE {metrics['val_mse']:.4f} "
         f"(PCA at the same code size {metrics['val_mse_pca']:.4f}); run directory {run.path}")
    return AutoencoderRun(run, model, pca, result, split, metrics)


# ---------------------------------------------------------------------- save / load
def save_autoencoder(run: RunDir, model: Autoencoder, pca: PCA | None = None) -> None:
    """Write ``model.pt`` (weights), ``model.json`` (shapes, features) and ``pca.npz`` into ``run``."""
    net = model.net
    run.save_artifact("model.pt", lambda handle: torch.save(net.state_dict(), handle))
    run.write_json("model.json", {
        "kind": net.kind, "window_shape": list(net.window_shape), "code_size": net.code_size,
        "hidden_size": net.hidden_size, "noise_std": net.noise_std, "linear_path": net.linear_path,
        "predict_head": net.predict_head, "asset_mode": net.asset_mode,
        "features": list(model.features),
        "normalize": model.normalize, "symbols": list(model.symbols)})
    if pca is not None:
        run.save_artifact("pca.npz", lambda handle: np.savez(
            handle, mean=pca.mean, components=pca.components, explained_variance=pca.explained_variance))


def load_autoencoder(run_path: str | Path) -> Autoencoder:
    """Load a trained autoencoder (CPU, eval mode) from its run directory, the weights' hash checked.

    Raises:
        ConfigError: not an autoencoder run directory.
        CacheError: ``model.pt`` is missing or does not match its manifest hash.
    """
    run = RunDir.open(run_path, kind="autoencoder")
    meta = run.read_json("model.json")
    net = WindowAutoencoder(meta["kind"], tuple(meta["window_shape"]), meta["code_size"],
                            hidden_size=meta["hidden_size"], noise_std=meta["noise_std"],
                            linear_path=meta["linear_path"], predict_head=meta.get("predict_head", False),
                            asset_mode=meta.get("asset_mode", "joint"))
    net.load_state_dict(torch.load(run.verify("model.pt"), map_location="cpu", weights_only=True))
    return Autoencoder(net.eval(), meta["window_shape"][0], tuple(meta["features"]), meta["normalize"],
                       tuple(meta["symbols"]))


def load_pca(run_path: str | Path) -> PCA:
    """The PCA fitted on the run's training windows (``pca.npz``, hash checked)."""
    run = RunDir.open(run_path, kind="autoencoder")
    meta = run.read_json("model.json")
    with np.load(run.verify("pca.npz")) as z:
        return PCA(z["mean"], z["components"], z["explained_variance"], tuple(meta["window_shape"]))


def run_config(run_path: str | Path) -> AutoencoderConfig:
    """The resolved config of an autoencoder run."""
    run = RunDir.open(run_path, kind="autoencoder")
    return from_dict(AutoencoderConfig, read_yaml(run.file("config.yaml")))


__all__ = ["AutoencoderRun", "load_autoencoder", "load_pca", "next_bar_target", "resolve_predict_target",
           "run_config", "save_autoencoder", "split_window_sets", "split_windows", "train_autoencoder"]
