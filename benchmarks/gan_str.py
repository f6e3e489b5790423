"""Train on synthetic, test on real: an agent trained only on GAN paths, backtested on real data.

For each seed, two agents with the same config (the default PPO + LSTM, its budget):

* ``real``: trained on the real training split (model chosen on the real validation split);
* ``gan``: trained on one market sampled from the GAN run (``data: {source: gan}``, a
  different sampled market per seed; model chosen on that market's own validation part).
  It never sees a real price.

Both are backtested on the real test split, net of costs, next to the baselines. Both
read the same close-only features and fill at the next close, so the comparison is of
the data they learned from, not of what they see.

    python benchmarks/gan_str.py --gan runs/gan_us_indices-... [--seeds 0 1 2] [--timesteps 20000]

The table goes to the ``<!-- str -->`` section of ``benchmarks/GAN.md`` (``--section`` for another).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import _sections
import numpy as np

from agents.evaluate import evaluate_run
from agents.train import train

REPORT = Path(__file__).with_name("GAN.md")
FEATURES = "[log_return, volatility_20, momentum_20]"

GAN_INTRO = "# GAN benchmarks\n\nWritten by `benchmarks/gan_*.py`.\n"


def write_section(name: str, text: str) -> None:
    """Replace the ``<!-- name -->`` section of the report (or append it), atomically."""
    _sections.write_section(REPORT, name, text, GAN_INTRO)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gan", required=True, help="GAN run directory (trained on --real)")
    parser.add_argument("--real", default="us_indices", help="the real market (default: %(default)s)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--timesteps", type=int, default=20_000)
    parser.add_argument(
        "--bars", type=int, default=5040, help="bars of each sampled market (default: 20 years)"
    )
    parser.add_argument("--config", default="ppo_lstm")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: %(default)s)")
    parser.add_argument("--section", default="str", help="section of GAN.md to write (default: %(default)s)")
    parser.add_argument("--title", default="", help="appended to the heading, e.g. which generator")
    args = parser.parse_args()

    common = [
        f"train.total_timesteps={args.timesteps}",
        f"train.torch_threads={args.threads}",
        "train.progress_bar=false",
        "env.execution=next_close",
        f"env.kwargs.features={FEATURES}",
    ]
    sharpe: dict[str, list[float]] = {"real": [], "gan": []}
    baselines: dict[str, float] = {}
    timing: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            arms = {
                "real": [f"data.source={args.real}"],
                "gan": [
                    "data.source=gan",
                    f"data.kwargs={{run: {args.gan}, n_bars: {args.bars}, seed: {seed}}}",
                ],
            }
            for arm, data in arms.items():
                started = time.perf_counter()
                result = train(
                    args.config,
                    overrides=[*common, *data, f"train.seed={seed}"],
                    runs_root=tmp,
                    echo=lambda _: None,
                )
                results = evaluate_run(
                    result.run.path, split="test", data=args.real, write_report=False, label=f"agent_{arm}"
                )
                sharpe[arm].append(results[0].metrics["sharpe"])
                baselines.update({r.name: r.metrics["sharpe"] for r in results[1:]})
                timing.append(
                    f"{arm} seed {seed}: test Sharpe {results[0].metrics['sharpe']:.2f} "
                    f"({time.perf_counter() - started:.0f} s)"
                )
                print(timing[-1], flush=True)
        period = results[0].equity.index
    lines = [
        f"Real test split of `{args.real}`: {period[0].date()} to {period[-1].date()} "
        f"({len(period) - 1} bars), "
        f"10 bps costs, fills at the next close, features {FEATURES}; `{args.config}` with "
        f"{args.timesteps} steps, seeds {args.seeds}. `agent_gan` trained on one {args.bars}-bar market "
        f"sampled from `{args.gan}` per seed (sample seed = training seed).",
        "",
        "```",
        f"{'policy':<24}{'test Sharpe':>16}",
        "-" * 40,
    ]
    for arm, values in sharpe.items():
        v = np.array(values)
        lines.append(f"{'agent_' + arm:<24}{v.mean():>9.2f} ± {v.std(ddof=1) if len(v) > 1 else 0:.2f}")
    for name, value in baselines.items():
        lines.append(f"{name:<24}{value:>9.2f}")
    lines += [f"  {t}" for t in timing] + ["```"]
    text = (f"## Train on synthetic, test on real{args.title}\n\nWritten by `benchmarks/gan_str.py`.\n\n"
            + "\n".join(lines))
    print(text)
    write_section(args.section, text)


if __name__ == "__main__":
    main()
