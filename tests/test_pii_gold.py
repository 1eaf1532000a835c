"""The personal-data annotations (scripts/data/pii_gold.jsonl, issue #18) hold ids, offsets and types only, follow
the fixed split, and point at real values of the reviews in ../shared."""
from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    """A module of scripts/ (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def annotate():
    return _script("pii_annotate")


@pytest.fixture(scope="module")
def gold_lines(annotate) -> list[str]:
    return annotate.GOLD.read_text(encoding="utf-8").splitlines()


def test_gold_follows_the_scheme_without_text(annotate, gold_lines):
    assert annotate.gold_errors(gold_lines) == []
    records = [json.loads(line) for line in gold_lines]
    # 990 of rounds 1-2, 650 of round 3, 222 of round 4, 160 of round 5, 100 of round 6, 150 of round 7
    assert len(records) == 2272
    assert {r["part"] for r in records[1640:]} == {"tune"}, "rounds 4 to 7 were drawn from the tune part only"
    assert sum(bool(r["spans"]) for r in records) >= 300 + 227, "issue #18 asks for 300+ reviews with personal data"
    parts = Counter(r["part"] for r in records[:1640])  # rounds 1-3 were drawn from both parts
    assert 0.28 < parts["test"] / 1640 < 0.38


def test_gold_ids_are_the_candidates_of_the_seven_rounds(annotate, gold_lines, shared_dir):
    drawn = _script("pii_candidates").select(shared_dir / "data" / "verbatims_assurance")
    assert [json.loads(line)["id"] for line in gold_lines] == [r["id"] for r in drawn]


def test_gold_offsets_land_on_values_of_the_shared_reviews(annotate, gold_lines, shared_dir):
    texts = annotate.read_texts(shared_dir / "data" / "verbatims_assurance")
    assert annotate.gold_errors(gold_lines, texts) == []
    for line in gold_lines:
        rec = json.loads(line)
        text = texts[(rec["file"], rec["id"])]
        for span in rec["spans"]:
            value = text[span["start"]:span["end"]]
            if span["type"] == "EMAIL":
                assert "@" in value
            if span["type"] in ("PHONE", "CONTRACT_NO"):
                assert any(c.isdigit() for c in value)
            if span["type"] == "PERSON":
                assert any(c.isalpha() for c in value) and "@" not in value


def test_validator_catches_text_wrong_part_overlaps_and_unknown_types(annotate, gold_lines):
    record = next(json.loads(line) for line in gold_lines if json.loads(line)["spans"])
    with_text = dict(record, text="copied review")
    wrong_part = dict(record, part="tune" if record["part"] == "test" else "test")
    span = record["spans"][0]
    bad_spans = dict(record, id="x" + record["id"], part=annotate.held_out_part("x" + record["id"]),
                     spans=[span, dict(span, type="NAME")])
    errors = annotate.gold_errors([json.dumps(r) for r in (with_text, wrong_part, bad_spans, wrong_part)])
    assert any("keys must be exactly" in e and "line 1" in e for e in errors)
    assert any("part should be" in e and "line 2" in e for e in errors)
    assert any("bad span" in e and "line 3" in e for e in errors)
    assert any("duplicate id" in e and "line 4" in e for e in errors)


def test_notes_become_every_occurrence_and_longer_values_win(annotate):
    text = "Merci à Julie Martin. Julie a rappelé, julie non. Contrat 4471093825."
    spans = annotate.spans_from_notes(text, [("PERSON", "Julie"), ("PERSON", "Julie Martin"),
                                             ("CONTRACT_NO", "4471093825")])
    assert [(text[s["start"]:s["end"]], s["type"]) for s in spans] == [
        ("Julie Martin", "PERSON"), ("Julie", "PERSON"), ("4471093825", "CONTRACT_NO")]
    with pytest.raises(ValueError, match="does not occur"):
        annotate.spans_from_notes(text, [("PERSON", "Juliette")])
    assert annotate.held_out_part("4a4b875bdf00") in ("tune", "test")
