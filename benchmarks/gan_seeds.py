"""The GAN across training seeds, against the controls and the issue's targets on protocol (b).

Reads what ``tradegym gan evaluate RUN`` wrote for each run (``RUN/eval/results.json``: the
calibrated judge and the facts over judge seeds) and the controls' results
(``docs/gan/controls/results.json``, written by ``benchmarks/gan_controls.py`` with the same
judge seeds and budgets), and writes one table per training seed, the mean over them, and
each target with its verdict, computed here rather than typed:

    for s in 0 1 2; do
      tradegym gan train --config benchmarks/gan_us_indices.yaml --run-dir runs/gan_s$s --set train.seed=$s
      tradegym gan evaluate runs/gan_s$s --seeds 0 1 2 --controls none
    done
    python benchmarks/gan_seeds.py runs/gan_s0 runs/gan_s1 runs/gan_s2

The table goes to the ``<!-- generator_seeds -->`` section of ``benchmarks/GAN.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import _sections
import numpy as np

REPORT = Path(__file__).with_name("GAN.md")
CONTROLS = Path(__file__).parents[1] / "docs" / "gan" / "controls" / "results.json"
NON_COPY = ("time_shuffled", "iid_days", "gbm", "garch_t")
INTRO = "# GAN benchmarks\n\nWritten by `benchmarks/gan_*.py`.\n"


def _per_seed(results: dict, name: str, metric: str) -> list[float]:
    return [r["value"] for r in results["per_seed"] if r["generator"] == name and r["metric"] == metric]


def _closer(value: float, real: float, others: list[float]) -> bool:
    return all(abs(value - real) < abs(o - real) for o in others)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="GAN run directories, one per training seed")
    parser.add_argument("--controls", type=Path, default=CONTROLS)
    parser.add_argument("--section", default="generator_seeds")
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--title", default="", help="what distinguishes these runs, for the heading")
    args = parser.parse_args(argv)

    controls = json.loads(args.controls.read_text())
    ct = controls["table"]
    rows, pooled_in, pooled_oos, seed_means = [], [], [], []
    for run in args.runs:
        res = json.loads((run / "eval" / "results.json").read_text())
        if res["settings"]["judge_steps"] != controls["settings"]["judge_steps"]:
            raise SystemExit(f"{run}: judge budget differs from the controls'; evaluate without --quick")
        config = (run / "config.yaml").read_text()
        metrics = json.loads((run / "metrics.json").read_text())
        seed = next((line.split(":")[1].strip() for line in config.splitlines()
                     if line.strip().startswith("seed:")), "?")
        d_in, d_oos = _per_seed(res, "gan", "disc_b_in"), _per_seed(res, "gan", "disc_b_oos")
        pooled_in += d_in
        pooled_oos += d_oos
        t = res["table"]["gan"]
        seed_means.append(t)
        rows.append(
            f"| {seed} | {metrics.get('best_iteration')} ({metrics.get('selected_by', 'facts')}) "
            f"| {np.mean(d_in):.3f} ± {_sd(d_in):.3f} | {np.mean(d_oos):.3f} ± {_sd(d_oos):.3f} "
            f"| {t['w1_h20_bps']:.1f} | {t['kurtosis']:.2f} | {t['acf_abs_1_10']:.3f} "
            f"| {t['leverage_1_10']:.3f} | {t['memo_ratio']:.2f} |"
        )
    real = ct["real"]
    mean = {k: float(np.mean([t[k] for t in seed_means]))
            for k in ("w1_h20_bps", "kurtosis", "acf_abs_1_10", "leverage_1_10", "memo_ratio")}
    rows.append(
        f"| **all {len(args.runs)}** (pooled over {len(pooled_in)} judges) | "
        f"| **{np.mean(pooled_in):.3f} ± {_sd(pooled_in):.3f}** "
        f"| **{np.mean(pooled_oos):.3f} ± {_sd(pooled_oos):.3f}** | {mean['w1_h20_bps']:.1f} "
        f"| {mean['kurtosis']:.2f} | {mean['acf_abs_1_10']:.3f} | {mean['leverage_1_10']:.3f} "
        f"| {mean['memo_ratio']:.2f} |"
    )
    for name in ("replay", *NON_COPY, "block_bootstrap"):
        c = ct[name]
        rows.append(
            f"| *{name}* | | {c['disc_b_in']:.3f} ± {c['disc_b_in_sd']:.3f} "
            f"| {c['disc_b_oos']:.3f} ± {c['disc_b_oos_sd']:.3f} | {c['w1_h20_bps']:.1f} "
            f"| {c['kurtosis']:.2f} | {c['acf_abs_1_10']:.3f} | {c['leverage_1_10']:.3f} "
            f"| {c['memo_ratio']:.2f} |"
        )
    rows.append(f"| *real* | | | | | {real['kurtosis']:.2f} | {real['acf_abs_1_10']:.3f} "
                f"| {real['leverage_1_10']:.3f} | |")

    worst_in = max(float(np.mean(_per)) for _per in _chunks(pooled_in, len(args.runs)))
    best_control = min(NON_COPY, key=lambda n: ct[n]["disc_b_in"])
    bc = ct[best_control]
    pooled_se = float(_sd(pooled_in) / np.sqrt(len(pooled_in)))
    bb = ct["block_bootstrap"]["disc_b_oos"]
    oos_means = [float(np.mean(c)) for c in _chunks(pooled_oos, len(args.runs))]
    facts = {k: [t[k] for t in seed_means] for k in ("kurtosis", "acf_abs_1_10", "leverage_1_10")}
    memo = [t["memo_ratio"] for t in seed_means]

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    targets = [
        ("in-sample disc ≤ 0.10 (moonshot)", f"pooled {np.mean(pooled_in):.3f}",
         verdict(float(np.mean(pooled_in)) <= 0.10)),
        ("in-sample clearly below every non-copy control",
         f"every training seed ≤ {worst_in:.3f}; pooled {np.mean(pooled_in):.3f} ± {pooled_se:.3f} (se) "
         f"vs the best non-copy control, {best_control}, {bc['disc_b_in']:.3f} ± {bc['disc_b_in_sd']:.3f}",
         verdict(worst_in < bc["disc_b_in"] and np.mean(pooled_in) + 2 * pooled_se
                 < bc["disc_b_in"] - bc["disc_b_in_sd"])),
        ("nearest-window distance ≥ 0.8 × held-out real", ", ".join(f"{m:.2f}" for m in memo),
         verdict(min(memo) >= 0.8)),
        ("out-of-sample at or below block bootstrap",
         ", ".join(f"{m:.3f}" for m in oos_means) + f" vs {bb:.3f}", verdict(max(oos_means) <= bb)),
    ]
    for key, label in (("kurtosis", "kurtosis"), ("acf_abs_1_10", "ACF of \\|r\\|, lags 1-10"),
                       ("leverage_1_10", "leverage, lags 1-10")):
        others = [ct["gbm"][key], ct["garch_t"][key]]
        targets.append((f"{label} closer to real than GBM and GARCH",
                        ", ".join(f"{v:.3f}" for v in facts[key]) + f" vs real {real[key]:.3f} "
                        f"(GBM {others[0]:.3f}, GARCH {others[1]:.3f})",
                        verdict(all(_closer(v, real[key], others) for v in facts[key]))))

    lines = [
        f"## The GAN across {len(args.runs)} training seeds, protocol (b){args.title}",
        "",
        "Written by `benchmarks/gan_seeds.py` from each run's `eval/results.json` and the controls' "
        "`docs/gan/controls/results.json` (same judge seeds and budgets). `selected`: the iteration "
        "in `best.pt` and how it was chosen. Disc scores: mean ± sd over judge seeds "
        f"{controls['settings']['seeds']}; W1 at 20 days in bps.",
        "",
        "| training seed | selected | disc_b_in | disc_b_oos | w1_h20_bps | kurtosis | acf_abs_1_10 "
        "| leverage_1_10 | memo_ratio |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Targets (\"clearly below\": every training seed's mean below the best non-copy control's mean, "
        "and the pooled mean two standard errors below that control's mean minus its sd):",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in targets],
    ]
    text = "\n".join(lines)
    _sections.write_section(args.report, args.section, text, INTRO)
    print(text)
    return 0


def _sd(values: list[float]) -> float:
    """Sample standard deviation (ddof 1), as the evaluation's tables report it."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def _chunks(values: list[float], n: int) -> list[list[float]]:
    """``values`` cut into ``n`` equal consecutive parts (one per training seed)."""
    size = len(values) // n
    return [values[i * size:(i + 1) * size] for i in range(n)]


if __name__ == "__main__":
    raise SystemExit(main())
