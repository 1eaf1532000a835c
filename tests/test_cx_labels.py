"""The hand-made emotion/effort/intent labels (issue #18) follow the fixed scheme and hold ids and labels only."""
from __future__ import annotations

import csv
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_cx():
    spec = importlib.util.spec_from_file_location("sample_cx", ROOT / "scripts" / "sample_cx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def label_lines(sample_cx) -> list[str]:
    return sample_cx.LABELS_PATH.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def sample(sample_cx) -> dict[str, str]:
    return {review_id: file_name for file_name, review_id in sample_cx.load_sample()}


def test_labels_follow_the_scheme(sample_cx, label_lines, sample):
    assert len(label_lines) >= 1500, "1,100 reviews of round 1 and at least 400 of round 2 (issue #18)"
    assert sample_cx.label_errors(label_lines, sample) == []


def test_validator_catches_text_wrong_part_duplicates_and_unknown_labels(sample_cx, label_lines, sample):
    record = json.loads(label_lines[0])
    with_text = dict(record, text="copied review")
    wrong_part = dict(record, part="train" if record["part"] == "test" else "test")
    bad_label = dict(record, emotions=[{"label": "joie", "intensity": 2}], intents=["complaint", "complaint"])
    lines = [json.dumps(r) for r in (with_text, wrong_part, bad_label)]
    errors = sample_cx.label_errors(lines, sample)
    assert len(errors) == 5
    assert "keys must be exactly" in errors[0] and "line 1" in errors[0]
    assert "part should be" in errors[1] and "line 2" in errors[1]
    assert any("duplicate id" in e and "line 3" in e for e in errors)
    assert any("bad emotions" in e and "line 3" in e for e in errors)
    assert any("bad intents" in e and "line 3" in e for e in errors)


def test_held_out_part_is_the_sha1_quarter_and_close_to_a_quarter(sample_cx, label_lines):
    parts = Counter(json.loads(line)["part"] for line in label_lines)
    assert 0.20 < parts["test"] / len(label_lines) < 0.30
    assert sample_cx.held_out_part("4a4b875bdf00") == "train"


def test_compact_line_becomes_a_scheme_record(sample_cx, sample):
    review_id = next(iter(sample))
    record = sample_cx.parse_compact(f"{review_id} | anger3 frustration2 | -2 | complaint churn", sample)
    assert record == {
        "id": review_id, "file": sample[review_id], "part": sample_cx.held_out_part(review_id),
        "emotions": [{"label": "anger", "intensity": 3}, {"label": "frustration", "intensity": 2}],
        "effort": -2, "intents": ["complaint", "churn"],
    }
    assert sample_cx.label_errors([json.dumps(record)], sample) == []


def test_counts_add_up_per_part(sample_cx, label_lines):
    counts = sample_cx.label_counts([json.loads(line) for line in label_lines])
    for part in ("train", "test", "all"):
        tally = counts[part]
        assert sum(tally[f"effort level {level}"] for level in ("hard", "neutral", "easy")) == tally["reviews"]
        assert tally["file train"] + tally["file unlabeled"] == tally["reviews"]
    assert counts["train"]["reviews"] + counts["test"]["reviews"] == counts["all"]["reviews"]
    assert counts["all"]["intent churn"] > 0 and counts["all"]["emotion joy"] > 0


def test_sample_is_star_stratified_and_exists_in_the_shared_data(shared_dir, sample_cx, sample):
    csv.field_size_limit(sys.maxsize)
    data = shared_dir / "data" / "verbatims_assurance"
    with open(data / "train.csv", newline="", encoding="utf-8") as handle:
        ratings = {row["id"]: row["rating"] for row in csv.DictReader(handle)}
    with open(data / "unlabeled.csv", newline="", encoding="utf-8") as handle:
        unlabeled = {row["id"] for row in csv.DictReader(handle)}
    round1 = dict((i, f) for f, i in sample_cx.load_sample((1,)))
    train_ids = [i for i, f in round1.items() if f == "train"]
    assert all(i in ratings for i in train_ids)
    assert Counter(ratings[i] for i in train_ids) == {star: 200 for star in "12345"}
    assert all(i in unlabeled for i, f in round1.items() if f == "unlabeled")
    assert all(i in (ratings if f == "train" else unlabeled) for i, f in sample.items())


def test_round2_alternates_random_and_cue_reviews_outside_round1(shared_dir, sample_cx, label_lines):
    """Round 2 is half random (representative) and half enriched by a cue independent of the model; every even
    prefix keeps that mix, at least 400 of it are annotated, and its held-out share follows the same sha1 rule."""
    from textlens.sentiment.text import fold

    round1 = {i for _, i in sample_cx.load_sample((1,))}
    round2 = sample_cx.load_round2()
    assert len(round2) >= 400 and not round1 & {i for _, i, _ in round2}
    assert [s for _, _, s in round2[:10]] == ["random", "cue"] * 5
    texts = {**sample_cx.read_rows("train"), **sample_cx.read_rows("unlabeled")}
    assert all(sample_cx.ENRICH_CUE.search(fold(texts[i]["text"])) for _, i, s in round2 if s == "cue")
    labelled = {json.loads(line)["id"]: json.loads(line) for line in label_lines}
    done = [(i, s) for _, i, s in round2 if i in labelled]
    assert len(done) >= 400 and Counter(s for _, s in done)["random"] >= len(done) // 2
    assert {labelled[i]["part"] for i, _ in done} == {"train", "test"}


def test_round3_is_train_part_only_and_alternates_random_and_cue(shared_dir, sample_cx, label_lines):
    """Round 3 adds training labels only (the held-out part scored before stays as it was), drawn like round 2."""
    from textlens.sentiment.text import fold

    earlier = {i for _, i in sample_cx.load_sample((1, 2))}
    round3 = sample_cx.load_round2(sample_cx.ROUND3_PATH)
    assert len(round3) >= 200 and not earlier & {i for _, i, _ in round3}
    assert {sample_cx.held_out_part(i) for _, i, _ in round3} == {"train"}
    assert [s for _, _, s in round3[:10]] == ["random", "cue"] * 5
    texts = {**sample_cx.read_rows("train"), **sample_cx.read_rows("unlabeled")}
    assert all(sample_cx.ENRICH_CUE.search(fold(texts[i]["text"])) for _, i, s in round3 if s == "cue")
    labelled = {json.loads(line)["id"] for line in label_lines}
    done = [i for _, i, _ in round3 if i in labelled]
    assert len(done) >= 120 and done == [i for _, i, _ in round3[:len(done)]], "annotated in the drawn order"


def test_plain_baselines_take_choices_from_train_and_score_test(sample_cx):
    def record(part, emotions, effort, intents):
        return {"part": part, "emotions": [{"label": e, "intensity": i} for e, i in emotions],
                "effort": effort, "intents": intents}
    records = [
        record("train", [("joy", 1)], 1, ["praise"]),
        record("train", [("joy", 3)], 0, ["praise"]),
        record("train", [("anger", 3)], 0, ["complaint", "churn"]),
        record("test", [("joy", 2)], -2, ["praise"]),
        record("test", [("anger", 1)], 0, ["complaint", "churn"]),
    ]
    scores = sample_cx.plain_baselines(records)
    assert scores["test reviews"] == 2
    assert scores["emotions macro-F1, always ['joy']"] == pytest.approx((2 / 3) / 7)
    assert scores["effort 3-level accuracy, always neutral"] == 0.5
    assert scores["intents micro-F1, always ['praise']"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 2))
    assert scores["intensity within one step, always 2 (on gold emotions)"] == 1.0
    assert scores["churn precision, always churn (recall 1.0)"] == 0.5
