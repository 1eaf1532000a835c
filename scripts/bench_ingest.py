"""Ingestion throughput on real verbatims: read_inputs (decode, clean, date, language) and Deduplicator.

Usage: nice -n 10 .venv/bin/python scripts/bench_ingest.py [CSV ...]
Default input: ../shared/data/verbatims_assurance/unlabeled.csv (third-party data, read in place).
The pipeline target is >= 15k words/s end to end on verbatims, so ingestion must be far above that.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.document import Document  # noqa: E402
from textlens.ingest import Deduplicator, IngestOptions, read_inputs  # noqa: E402


def main(paths: list[str]) -> None:
    if not paths:
        default = ROOT.parent / "shared" / "data" / "verbatims_assurance" / "unlabeled.csv"
        if not default.exists():
            sys.exit(f"{default} not found: pass a CSV path")
        paths = [str(default)]
    t0 = time.perf_counter()
    docs, skipped, words = [], 0, 0
    langs: Counter[str] = Counter()
    for item in read_inputs(paths, IngestOptions()):
        if isinstance(item, Document):
            docs.append(item)
            words += len(item.text.split())
            langs[item.language or "?"] += 1
        else:
            skipped += 1
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    dedup = Deduplicator()
    dups = sum(dedup.check(d) is not None for d in docs)
    t_dedup = time.perf_counter() - t1
    n = len(docs)
    print(f"inputs: {', '.join(paths)}")
    print(f"read_inputs: {n} documents, {skipped} skipped, {words} words in {t_read:.2f} s "
          f"-> {n / t_read:,.0f} rows/s, {words / t_read:,.0f} words/s")
    print(f"Deduplicator.check: {dups} duplicates flagged in {t_dedup:.2f} s -> {n / t_dedup:,.0f} rows/s, "
          f"{words / t_dedup:,.0f} words/s")
    total = t_read + t_dedup
    print(f"ingestion total: {n / total:,.0f} rows/s, {words / total:,.0f} words/s; languages: {dict(langs)}")


if __name__ == "__main__":
    main(sys.argv[1:])
