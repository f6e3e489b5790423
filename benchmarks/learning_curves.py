"""Why does the agent stop learning on real data? Validation curves of configurations, with diagnostics.

Trains each named variant of an agent config (the default ``ppo_lstm`` unless ``--config``)
on the default market and, at every validation backtest (``train.eval_freq``), records
beside the validation Sharpe what the field looks at when a policy stops improving:

* ``train_sharpe``: the same deterministic policy backtested on the training split (fit);
* ``log_std``: the mean log standard deviation of PPO's Gaussian over action scores (its
  entropy is a function of it alone);
* ``dist_uniform``: mean L1 distance of the validation weights from equal weights (how far
  the policy moved from the near-uniform policy a fresh network outputs);
* ``reward_sd``: the standard deviation of the last rollout's rewards (reward scale).

Every variant is a trial: its whole validation curve is written, whichever is chosen, so
the deflated Sharpe ratio can count them. The choice uses validation only; the test split
is never read here.

    python benchmarks/learning_curves.py --variants default,low_noise --timesteps 61440 --out results/curves

Writes ``OUT/curves.csv`` (one row per variant and evaluation), ``OUT/curves.png`` and a
markdown table on stdout (``benchmarks/LEARNING.md`` quotes one).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

# name -> (overrides, why): the field's usual remedies for a policy that overfits or drifts.
VARIANTS: dict[str, tuple[list[str], str]] = {
    "default": ([], "the shipped ppo_lstm"),
    "low_noise": (["agent.policy_kwargs.log_std_init=-1.5"],
                  "exploration noise std 0.22 instead of 1 on the scores (temperature 0.2)"),
    "entropy": (["agent.hyperparams.ent_coef=0.01"], "entropy bonus 0.01"),
    "small_net": (["agent.extractor_kwargs.hidden_size=8", "agent.extractor_kwargs.features_dim=16",
                   "agent.policy_kwargs.net_arch=[32]"], "LSTM 8, features 16, one 32-unit layer"),
    "weight_decay": (["agent.policy_kwargs.optimizer_kwargs.weight_decay=0.001"], "L2 1e-3 (Adam)"),
    "low_lr": (["agent.hyperparams.learning_rate=0.0001"], "learning rate 1e-4"),
    "sharpe_reward": (["env.reward=differential_sharpe"], "differential Sharpe reward"),
    "myopic": (["agent.hyperparams.gamma=0.0"], "gamma 0: weights do not move prices"),
    "many_envs": (["train.n_envs=16", "agent.hyperparams.n_steps=64"],
                  "16 envs x 64 steps: more, shorter paths per update"),
    "low_noise_small": (["agent.policy_kwargs.log_std_init=-1.5", "agent.extractor_kwargs.hidden_size=8",
                         "agent.extractor_kwargs.features_dim=16", "agent.policy_kwargs.net_arch=[32]"],
                        "low_noise and small_net together"),
    "tilt": (["env.kwargs.temperature=1.0", "agent.policy_kwargs.log_std_init=-1.0"],
             "softmax temperature 1: weights tilt around 1/N (at most e^2 apart), noise std 0.37"),
    "tilt_small": (["env.kwargs.temperature=1.0", "agent.policy_kwargs.log_std_init=-1.0",
                    "agent.extractor_kwargs.hidden_size=8", "agent.extractor_kwargs.features_dim=16",
                    "agent.policy_kwargs.net_arch=[32]"], "tilt and small_net together"),
}


def _diagnostics_callback(train_market: Any, val_market: Any, val_start: Any, env_id: str,
                          env_kwargs: dict[str, Any], rows: list[dict[str, float]], variant: str) -> Any:
    from stable_baselines3.common.callbacks import BaseCallback

    from agents.inference import Predictor
    from tradegym.backtest import backtest

    class Diagnostics(BaseCallback):
        """After each validation row, backtest the same policy on the training split."""

        def _on_step(self) -> bool:
            validation = next(c for c in self.locals["callback"].callbacks
                              if hasattr(c, "rows") and hasattr(c, "best_sharpe"))
            if len(validation.rows) == len([r for r in rows if r["variant"] == variant]):
                return True
            row = validation.rows[-1]
            policy = Predictor(self.model)
            fit = backtest(policy, train_market, env_kwargs=env_kwargs, env_id=env_id, name="train")
            val = backtest(policy, val_market, env_kwargs=env_kwargs, env_id=env_id, name="val",
                           start=val_start)
            risky = val.weights.to_numpy()[:, 1:]  # (S+1, N): cash excluded
            uniform = np.full(risky.shape[1], 1.0 / risky.shape[1])
            log_std = getattr(self.model.policy, "log_std", None)
            buffer = getattr(self.model, "rollout_buffer", None)
            rows.append({
                "variant": variant, "timesteps": row["timesteps"], "val_sharpe": row["sharpe"],
                "train_sharpe": float(fit.metrics["sharpe"]),
                "log_std": float(log_std.detach().mean()) if log_std is not None else float("nan"),
                "dist_uniform": float(np.abs(risky - uniform).sum(axis=1).mean()),
                "reward_sd": float(buffer.rewards.std()) if buffer is not None else float("nan"),
                "val_turnover": row["turnover"],
            })
            print(f"  {variant} {int(row['timesteps']):>6}: val {row['sharpe']:+.2f} "
                  f"train {rows[-1]['train_sharpe']:+.2f} log_std {rows[-1]['log_std']:+.2f} "
                  f"dist {rows[-1]['dist_uniform']:.3f}", flush=True)
            return True

    return Diagnostics()


def run_variant(name: str, config: str, timesteps: int, seed: int, out: Path,
                extra: list[str]) -> list[dict[str, float]]:
    """Train one variant; return its diagnostic rows (one per validation backtest)."""
    from agents.config import load_run_config
    from agents.train import load_data, train

    overrides = [*VARIANTS[name][0], *extra, f"train.total_timesteps={timesteps}", f"train.seed={seed}",
                 "train.progress_bar=false", "train.tensorboard=false", "train.torch_threads=1"]
    cfg = load_run_config(config, overrides)
    data, split = load_data(cfg)
    rows: list[dict[str, float]] = []
    callback = _diagnostics_callback(
        data.between(None, split.train.dates[-1]), data.between(None, split.val.dates[-1]),
        split.val.dates[0], cfg.env.id, cfg.env.env_kwargs(), rows, name)
    train(cfg, run_dir=out / f"{name}-s{seed}", echo=lambda line: None, callbacks=[callback])
    return rows


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per variant: first, best, last validation Sharpe and whether validation improves with training."""
    out = []
    for name, part in frame.groupby("variant", sort=False):
        val = part["val_sharpe"].to_numpy()
        third = max(len(val) // 3, 1)
        out.append({"variant": name, "why": VARIANTS.get(name, ([], ""))[1],
                    "first val": val[0], "best val": val.max(),
                    "at step": int(part["timesteps"].iloc[val.argmax()]),
                    "last val": val[-1], "late - early": val[-third:].mean() - val[:third].mean(),
                    "train first": part["train_sharpe"].iloc[0], "train last": part["train_sharpe"].iloc[-1],
                    "log_std last": part["log_std"].iloc[-1], "dist 1/N last": part["dist_uniform"].iloc[-1]})
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> str:
    """A pipe table (numbers to 2 decimals) without the optional ``tabulate`` dependency."""
    def cell(value: Any) -> str:
        return f"{value:+.2f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def equal_weight_sharpe(config: str) -> tuple[float, float]:
    """Equal weight's Sharpe on the training and the validation split, in the agent's env."""
    from agents.config import load_run_config
    from agents.train import load_data
    from tradegym.backtest import backtest

    cfg = load_run_config(config)
    data, split = load_data(cfg)
    kwargs = {"env_kwargs": cfg.env.env_kwargs(), "env_id": cfg.env.id}
    fit = backtest("equal_weight", data.between(None, split.train.dates[-1]), **kwargs)
    val = backtest("equal_weight", data.between(None, split.val.dates[-1]), start=split.val.dates[0],
                   **kwargs)
    return float(fit.metrics["sharpe"]), float(val.metrics["sharpe"])


def plot(frame: pd.DataFrame, path: Path, reference: tuple[float, float] | None = None) -> None:
    """Validation and training-split Sharpe against timesteps, one line per variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharex=True)
    colours = plt.get_cmap("tab20").colors  # 20 distinct colours: no variant shares one
    for i, (name, part) in enumerate(frame.groupby("variant", sort=False)):
        style = {"marker": "o", "ms": 3, "label": name, "color": colours[(2 * i) % 20 + (i >= 10)]}
        axes[0].plot(part["timesteps"], part["val_sharpe"], **style)
        axes[1].plot(part["timesteps"], part["train_sharpe"], **style)
    if reference is not None:
        for ax, value in zip(axes, (reference[1], reference[0]), strict=True):
            ax.axhline(value, color="black", ls="--", lw=1, label="equal weight")
    axes[0].set(title="validation Sharpe", xlabel="timesteps")
    axes[1].set(title="training-split Sharpe (same policy)", xlabel="timesteps")
    axes[0].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="ppo_lstm")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"any of {list(VARIANTS)}")
    parser.add_argument("--timesteps", type=int, default=61_440)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], help="extra override for every variant")
    parser.add_argument("--out", default="results/curves")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "curves.csv"
    frame = pd.read_csv(csv) if csv.is_file() else pd.DataFrame()
    for name in args.variants.split(","):
        if name not in VARIANTS:
            parser.error(f"unknown variant {name!r}; use any of {list(VARIANTS)}")
        if not frame.empty and name in set(frame["variant"]):
            print(f"{name}: already in {csv}, skipped")
            continue
        print(f"{name}: {VARIANTS[name][1]}", flush=True)
        rows = run_variant(name, args.config, args.timesteps, args.seed, out, args.set)
        frame = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
        frame.to_csv(csv.with_suffix(".tmp"), index=False)
        os.replace(csv.with_suffix(".tmp"), csv)
    reference = equal_weight_sharpe(args.config)
    print(f"equal weight: training split Sharpe {reference[0]:.2f}, validation {reference[1]:.2f}")
    plot(frame, out / "curves.png", reference)
    print(markdown(summarise(frame)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
