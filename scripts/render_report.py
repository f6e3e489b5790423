"""Open a report.html in headless Chromium: check every image decodes, save a screenshot.

    python scripts/render_report.py results/demo/backtest-test/report.html \
        --screenshot results/demo/backtest-test/report.png

Needs Chromium (Debian: ``apt-get install chromium``). Exit code 0 when every image
loaded, 1 when one did not, 2 when Chromium or the file is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None, help="PNG to write")
    parser.add_argument("--height", type=int, default=2400, help="screenshot height in pixels")
    args = parser.parse_args(argv)
    browser = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None or not args.report.is_file():
        print("error: needs Chromium on PATH and an existing report file", file=sys.stderr)
        return 2
    url = args.report.resolve().as_uri()
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run([*common, "--virtual-time-budget=10000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    body = re.search(r"<body[^>]*>", dom)
    loaded = re.search(r'data-images-loaded="(\d+)"', body.group(0) if body else "")
    broken = re.search(r'data-images-broken="(\d+)"', body.group(0) if body else "")
    if not (loaded and broken):
        print("error: the page did not finish loading in Chromium", file=sys.stderr)
        return 1
    print(f"{args.report}: {loaded.group(1)} images loaded, {broken.group(1)} broken")
    if args.screenshot is not None:
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*common, f"--window-size=1280,{args.height}",
                        f"--screenshot={args.screenshot.resolve()}", url],
                       capture_output=True, timeout=120, check=True)
        print(f"screenshot: {args.screenshot}")
    return 0 if broken.group(1) == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
