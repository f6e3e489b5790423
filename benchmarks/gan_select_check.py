"""Does the training-split judge of ``tradegym gan select`` rank generators as the evaluation does?

Reads the selection scores that ``tradegym gan select RUN ... --out CSV`` wrote (judge on
held-out blocks of the training split only) and each run's evaluation
(``RUN/eval/results.json`` from ``tradegym gan evaluate RUN --controls none``: the calibrated
judge on later data), and writes to ``benchmarks/GAN.md`` (section ``selection_check``):

- one row per run: selection score, evaluation in-sample and test-period scores;
- the Spearman rank correlation between selection and evaluation over all runs;
- for each group (one repetition of "train these seeds, keep the one the selection judge
  prefers"), the run chosen and its evaluation beside the group's others.

::

    tradegym gan select runs/a_s0 runs/a_s1 runs/a_s2 --out sel_a.csv
    python benchmarks/gan_select_check.py --scores sel_a.csv ... \\
        --group "config A" runs/a_s0 runs/a_s1 runs/a_s2 --group ...
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import _sections
import numpy as np
import pandas as pd

REPORT = Path(__file__).with_name("GAN.md")
INTRO = "# GAN benchmarks\n\nWritten by `benchmarks/gan_*.py`.\n"


def _evaluation(run: str) -> tuple[float, float, float]:
    """Mean in-sample score, its sd over judge seeds, and the mean test-period score."""
    path = Path(run) / "eval" / "results.json"
    if not path.is_file():
        raise SystemExit(f"{path} is missing: run 'tradegym gan evaluate {run} --controls none' first")
    rows = json.loads(path.read_text())["per_seed"]
    ins = [r["value"] for r in rows if r["generator"] == "gan" and r["metric"] == "disc_b_in"]
    oos = [r["value"] for r in rows if r["generator"] == "gan" and r["metric"] == "disc_b_oos"]
    return float(np.mean(ins)), float(np.std(ins, ddof=1)) if len(ins) > 1 else 0.0, float(np.mean(oos))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", nargs="+", required=True,
                        help="CSVs written by 'tradegym gan select --out'")
    parser.add_argument("--group", nargs="+", action="append", required=True, metavar="NAME_THEN_RUNS",
                        help="a name, then the runs of one repetition of the selection")
    parser.add_argument("--section", default="selection_check")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)

    judged: dict[str, float] = {}
    for path in args.scores:
        with open(path, newline="") as handle:
            judged.update({row["run"]: float(row["judge"]) for row in csv.DictReader(handle)})
    records = []
    for name, *runs in args.group:
        missing = [r for r in runs if r not in judged]
        if missing:
            raise SystemExit(f"no selection score for {missing}; "
                             "pass the CSV 'tradegym gan select' wrote for them")
        chosen = min(runs, key=judged.__getitem__)
        for run in runs:
            ins, ins_sd, oos = _evaluation(run)
            records.append({"group": name, "run": run, "selection": judged[run], "in": ins, "in_sd": ins_sd,
                            "oos": oos, "chosen": run == chosen})
    table = pd.DataFrame(records)
    unique = table.drop_duplicates("run")
    rho = unique["selection"].rank().corr(unique["in"].rank())
    lines = [
        "## Choosing among training seeds on the training split (`tradegym gan select`)",
        "",
        "Written by `benchmarks/gan_select_check.py`. `selection`: `tradegym gan select` (one judge, "
        "seed 0, 2,000 steps, trained on the generator's training split and scored on its interleaved "
        "held-out blocks; no later row read). `in-sample` / `test period`: the evaluation's calibrated "
        "judge (mean ± sd over judge seeds 0-2), as in the tables above. **Bold**: the run each group "
        "keeps.",
        "",
        "| group | run | selection | in-sample | test period |",
        "|---|---|---|---|---|",
    ]
    for r in records:
        mark = "**" if r["chosen"] else ""
        lines.append(f"| {r['group']} | {mark}{Path(r['run']).name}{mark} | {r['selection']:.3f} "
                     f"| {mark}{r['in']:.3f} ± {r['in_sd']:.3f}{mark} | {r['oos']:.3f} |")
    kept = table[table["chosen"]]
    others = table[~table["chosen"]]
    lines += [
        "",
        f"Spearman rank correlation, selection vs evaluation in-sample, over the {len(unique)} runs: "
        f"**{rho:.2f}**.",
        "",
        f"Kept: in-sample {', '.join(f'{v:.3f}' for v in kept['in'])} (mean {kept['in'].mean():.3f}); "
        f"the runs not kept: mean {others['in'].mean():.3f}, worst {others['in'].max():.3f}.",
    ]
    text = "\n".join(lines)
    _sections.write_section(args.report, args.section, text, INTRO)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
