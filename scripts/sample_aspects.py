"""Draw, show and record the train.csv reviews annotated with verbatim aspects + polarity (issue #17).

Why a script: the aspect detector and polarity model learn from these labels, so the sample must be
reproducible (seeded, 320 reviews per star so negative reviews are as present as positive ones), the held-out
part must be fixed by the id alone (never by what was easy to label), and no review text may enter the repo.
Only ids go to `scripts/data/train_aspects_ids.txt`; labels to `scripts/data/train_aspects_gold.jsonl`.

    python scripts/sample_aspects.py draw             # writes the id list (idempotent for a given seed)
    python scripts/sample_aspects.py draw-more        # round 2: 500 more train-part ids (100 per star, seed 1717)
    python scripts/sample_aspects.py show --n 50      # prints the next 50 reviews not yet labelled
    python scripts/sample_aspects.py add < chunk.txt  # appends compact lines "id PRI+ CLM- CMP~" ("id" alone: none)
    python scripts/sample_aspects.py recheck --seed 1 --among-first 300  # 20 earlier train-part reviews, blind
    python scripts/sample_aspects.py compare < relabels.txt  # self-agreement against the stored labels
    python scripts/sample_aspects.py fix < fixes.txt  # replaces stored labels by compact lines (audit decisions)
    python scripts/sample_aspects.py audit --code RCH # train-part reviews whose words suggest a missing aspect
    python scripts/sample_aspects.py baselines        # constant-answer baselines on the held-out part
    python scripts/sample_aspects.py check            # validates the label file
    python scripts/sample_aspects.py counts           # counts per aspect, polarity and part (markdown)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sample_cx import read_rows  # noqa: E402  (same CSV reader as the cx sample)

DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_PATH = DATA_DIR / "train_aspects_ids.txt"
ROUND2_PATH = DATA_DIR / "train_aspects_ids_round2.txt"
LABELS_PATH = DATA_DIR / "train_aspects_gold.jsonl"

ASPECT_CODES = {
    "PRI": "price", "CLM": "claims_handling", "RCH": "reachability_wait", "CRT": "staff_courtesy",
    "CMP": "staff_competence", "CTR": "contract_subscription", "DIG": "digital_channels", "RSP": "responsiveness",
}
POLARITY_SIGNS = {"+": "positive", "-": "negative", "~": "mixed"}
ASPECTS = tuple(ASPECT_CODES.values())
POLARITIES = tuple(POLARITY_SIGNS.values())
RECORD_KEYS = {"id", "part", "aspects"}
READING_CAP = 3000  # long reviews often put a second aspect at the end: show nearly all of it


def held_out_part(review_id: str) -> str:
    """Fixed split by id hash (a fifth held out), so the test part never depends on labelling order."""
    return "test" if int(hashlib.sha1(review_id.encode()).hexdigest(), 16) % 5 == 0 else "train"


def draw(per_star: int, seed: int) -> list[str]:
    """Stratified by rating, then shuffled so every chunk of ~50 mixes ratings (no drift by star)."""
    rng = random.Random(seed)
    by_star: dict[str, list[str]] = defaultdict(list)
    for review_id, row in sorted(read_rows("train").items()):
        if row["text"].strip():
            by_star[row["rating"]].append(review_id)
    sample = [i for star in sorted(by_star) for i in rng.sample(by_star[star], per_star)]
    rng.shuffle(sample)
    return sample


def draw_more(per_star: int, seed: int, taken: set[str]) -> list[str]:
    """Round 2: reviews outside round 1, train part only (the sha1 rule), so the held-out part already scored
    stays exactly as it was; stratified by rating and shuffled like round 1."""
    rng = random.Random(seed)
    by_star: dict[str, list[str]] = defaultdict(list)
    for review_id, row in sorted(read_rows("train").items()):
        if row["text"].strip() and review_id not in taken and held_out_part(review_id) == "train":
            by_star[row["rating"]].append(review_id)
    sample = [i for star in sorted(by_star) for i in rng.sample(by_star[star], per_star)]
    rng.shuffle(sample)
    return sample


def load_round(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line] if path.exists() else []


def load_sample() -> list[str]:
    """Every sampled id, round 1 (stratified, both parts) then round 2 (train part only), in labelling order."""
    return load_round(SAMPLE_PATH) + load_round(ROUND2_PATH)


def load_labels() -> dict[str, dict]:
    if not LABELS_PATH.exists():
        return {}
    return {rec["id"]: rec for rec in map(json.loads, filter(str.strip, LABELS_PATH.read_text().splitlines()))}


def print_reviews(review_ids: list[str]) -> None:
    rows = read_rows("train")
    for review_id in review_ids:
        row = rows[review_id]
        text = " ".join(row["text"].split())
        cut = f" [...{len(text)} chars]" if len(text) > READING_CAP else ""
        print(f"### {review_id} *{row['rating']}\n{text[:READING_CAP]}{cut}\n")


def parse_compact(line: str) -> dict:
    """'id PRI+ CLM-' -> the label object; typing JSON by hand invites key typos."""
    review_id, *tokens = line.split()
    aspects = [{"id": ASPECT_CODES[tok[:-1]], "polarity": POLARITY_SIGNS[tok[-1]]} for tok in tokens]
    return {"id": review_id, "part": held_out_part(review_id), "aspects": aspects}


def add(lines: list[str]) -> None:
    """Append compact lines, refusing the whole chunk if any line is malformed, outside the sample or repeated."""
    sample = set(load_sample())
    done = set(load_labels())
    records = []
    for line in filter(str.strip, lines):
        try:
            rec = parse_compact(line)
        except (ValueError, KeyError) as error:
            sys.exit(f"bad line {line!r}: unknown code {error}")
        if rec["id"] not in sample or rec["id"] in done:
            sys.exit(f"line {line!r}: id not in the sample or already labelled")
        done.add(rec["id"])
        records.append(rec)
    with open(LABELS_PATH, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(rec) + "\n" for rec in records)
    print(f"added {len(records)}")
    check()


def fix(lines: list[str]) -> None:
    """Replace the labels of already-labelled reviews in place, keeping file order (audit corrections)."""
    stored = load_labels()
    fixes = {rec["id"]: rec for rec in map(parse_compact, filter(str.strip, lines))}
    if unknown := set(fixes) - set(stored):
        sys.exit(f"not labelled yet: {sorted(unknown)}")
    stored.update(fixes)
    LABELS_PATH.write_text("".join(json.dumps(rec) + "\n" for rec in stored.values()))
    print(f"fixed {len(fixes)}")
    check()


def label_errors(lines: list[str], sample: set[str]) -> list[str]:
    """Every way a label line breaks the scheme (extra key such as text, wrong part, unknown label, duplicate)."""
    seen: set[str] = set()
    errors = []
    for n, line in enumerate(lines, 1):
        rec = json.loads(line)
        where = f"{LABELS_PATH.name} line {n} ({rec.get('id')})"
        if set(rec) != RECORD_KEYS:
            errors.append(f"{where}: keys must be exactly {sorted(RECORD_KEYS)}, got {sorted(rec)}")
            continue
        if rec["id"] in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(rec["id"])
        if rec["id"] not in sample:
            errors.append(f"{where}: not in {SAMPLE_PATH.name}")
        if rec["part"] != held_out_part(rec["id"]):
            errors.append(f"{where}: part should be {held_out_part(rec['id'])}")
        aspect_ids = [a.get("id") for a in rec["aspects"]]
        if len(set(aspect_ids)) != len(aspect_ids) or not set(aspect_ids) <= set(ASPECTS):
            errors.append(f"{where}: bad aspects {aspect_ids}")
        if any(set(a) != {"id", "polarity"} or a["polarity"] not in POLARITIES for a in rec["aspects"]):
            errors.append(f"{where}: each aspect needs exactly an id and a polarity in {POLARITIES}")
    return errors


def check() -> None:
    """Fail loudly on any line that breaks the scheme."""
    lines = LABELS_PATH.read_text().splitlines()
    errors = label_errors(lines, set(load_sample()))
    print("\n".join(errors) or f"ok: {len(lines)} reviews")
    if errors:
        sys.exit(1)


def recheck_sample(n: int, seed: int, among_first: int) -> list[str]:
    """Train-part reviews labelled earlier, drawn for a blind re-annotation (the test part stays untouched)."""
    earlier = [rec["id"] for rec in list(load_labels().values())[:among_first] if rec["part"] == "train"]
    return random.Random(seed).sample(earlier, n)


def compare(lines: list[str]) -> None:
    """Self-agreement: how often a blind second reading changes the aspect set or a polarity."""
    stored = load_labels()
    again = [parse_compact(line) for line in lines if line.strip()]
    changed: Counter[str] = Counter()
    pairs = 0
    for rec in again:
        first = {a["id"]: a["polarity"] for a in stored[rec["id"]]["aspects"]}
        second = {a["id"]: a["polarity"] for a in rec["aspects"]}
        changed["aspect set"] += set(first) != set(second)
        changed["review"] += first != second
        shared = set(first) & set(second)
        pairs += len(shared)
        changed["polarity"] += sum(first[k] != second[k] for k in shared)
        changed["labels added"] += len(set(second) - set(first))
        changed["labels dropped"] += len(set(first) - set(second))
        if first != second:
            print(f"{rec['id']}: first {first} | again {second}")
    print(f"aspect set changed: {changed['aspect set']}/{len(again)} reviews; any change: "
          f"{changed['review']}/{len(again)}; polarity changed on {changed['polarity']}/{pairs} shared aspects; "
          f"labels added {changed['labels added']}, dropped {changed['labels dropped']}")


# Words that usually come with an aspect; a train-part review using them without the aspect is re-read (audit).
AUDIT_CUES = {
    "PRI": r"\b(cher|chère|prix|tarif|cotisation|augment)",
    "DIG": r"\b(site|internet|en ligne|appli|espace (client|perso))",
    "RCH": r"\b(joindre|injoignable|attente t[ée]l|rappel)",
    "CLM": r"\b(sinistre|rembours|indemni|expert)",
}


def compact(rec: dict) -> str:
    """The label object back to its compact line (for audit listings)."""
    signs = {name: sign for sign, name in POLARITY_SIGNS.items()}
    codes = {name: code for code, name in ASPECT_CODES.items()}
    return " ".join(codes[a["id"]] + signs[a["polarity"]] for a in rec["aspects"])


def audit_candidates(code: str) -> list[str]:
    """Train-part reviews whose text has the cue words of an aspect they were not given (held-out part untouched)."""
    rows = read_rows("train")
    aspect = ASPECT_CODES[code]
    return [review_id for review_id, rec in load_labels().items()
            if rec["part"] == "train" and re.search(AUDIT_CUES[code], rows[review_id]["text"], re.IGNORECASE)
            and aspect not in {a["id"] for a in rec["aspects"]}]


def label_counts(records: list[dict]) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        for part in (rec["part"], "all"):
            counts["reviews"][part] += 1
            counts["no aspect"][part] += not rec["aspects"]
            for aspect in rec["aspects"]:
                counts[aspect["id"]][part] += 1
                counts[f"{aspect['id']} {aspect['polarity']}"][part] += 1
                counts[f"polarity {aspect['polarity']}"][part] += 1
    return counts


def print_counts() -> None:
    counts = label_counts(list(load_labels().values()))
    keys = ["reviews", "no aspect", *ASPECTS, *(f"polarity {p}" for p in POLARITIES),
            *(f"{a} {p}" for a in ASPECTS for p in POLARITIES)]
    print("| label | train part | test part | all |\n| --- | --- | --- | --- |")
    for key in keys:
        print(f"| {key} | {counts[key]['train']} | {counts[key]['test']} | {counts[key]['all']} |")


def micro_f1(gold: list[set], predicted: list[set]) -> float:
    true_pos = sum(len(g & p) for g, p in zip(gold, predicted))
    false_pos = sum(len(p - g) for g, p in zip(gold, predicted))
    false_neg = sum(len(g - p) for g, p in zip(gold, predicted))
    return 2 * true_pos / (2 * true_pos + false_pos + false_neg) if true_pos else 0.0


def plain_baselines(records: list[dict]) -> dict[str, object]:
    """Constant answers chosen on the train part, scored on the held-out part: the floor any model must clear.

    Detection: the aspect set (the k most frequent train aspects, best k by train micro-F1) given to every review.
    Polarity: each aspect's majority train polarity, and the single most frequent train polarity, scored on the
    held-out gold aspects (the polarity goal is measured on known aspects).
    """
    parts = {part: [rec for rec in records if rec["part"] == part] for part in ("train", "test")}
    aspect_sets = {part: [{a["id"] for a in rec["aspects"]} for rec in recs] for part, recs in parts.items()}
    pairs = {part: [(a["id"], a["polarity"]) for rec in recs for a in rec["aspects"]] for part, recs in parts.items()}
    by_frequency = [aspect for aspect, _ in Counter(a for s in aspect_sets["train"] for a in s).most_common()]
    candidates = [set(by_frequency[:k]) for k in range(1, len(by_frequency) + 1)]
    best = max(candidates, key=lambda c: micro_f1(aspect_sets["train"], [c] * len(aspect_sets["train"])))
    majority = {aspect: Counter(p for a, p in pairs["train"] if a == aspect).most_common(1)[0][0] for aspect in ASPECTS}
    overall = Counter(p for _, p in pairs["train"]).most_common(1)[0][0]
    test_pairs = pairs["test"]
    return {
        "constant aspect set": sorted(best),
        "detection micro-F1, constant set": micro_f1(aspect_sets["test"], [best] * len(aspect_sets["test"])),
        "polarity accuracy, majority per aspect": sum(majority[a] == p for a, p in test_pairs) / len(test_pairs),
        "most frequent train polarity": overall,
        "polarity accuracy, most frequent train polarity": sum(p == overall for _, p in test_pairs) / len(test_pairs),
        "test reviews": len(parts["test"]),
        "test aspect labels": len(test_pairs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    draw_cmd = sub.add_parser("draw")
    draw_cmd.add_argument("--per-star", type=int, default=320)
    draw_cmd.add_argument("--seed", type=int, default=17)
    more_cmd = sub.add_parser("draw-more")
    more_cmd.add_argument("--per-star", type=int, default=100)
    more_cmd.add_argument("--seed", type=int, default=1717)
    show_cmd = sub.add_parser("show")
    show_cmd.add_argument("--n", type=int, default=50)
    recheck_cmd = sub.add_parser("recheck")
    recheck_cmd.add_argument("--n", type=int, default=20)
    recheck_cmd.add_argument("--seed", type=int, required=True)
    recheck_cmd.add_argument("--among-first", type=int, required=True)
    audit_cmd = sub.add_parser("audit")
    audit_cmd.add_argument("--code", choices=sorted(AUDIT_CUES), required=True)
    for name in ("add", "fix", "compare", "check", "counts", "baselines"):
        sub.add_parser(name)
    args = parser.parse_args()
    if args.command == "draw":
        SAMPLE_PATH.write_text("".join(f"{i}\n" for i in draw(args.per_star, args.seed)))
        print(f"wrote {SAMPLE_PATH}")
    elif args.command == "draw-more":
        ids = draw_more(args.per_star, args.seed, set(load_round(SAMPLE_PATH)))
        ROUND2_PATH.write_text("".join(f"{i}\n" for i in ids))
        print(f"wrote {ROUND2_PATH} ({len(ids)} ids)")
    elif args.command == "show":
        done = set(load_labels())
        print_reviews([i for i in load_sample() if i not in done][:args.n])
    elif args.command == "recheck":
        print_reviews(recheck_sample(args.n, args.seed, args.among_first))
    elif args.command == "add":
        add(sys.stdin.read().splitlines())
    elif args.command == "fix":
        fix(sys.stdin.read().splitlines())
    elif args.command == "compare":
        compare(sys.stdin.read().splitlines())
    elif args.command == "check":
        check()
    elif args.command == "counts":
        print_counts()
    elif args.command == "audit":
        labels = load_labels()
        for review_id in audit_candidates(args.code):
            print(f"=> {review_id} {compact(labels[review_id])}")
            print_reviews([review_id])
    elif args.command == "baselines":
        for name, value in plain_baselines(list(load_labels().values())).items():
            print(f"{name}: {value if not isinstance(value, float) else round(value, 3)}")


if __name__ == "__main__":
    main()
