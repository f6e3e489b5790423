"""One adversarial iteration: a run's networks and optimisers, and one round of updates.

Each iteration takes ``train.n_critic`` WGAN-GP critic steps, one step of the optional
recurrent discriminator (``train.seq_weight``) and one generator step, whose loss adds the
stylized-facts term (``train.facts_weight``) and the discriminator's; an exponential moving
average of the generator (``train.ema``) follows it. The order of the random draws is part of
the contract: a seeded run repeats exactly.

Shape letters: ``B`` batch, ``L`` window bars, ``C`` channels, ``S`` window statistics.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from feature_nets.gan.config import GanConfig
from feature_nets.gan.judges import GruJudge
from feature_nets.gan.losses import facts_loss, gradient_penalty, statistics_quantiles
from feature_nets.gan.networks import Critic, Generator, with_abs
from feature_nets.runtime import resolve_device
from tradegym.errors import ConfigError

_bce = nn.functional.binary_cross_entropy_with_logits


@dataclass
class Nets:
    """The networks and optimisers of one run; ``shown`` is the generator monitored, chosen and saved."""

    gen: Generator
    critic: Critic
    opt_g: torch.optim.Optimizer
    opt_c: torch.optim.Optimizer
    ema: Generator | None = None
    seq: GruJudge | None = None
    opt_s: torch.optim.Optimizer | None = None
    facts_target: Tensor | None = None  # (B, S) quantiles of the real windows' statistics
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def shown(self) -> Generator:
        """The weight average when ``train.ema`` is on, else the trained generator."""
        return self.ema if self.ema is not None else self.gen

    def state(self) -> dict[str, Any]:
        """The weights and optimiser states of a checkpoint."""
        out: dict[str, Any] = {"generator": self.gen.state_dict()}
        if self.ema is not None:
            out["ema"] = self.ema.state_dict()
        out.update(critic=self.critic.state_dict(), opt_generator=self.opt_g.state_dict(),
                   opt_critic=self.opt_c.state_dict())
        if self.seq is not None and self.opt_s is not None:
            out.update(seq=self.seq.state_dict(), opt_seq=self.opt_s.state_dict())
        return out

    def load(self, state: dict[str, Any], path: Path) -> None:
        """Restore :meth:`state` from the checkpoint at ``path``."""
        self.gen.load_state_dict(state["generator"])
        if self.ema is not None:
            self.ema.load_state_dict(state.get("ema", state["generator"]))
        self.critic.load_state_dict(state["critic"])
        self.opt_g.load_state_dict(state["opt_generator"])
        self.opt_c.load_state_dict(state["opt_critic"])
        if self.seq is not None and self.opt_s is not None:
            if "seq" not in state:
                raise ConfigError(f"{path} has no recurrent discriminator; resume with train.seq_weight=0")
            self.seq.load_state_dict(state["seq"])
            self.opt_s.load_state_dict(state["opt_seq"])


def build_nets(cfg: GanConfig, windows: np.ndarray, return_cols: list[int]) -> Nets:
    """Create the networks in a fixed order (their initial weights come from the seeded torch RNG)."""
    m, t = cfg.model, cfg.train
    device = torch.device(resolve_device(t.device, "train."))
    n_ch = windows.shape[2]
    gen = Generator(n_ch, m.noise_dim, m.hidden_size, m.vol_timescales, m.feedback).to(device)
    pairs = list(itertools.combinations(return_cols, 2)) if m.critic_pairs else []
    critic = Critic(n_ch, m.critic_size, pairs=pairs).to(device)
    facts_target = None
    if t.facts_weight > 0:  # from the training windows only
        facts_target = statistics_quantiles(windows, return_cols, t.batch_size).float().to(device)
    ema = copy.deepcopy(gen).requires_grad_(False) if t.ema > 0 else None
    opt_g = torch.optim.Adam(gen.parameters(), lr=t.lr_generator, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(critic.parameters(), lr=t.lr_critic, betas=(0.5, 0.9))
    # The judge's own kind of model over x and |x|: a 2-layer GRU, one logit from its last state.
    seq = GruJudge(2 * n_ch, t.seq_hidden, layers=2).to(device) if t.seq_weight > 0 else None
    opt_s = torch.optim.Adam(seq.parameters(), lr=t.lr_seq, betas=(0.5, 0.9)) if seq is not None else None
    return Nets(gen, critic, opt_g, opt_c, ema, seq, opt_s, facts_target, device)


# ---------------------------------------------------------------------- one iteration
@dataclass
class Losses:
    """The last iteration's losses (what the monitor records)."""

    critic: Tensor = field(default_factory=lambda: torch.tensor(0.0))
    generator: Tensor = field(default_factory=lambda: torch.tensor(0.0))
    gp: Tensor = field(default_factory=lambda: torch.tensor(0.0))
    wasserstein: Tensor = field(default_factory=lambda: torch.tensor(0.0))
    seq_accuracy: Tensor = field(default_factory=lambda: torch.tensor(0.0))


def iteration(
    cfg: GanConfig, nets: Nets, real_batch: Callable[[], Tensor], losses: Losses, return_cols: list[int]
) -> None:
    """``n_critic`` critic steps, a recurrent-discriminator step (if any), one generator step."""
    m, t = cfg.model, cfg.train
    gen, critic = nets.gen, nets.critic
    for _ in range(t.n_critic):
        real = real_batch()  # (B, L, C)
        with torch.no_grad():
            fake = gen(t.batch_size, m.window_bars, m.burn_in)
        losses.gp = gradient_penalty(critic, real, fake)
        scores = critic(torch.cat([real, fake]))  # (2B,)
        losses.wasserstein = scores[: t.batch_size].mean() - scores[t.batch_size :].mean()
        losses.critic = -losses.wasserstein + t.gp_weight * losses.gp
        nets.opt_c.zero_grad(set_to_none=True)
        losses.critic.backward()
        nets.opt_c.step()
    if nets.seq is not None and nets.opt_s is not None:
        real = real_batch()
        with torch.no_grad():
            fake = gen(t.batch_size, m.window_bars, m.burn_in)
        logits = nets.seq(with_abs(torch.cat([real, fake])))  # (2B,)
        labels = torch.cat([torch.ones(t.batch_size), torch.zeros(t.batch_size)]).to(nets.device)
        loss_s = _bce(logits, labels)
        nets.opt_s.zero_grad(set_to_none=True)
        loss_s.backward()
        nets.opt_s.step()
        losses.seq_accuracy = ((logits > 0).float() == labels).float().mean()
    fake = gen(t.batch_size, m.window_bars, m.burn_in)
    loss_g = -critic(fake).mean()
    if nets.facts_target is not None:
        loss_g = loss_g + t.facts_weight * facts_loss(fake, nets.facts_target, return_cols)
    if nets.seq is not None:
        # non-saturating: the generator maximises log D(fake)
        ones = torch.ones(t.batch_size, device=nets.device)
        loss_g = loss_g + t.seq_weight * _bce(nets.seq(with_abs(fake)), ones)
    losses.generator = loss_g
    nets.opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    nets.opt_g.step()
    if nets.ema is not None:
        with torch.no_grad():
            for averaged, current in zip(nets.ema.parameters(), gen.parameters(), strict=True):
                averaged.lerp_(current, 1 - t.ema)


__all__ = ["Losses", "Nets", "build_nets", "iteration"]
