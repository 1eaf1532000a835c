"""Select reviews to annotate for personal data (issue #18), with a net that does not depend on the masker.

Strata (each review lands in the first that fires): structured cues ("@", a licence-plate shape, a street
word), person cues (a capitalised word after M./Mme/madame/monsieur/conseiller(e)/agent/gestionnaire/
interlocuteur/merci/bravo), long digit runs (5+ digits), weaker person cues (a capitalised word after
"par"/"avec"), then reviews none of these fire on. A fixed number per stratum is drawn in an order given by a
hash of the id, so the selection is reproducible. The texts are written OUTSIDE the repository (default
/tmp/pii/candidates.jsonl) for reading; the repository only ever receives ids, offsets and types.

    python scripts/pii_candidates.py --out /tmp/pii/candidates.jsonl
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "verbatims_assurance"
FILES = ("train.csv", "unlabeled.csv")
CAP = r"([A-ZÉÈÀÂÎÔ][\w'-]+)"
STRATA: list[tuple[str, re.Pattern[str]]] = [
    ("structured", re.compile(r"@|\b[A-Z]{2}[- ]?\d{3}[- ]?[A-Z]{2}\b|\b(?:rue|avenue|bd|boulevard|allée|impasse|"
                              r"chemin)\b", re.I)),
    ("person_cue", re.compile(r"(?i:\b(?:M\.|Mr\.?|Mme\.?|Mlle|madame|monsieur|conseill[eè]re?s?|agente?|"
                              r"gestionnaire|interlocut\w+|merci|bravo|remercie)\s+(?:à\s+|a\s+)?)" + CAP)),
    ("digits", re.compile(r"\d(?:[ .\-/]?\d){4,}")),
    ("par_avec", re.compile(r"(?i:\b(?:par|avec)\s+)" + CAP)),
    ("none", re.compile(r"")),
]
# Reviews of the "none" stratum that still name a number-bearing thing (round 4's `number_cue` sub-stratum: short
# contract/claim numbers, "n°", phone prefixes the 5-digit net misses). Drawn from "none" so that the strata of the
# earlier rounds do not move.
NUMBER_CUE = re.compile(r"(?i:\bn\s?°|\bnum[ée]ro\b|\bnum\b|\bcontrat\b|\bdossier\b|\bsinistre\b|\bréf)"
                        r"[^.\n]{0,40}\d|\b0[1-9](?:[ .]?\d\d){2,}")
# Reviews drawn per stratum, round after round (each round takes the next ones in hash order, so adding a round
# never changes what earlier rounds drew). Round 2 was added once round 1 gave 288 reviews with personal data;
# round 3 (650 more) to measure the goals on more than 40 structured values and to find new errors to learn from.
# Round 4 takes tune-part reviews only (`tune_only`): fresh errors to learn from, the test part left as scored.
# Round 5, the same way, was annotated after masker version 3 and scored before any rule changed: how well the rules
# written from round 4 carry over to reviews they never saw, without touching the test part.
ROUNDS: list[dict[str, int]] = [
    {"structured": 150, "person_cue": 400, "digits": 120, "par_avec": 80, "none": 130},
    {"person_cue": 60, "digits": 50},
    {"structured": 120, "person_cue": 300, "digits": 150, "par_avec": 60, "none": 20},
    {"tune_only": 1, "structured": 84, "digits": 100, "number_cue": 60},
    {"tune_only": 1, "digits": 80, "number_cue": 40, "par_avec": 40},
    # Round 6, the same way: annotated before the learned tagger (pii_tagger) ran on it, a blind check of masker
    # version 3 and of the tagger trained on rounds 1-5.
    {"tune_only": 1, "digits": 50, "number_cue": 25, "par_avec": 25},
    # Round 7 (issue #18, precision session), the same way: annotated before masker version 4 ran on it, the blind
    # carry-over check of that version (the tune side of `structured` is exhausted, `person_cue` has 3 left).
    {"tune_only": 1, "person_cue": 3, "digits": 75, "number_cue": 40, "par_avec": 32},
]


def _tune_part(review_id: str) -> bool:
    """The tune side of the fixed split of `scripts/pii_annotate.py` (not imported: scripts are not a package)."""
    return int(hashlib.sha1(("pii-split:" + review_id).encode()).hexdigest(), 16) % 3 != 0


def _order(review_id: str) -> str:
    return hashlib.sha1(("pii-select:" + review_id).encode()).hexdigest()


def select(shared: Path = SHARED) -> list[dict]:
    """Candidate reviews with their stratum, in a reproducible order."""
    import pandas as pd

    taken: dict[str, list[dict]] = {name: [] for name, _ in STRATA}
    for file in FILES:
        df = pd.read_csv(shared / file, dtype=str, keep_default_na=False)
        for review_id, text in zip(df["id"], df["text"]):
            for name, pattern in STRATA:
                if name == "none" or pattern.search(text):
                    taken[name].append({"id": review_id, "file": file, "stratum": name, "text": text})
                    break
    for name in taken:
        taken[name].sort(key=lambda r: _order(r["id"]))
    picked: set[str] = set()
    out = []
    for quotas in ROUNDS:
        pools = [(name, taken[name]) for name, _ in STRATA]
        pools.append(("number_cue", [dict(r, stratum="number_cue") for r in taken["none"]
                                     if NUMBER_CUE.search(r["text"])]))
        for name, pool in pools:
            fresh = [r for r in pool if r["id"] not in picked and (not quotas.get("tune_only") or _tune_part(r["id"]))]
            chosen = fresh[:quotas.get(name, 0)]
            picked.update(r["id"] for r in chosen)
            out += chosen
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/pii/candidates.jsonl"))
    args = parser.parse_args()
    if args.out.resolve().is_relative_to(Path(__file__).resolve().parents[1]):
        raise SystemExit("--out must be outside the repository: the texts are third-party")
    rows = select(args.shared)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["stratum"]] = counts.get(r["stratum"], 0) + 1
    print(f"{len(rows)} candidates -> {args.out}: {counts}")


if __name__ == "__main__":
    main()
