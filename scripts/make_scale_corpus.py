"""Build a large test corpus of reviews (100k, 300k, 1M...) from real reviews, for the scale runs of issue #21.

    .venv/bin/python scripts/make_scale_corpus.py --rows 100000 --out /tmp/scale-100k.csv
    .venv/bin/python scripts/make_scale_corpus.py --rows 1000000 --out /tmp/scale-1m.csv --parts 3
    .venv/bin/textlens run /tmp/scale-100k.csv --kind verbatim --db /tmp/scale-100k.db

Each new review recombines sentences of different real reviews: a donor review (drawn at random) gives the rating,
the insurer, the product and the number of sentences (at least 2); the sentences are drawn from reviews of the
same rating (so the tone and the stars still go together), from at least two different reviews, so no text is one
of the inputs. Dates are drawn uniformly over `--start`..`--end` (several years: trends and the period strata of
the topic fit have something to show). `--parts K` spreads the rows over K files (K sources for `textlens run`).

Streaming: the rows are written as they are made; memory holds the sentence pools of the inputs (bounded by the
inputs, whatever `--rows`), never the output. Seeded: the same inputs and seed give the same files.

The inputs are third-party text (default: ../shared/data/verbatims_assurance/train.csv): the output is derived from
it, so it must be written outside the repository and never committed (refused inside it).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import re
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "verbatims_assurance" / "train.csv"
COLUMNS = ("id", "date", "experience_month", "insurer", "product", "rating", "text")
CARRIED = ("insurer", "product", "rating")  # taken from the donor review when the input has them
MAX_SENTENCES = 8
# a sentence ends at . ! ? … (then a space) or at a line break; "M. Dupont" splits too, which is harmless here
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*\n+\s*")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class Pools:
    """Sentences of the input reviews, grouped by rating, and what each donor review carries."""

    sentences: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # rating -> (review no, sentence)
    donors: list[tuple[dict[str, str], int]] = field(default_factory=list)  # (carried columns, sentence count)
    skipped: int = 0  # input rows without a sentence (empty text), counted, never silently dropped


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if _LETTER.search(s or "")]


def load_pools(paths: Sequence[Path]) -> Pools:
    """Read the inputs once (streaming CSV) into sentence pools by rating."""
    pools = Pools()
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise SystemExit(f"{path}: no 'text' column (columns: {', '.join(reader.fieldnames or [])})")
            for row in reader:
                sentences = split_sentences(row.get("text") or "")
                if not sentences:
                    pools.skipped += 1
                    continue
                carried = {c: (row.get(c) or "").strip() for c in CARRIED}
                review = len(pools.donors)
                pools.donors.append((carried, len(sentences)))
                pools.sentences.setdefault(carried["rating"], []).extend((review, s) for s in sentences)
    if len({r for pool in pools.sentences.values() for r, _ in pool}) < 2:
        raise SystemExit(f"{', '.join(map(str, paths))}: need sentences of at least two reviews to recombine")
    return pools


def generate(pools: Pools, rows: int, seed: int, start: dt.date, end: dt.date) -> Iterator[dict[str, str]]:
    """`rows` new reviews, one at a time (see the module docstring)."""
    rng = random.Random(seed)
    days = (end - start).days
    if days < 0:
        raise SystemExit(f"--start {start} is after --end {end}")
    everyone = [s for pool in pools.sentences.values() for s in pool]
    # a rating whose sentences all come from one review cannot be recombined within itself: all ratings' then
    pool_of = {rating: pool if len({r for r, _ in pool}) >= 2 else everyone for rating, pool in pools.sentences.items()}
    for i in range(rows):
        carried, n_sentences = pools.donors[rng.randrange(len(pools.donors))]
        pool = pool_of[carried["rating"]]
        k = min(max(n_sentences, 2), MAX_SENTENCES)
        picked = [pool[rng.randrange(len(pool))] for _ in range(k)]
        while len({r for r, _ in picked}) < 2:  # one review alone would give back (part of) a real text
            picked[-1] = pool[rng.randrange(len(pool))]
        date = start + dt.timedelta(days=rng.randint(0, days))
        yield {"id": f"scale{seed}-{i:07d}", "date": date.isoformat(), "experience_month": date.isoformat()[:7],
               **carried, "text": " ".join(s for _, s in picked)}


def inside_repository(path: Path) -> bool:
    return ROOT in path.resolve().parents


def write(rows: Iterator[dict[str, str]], out: Path, parts: int, seed: int) -> list[Path]:
    """Write the rows as they come, spread at random (seeded) over `parts` files; returns the files."""
    paths = [out] if parts == 1 else [out.with_name(f"{out.stem}.part{j + 1}{out.suffix}") for j in range(parts)]
    rng = random.Random(seed + 1)
    files = [open(p, "w", newline="", encoding="utf-8") for p in paths]
    try:
        writers = [csv.DictWriter(f, fieldnames=COLUMNS) for f in files]
        for w in writers:
            w.writeheader()
        for row in rows:
            writers[rng.randrange(parts) if parts > 1 else 0].writerow(row)
    finally:
        for f in files:
            f.close()
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, action="append", help=f"CSV of reviews (repeatable; default {DEFAULT_INPUT})")
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="output CSV, outside the repository")
    ap.add_argument("--parts", type=int, default=1, help="spread the rows over this many files (sources)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2015, 1, 1))
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2024, 12, 31))
    args = ap.parse_args(argv)
    if args.rows < 1 or args.parts < 1:
        raise SystemExit("--rows and --parts must be at least 1")
    if inside_repository(args.out):
        raise SystemExit(f"{args.out}: inside the repository; the corpus is derived from third-party text, write it "
                         f"elsewhere (e.g. /tmp)")
    inputs = args.input or [DEFAULT_INPUT]
    t0 = time.perf_counter()
    pools = load_pools(inputs)
    n_sentences = sum(len(p) for p in pools.sentences.values())
    paths = write(generate(pools, args.rows, args.seed, args.start, args.end), args.out, args.parts, args.seed)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{args.rows} reviews from {len(pools.donors)} input reviews ({n_sentences} sentences, "
          f"{pools.skipped} empty rows skipped) -> {', '.join(map(str, paths))}: {size_mb:.1f} MB, "
          f"{seconds:.1f} s ({args.rows / seconds:,.0f} rows/s), peak RSS {peak_mb:.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
