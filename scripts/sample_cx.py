"""Draw and show the review sample annotated for emotions, effort and intents (issue #18).

Why a script: the sample must be reproducible (seeded, stratified by rating so 1- and 3-star reviews are as
well represented as 5-star ones) and the annotator must read reviews in a fixed order without ever copying
their text into the repo. Only ids are written (`scripts/data/cx_sample_ids.txt`); text is shown on stdout.

    python scripts/sample_cx.py draw            # writes the id list (idempotent for a given seed)
    python scripts/sample_cx.py draw-more --n 480   # round 2: half random, half enriched for churn/intents
    python scripts/sample_cx.py draw-more --round 3 --n 240 --seed 1819   # round 3: the same, train part only
    python scripts/sample_cx.py show --n 50     # prints the next 50 ids not yet in cx_labels.jsonl
    python scripts/sample_cx.py add < chunk.txt  # appends compact lines "id | joy2 anger3 | -1 | complaint churn"
    python scripts/sample_cx.py recheck --seed 1 --among-first 200   # 20 earlier train-part reviews, blind
    python scripts/sample_cx.py compare < relabels.txt   # change rates against the stored labels
    python scripts/sample_cx.py check           # validates cx_labels.jsonl against the scheme
    python scripts/sample_cx.py counts          # label counts per class and part (markdown)
    python scripts/sample_cx.py baselines       # constant-answer baselines on the held-out part
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

SHARED = Path(os.environ.get("TEXTLENS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SHARED_DIR = SHARED / "data" / "verbatims_assurance"
DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_PATH = DATA_DIR / "cx_sample_ids.txt"
ROUND2_PATH = DATA_DIR / "cx_sample_ids_round2.txt"
ROUND3_PATH = DATA_DIR / "cx_sample_ids_round3.txt"
LABELS_PATH = DATA_DIR / "cx_labels.jsonl"

EMOTIONS = ("joy", "gratitude", "anger", "frustration", "fear", "sadness", "surprise")
INTENTS = ("complaint", "question", "churn", "praise", "suggestion", "escalation")
READING_CAP = 1500
# Round 2 enrichment cue (over folded text), written from the scheme's wording and independent of the model and its
# cue file: leaving words, competitors, "plus jamais", "je vais", questions, suggestions and third parties.
ENRICH_CUE = re.compile(r"resili|quitt|\bpartir\b|\bje pars\b|\bpartons\b|changer d'assur|"
                        r"chang\w* (d'|de )(assur|compagnie|mutuelle)|concurren|ailleurs|plus jamais|je vais|"
                        r"derniere annee|clotur|\?|il faudrait|mediat|avocat|tribunal|\bufc\b|que choisir")


def held_out_part(review_id: str) -> str:
    """Fixed split by id hash: a quarter of the ids are held out for evaluation, whatever the sample order."""
    return "test" if int(hashlib.sha1(review_id.encode()).hexdigest(), 16) % 4 == 0 else "train"


def read_rows(file_name: str) -> dict[str, dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with open(SHARED_DIR / f"{file_name}.csv", newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def draw(per_star: int, n_unlabeled: int, seed: int) -> list[tuple[str, str]]:
    """Stratified sample, interleaved star by star so any prefix of the list stays balanced across ratings."""
    rng = random.Random(seed)
    by_star: dict[str, list[str]] = defaultdict(list)
    for review_id, row in sorted(read_rows("train").items()):
        if row["text"].strip():
            by_star[row["rating"]].append(review_id)
    picks = {star: rng.sample(ids, per_star) for star, ids in sorted(by_star.items())}
    sample = [("train", picks[star][i]) for i in range(per_star) for star in sorted(picks)]
    if n_unlabeled:
        unlabeled_ids = sorted(i for i, row in read_rows("unlabeled").items() if row["text"].strip())
        sample += [("unlabeled", i) for i in rng.sample(unlabeled_ids, n_unlabeled)]
    return sample


def draw_round2(n: int, seed: int, taken: set[str], train_only: bool = False) -> list[tuple[str, str, str]]:
    """Round 2 (file, id, stratum): reviews of train.csv/unlabeled.csv outside round 1, alternating one `random`
    review (drawn from the whole pool, so that half stays representative) and one `cue` review (drawn among those
    matching ENRICH_CUE, to find more churn, questions, suggestions and escalations). Any even prefix is half
    random, so annotating only a prefix keeps the mix. `train_only` (round 3) skips held-out ids: new labels then
    add training data without changing the held-out part already scored."""
    from textlens.sentiment.text import fold

    pool = [(f, i) for f in ("train", "unlabeled") for i, row in sorted(read_rows(f).items())
            if i not in taken and row["text"].strip() and not (train_only and held_out_part(i) == "test")]
    texts = {**read_rows("train"), **read_rows("unlabeled")}
    rng = random.Random(seed)
    shuffled = rng.sample(pool, len(pool))
    cued = [x for x in shuffled if ENRICH_CUE.search(fold(texts[x[1]]["text"]))]
    out: list[tuple[str, str, str]] = []
    picked: set[str] = set()
    randoms, cues = iter(shuffled), iter(cued)
    while len(out) < n:
        for stratum, source in (("random", randoms), ("cue", cues)):
            f, i = next(x for x in source if x[1] not in picked)
            picked.add(i)
            out.append((f, i, stratum))
    return out[:n]


def load_round2(path: Path = ROUND2_PATH) -> list[tuple[str, str, str]]:
    """(file, id, stratum) of the round 2 sample (or of round 3 with `path=ROUND3_PATH`); empty before it is drawn."""
    if not path.exists():
        return []
    return [tuple(line.split("\t")) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


def load_sample(rounds: tuple[int, ...] = (1, 2, 3)) -> list[tuple[str, str]]:
    """(file, id) of the annotation sample, round 1 (star-stratified), round 2 (random + cue-enriched), round 3
    (the same as round 2, train part only)."""
    out = []
    if 1 in rounds:
        out += [tuple(line.split("\t")) for line in SAMPLE_PATH.read_text().splitlines() if line]
    if 2 in rounds:
        out += [(f, i) for f, i, _ in load_round2()]
    if 3 in rounds:
        out += [(f, i) for f, i, _ in load_round2(ROUND3_PATH)]
    return out  # type: ignore[return-value]


def labelled_ids() -> set[str]:
    if not LABELS_PATH.exists():
        return set()
    return {json.loads(line)["id"] for line in LABELS_PATH.read_text().splitlines() if line.strip()}


def show(n: int, rounds: tuple[int, ...] = (1, 2, 3)) -> None:
    done = labelled_ids()
    print_reviews([(f, i) for f, i in load_sample(rounds) if i not in done][:n])


def print_reviews(pending: list[tuple[str, str]]) -> None:
    rows = {"train": read_rows("train"), "unlabeled": read_rows("unlabeled")}
    for file_name, review_id in pending:
        row = rows[file_name][review_id]
        text = " ".join(row["text"].split())
        cut = f" [...{len(text)} chars]" if len(text) > READING_CAP else ""
        print(f"### {file_name} {review_id} {held_out_part(review_id)} *{row.get('rating', '?')}\n"
              f"{text[:READING_CAP]}{cut}\n")


def parse_compact(line: str, sample: dict[str, str]) -> dict:
    """One compact annotation line -> the scheme's JSON object (typing JSON by hand invites key typos)."""
    review_id, emotions, effort, intents = (field.strip() for field in line.split("|"))
    return {
        "id": review_id,
        "file": sample[review_id],
        "part": held_out_part(review_id),
        "emotions": [{"label": token[:-1], "intensity": int(token[-1])} for token in emotions.split()],
        "effort": int(effort),
        "intents": intents.split(),
    }


def add(lines: list[str]) -> None:
    """Append compact lines to the label file, refusing the whole chunk if any line is malformed or repeated."""
    sample = dict((i, f) for f, i in load_sample())
    done = labelled_ids()
    records = []
    for line in filter(str.strip, lines):
        try:
            rec = parse_compact(line, sample)
        except (ValueError, KeyError) as error:
            sys.exit(f"bad line {line!r}: {error!r}")
        if rec["id"] in done:
            sys.exit(f"already labelled: {rec['id']}")
        done.add(rec["id"])
        records.append(rec)
    with open(LABELS_PATH, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    print(f"added {len(records)}")
    check()


def load_labels() -> dict[str, dict]:
    return {rec["id"]: rec for rec in map(json.loads, LABELS_PATH.read_text().splitlines())}


def recheck_sample(n: int, seed: int, among_first: int) -> list[tuple[str, str]]:
    """Train-part reviews labelled earlier, drawn for a blind re-annotation (test part stays untouched)."""
    earlier = [rec for rec in list(load_labels().values())[:among_first] if rec["part"] == "train"]
    return [(rec["file"], rec["id"]) for rec in random.Random(seed).sample(earlier, n)]


def compare(lines: list[str]) -> None:
    """Self-agreement: how often a blind second reading changes each field of a stored label."""
    sample = dict((i, f) for f, i in load_sample())
    stored = load_labels()
    again = [parse_compact(line, sample) for line in lines if line.strip()]
    changed = Counter()
    for rec in again:
        first = stored[rec["id"]]
        emotion_sets = ({e["label"] for e in first["emotions"]}, {e["label"] for e in rec["emotions"]})
        intensities = ({e["label"]: e["intensity"] for e in first["emotions"]},
                       {e["label"]: e["intensity"] for e in rec["emotions"]})
        three_level = [(e > 0) - (e < 0) for e in (first["effort"], rec["effort"])]
        changed["emotion set"] += emotion_sets[0] != emotion_sets[1]
        changed["intensity (shared emotions)"] += any(
            abs(intensities[0][k] - intensities[1][k]) > 0 for k in emotion_sets[0] & emotion_sets[1])
        changed["effort 5-level"] += first["effort"] != rec["effort"]
        changed["effort 3-level"] += three_level[0] != three_level[1]
        changed["intent set"] += set(first["intents"]) != set(rec["intents"])
        changed["any field"] += (emotion_sets[0] != emotion_sets[1] or first["effort"] != rec["effort"]
                                 or set(first["intents"]) != set(rec["intents"]) or intensities[0] != intensities[1])
        if first != rec:
            print(f"{rec['id']}: first {first['emotions']} {first['effort']} {first['intents']}"
                  f" | again {rec['emotions']} {rec['effort']} {rec['intents']}")
    for field in ("emotion set", "intensity (shared emotions)", "effort 5-level", "effort 3-level",
                  "intent set", "any field"):
        print(f"{field}: {changed[field]}/{len(again)} changed")


RECORD_KEYS = {"id", "file", "part", "emotions", "effort", "intents"}


def label_errors(lines: list[str], sample: dict[str, str]) -> list[str]:
    """Every way a label line breaks the scheme (wrong part, unknown label, extra key such as text, duplicate)."""
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
        if sample.get(rec["id"]) != rec["file"]:
            errors.append(f"{where}: not in the sample as file {rec['file']}")
        if rec["part"] != held_out_part(rec["id"]):
            errors.append(f"{where}: part should be {held_out_part(rec['id'])}")
        labels = [e["label"] for e in rec["emotions"]]
        if len(set(labels)) != len(labels) or not set(labels) <= set(EMOTIONS):
            errors.append(f"{where}: bad emotions {labels}")
        if any(set(e) != {"label", "intensity"} or e["intensity"] not in (1, 2, 3) for e in rec["emotions"]):
            errors.append(f"{where}: each emotion needs a label and an intensity 1, 2 or 3")
        if rec["effort"] not in (-2, -1, 0, 1, 2):
            errors.append(f"{where}: effort must be -2..2")
        if len(set(rec["intents"])) != len(rec["intents"]) or not set(rec["intents"]) <= set(INTENTS):
            errors.append(f"{where}: bad intents {rec['intents']}")
    return errors


def check() -> None:
    """Fail loudly on any line that breaks the scheme."""
    lines = LABELS_PATH.read_text().splitlines()
    errors = label_errors(lines, dict((i, f) for f, i in load_sample()))
    print("\n".join(errors) or f"ok: {len(lines)} reviews")
    if errors:
        sys.exit(1)


def effort_level(effort: int) -> str:
    """The 3-level effort score of the scheme: -2, -1 -> hard; 0 -> neutral; +1, +2 -> easy."""
    return "hard" if effort < 0 else "easy" if effort > 0 else "neutral"


def label_counts(records: list[dict]) -> dict[str, Counter]:
    """Per part ("train", "test", "all"): reviews, each emotion, each intensity, effort values and levels, intents."""
    counts: dict[str, Counter] = {part: Counter() for part in ("train", "test", "all")}
    for rec in records:
        for part in (rec["part"], "all"):
            tally = counts[part]
            tally["reviews"] += 1
            tally[f"file {rec['file']}"] += 1
            for emotion in rec["emotions"]:
                tally[f"emotion {emotion['label']}"] += 1
                tally[f"intensity {emotion['intensity']}"] += 1
            tally["no emotion"] += not rec["emotions"]
            tally[f"effort {rec['effort']:+d}"] += 1
            tally[f"effort level {effort_level(rec['effort'])}"] += 1
            for intent in rec["intents"]:
                tally[f"intent {intent}"] += 1
            tally["no intent"] += not rec["intents"]
    return counts


def print_counts() -> None:
    """Markdown table of label counts per part, pasted into scripts/data/README.md."""
    counts = label_counts(list(load_labels().values()))
    rows = ["reviews", "file train", "file unlabeled"]
    rows += [f"emotion {e}" for e in EMOTIONS] + ["no emotion"] + [f"intensity {i}" for i in (1, 2, 3)]
    rows += [f"effort {e:+d}" for e in (-2, -1, 0, 1, 2)]
    rows += [f"effort level {level}" for level in ("hard", "neutral", "easy")]
    rows += [f"intent {i}" for i in INTENTS] + ["no intent"]
    print("| label | train part | test part | all |\n| --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row} | {counts['train'][row]} | {counts['test'][row]} | {counts['all'][row]} |")


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def plain_baselines(records: list[dict]) -> dict[str, float]:
    """Label-free baselines on the held-out part, their only choices taken from the train part's frequencies.

    Why: the issue's goals are measured on the test part; a model figure means something only beside what a
    constant answer scores there.
    """
    train = [r for r in records if r["part"] == "train"]
    test = [r for r in records if r["part"] == "test"]
    majority_emotions = {e for e in EMOTIONS
                         if sum(e in {x["label"] for x in r["emotions"]} for r in train) > len(train) / 2}
    majority_intents = {i for i in INTENTS if sum(i in r["intents"] for r in train) > len(train) / 2}
    majority_level = Counter(effort_level(r["effort"]) for r in train).most_common(1)[0][0]
    emotion_f1 = []
    for emotion in EMOTIONS:
        gold = [emotion in {x["label"] for x in r["emotions"]} for r in test]
        guess = emotion in majority_emotions
        emotion_f1.append(f1(sum(g and guess for g in gold), sum(guess and not g for g in gold),
                             sum(g and not guess for g in gold)))
    tp = sum(len(majority_intents & set(r["intents"])) for r in test)
    fp = sum(len(majority_intents - set(r["intents"])) for r in test)
    fn = sum(len(set(r["intents"]) - majority_intents) for r in test)
    gold_intensities = [x["intensity"] for r in test for x in r["emotions"]]
    churn = sum("churn" in r["intents"] for r in test)
    return {
        "test reviews": len(test),
        f"emotions macro-F1, always {sorted(majority_emotions)}": sum(emotion_f1) / len(EMOTIONS),
        "intensity within one step, always 2 (on gold emotions)":
            sum(abs(i - 2) <= 1 for i in gold_intensities) / len(gold_intensities),
        f"effort 3-level accuracy, always {majority_level}":
            sum(effort_level(r["effort"]) == majority_level for r in test) / len(test),
        f"intents micro-F1, always {sorted(majority_intents)}": f1(tp, fp, fn),
        "churn recall, never churn": 0.0,
        "churn precision, always churn (recall 1.0)": churn / len(test),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    draw_cmd = sub.add_parser("draw")
    draw_cmd.add_argument("--per-star", type=int, default=200)
    draw_cmd.add_argument("--unlabeled", type=int, default=100)
    draw_cmd.add_argument("--seed", type=int, default=18)
    more_cmd = sub.add_parser("draw-more")
    more_cmd.add_argument("--n", type=int, default=480)
    more_cmd.add_argument("--seed", type=int, default=1818)
    more_cmd.add_argument("--round", type=int, choices=(2, 3), default=2)
    show_cmd = sub.add_parser("show")
    show_cmd.add_argument("--n", type=int, default=50)
    show_cmd.add_argument("--round", type=int, choices=(1, 2, 3), help="only this round's reviews")
    sub.add_parser("check")
    sub.add_parser("add")
    recheck_cmd = sub.add_parser("recheck")
    recheck_cmd.add_argument("--n", type=int, default=20)
    recheck_cmd.add_argument("--seed", type=int, default=0)
    recheck_cmd.add_argument("--among-first", type=int, default=200)
    sub.add_parser("compare")
    sub.add_parser("counts")
    sub.add_parser("baselines")
    args = parser.parse_args()
    if args.command == "draw":
        sample = draw(args.per_star, args.unlabeled, args.seed)
        SAMPLE_PATH.write_text("".join(f"{f}\t{i}\n" for f, i in sample))
        print(f"{len(sample)} ids -> {SAMPLE_PATH}")
    elif args.command == "draw-more":
        earlier = (1,) if args.round == 2 else (1, 2)
        sample = draw_round2(args.n, args.seed, {i for _, i in load_sample(earlier)}, train_only=args.round == 3)
        path = ROUND2_PATH if args.round == 2 else ROUND3_PATH
        path.write_text("".join(f"{f}\t{i}\t{s}\n" for f, i, s in sample))
        print(f"{len(sample)} ids -> {path}")
    elif args.command == "show":
        show(args.n, (args.round,) if args.round else (1, 2, 3))
    elif args.command == "recheck":
        print_reviews(recheck_sample(args.n, args.seed, args.among_first))
    elif args.command == "compare":
        compare(sys.stdin.read().splitlines())
    elif args.command == "counts":
        print_counts()
    elif args.command == "baselines":
        for name, value in plain_baselines(list(load_labels().values())).items():
            print(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
    elif args.command == "add":
        add(sys.stdin.read().splitlines())
    else:
        check()


if __name__ == "__main__":
    main()
