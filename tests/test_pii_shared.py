"""Masking quality on the held-out part of the annotated real reviews (scripts/data/pii_gold.jsonl, ../shared).

The goals of issue #18 are recall >= 0.98 on structured values and >= 0.90 on names, precision >= 0.90. The recall
goals are NOT reached on the test part (measured 2026-12-07: structured 0.925, names 0.878, precision 0.928;
baseline spaCy PER + regexes 0.675 / 0.673 / 0.404): for recall this test guards the measured level against
regressions and must be raised to the goals once the masker reaches them; precision is held to its goal.
"""
from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
MEASURED = {"structured": 0.92, "names": 0.87}
PRECISION_GOAL = 0.90


def test_recall_and_precision_on_the_held_out_reviews(shared_dir):
    sys.path.insert(0, str(SCRIPTS))
    try:
        from eval_pii import direct_predictions, load_gold, score_spans
    finally:
        sys.path.remove(str(SCRIPTS))
    gold = load_gold("test", shared_dir / "data" / "verbatims_assurance")[:315]  # rounds 1-2 (the file's first 990)
    assert len(gold) == 315 and sum(bool(g["spans"]) for g in gold) == 107
    predicted, _ = direct_predictions(gold)
    scores = score_spans(gold, predicted)
    assert scores["spans"] == {"structured": 40, "names": 98}
    assert scores["recall"]["structured"] >= MEASURED["structured"]  # misses not shown: held-out errors stay unread
    assert scores["recall"]["names"] >= MEASURED["names"]
    assert scores["precision"] >= PRECISION_GOAL
