#!/usr/bin/env python
"""Validate the signal rule on history: does a weak/strong flag at t anticipate a rise at t+1?

Usage:
    python scripts/eval_signals.py --db /tmp/reviews.db --by month quarter -d aspect topic entity
    python scripts/eval_signals.py --db /tmp/press.db --by year -d theme topic entity --kind article

For every dimension and period length: the signals of every (item, t) (textlens.dynamics.signals, default rule,
nothing tuned: the parameters were fixed before this script first ran, so every period is held-out), then for
each outcome the precision of the flags beside the base rate of that outcome over all tested (item, t) pairs,
their ratio, a Wilson interval on the precision and a one-sided binomial test of precision > base rate.
The goal of issue #19 is a ratio of at least 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.dynamics import signals as sg  # noqa: E402
from textlens.query import Filters  # noqa: E402
from textlens.store import Corpus  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--by", nargs="+", default=["year"])
    ap.add_argument("-d", "--dimension", nargs="+", default=["theme", "aspect", "topic", "entity"])
    ap.add_argument("--kind", default=None, help="only documents of this kind")
    ap.add_argument("--min-docs", type=int, default=5)
    ap.add_argument("--json", type=Path, help="write every rate here too")
    args = ap.parse_args()
    if not args.db.exists():
        print(f"{args.db}: no such store", file=sys.stderr)
        return 2
    rows = []
    with Corpus.open(args.db, readonly=True) as corpus:
        for by in args.by:
            for dim in args.dimension:
                start = time.perf_counter()
                df = sg.signals(corpus, dim, by, Filters(kind=args.kind), min_docs=args.min_docs).table
                if df.empty:
                    print(f"{dim} by {by}: no item")
                    continue
                check = sg.anticipation(df)
                counts = df["status"].value_counts().to_dict()
                print(f"\n== {dim} by {by}: {df['item'].nunique()} items, {df['period'].nunique()} periods, "
                      f"{check.pairs} tested (item, t) pairs with a next period; statuses {counts} "
                      f"({time.perf_counter() - start:.1f} s)")
                print(f"{'outcome':36} {'flags':12} {'flagged':>7} {'hits':>5} {'precision':>9} {'95% CI':>13} "
                      f"{'base rate':>9} {'ratio':>6} {'p':>7}")
                for r in check.rates:
                    print(f"{r.outcome:36} {r.flags:12} {r.flagged:7d} {r.hits:5d} {r.precision:9.3f} "
                          f"{r.ci_low:6.3f}-{r.ci_high:5.3f} {r.base_rate:9.3f} {r.ratio:6.2f} {r.p_value:7.4f}")
                    rows.append({"db": str(args.db), "by": by, "dimension": dim, **r.__dict__})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
