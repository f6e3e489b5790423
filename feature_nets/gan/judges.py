"""Post-hoc GRU judges: TimeGAN's discriminative and predictive scores, and a calibrated judge.

TimeGAN's scores (Yoon, Jarrett & van der Schaar, NeurIPS 2019), as its public code
defines them (``metrics/discriminative_metrics.py``, ``metrics/predictive_metrics.py``):

* **discriminative** — a 1-layer GRU with ``hidden = features // 2`` (at least 1) whose last
  state feeds one logit, trained 2,000 Adam steps (learning rate 1e-3) on batches of 128 real
  + 128 synthetic windows drawn from a random 80 % of each; the score is
  ``|accuracy - 0.5|`` on the other 20 % of both. 0 is indistinguishable.
* **predictive** — a 1-layer GRU with ``hidden = features // 2`` reading ``x[:-1, :-1]`` (all
  features but the last, all steps but the last) and predicting ``x[1:, -1]`` through a
  sigmoid at every step, trained 5,000 Adam steps of 128 *synthetic* windows on the L1 loss;
  the score is its mean absolute error on every *real* window ("train on synthetic, test on
  real").

The calibrated judge (:func:`time_split_judge`) is the same kind of classifier, larger, and
scored on real windows from a later block of time than it trained on, with a gap of one
window between the blocks (:func:`time_split`): with overlapping real windows on both sides
of a random split, a judge can call a window "real" by recognising the sequence, which
rewards copying.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from feature_nets.gan.facts import check_windows, cut_windows
from tradegym.errors import ConfigError, DataError


class GruJudge(nn.Module):
    """GRU over a window ``(B, L, C)`` -> one logit per window ``(B,)`` from the last state."""

    def __init__(self, channels: int, hidden: int, layers: int = 1) -> None:
        super().__init__()
        self.gru = nn.GRU(channels, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, L, C) -> (B,)`` logits, positive for "real"."""
        _, last = self.gru(x)  # (layers, B, H)
        return self.head(last[-1]).squeeze(-1)  # (B,)


def _tensor(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)


def train_judge(real: np.ndarray, synthetic: np.ndarray, *, hidden: int, layers: int = 1,
                steps: int = 2000, batch_real: int = 128, batch_synthetic: int = 128,
                lr: float = 1e-3, seed: int = 0, desc: str = "judge", progress: bool = True) -> GruJudge:
    """Train a :class:`GruJudge` to tell ``real`` ``(n, L, C)`` from ``synthetic`` ``(m, L, C)`` windows.

    Each Adam step draws ``batch_real`` real and ``batch_synthetic`` synthetic windows
    uniformly with replacement; the loss is binary cross-entropy (real = 1).

    Raises:
        DataError: bad windows or differing ``(L, C)``.
    """
    real_t = _tensor(check_windows(real, "real judge windows"))
    syn_t = _tensor(check_windows(synthetic, "synthetic judge windows"))
    if real_t.shape[1:] != syn_t.shape[1:]:
        raise DataError(f"real windows {tuple(real_t.shape[1:])} and synthetic "
                        f"{tuple(syn_t.shape[1:])} differ in (L, C)")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = GruJudge(real_t.shape[2], hidden, layers)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    labels = torch.cat([torch.ones(batch_real), torch.zeros(batch_synthetic)])
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in tqdm(range(steps), desc=desc, disable=not progress, leave=False, mininterval=2.0):
        i = torch.randint(len(real_t), (batch_real,), generator=gen)
        j = torch.randint(len(syn_t), (batch_synthetic,), generator=gen)
        loss = loss_fn(model(torch.cat([real_t[i], syn_t[j]])), labels)  # (Br + Bs,) logits
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def judge_accuracy(model: GruJudge, real: np.ndarray, synthetic: np.ndarray) -> float:
    """Share of ``real`` and ``synthetic`` windows ``(n, L, C)`` classified correctly (logit > 0 = real)."""
    hits = 0
    for x, label in ((real, True), (synthetic, False)):
        xt = _tensor(x)
        logits = torch.cat([model(xt[i : i + 1024]) for i in range(0, len(xt), 1024)])
        hits += int(((logits > 0) == label).sum())
    return hits / (len(real) + len(synthetic))


def timegan_hidden(features: int) -> int:
    """TimeGAN's post-hoc hidden size: ``features // 2``, at least 1."""
    return max(1, features // 2)


def discriminative_score(real: np.ndarray, synthetic: np.ndarray, *, steps: int = 2000, batch: int = 128,
                         train_rate: float = 0.8, seed: int = 0, progress: bool = True) -> float:
    """TimeGAN's discriminative score ``|acc - 0.5|`` of windows ``(n, L, C)`` (random 80/20 split).

    Raises:
        DataError: bad windows, or fewer than 5 of either kind.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for x in (check_windows(real, "real windows"), check_windows(synthetic, "synthetic windows")):
        if len(x) < 5:
            raise DataError(f"the discriminative score needs >= 5 windows of each kind; got {len(x)}")
        idx = rng.permutation(len(x))
        cut = int(len(x) * train_rate)
        parts.append((x[idx[:cut]], x[idx[cut:]]))
    (real_tr, real_te), (syn_tr, syn_te) = parts
    model = train_judge(real_tr, syn_tr, hidden=timegan_hidden(real_tr.shape[2]), steps=steps,
                        batch_real=batch, batch_synthetic=batch, seed=seed, desc="disc (TimeGAN)",
                        progress=progress)
    return abs(judge_accuracy(model, real_te, syn_te) - 0.5)


def predictive_score(real: np.ndarray, synthetic: np.ndarray, *, steps: int = 5000, batch: int = 128,
                     seed: int = 0, progress: bool = True) -> float:
    """TimeGAN's predictive score: MAE on ``real`` of a GRU trained on ``synthetic`` windows ``(n, L, C)``.

    The last channel is predicted one step ahead from the others (scale it to [0, 1]: the
    output passes a sigmoid, as in TimeGAN).

    Raises:
        DataError: bad windows, fewer than 2 channels or steps.
    """
    real_t = _tensor(check_windows(real, "real windows"))
    syn_t = _tensor(check_windows(synthetic, "synthetic windows"))
    if real_t.shape[2] < 2 or real_t.shape[1] < 2 or real_t.shape[1:] != syn_t.shape[1:]:
        raise DataError(f"predictive score needs matching windows with >= 2 steps and channels; "
                        f"got real {tuple(real_t.shape)}, synthetic {tuple(syn_t.shape)}")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    gru = nn.GRU(real_t.shape[2] - 1, timegan_hidden(real_t.shape[2]), batch_first=True)
    head = nn.Linear(gru.hidden_size, 1)
    opt = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=1e-3)

    def predict(x: torch.Tensor) -> torch.Tensor:
        out, _ = gru(x[:, :-1, :-1])  # (B, L-1, H)
        return torch.sigmoid(head(out)).squeeze(-1)  # (B, L-1)

    for _ in tqdm(range(steps), desc="pred (TimeGAN)", disable=not progress, leave=False, mininterval=2.0):
        xb = syn_t[torch.randint(len(syn_t), (batch,), generator=gen)]  # (B, L, C)
        loss = (predict(xb) - xb[:, 1:, -1]).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float((predict(real_t) - real_t[:, 1:, -1]).abs().mean())


# ---------------------------------------------------------------------- calibrated judge
class TimeSplit(NamedTuple):
    """Row ranges ``[start, stop)`` of a returns series: the judge's real training and test blocks."""

    train_rows: tuple[int, int]
    test_rows: tuple[int, int]


def time_split(n_rows: int, window: int, *, train_fraction: float = 0.75, gap: int | None = None,
               min_windows: int = 10) -> TimeSplit:
    """Split ``n_rows`` of returns into an earlier training block and a later test block.

    The test block starts ``gap`` rows (default: one ``window``) after the training block
    ends, so no real test window shares a day with, or touches, a real training window.

    Raises:
        DataError: either block would hold fewer than ``min_windows`` windows.
    """
    gap = window if gap is None else gap
    if not 0 < train_fraction < 1 or gap < 0:
        raise ConfigError(f"train_fraction must be in (0, 1) and gap >= 0; got {train_fraction}, {gap}")
    cut = int(round(n_rows * train_fraction))
    split = TimeSplit((0, cut), (min(cut + gap, n_rows), n_rows))
    for name, (lo, hi) in zip(("training", "test"), split, strict=True):
        if hi - lo - window + 1 < min_windows:
            raise DataError(
                f"the judge's {name} block has {hi - lo} rows: fewer than {min_windows} windows of "
                f"{window} days (series of {n_rows} rows, gap {gap}); use more data or a shorter window"
            )
    return split


def return_channels(windows: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Judge input ``(n, L, 2N)``: ``r / scale`` then ``|r| / scale`` for windows ``(n, L, N)``."""
    w = check_windows(windows) / np.asarray(scale, dtype=np.float64)
    return np.concatenate([w, np.abs(w)], axis=2)


def time_split_judge(real_train: np.ndarray, real_tests: Mapping[str, np.ndarray],
                     synthetic: np.ndarray, *, hidden: int = 32, layers: int = 2, steps: int = 3000,
                     batch_real: int = 64, batch_synthetic: int = 64, seed: int = 0, desc: str = "judge",
                     progress: bool = True) -> dict[str, float]:
    """Train one judge, then score ``|acc - 0.5|`` on each balanced held-out real/synthetic set.

    Args:
        real_train: ``(n, L, C)`` real windows from the earlier block.
        real_tests: name -> ``(m, L, C)`` real windows from later blocks (e.g. ``in_sample``
            from the training period, ``oos`` from the test period).
        synthetic: ``(k, L, C)`` synthetic windows; the first ``max(m)`` are held out for
            testing (each test set uses as many as it has real windows), the rest train.
        hidden: GRU hidden size.
        layers: GRU layers.
        steps: Adam steps.
        batch_real: real windows per step.
        batch_synthetic: synthetic windows per step.
        seed: seeds initialisation and batches.
        desc: progress-bar label.
        progress: show a tqdm bar.

    Returns:
        name -> ``|accuracy - 0.5|`` on that set's real windows and as many synthetic ones.

    Raises:
        DataError: too few synthetic windows to hold out and still train on.
    """
    n_test = max(len(x) for x in real_tests.values())
    if len(synthetic) < n_test + 10:
        raise DataError(f"need at least {n_test + 10} synthetic windows ({n_test} held out); "
                        f"got {len(synthetic)}")
    model = train_judge(real_train, synthetic[n_test:], hidden=hidden, layers=layers, steps=steps,
                        batch_real=batch_real, batch_synthetic=batch_synthetic, seed=seed, desc=desc,
                        progress=progress)
    return {name: abs(judge_accuracy(model, x, synthetic[: len(x)]) - 0.5) for name, x in real_tests.items()}


def judge_windows(returns: np.ndarray, split: TimeSplit, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Real step-1 windows ``(n, window, N)`` of the training and test blocks of ``split``."""
    (a, b), (c, d) = split
    return cut_windows(returns[a:b], window, 1), cut_windows(returns[c:d], window, 1)
