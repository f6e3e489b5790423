"""Do the agents learn? PPO+LSTM, PPO+Transformer and DQN+LSTM on the planted-signal market.

Each agent trains on the train split of a planted market (intraday returns partly
predictable from the last close-to-close return; see tradegym.data.synthetic), picks its
best model on the validation split, and is backtested on the test split it never saw,
net of 10 bps costs, next to the oracle (the conditional-expectation policy), a random
policy and equal weight. Repeated over seeds (market and training seed alike).

``--market long_short`` trades the same market with a long/short book (risky weights in
[-1, 1], gross at most 1, any net; tradegym.envs.longshort) against the long/short oracle
(weights proportional to the expected returns), and adds ``momentum_ls`` when that baseline
is registered.

    python benchmarks/learnability.py [--market long_only|long_short] [--seeds 0 1 2]
        [--timesteps 60000] [--agents ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from agents.train import load_data, load_trained, train
from tradegym.backtest import backtest
from tradegym.backtest.baselines import BASELINES
from tradegym.data.synthetic import OraclePolicy

MARKET = {"n_assets": 5, "n_bars": 10_000}
# The signal is one bar deep, so a short window suffices and a myopic objective fits it
# (gamma 0); rewards in percent (reward_scale 100) suit the networks' initial scale. A long
# market matters most: on 3,000 bars every agent peaked early on validation, then overfit.
COMMON = ["env.window_bars=10", "env.kwargs={reward_scale: 100}"]
PPO = ["agent.hyperparams={n_steps: 512, batch_size: 256, n_epochs: 10, learning_rate: 0.0003, "
       "gamma: 0.0, gae_lambda: 0.0}", "agent.policy_kwargs={log_std_init: -1.0}"]
# DQN's validation Sharpe peaked early and then decayed with lr 1e-4 and target updates
# every 2,000 steps (test Sharpe 0.71 of the oracle's); a slower, steadier learner holds on.
DQN = ["agent.hyperparams={learning_rate: 0.00005, buffer_size: 60000, learning_starts: 2000, "
       "batch_size: 256, train_freq: 4, gradient_steps: 1, target_update_interval: 4000, "
       "exploration_fraction: 0.1, exploration_final_eps: 0.02, gamma: 0.0}"]
# Gross 1 is an unlevered book, so its Sharpe and turnover compare with the long-only one's;
# leverage would scale returns and costs alike and leave the Sharpe where it is.
BOOKS = {"long_only": [], "long_short": ["env.kwargs.action_mapping=long_short", "env.kwargs.max_gross=1.0"]}
AGENTS = {
    "ppo_lstm": [*COMMON, *PPO],
    "ppo_transformer": [*COMMON, *PPO],
    "dqn_lstm": [*COMMON, *DQN],
}


def run_seed(agent: str, seed: int, timesteps: int, root: Path, extra: list[str],
             market: str = "long_only") -> dict[str, float]:
    overrides = [
        "data.source=planted", f"data.kwargs={{n_assets: {MARKET['n_assets']}, "
        f"n_bars: {MARKET['n_bars']}, seed: {seed}}}",
        f"train.total_timesteps={timesteps}", f"train.seed={seed}", "train.progress_bar=false",
        "train.tensorboard=false", f"train.eval_freq={max(timesteps // 6, 1000)}",
        f"train.checkpoint_freq={timesteps}", *AGENTS[agent], *BOOKS[market], *extra,
    ]
    started = time.perf_counter()
    result = train(agent, overrides=overrides, run_dir=root / f"{agent}-{seed}", echo=lambda _: None)
    wall = time.perf_counter() - started
    model, cfg = load_trained(result.run.path)
    _, split = load_data(cfg)
    kwargs = cfg.env.env_kwargs()
    rng = np.random.default_rng(seed)
    n_slots = split.test.n_assets + 1
    agent = backtest(model, split.test, env_kwargs=kwargs, env_id=cfg.env.id)
    sharpe = {
        "agent": agent.metrics["sharpe"],
        "gross": float(agent.weights.drop(columns="cash").abs().sum(axis=1).mean()),  # mean exposure
        "oracle": backtest(OraclePolicy(), split.test, env_kwargs=kwargs).metrics["sharpe"],
        "random": backtest(lambda obs: rng.uniform(-1, 1, n_slots), split.test,
                           env_kwargs=kwargs, name="random").metrics["sharpe"],
        "equal_weight": backtest("equal_weight", split.test, env_kwargs=kwargs).metrics["sharpe"],
    }
    if market == "long_short" and "momentum_ls" in BASELINES:  # another branch adds it
        sharpe["momentum_ls"] = backtest("momentum_ls", split.test, env_kwargs=kwargs).metrics["sharpe"]
    return {**sharpe, "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--market", default="long_only", choices=list(BOOKS),
                        help="the book: long-only (default) or long/short with gross <= 1")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--timesteps", type=int, default=60_000)
    parser.add_argument("--agents", nargs="+", default=list(AGENTS), choices=list(AGENTS))
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for every agent (repeatable)")
    args = parser.parse_args()

    book = "" if args.market == "long_only" else f", {args.market} book {BOOKS[args.market]}"
    print(f"planted market {MARKET}{book}, cost 10 bps, test split = last 15 %, "
          f"{args.timesteps} training steps, seeds {args.seeds}" + (f", {args.set}" if args.set else ""))
    header = f"{'agent':18s}{'agent Sharpe':>16s}{'oracle':>14s}{'random':>14s}{'equal wt':>14s}" \
             f"{'agent/oracle':>14s}{'train s':>9s}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for agent in args.agents:
            rows = [run_seed(agent, s, args.timesteps, Path(tmp), args.set, args.market)
                    for s in args.seeds]
            cols = {k: np.array([r[k] for r in rows]) for k in rows[0]}
            ratio = cols["agent"] / cols["oracle"]

            def cell(x: np.ndarray) -> str:
                return f"{x.mean():.2f} ± {x.std(ddof=1) if len(x) > 1 else 0:.2f}"

            print(f"{agent:18s}{cell(cols['agent']):>16s}{cell(cols['oracle']):>14s}"
                  f"{cell(cols['random']):>14s}{cell(cols['equal_weight']):>14s}"
                  f"{cell(ratio):>14s}{cols['wall_s'].mean():9.0f}", flush=True)
            if "momentum_ls" in cols:
                print(f"{'momentum_ls':18s}{cell(cols['momentum_ls']):>16s}", flush=True)
            for seed, r in zip(args.seeds, rows, strict=True):
                extra = f", momentum_ls {r['momentum_ls']:.2f}" if "momentum_ls" in r else ""
                print(f"  seed {seed}: agent {r['agent']:.2f} (mean gross {r['gross']:.2f}), oracle "
                      f"{r['oracle']:.2f}, random {r['random']:.2f}, equal weight "
                      f"{r['equal_weight']:.2f}{extra}", flush=True)


if __name__ == "__main__":
    main()
