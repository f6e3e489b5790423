"""Open a report.html in headless Chromium: check every chart rendered without errors; screenshot it.

    python scripts/render_report.py results/demo/backtest-test/report.html \
        --screenshot docs/backtest/report_top.png [--section contributions] [--height 2000]

Interactive reports: every plotly chart rendered and no console error; static ones
(report_static.html): every image decoded. Needs Chromium (Debian: ``apt-get install
chromium``). Exit code 0 when the page is fine, 1 when it is not, 2 when Chromium or the
file is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tradegym.backtest.tearsheet.browser import check_report, find_chromium, screenshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--screenshot", type=Path, default=None, help="PNG to write")
    parser.add_argument("--section", default=None, help="scroll to this section id first (contributions)")
    parser.add_argument("--width", type=int, default=1400, help="screenshot width in pixels")
    parser.add_argument("--height", type=int, default=2000, help="screenshot height in pixels")
    args = parser.parse_args(argv)
    if find_chromium() is None or not args.report.is_file():
        print("error: needs Chromium on PATH and an existing report file", file=sys.stderr)
        return 2
    state = check_report(args.report)
    if state["images_loaded"] is not None:
        ok = state["images_broken"] == 0
        print(f"{args.report}: {state['images_loaded']} images loaded, {state['images_broken']} broken")
    else:
        ok = (state["status"] == "done" and state["js_errors"] == 0
              and state["charts_rendered"] == state["charts_expected"])
        print(f"{args.report}: {state['charts_rendered']} of {state['charts_expected']} charts rendered, "
              f"{state['js_errors']} console errors {state['errors'] or ''}")
    if args.screenshot is not None:
        target = f"{args.report}#{args.section}" if args.section else args.report
        print(f"screenshot: {screenshot(target, args.screenshot, width=args.width, height=args.height)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
