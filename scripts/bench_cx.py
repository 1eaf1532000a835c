#!/usr/bin/env python
"""What the customer-experience analysis ("cx") adds to a default verbatim run, in CPU seconds.

    nice scripts/bench_cx.py [--n 2000] [--repeat 2]

Runs `textlens run`'s pipeline (one process, no workers) on the first N unlabelled real reviews
(../shared/data/verbatims_assurance/unlabeled.csv, subset written to a temporary file only) with every default
analysis, and reads the CPU seconds per stage the run records: ingestion, entities, themes, sentiment, cx, reading
and writing. The issue's budget: cx <= 30% of the rest of the run. Topic discovery (a corpus step) is left out of
the denominator, which makes the ratio a conservative (higher) one. CPU seconds, not wall time: the machine is shared.
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))
REVIEWS = SHARED / "data" / "verbatims_assurance" / "unlabeled.csv"


def subset(dst: Path, n: int) -> Path:
    with open(REVIEWS, encoding="utf-8", newline="") as src, open(dst, "w", encoding="utf-8", newline="") as out:
        reader = csv.reader(src)
        writer = csv.writer(out)
        for i, row in enumerate(reader):
            if i > n:
                break
            writer.writerow(row)
    return dst


def once(table: Path, workdir: Path, k: int) -> dict[str, float]:
    from textlens.ingest import IngestOptions
    from textlens.pipeline import run

    summary = run([table], workdir / f"bench{k}.db", IngestOptions(kind="verbatim"), topics=False, workers=1)
    return dict(summary.cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cx-bench-") as tmp:
        table = subset(Path(tmp) / "reviews.csv", args.n)
        runs = [once(table, Path(tmp), k) for k in range(args.repeat)]
    stages = sorted({s for r in runs for s in r})
    med = {s: statistics.median(r.get(s, 0.0) for r in runs) for s in stages}
    rest = sum(v for s, v in med.items() if s != "cx")
    print(f"{args.n} reviews, median of {args.repeat} runs, CPU seconds per stage (load {os.getloadavg()[0]:.1f}):")
    for s in stages:
        print(f"  {s:<10}{med[s]:8.2f} s  {1000 * med[s] / args.n:7.2f} ms/review")
    print(f"cx adds {100 * med.get('cx', 0.0) / rest:.1f}% to the rest of the run ({rest:.2f} s); budget 30% "
          f"({time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
