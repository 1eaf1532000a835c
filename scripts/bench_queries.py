"""Wall time of each query command in a fresh process (start-up included), as a user sees it.

    .venv/bin/python scripts/bench_queries.py [--db textlens.db] [--runs 5] [--compare-by COL] [--only drivers ...]

Prints the median and the best of `--runs` runs per command, the median CPU seconds of the process (user +
system: what the command costs whatever else the machine runs), and whether any heavy library (torch, spaCy,
sentence-transformers, scikit-learn) was imported. Build the store first, e.g.
`textlens run corpora/demo --db demo.db`. `compare --by` uses `--compare-by`, by default the store's first
low-cardinality metadata column.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = [
    ["search", "délocalisation"],
    ["search", '"centres d\'appels"', "--from", "2004", "--to", "2013"],
    ["trends"],
    ["trends", "offshoring", "--evidence"],
    ["trends", "--terms"],
    ["trends", "offshoring", "--associations"],
    ["themes"],
    ["topics"],
    ["entities", "--type", "VENDOR"],
    ["figures", "--about", "appels"],
    ["sentiment", "--kind", "verbatim"],
    ["sentiment", "--drivers"],
    ["drivers"],
    ["drivers", "--no-model"],
    ["compare", "--by", "{compare_by}"],
]
PROBE = (
    "import sys, time\n"
    "t = time.perf_counter()\n"
    "from textlens.cli import app\n"
    "app(sys.argv[1:], standalone_mode=False)\n"
    "heavy = [m for m in ('torch', 'spacy', 'sentence_transformers', 'sklearn') if m in sys.modules]\n"
    "print('\\nPROBE', time.perf_counter() - t, ','.join(heavy) or '-', file=sys.stderr)\n"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="textlens.db")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--compare-by", default=None, help="segment column of `compare` (default: auto)")
    ap.add_argument("--only", nargs="*", default=None, help="only the commands starting with these words")
    args = ap.parse_args()
    if not Path(args.db).exists():
        sys.exit(f"{args.db}: no such store (run `textlens run corpora/demo --db {args.db}` first)")
    compare_by = args.compare_by or _segment_column(args.db)
    print(f"store {args.db}, {args.runs} runs per command, wall time of a fresh `python` process")
    print(f"{'command':<55} {'median s':>9} {'best s':>7} {'cpu s':>6} {'in-process s':>12}  heavy imports")
    for cmd in COMMANDS:
        if args.only and cmd[0] not in args.only:
            continue
        if "{compare_by}" in cmd and not compare_by:
            print(f"{' '.join(cmd):<55} skipped: no segment column in this store")
            continue
        cmd = [c.replace("{compare_by}", compare_by or "") for c in cmd]
        walls, inner, cpus, heavy = [], [], [], "-"
        for _ in range(args.runs):
            t = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run([sys.executable, "-c", PROBE, *cmd, "--db", args.db, "--format", "json"],
                                 capture_output=True, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            walls.append(time.perf_counter() - t)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            probe = [line for line in out.stderr.splitlines() if line.startswith("PROBE")]
            if out.returncode != 0 or not probe:
                print(f"{' '.join(cmd):<55} failed: {out.stderr.strip()[-300:]}")
                break
            _, seconds, heavy = probe[-1].split(" ", 2)
            inner.append(float(seconds))
        else:
            print(f"{' '.join(cmd):<55} {statistics.median(walls):9.2f} {min(walls):7.2f} "
                  f"{statistics.median(cpus):6.2f} {statistics.median(inner):12.2f}  {heavy}")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"(bare python start-up: {time.perf_counter() - t:.2f} s)")


def _segment_column(db: str) -> str | None:
    """The column `textlens report` would compare segments on (first low-cardinality metadata column)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from textlens.dynamics.columns import segment_columns
    from textlens.store import Corpus

    with Corpus.open(db, readonly=True) as corpus:
        found = segment_columns(corpus)
    return found[0][0] if found else None


if __name__ == "__main__":
    main()
