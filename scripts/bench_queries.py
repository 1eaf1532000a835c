"""Wall time of each query command in a fresh process (start-up included), as a user sees it.

    .venv/bin/python scripts/bench_queries.py [--db textlens.db] [--runs 5] [--compare-by COL] [--only drivers ...]
        [--query-cache]

Prints the machine (lscpu model name, CPUs) and its load average before and after, then per command the cold run
(the first process started for it: nothing of the command cached by Python, its wall and CPU seconds), the median
and the best of `--runs` runs, the median CPU seconds of the process (user + system: what the command costs
whatever else the machine runs), and whether any heavy library (torch, spaCy, sentence-transformers,
scikit-learn, scipy.stats) was imported. Build the store first, e.g.
`textlens run corpora/demo --db demo.db`. `compare --by` uses `--compare-by`, by default the store's first
low-cardinality metadata column.
"""
from __future__ import annotations

import argparse
import os
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
    "heavy = [m for m in ('torch', 'spacy', 'sentence_transformers', 'sklearn', 'scipy.stats') if m in sys.modules]\n"
    "print('\\nPROBE', time.perf_counter() - t, ','.join(heavy) or '-', file=sys.stderr)\n"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="textlens.db")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--compare-by", default=None, help="segment column of `compare` (default: auto)")
    ap.add_argument("--only", nargs="*", default=None, help="only the commands starting with these words")
    ap.add_argument("--query-cache", action="store_true",
                    help="let drivers/compare answer repeats from their query cache (default: off, every run computes)")
    args = ap.parse_args()
    if not Path(args.db).exists():
        sys.exit(f"{args.db}: no such store (run `textlens run corpora/demo --db {args.db}` first)")
    compare_by = args.compare_by or _segment_column(args.db)
    env = {**os.environ, "TEXTLENS_QUERY_CACHE": "1" if args.query_cache else "0"}
    print(f"store {args.db}, {args.runs} runs per command, wall time of a fresh `python` process, query cache "
          f"{'on' if args.query_cache else 'off'}")
    print(f"machine: {_cpu_model()}, {os.cpu_count()} CPUs; load average {_load()} (1, 5, 15 min) at the start")
    print(f"{'command':<55} {'cold s':>7} {'cold cpu':>8} {'median s':>9} {'best s':>7} {'cpu s':>6} "
          f"{'in-process s':>12}  heavy imports")
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
                                 capture_output=True, text=True, env=env)
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
            print(f"{' '.join(cmd):<55} {walls[0]:7.2f} {cpus[0]:8.2f} {statistics.median(walls):9.2f} "
                  f"{min(walls):7.2f} {statistics.median(cpus):6.2f} {statistics.median(inner):12.2f}  {heavy}")
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"(bare python start-up: {time.perf_counter() - t:.2f} s; load average {_load()} at the end)")


def _cpu_model() -> str:
    """`lscpu`'s model name (what the figures were measured on), or the platform's processor string."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        if line.strip().lower().startswith("model name"):
            return line.split(":", 1)[1].strip()
    import platform

    return platform.processor() or "unknown CPU"


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


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
