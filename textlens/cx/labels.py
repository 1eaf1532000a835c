"""Reading the annotated reviews: `cx_labels.jsonl` (ids + labels, never text) joined with the review texts.

The texts stay in ../shared (third-party); only ids and labels live in the repository. The held-out part is
fixed by the id (`held_out`), so no script can move a review between parts by accident: a record whose `part`
disagrees with the rule is refused with its line number.
"""
from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from textlens.cx.model import CxLabels, check_labels, labels_from_mapping
from textlens.errors import InputError
from textlens.jsonl import json_lines

log = logging.getLogger(__name__)

FILES = ("train", "unlabeled")


def held_out(review_id: str) -> bool:
    """The fixed split of the annotation scheme: part "test" when sha1(id) % 4 == 0."""
    return int(hashlib.sha1(review_id.encode()).hexdigest(), 16) % 4 == 0


@dataclass
class AnnotatedReview:
    id: str
    file: str
    part: str
    text: str
    labels: CxLabels
    rating: int | None = None
    date: str | None = None
    insurer: str | None = None


def read_labels(path: str | Path) -> list[dict]:
    """The records of a labels file, checked: known keys and labels, `part` matching the id rule, one record per id
    (a later duplicate replaces the earlier one, with a warning naming both lines)."""
    out: dict[str, tuple[int, dict]] = {}
    for n, rec in json_lines(path):
        for key in ("id", "file", "part"):
            if key not in rec:
                raise InputError(f"{path}:{n}: missing key {key!r}")
        if rec["file"] not in FILES:
            raise InputError(f"{path}:{n}: file must be one of {FILES}, got {rec['file']!r}")
        expected = "test" if held_out(rec["id"]) else "train"
        if rec["part"] != expected:
            raise InputError(f"{path}:{n}: id {rec['id']} is in part {expected!r} by the fixed rule, "
                             f"not {rec['part']!r}")
        try:
            check_labels([labels_from_mapping(rec)])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{n}: {exc}") from exc
        if rec["id"] in out:
            log.warning("%s:%d: id %s already annotated at line %d; the later record is used",
                        path, n, rec["id"], out[rec["id"]][0])
        out[rec["id"]] = (n, rec)
    return [rec for _, rec in out.values()]


def read_reviews(shared: str | Path, ids_by_file: dict[str, set[str]]) -> dict[str, dict]:
    """{id: csv row} of the wanted ids from verbatims_assurance/<file>.csv."""
    folder = Path(shared) / "data" / "verbatims_assurance"
    found: dict[str, dict] = {}
    for file, ids in ids_by_file.items():
        if not ids:
            continue
        with open(folder / f"{file}.csv", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["id"] in ids:
                    found[row["id"]] = row
    return found


def load_annotated(labels_path: str | Path, shared: str | Path) -> list[AnnotatedReview]:
    """Annotated reviews with their texts; an id missing from ../shared stops with its id and file."""
    records = read_labels(labels_path)
    wanted: dict[str, set[str]] = {f: set() for f in FILES}
    for rec in records:
        wanted[rec["file"]].add(rec["id"])
    rows = read_reviews(shared, wanted)
    missing = [f"{r['id']} ({r['file']}.csv)" for r in records if r["id"] not in rows]
    if missing:
        raise InputError(f"{labels_path}: {len(missing)} annotated ids not found in {shared}: {', '.join(missing[:5])}")
    out = []
    for rec in records:
        row = rows[rec["id"]]
        rating = int(row["rating"]) if row.get("rating") else None
        out.append(AnnotatedReview(rec["id"], rec["file"], rec["part"], row["text"], labels_from_mapping(rec), rating,
                                   row.get("date"), row.get("insurer")))
    return out
