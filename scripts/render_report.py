#!/usr/bin/env python
"""Render a textlens HTML report in headless Chromium: screenshots, charts drawn, JavaScript errors.

    .venv/bin/python scripts/render_report.py demo_report.html --out shots/report.png --sections

Prints a JSON summary (charts drawn / found, errors, evidence panel check) and exits 1 when a chart
did not render or the page raised an error. Needs `chromium` (Debian: apt-get install -y chromium).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textlens.report.browser import BrowserError, inspect_report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path, help="HTML report written by `textlens report`")
    ap.add_argument("--out", type=Path, default=Path("report.png"), help="full-page screenshot (PNG)")
    ap.add_argument("--sections", action="store_true", help="also one screenshot per section")
    ap.add_argument("--width", type=int, default=1360)
    ap.add_argument("--click", metavar="CHART_ID", help="chart whose point to click (default: the first chart)")
    ap.add_argument("--no-click", action="store_true", help="do not click a chart point")
    args = ap.parse_args(argv)
    try:
        page = inspect_report(args.report, screenshot=args.out, sections=args.sections, width=args.width,
                              click=False if args.no_click else (args.click or True))
    except BrowserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = page.to_dict()
    summary["charts_found"] = len(page.charts)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    ok = page.charts and page.charts_rendered == len(page.charts) and not page.errors and page.pwned is None
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
