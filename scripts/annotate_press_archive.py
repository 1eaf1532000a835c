"""Hand annotation of ../shared/data/press_dev/archive.jsonl with the press gold scheme (issue #16, data part).

Why a script: the texts are third-party and must stay in ../shared, so they are read from there (`show`), and
only ids + labels are written to scripts/data/press_archive_gold.jsonl (`add`), checked against the scheme on the
way in. Labels are typed in a compact form (short keys, empty entity types omitted) and expanded here to
gold.jsonl's format, so a typo in a key or a type fails loudly instead of silently losing a label.

    python scripts/annotate_press_archive.py show 0 20        # texts 0..19 of archive.jsonl, in file order
    python scripts/annotate_press_archive.py add < labels.jsonl  # compact lines -> gold lines, appended
    python scripts/annotate_press_archive.py counts           # per theme / entity type / tone, for the README
    python scripts/annotate_press_archive.py recheck --seed 1 --stop 100 -n 10   # blind re-read sample
    python scripts/annotate_press_archive.py compare first.jsonl second.jsonl          # self-agreement
    python scripts/annotate_press_archive.py calibrate-show --seed 7 -n 12 --exclude A_02,...  # gold texts, folds 0-2
    python scripts/annotate_press_archive.py calibrate-compare my_blind_labels.jsonl   # agreement with the gold
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import unicodedata
import sys
from collections import Counter
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TEXTLENS_SHARED", ROOT.parent / "shared"))
ARCHIVE = SHARED / "data" / "press_dev" / "archive.jsonl"
LABELS = ROOT / "scripts" / "data" / "press_archive_gold.jsonl"
PRESS_DEV = SHARED / "data" / "press_dev"
CALIBRATION_FOLDS = (0, 1, 2)  # folds 3 and 4 of press_dev stay unseen (held out for the product's figures)

THEMES = (
    "offshoring", "outsourcing_market", "quality_labels", "recruitment_skills", "working_conditions",
    "employment_regions", "customer_satisfaction", "technology_automation", "regulation_policy",
    "public_services", "health_crisis_remote",
)
ENTITY_TYPES = ("PERSON", "VENDOR", "COMPANY", "RESEARCH_FIRM", "INSTITUTION", "MEDIA", "STUDY", "LABEL", "LOCATION")
SHORT_TYPES = dict(zip(("PER", "VEN", "COM", "RES", "INS", "MED", "STU", "LAB", "LOC"), ENTITY_TYPES))
TONES = ("positive", "negative", "mixed", "neutral")
NOTES = ("off-topic", "broken page")
COMPACT_KEYS = {"id", "th", "e", "tone", "y", "ye", "yx", "f", "note"}


def read_archive() -> list[dict]:
    with ARCHIVE.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_labels(path: Path = LABELS) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


APOSTROPHES = "'\u2019\u2018`\u00b4"


def as_written(value: str, text: str) -> str:
    """The span of `text` equal to `value` up to the apostrophe glyph (typed ' vs the text's ’), else `value`.

    Why: values and evidence must be exact spans, and scraped texts mix apostrophe glyphs (or lose them).
    """
    if value in text:
        return value
    pattern = "".join(f"[{APOSTROPHES}]?" if ch in APOSTROPHES else re.escape(ch) for ch in value)
    match = re.search(pattern, text)
    return match.group(0) if match else value


def expand(compact: dict, texts: dict[str, str]) -> dict:
    """Compact label -> gold.jsonl record; raises ValueError naming the id and the reason."""
    doc_id = compact.get("id")
    unknown = set(compact) - COMPACT_KEYS
    if unknown:
        raise ValueError(f"{doc_id}: unknown keys {sorted(unknown)}")
    if doc_id not in texts:
        raise ValueError(f"{doc_id}: not an id of {ARCHIVE}")
    themes = list(compact.get("th", []))
    bad = [t for t in themes if t not in THEMES]
    if bad:
        raise ValueError(f"{doc_id}: unknown themes {bad}")
    entities = {t: [] for t in ENTITY_TYPES}
    for short, names in compact.get("e", {}).items():
        if short not in SHORT_TYPES:
            raise ValueError(f"{doc_id}: unknown entity type {short!r}")
        entities[SHORT_TYPES[short]] = list(dict.fromkeys(names))
    tone = compact.get("tone")
    if tone not in TONES:
        raise ValueError(f"{doc_id}: tone {tone!r} not in {TONES}")
    year, evidence, explicit = compact.get("y"), compact.get("ye"), compact.get("yx")
    if evidence:
        evidence = as_written(evidence, texts[doc_id])
    if year is None:
        if evidence is not None or explicit is not None:
            raise ValueError(f"{doc_id}: year evidence without a year")
    else:
        if not isinstance(year, int) or not 1990 <= year <= 2026:
            raise ValueError(f"{doc_id}: implausible year {year!r}")
        if not evidence or evidence not in texts[doc_id]:
            raise ValueError(f"{doc_id}: year_evidence {evidence!r} is not an exact span of the text")
        if str(year) not in evidence and str(year)[2:] not in evidence:
            logger.warning("%s: year %s not written in its evidence %r (check)", doc_id, year, evidence)
        if not isinstance(explicit, bool):
            raise ValueError(f"{doc_id}: year_explicit must be true/false when a year is given")
    figures = []
    for fig in compact.get("f", []):
        if len(fig) != 3:
            raise ValueError(f"{doc_id}: figure {fig!r} is not [value, about, source]")
        value, about, source = fig
        value = as_written(value, texts[doc_id])
        if value not in texts[doc_id]:
            logger.warning("%s: figure value %r not found as written (check)", doc_id, value)
        figures.append({"value": value, "about": about, "source": source})
    record = {"id": doc_id, "themes": themes, "entities": entities, "tone": tone, "year": year,
              "year_evidence": evidence, "year_explicit": explicit, "figures": figures}
    if compact.get("note") is not None:
        if compact["note"] not in NOTES:
            raise ValueError(f"{doc_id}: note {compact['note']!r} not in {NOTES}")
        record["note"] = compact["note"]
    return record


def cmd_show(start: int, count: int) -> None:
    for index, row in enumerate(read_archive()[start:start + count], start):
        sys.stdout.write(f"===== [{index}] {row['id']} {row['url']}\n{row['text']}\n")


def cmd_add(target: Path) -> None:
    texts = {row["id"]: row["text"] for row in read_archive()}
    done = {rec["id"] for rec in read_labels(target)}
    records = []
    for line_no, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            compact = json.loads(line)
        except json.JSONDecodeError as error:
            raise SystemExit(f"stdin line {line_no}: not JSON ({error})") from error
        record = expand(compact, texts)
        if record["id"] in done:
            raise SystemExit(f"{record['id']}: already labelled in {target}")
        done.add(record["id"])
        records.append(record)
    with target.open("a", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    logger.info("%d labels appended to %s (%d in all)", len(records), target, len(done))


def label_counts(records: list[dict]) -> dict[str, Counter]:
    counts = {"theme": Counter(), "entity": Counter(), "tone": Counter(), "other": Counter()}
    for rec in records:
        counts["theme"].update(rec["themes"])
        counts["entity"].update({t: len(v) for t, v in rec["entities"].items()})
        counts["tone"][rec["tone"]] += 1
        counts["other"]["documents"] += 1
        counts["other"]["figures"] += len(rec["figures"])
        counts["other"]["with year"] += rec["year"] is not None
        counts["other"]["own date (year_explicit)"] += rec["year_explicit"] is True
        counts["other"]["without theme"] += not rec["themes"]
        if rec.get("note"):
            counts["other"][f"note {rec['note']}"] += 1
    return counts


def cmd_counts() -> None:
    records = read_labels()
    for kind, counter in label_counts(records).items():
        sys.stdout.write(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common()) + "\n")
    if records:
        sys.stdout.write(f"themes per document: {sum(len(r['themes']) for r in records) / len(records):.2f}\n")


def cmd_recheck(seed: int, start: int, stop: int, sample: int) -> None:
    """Print a random sample of labelled ids (label order start..stop-1) with their text, never the labels.

    Why: a blind second reading of earlier texts measures how stable the first labels are.
    """
    ids = [rec["id"] for rec in read_labels()][start:stop]
    chosen = set(random.Random(seed).sample(ids, sample))
    for index, row in enumerate(read_archive()):
        if row["id"] in chosen:
            sys.stdout.write(f"===== [{index}] {row['id']} {row['url']}\n{row['text']}\n")


def _names(rec: dict) -> set[tuple[str, str]]:
    return {(t, n.casefold()) for t, names in rec["entities"].items() for n in names}


def _loose(name: str) -> str:
    """Casefolded, accents, apostrophe glyphs, leading article and line breaks removed (the product's comparison
    also forgives these; aliases and acronyms it forgives too are not modelled here)."""
    name = unicodedata.normalize("NFKD", name.casefold())
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    name = re.sub(rf"[{APOSTROPHES}]", "'", name)
    name = re.sub(r"^(?:(?:le|la|les)\s+|l')", "", re.sub(r"\s+", " ", name).strip())
    return name


def _loose_names(rec: dict) -> set[tuple[str, str]]:
    return {(t, _loose(n)) for t, names in rec["entities"].items() for n in names}


def cmd_compare(first: Path, second: Path, texts: dict[str, str] | None = None) -> None:
    """Agreement of a blind second reading (compact or full lines) with the first labels of the same ids."""
    texts = texts if texts is not None else {row["id"]: row["text"] for row in read_archive()}
    firsts = {rec["id"]: rec for rec in read_labels(first)}
    seconds = []
    for rec in read_labels(second):
        seconds.append(rec if "themes" in rec else expand(rec, texts))
    tp = fp = fn = etp = efp = efn = ltp = lfp = lfn = tone_same = year_same = 0
    for rec in seconds:
        ref = firsts[rec["id"]]
        a, b = set(ref["themes"]), set(rec["themes"])
        tp, fp, fn = tp + len(a & b), fp + len(b - a), fn + len(a - b)
        ea, eb = _names(ref), _names(rec)
        etp, efp, efn = etp + len(ea & eb), efp + len(eb - ea), efn + len(ea - eb)
        la, lb = _loose_names(ref), _loose_names(rec)
        ltp, lfp, lfn = ltp + len(la & lb), lfp + len(lb - la), lfn + len(la - lb)
        tone_same += ref["tone"] == rec["tone"]
        year_same += ref["year"] == rec["year"]
        if a != b:
            sys.stdout.write(f"{rec['id']}: themes first {sorted(a)} second {sorted(b)}\n")
    n = len(seconds)
    sys.stdout.write(
        f"{n} documents: theme micro-F1 {2 * tp / max(1, 2 * tp + fp + fn):.3f}, "
        f"typed entity F1 (exact, casefolded) {2 * etp / max(1, 2 * etp + efp + efn):.3f}, "
        f"(accents/articles/spacing forgiven) {2 * ltp / max(1, 2 * ltp + lfp + lfn):.3f}, "
        f"tone {tone_same}/{n}, year {year_same}/{n}\n")


def calibration_docs(seed: int, sample: int, exclude: set[str]) -> list[dict]:
    """A seeded sample of press_dev documents from the calibration folds only (never folds 3-4)."""
    with (PRESS_DEV / "docs.jsonl").open(encoding="utf-8") as handle:
        docs = [row for row in map(json.loads, handle) if row["fold"] in CALIBRATION_FOLDS]
    docs = [row for row in docs if row["id"] not in exclude]
    return random.Random(seed).sample(docs, sample)


def cmd_calibrate_show(seed: int, sample: int, exclude: set[str]) -> None:
    """Texts of gold documents (calibration folds) to label blind, to measure agreement with the gold annotators."""
    for row in calibration_docs(seed, sample, exclude):
        sys.stdout.write(f"===== {row['id']} {row['kind']} {row['url']}\n{row['text']}\n")


def cmd_calibrate_compare(labels: Path) -> None:
    """Agreement of my blind labels of calibration documents with press_dev's gold (the other annotators).

    Printed beside constant-answer baselines on the same documents, fitted on the other calibration-fold gold
    documents: the two most frequent themes for every document, the majority tone, no year.
    """
    with (PRESS_DEV / "docs.jsonl").open(encoding="utf-8") as handle:
        texts = {row["id"]: row["text"] for row in map(json.loads, handle)}
    cmd_compare(PRESS_DEV / "gold.jsonl", labels, texts)
    golds = [rec for rec in read_labels(PRESS_DEV / "gold.jsonl") if rec["fold"] in CALIBRATION_FOLDS]
    compared = {rec["id"] for rec in read_labels(labels)}
    fit = [rec for rec in golds if rec["id"] not in compared]
    top_themes = {t for t, _ in Counter(t for rec in fit for t in rec["themes"]).most_common(2)}
    majority_tone = Counter(rec["tone"] for rec in fit).most_common(1)[0][0]
    tp = fp = fn = tone_same = year_same = 0
    for rec in (r for r in golds if r["id"] in compared):
        gold_themes = set(rec["themes"])
        tp += len(gold_themes & top_themes)
        fp += len(top_themes - gold_themes)
        fn += len(gold_themes - top_themes)
        tone_same += rec["tone"] == majority_tone
        year_same += rec["year"] is None
    n = len(compared)
    sys.stdout.write(
        f"baseline (constant answers fitted on the other fold 0-2 gold documents): themes {sorted(top_themes)} "
        f"micro-F1 {2 * tp / max(1, 2 * tp + fp + fn):.3f}, entities none F1 0.000, tone '{majority_tone}' "
        f"{tone_same}/{n}, year none {year_same}/{n}\n")


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show")
    show.add_argument("start", type=int)
    show.add_argument("count", type=int)
    add = sub.add_parser("add")
    add.add_argument("--to", type=Path, default=LABELS)
    sub.add_parser("counts")
    recheck = sub.add_parser("recheck")
    recheck.add_argument("--seed", type=int, required=True)
    recheck.add_argument("--start", type=int, default=0)
    recheck.add_argument("--stop", type=int, required=True)
    recheck.add_argument("-n", type=int, default=10)
    compare = sub.add_parser("compare")
    compare.add_argument("first", type=Path)
    compare.add_argument("second", type=Path)
    calib = sub.add_parser("calibrate-show")
    calib.add_argument("--seed", type=int, required=True)
    calib.add_argument("-n", type=int, default=10)
    calib.add_argument("--exclude", default="", help="comma-separated ids already read during calibration")
    calib_cmp = sub.add_parser("calibrate-compare")
    calib_cmp.add_argument("labels", type=Path)
    args = parser.parse_args(argv)
    if args.command == "show":
        cmd_show(args.start, args.count)
    elif args.command == "add":
        cmd_add(args.to)
    elif args.command == "counts":
        cmd_counts()
    elif args.command == "recheck":
        cmd_recheck(args.seed, args.start, args.stop, args.n)
    elif args.command == "calibrate-show":
        cmd_calibrate_show(args.seed, args.n, set(filter(None, args.exclude.split(","))))
    elif args.command == "calibrate-compare":
        cmd_calibrate_compare(args.labels)
    else:
        cmd_compare(args.first, args.second)


if __name__ == "__main__":
    main()
