"""The hand-made aspect labels on train.csv (issue #17) follow the shared scheme and hold ids and labels only."""
from __future__ import annotations

import csv
import importlib
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_aspects():
    """The script module itself (it imports its sibling sample_cx, hence scripts/ on the path)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    return importlib.import_module("sample_aspects")


@pytest.fixture(scope="module")
def label_lines(sample_aspects) -> list[str]:
    return sample_aspects.LABELS_PATH.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def train_ratings(shared_dir: Path) -> dict[str, str]:
    csv.field_size_limit(sys.maxsize)
    with open(shared_dir / "data" / "verbatims_assurance" / "train.csv", newline="", encoding="utf-8") as handle:
        return {row["id"]: row["rating"] for row in csv.DictReader(handle)}


def test_labels_follow_the_scheme(sample_aspects, label_lines):
    assert len(label_lines) >= 1500, "issue #17 asks for at least 1,500 annotated train.csv reviews"
    assert sample_aspects.label_errors(label_lines, set(sample_aspects.load_sample())) == []


def test_aspect_ids_match_the_dev_gold_scheme(sample_aspects):
    dev_lines = (ROOT / "scripts" / "data" / "dev_aspects_gold.jsonl").read_text().splitlines()
    dev_aspects = {a["id"] for line in dev_lines for a in json.loads(line)["aspects"]}
    assert dev_aspects == set(sample_aspects.ASPECTS)


def test_every_label_and_sample_id_is_a_train_csv_review(sample_aspects, label_lines, train_ratings):
    round1 = sample_aspects.load_round(sample_aspects.SAMPLE_PATH)
    assert len(round1) == len(set(round1)) == 1600
    assert Counter(train_ratings[i] for i in round1) == {star: 320 for star in "12345"}
    sample = sample_aspects.load_sample()
    assert len(sample) == len(set(sample)) == 2100
    assert set(sample) <= set(train_ratings)
    assert {json.loads(line)["id"] for line in label_lines} <= set(train_ratings)


def test_round_two_adds_train_part_reviews_only(sample_aspects, label_lines, train_ratings):
    """Round 2 must leave the held-out part (already scored once) exactly as it was: no new test-part id."""
    round1 = set(sample_aspects.load_round(sample_aspects.SAMPLE_PATH))
    round2 = sample_aspects.load_round(sample_aspects.ROUND2_PATH)
    assert len(round2) == len(set(round2)) == 500 and not round1 & set(round2)
    assert {sample_aspects.held_out_part(i) for i in round2} == {"train"}
    assert Counter(train_ratings[i] for i in round2) == {star: 100 for star in "12345"}
    records = [json.loads(line) for line in label_lines]
    assert sum(rec["part"] == "test" for rec in records) == 306
    assert {rec["id"] for rec in records} == round1 | set(round2)  # every drawn review is labelled


def test_parts_are_the_fixed_sha1_split(sample_aspects, label_lines):
    records = [json.loads(line) for line in label_lines]
    parts = Counter(rec["part"] for rec in records)
    assert set(parts) == {"train", "test"}
    assert 0.12 < parts["test"] / len(records) < 0.28  # about a fifth, by hash
    assert sample_aspects.held_out_part("bfb05e699740") == "test"  # sha1 % 5 == 0
    assert sample_aspects.held_out_part("9093bfea17d0") == "train"  # sha1 % 5 == 1
    assert all(rec["part"] == sample_aspects.held_out_part(rec["id"]) for rec in records)


def test_validator_catches_text_wrong_part_duplicates_and_unknown_labels(sample_aspects, label_lines):
    record = json.loads(label_lines[0])
    with_text = dict(record, text="copied review")
    wrong_part = dict(record, part="train" if record["part"] == "test" else "test")
    bad_label = dict(record, aspects=[{"id": "prix", "polarity": "negative"}, {"id": "price", "polarity": "bad"}])
    lines = [json.dumps(r) for r in (with_text, wrong_part, bad_label)]
    errors = sample_aspects.label_errors(lines, set(sample_aspects.load_sample()))
    assert "keys must be exactly" in errors[0] and "line 1" in errors[0]
    assert any("part should be" in e and "line 2" in e for e in errors)
    assert any("duplicate id" in e and "line 3" in e for e in errors)
    assert any("bad aspects" in e and "line 3" in e for e in errors)
    assert any("polarity" in e and "line 3" in e for e in errors)


def test_compact_lines_parse_to_the_scheme(sample_aspects):
    rec = sample_aspects.parse_compact("9093bfea17d0 PRI+ CLM- CMP~")
    assert rec["aspects"] == [{"id": "price", "polarity": "positive"},
                              {"id": "claims_handling", "polarity": "negative"},
                              {"id": "staff_competence", "polarity": "mixed"}]
    assert sample_aspects.parse_compact("9093bfea17d0")["aspects"] == []
    with pytest.raises(KeyError):
        sample_aspects.parse_compact("9093bfea17d0 PRIX+")


def test_the_sample_is_reproducible(sample_aspects, shared_dir):
    round1 = sample_aspects.load_round(sample_aspects.SAMPLE_PATH)
    assert sample_aspects.draw(320, 17) == round1
    assert sample_aspects.draw_more(100, 1717, set(round1)) == sample_aspects.load_round(sample_aspects.ROUND2_PATH)


def test_no_review_text_in_the_label_file(sample_aspects, shared_dir):
    csv.field_size_limit(sys.maxsize)
    with open(shared_dir / "data" / "verbatims_assurance" / "train.csv", newline="", encoding="utf-8") as handle:
        texts = {row["id"]: row["text"] for row in csv.DictReader(handle)}
    stored = sample_aspects.LABELS_PATH.read_text(encoding="utf-8")
    snippets = [" ".join(texts[i].split())[:40] for i in sample_aspects.load_labels()]
    assert not [s for s in snippets if len(s) >= 20 and s in stored]


def test_micro_f1_counts_labels_over_all_reviews(sample_aspects):
    gold = [{"price"}, {"price", "claims_handling"}, set()]
    predicted = [{"price"}, {"price"}, {"staff_courtesy"}]
    # 2 true positives, 1 false positive, 1 false negative -> 2*2 / (2*2 + 1 + 1)
    assert sample_aspects.micro_f1(gold, predicted) == 4 / 6
    assert sample_aspects.micro_f1([set()], [set()]) == 0.0


def test_constant_answers_stay_far_below_the_issue_goals(sample_aspects):
    """If a constant reached micro-F1 0.80 or polarity accuracy 0.90 the goals would say nothing about a model."""
    figures = sample_aspects.plain_baselines(list(sample_aspects.load_labels().values()))
    assert figures["test reviews"] >= 250
    assert 0.2 < figures["detection micro-F1, constant set"] < 0.6
    assert 0.5 < figures["polarity accuracy, majority per aspect"] < 0.8
    per_aspect = figures["polarity accuracy, majority per aspect"]
    assert per_aspect >= figures["polarity accuracy, most frequent train polarity"]


def test_audit_lists_only_train_part_reviews_missing_the_cued_aspect(sample_aspects, shared_dir):
    labels = sample_aspects.load_labels()
    candidates = sample_aspects.audit_candidates("DIG")
    assert candidates
    for review_id in candidates:
        assert labels[review_id]["part"] == "train"
        assert "digital_channels" not in {a["id"] for a in labels[review_id]["aspects"]}
    first = labels[candidates[0]]
    assert sample_aspects.parse_compact(f"{first['id']} {sample_aspects.compact(first)}") == first
