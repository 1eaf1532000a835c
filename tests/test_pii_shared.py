"""Masking quality on the held-out part of the annotated real reviews (scripts/data/pii_gold.jsonl, ../shared).

The goals of issue #18 are recall >= 0.98 on structured values and >= 0.90 on names, precision >= 0.90. Measured
2026-12-07 through the user's path (`scripts/eval_pii.py --part test`, run once after the rules were fixed) on the
enlarged test part (539 reviews, rounds 1-3): structured 0.942 (n=69), names 0.920 (n=176), precision 0.894; on the
rounds 1-2 reviews alone (315): 0.925, 0.888, 0.929 (baseline spaCy PER + regexes 0.754 / 0.670 / 0.418 and
0.675 / 0.673 / 0.404). Only the names goal is reached on the enlarged part. This test guards the measured levels
against regressions (in process, a little below the measured figures) and must be raised with the masker; the
held-out misses are never printed, so that no rule is written from them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
# part -> (reviews, reviews with personal data, spans per group, floors on recall and precision)
LEVELS = {
    "rounds 1-3": (539, 191, {"structured": 69, "names": 176}, {"structured": 0.93, "names": 0.91, "precision": 0.88}),
    "rounds 1-2": (315, 107, {"structured": 40, "names": 98}, {"structured": 0.92, "names": 0.88, "precision": 0.90}),
}


@pytest.mark.parametrize("rounds", list(LEVELS))
def test_recall_and_precision_on_the_held_out_reviews(shared_dir, rounds):
    sys.path.insert(0, str(SCRIPTS))
    try:
        from eval_pii import direct_predictions, first_rounds, load_gold, score_spans
    finally:
        sys.path.remove(str(SCRIPTS))
    gold = load_gold("test", shared_dir / "data" / "verbatims_assurance")
    if rounds == "rounds 1-2":
        gold = first_rounds(gold)
    reviews, with_data, spans, floors = LEVELS[rounds]
    assert len(gold) == reviews and sum(bool(g["spans"]) for g in gold) == with_data
    predicted, _ = direct_predictions(gold)
    scores = score_spans(gold, predicted)
    assert scores["spans"] == spans
    measured = {**scores["recall"], "precision": scores["precision"]}
    low = {k: round(v, 3) for k, v in measured.items() if v < floors[k]}
    assert not low, f"below the guarded level: {low}"  # figures only: held-out errors stay unread
