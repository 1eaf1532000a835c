"""Turn an annotator's notes on personal data into `scripts/data/pii_gold.jsonl` records, and check that file.

The notes are written while reading the candidates of `scripts/pii_candidates.py` and hold review text, so they
stay OUTSIDE the repository: one line per annotated value, `INDEX|TYPE|value`, INDEX being the review's position in
the candidates file given with `--candidates` (reviews without a line have no personal data). Every occurrence of
a value in its review becomes a span (the scheme's rule), an occurrence inside a longer annotated value is left to
that value, and a value that does not occur is an error naming its line. Only ids, offsets and types reach the
repository.

    python scripts/pii_annotate.py --candidates /tmp/pii/new.jsonl --notes /tmp/pii/notes.txt --append
    python scripts/pii_annotate.py --check          # validate scripts/data/pii_gold.jsonl (needs ../shared)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "scripts" / "data" / "pii_gold.jsonl"
SHARED = REPO.parent / "shared" / "data" / "verbatims_assurance"
TYPES = ("EMAIL", "PHONE", "IBAN", "CARD", "CONTRACT_NO", "ADDRESS", "PLATE", "PERSON")
KEYS = ("id", "file", "stratum", "part", "spans")
FILES = ("train.csv", "unlabeled.csv")
STRATA = ("structured", "person_cue", "digits", "par_avec", "none", "number_cue")


def held_out_part(review_id: str) -> str:
    """The fixed split of the annotated reviews: a third held out for the figures, chosen by a hash of the id."""
    return "test" if int(hashlib.sha1(("pii-split:" + review_id).encode()).hexdigest(), 16) % 3 == 0 else "tune"


def occurrences(text: str, value: str) -> list[tuple[int, int]]:
    """Every place `value` stands as a whole (no letter or digit glued on either side)."""
    pattern = r"(?<![^\W_])" + re.escape(value) + r"(?![^\W_])"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def spans_from_notes(text: str, notes: list[tuple[str, str]]) -> list[dict]:
    """Gold spans of one review from its (type, value) notes: longer values first, overlaps left to them."""
    taken: list[tuple[int, int, str]] = []
    for kind, value in sorted(notes, key=lambda n: -len(n[1])):
        found = occurrences(text, value)
        if not found:
            raise ValueError(f"{value!r} ({kind}) does not occur in the review")
        for a, b in found:
            if not any(a < y and x < b for x, y, _ in taken):
                taken.append((a, b, kind))
    return [{"start": a, "end": b, "type": kind} for a, b, kind in sorted(taken)]


def records_from_notes(candidates: list[dict], note_lines: list[str]) -> list[dict]:
    """One gold record per candidate review, in the candidates' order."""
    notes: dict[int, list[tuple[str, str]]] = {}
    for number, line in enumerate(note_lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        index, kind, value = line.rstrip("\n").split("|", 2)
        if kind not in TYPES:
            raise ValueError(f"notes line {number}: unknown type {kind!r}")
        if not 0 <= int(index) < len(candidates):
            raise ValueError(f"notes line {number}: no candidate {index}")
        notes.setdefault(int(index), []).append((kind, value))
    out = []
    for index, cand in enumerate(candidates):
        try:
            spans = spans_from_notes(cand["text"], notes.get(index, []))
        except ValueError as exc:
            raise ValueError(f"candidate {index} ({cand['id']}): {exc}") from None
        out.append({"id": cand["id"], "file": cand["file"], "stratum": cand["stratum"],
                    "part": held_out_part(cand["id"]), "spans": spans})
    return out


def gold_errors(lines: list[str], texts: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Everything wrong with gold lines: keys, part rule, duplicates, types, span order; with `texts`
    ((file, id) -> review text) also offsets outside the text or spans on blanks."""
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        where = f"line {number}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: not JSON ({exc})")
            continue
        if tuple(rec) != KEYS:
            errors.append(f"{where}: keys must be exactly {KEYS} (no text), got {tuple(rec)}")
            continue
        if rec["id"] in seen:
            errors.append(f"{where}: duplicate id {rec['id']}")
        seen.add(rec["id"])
        if rec["part"] != held_out_part(rec["id"]):
            errors.append(f"{where}: part should be {held_out_part(rec['id'])!r}")
        if rec["file"] not in FILES or rec["stratum"] not in STRATA:
            errors.append(f"{where}: unknown file or stratum ({rec['file']}, {rec['stratum']})")
        last_end = -1
        for span in rec["spans"]:
            if set(span) != {"start", "end", "type"} or span["type"] not in TYPES:
                errors.append(f"{where}: bad span {span}")
                continue
            if not 0 <= span["start"] < span["end"] or span["start"] < last_end:
                errors.append(f"{where}: span {span} is empty, or overlaps or precedes the previous one")
            last_end = span["end"]
            if texts is not None:
                text = texts.get((rec["file"], rec["id"]))
                if text is None:
                    errors.append(f"{where}: id {rec['id']} not in {rec['file']}")
                    break
                value = text[span["start"]:span["end"]]
                if span["end"] > len(text) or value != value.strip() or not value:
                    errors.append(f"{where}: span {span} is outside the text or starts/ends on a blank")
    return errors


def read_texts(shared: Path = SHARED) -> dict[tuple[str, str], str]:
    import pandas as pd

    texts = {}
    for file in FILES:
        df = pd.read_csv(shared / file, dtype=str, keep_default_na=False)
        texts.update({(file, i): t for i, t in zip(df["id"], df["text"])})
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=Path, help="JSONL of candidate reviews (outside the repository)")
    parser.add_argument("--notes", type=Path, help="the annotator's INDEX|TYPE|value notes (outside the repository)")
    parser.add_argument("--append", action="store_true", help="append the new records to pii_gold.jsonl")
    parser.add_argument("--check", action="store_true", help="validate pii_gold.jsonl against ../shared")
    args = parser.parse_args()
    if args.candidates and args.notes:
        candidates = [json.loads(line) for line in args.candidates.read_text(encoding="utf-8").splitlines()]
        known = {json.loads(line)["id"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()}
        records = records_from_notes(candidates, args.notes.read_text(encoding="utf-8").splitlines())
        again = [r["id"] for r in records if r["id"] in known]
        if again:
            raise SystemExit(f"{len(again)} reviews are already annotated, e.g. {again[:3]}")
        with_data = sum(bool(r["spans"]) for r in records)
        print(f"{len(records)} reviews, {with_data} with personal data, "
              f"{sum(r['part'] == 'test' for r in records)} in test")
        if args.append:
            with GOLD.open("a", encoding="utf-8") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            print(f"appended to {GOLD}")
    if args.check:
        errors = gold_errors(GOLD.read_text(encoding="utf-8").splitlines(), read_texts())
        print("\n".join(errors) if errors else "pii_gold.jsonl: no error")


if __name__ == "__main__":
    main()
