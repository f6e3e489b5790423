"""One supervised training loop: mini-batches, early stopping on validation loss, best weights kept.

:func:`fit` serves every supervised model in ``feature_nets`` (the forecasters and the
autoencoder, on the core's :mod:`feature_nets.windows`). It reads top to bottom: seed ->
batches -> epochs (train, validate, keep the best, stop after ``patience`` epochs without
improvement) -> restore the best weights. With a :class:`~tradegym.runs.RunDir` the best
weights are also saved atomically as an artifact each time they improve, so a killed
run leaves the last best checkpoint whole.

>>> import torch
>>> from torch import nn
>>> seed_everything(0)
>>> x = torch.linspace(-1, 1, 64)[:, None]
>>> model = nn.Linear(1, 1)
>>> result = fit(model, (x, 3 * x), (x, 3 * x), lambda m, xb, yb: ((m(xb) - yb) ** 2).mean(),
...              FitConfig(max_epochs=300, patience=20, lr=0.02, batch_size=16, progress_bar=False))
>>> round(model.weight.item(), 1), result.best_val_loss < 1e-3
(3.0, True)
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from feature_nets.runtime import CoreFollower, follow_cores, torch_runtime
from tradegym.errors import ConfigError
from tradegym.runs import RunDir

LossFn = Callable[..., Tensor]
"""``loss_fn(model, *batch) -> scalar``: the tensors of one batch, in dataset order."""


@dataclass
class FitConfig:
    """Budget and optimiser of :func:`fit`; every default is small enough for 2 CPU cores."""

    max_epochs: int = 30
    """Upper bound on passes over the training set; early stopping usually ends sooner."""
    patience: int = 5
    """Epochs without a lower validation loss before stopping."""
    min_delta: float = 0.0
    """An epoch counts as an improvement only if it lowers the best validation loss by more."""
    batch_size: int = 256
    lr: float = 1e-3
    """Adam's learning rate."""
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    """Gradient norm clip: recurrent nets on heavy-tailed returns occasionally spike."""
    seed: int = 0
    progress_bar: bool = True
    device: str = "auto"
    """``auto``: CUDA when present, else CPU (:func:`feature_nets.runtime.resolve_device`)."""
    torch_threads: int = 0
    """torch CPU threads while fitting (restored after); 0 is the auto policy, the cores free
    (:func:`feature_nets.runtime.choose_threads`). Was ``num_threads``, which configs may still say."""

    RENAMED: ClassVar[dict[str, str]] = {"num_threads": "torch_threads"}

    def check(self) -> None:
        """Raise ConfigError naming the first out-of-range value."""
        for name in ("max_epochs", "patience", "batch_size"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ConfigError(f"fit.{name} must be an integer >= 1, got {value!r}")
        if not self.lr > 0:
            raise ConfigError(f"fit.lr must be > 0, got {self.lr!r}")


@dataclass
class FitResult:
    """What :func:`fit` did: ``history`` holds one ``{epoch, train_loss, val_loss}`` per epoch."""

    best_epoch: int
    best_val_loss: float
    epochs: int
    stopped_early: bool
    history: list[dict[str, float]] = field(default_factory=list)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and CUDA) for a reproducible run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _check_tensors(name: str, tensors: Sequence[Tensor]) -> int:
    if not tensors:
        raise ConfigError(f"{name} data is empty: pass (inputs..., target) tensors")
    lengths = {len(t) for t in tensors}
    if len(lengths) != 1:
        raise ConfigError(f"{name} tensors have different lengths {sorted(lengths)}; they must align")
    n = lengths.pop()
    if n == 0:
        raise ConfigError(f"{name} data has 0 samples; use more data or a smaller window")
    return n


@torch.no_grad()
def evaluate_loss(model: nn.Module, tensors: Sequence[Tensor], loss_fn: LossFn, batch_size: int,
                  device: str = "cpu") -> float:
    """Mean of ``loss_fn`` over ``tensors`` in order (batches weighted by size), in eval mode."""
    model.eval()
    n = _check_tensors("evaluation", tensors)
    total = 0.0
    for lo in range(0, n, batch_size):
        batch = [t[lo : lo + batch_size].to(device) for t in tensors]
        total += float(loss_fn(model, *batch)) * len(batch[0])
    return total / n


def fit(
    model: nn.Module,
    train: Sequence[Tensor],
    val: Sequence[Tensor],
    loss_fn: LossFn,
    config: FitConfig | None = None,
    *,
    run: RunDir | None = None,
    checkpoint: str = "best.pt",
    describe: str = "fit",
    on_epoch: Callable[[dict[str, float]], Any] | None = None,
) -> FitResult:
    """Train ``model`` with Adam on ``train``, stopping early on the loss over ``val``.

    Args:
        model: any ``nn.Module``; it ends holding the weights of the best validation epoch.
        train: aligned tensors ``(M, ...)`` (inputs then target), shuffled each epoch.
        val: aligned tensors of the validation split, never used for gradients.
        loss_fn: ``loss_fn(model, *batch) -> scalar`` mean loss of a batch.
        config: budget, optimiser, seed, device; defaults to :class:`FitConfig()`.
        run: a run directory to save the best ``state_dict`` into (atomically, hashed).
        checkpoint: artifact name of the best weights in ``run``.
        describe: label of the progress bar.
        on_epoch: called with each epoch's history row (for logs).

    Returns:
        A :class:`FitResult`.

    Raises:
        ConfigError: an empty or misaligned dataset, or a config value out of range.
    """
    cfg = config or FitConfig()
    cfg.check()
    n_train = _check_tensors("training", train)
    _check_tensors("validation", val)
    with torch_runtime(cfg.torch_threads, cfg.device) as runtime:
        result = _fit(model, train, val, loss_fn, cfg, runtime.device, n_train, run, checkpoint, describe,
                      on_epoch, follow_cores(runtime))
    model.to("cpu")  # fitted on a GPU or not, the model is used on CPU tensors afterwards
    return result


def torch_threads(count: int | None) -> contextlib.AbstractContextManager[Any]:
    """Run the block on ``count`` torch CPU threads (``None``: the auto policy), heap kept; restore after.

    The old name of :func:`feature_nets.runtime.torch_runtime` on the CPU.
    """
    return torch_runtime(0 if count is None else count, "cpu")


def _fit(model: nn.Module, train: Sequence[Tensor], val: Sequence[Tensor], loss_fn: LossFn, cfg: FitConfig,
         device: str, n_train: int, run: RunDir | None, checkpoint: str, describe: str,
         on_epoch: Callable[[dict[str, float]], Any] | None, follower: CoreFollower | None = None
         ) -> FitResult:
    """The loop of :func:`fit`, its arguments checked; ``follower`` is polled at every batch."""
    seed_everything(cfg.seed)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    shuffle = torch.Generator().manual_seed(cfg.seed)  # own stream: model init does not shift it

    best_loss, best_epoch, best_state, waited = math.inf, 0, copy.deepcopy(model.state_dict()), 0
    history: list[dict[str, float]] = []
    epochs = range(1, cfg.max_epochs + 1)
    bar = None
    if cfg.progress_bar:
        from tqdm.auto import tqdm

        bar = tqdm(epochs, desc=describe, unit="epoch", leave=False)
        epochs = bar
    for epoch in epochs:
        model.train()
        order = torch.randperm(n_train, generator=shuffle)
        total = 0.0
        for lo in range(0, n_train, cfg.batch_size):
            idx = order[lo : lo + cfg.batch_size]
            batch = [t[idx].to(device) for t in train]
            loss = loss_fn(model, *batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            total += loss.item() * len(idx)
            if follower is not None:  # torch_threads 0: follow the cores other processes leave
                follower.poll()
        val_loss = evaluate_loss(model, val, loss_fn, cfg.batch_size, device)
        row = {"epoch": epoch, "train_loss": total / n_train, "val_loss": val_loss}
        history.append(row)
        if on_epoch is not None:
            on_epoch(row)
        if val_loss < best_loss - cfg.min_delta:
            best_loss, best_epoch, waited = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
            if run is not None:
                run.save_artifact(checkpoint, lambda handle, state=best_state: torch.save(state, handle))
        else:
            waited += 1
        if bar is not None:
            bar.set_postfix(train=f"{row['train_loss']:.4f}", val=f"{val_loss:.4f}", best=best_epoch)
        if waited >= cfg.patience:
            break
    if bar is not None:
        bar.close()
    model.load_state_dict(best_state)
    model.eval()
    return FitResult(best_epoch, best_loss, len(history), len(history) < cfg.max_epochs, history)
