"""Dating and cleaning quality of ingestion against the gold years (seeds in ../shared, demo corpus).

Usage: .venv/bin/python scripts/eval_ingest.py
Prints, per corpus: documents, year accuracy (gold year == our year), how years were found, the
documents whose year differs, and how many furniture lines were removed.
A gold year of null means "the text does not date itself": an `inferred` year there counts as a
miss in `year accuracy` but is reported separately (inferred years are flagged, low confidence).
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textlens.document import Document  # noqa: E402
from textlens.ingest import read_inputs  # noqa: E402
from textlens.ingest.clean import normalize_text  # noqa: E402


def _gold(files: list[Path], key: str) -> dict[str, dict]:
    out = {}
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                out[g[key]] = g
    return out


def evaluate(name: str, folder: Path, gold: dict[str, dict], key_of) -> None:
    docs = [d for d in read_inputs([folder]) if isinstance(d, Document) and d.kind != "verbatim"]
    scored = [(d, gold[key_of(d)]) for d in docs if key_of(d) in gold]
    exact = sum(d.year == g["year"] for d, g in scored)
    strict = sum((d.year if d.year_source != "inferred" else None) == g["year"] for d, g in scored)
    sources = Counter(d.year_source or "none" for d, _ in scored)
    removed = 0
    for d in docs:
        if Path(d.source).suffix.lower() == ".txt":
            kept = {line.strip() for line in d.text.splitlines()}
            removed += sum(1 for line in normalize_text(d.raw_text).splitlines() if line.strip() not in kept)
    print(f"{name}: {len(scored)} documents with gold")
    print(f"  year accuracy: {exact}/{len(scored)}; counting inferred years as unknown: {strict}/{len(scored)}")
    print(f"  year sources: {dict(sources)}")
    for d, g in scored:
        if d.year != g["year"]:
            print(f"  differs: {key_of(d)} ours={d.year} ({d.year_source}: {d.year_evidence!r}) gold={g['year']}")
    print(f"  furniture lines removed from .txt files: {removed}")


def main() -> None:
    shared = ROOT.parent / "shared"
    if (shared / "gold" / "seeds_gold.jsonl").exists():
        evaluate("seeds", shared / "seeds", _gold([shared / "gold" / "seeds_gold.jsonl"], "id"), lambda d: d.id)
    else:
        print("seeds: ../shared absent, skipped")
    demo = ROOT / "corpora" / "demo"
    gold = _gold(sorted(demo.glob("gold_articles_*.jsonl")), "file")
    if gold:
        evaluate("demo articles", demo / "articles", gold, lambda d: Path(d.source).name)


if __name__ == "__main__":
    main()
