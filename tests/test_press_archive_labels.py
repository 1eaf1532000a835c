"""The hand labels of press_dev/archive.jsonl follow the gold scheme and hold ids + labels only (issue #16)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "scripts" / "data" / "press_archive_gold.jsonl"

THEMES = {
    "offshoring", "outsourcing_market", "quality_labels", "recruitment_skills", "working_conditions",
    "employment_regions", "customer_satisfaction", "technology_automation", "regulation_policy",
    "public_services", "health_crisis_remote",
}
ENTITY_TYPES = {"PERSON", "VENDOR", "COMPANY", "RESEARCH_FIRM", "INSTITUTION", "MEDIA", "STUDY", "LABEL", "LOCATION"}
TONES = {"positive", "negative", "mixed", "neutral"}
KEYS = {"id", "themes", "entities", "tone", "year", "year_evidence", "year_explicit", "figures"}


@pytest.fixture(scope="module")
def labels() -> list[dict]:
    with LABELS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="module")
def archive(shared_dir: Path) -> dict[str, str]:
    with (shared_dir / "data" / "press_dev" / "archive.jsonl").open(encoding="utf-8") as handle:
        return {row["id"]: row["text"] for row in map(json.loads, handle)}


def test_records_follow_the_scheme(labels: list[dict]) -> None:
    assert labels, "no label"
    ids = [rec["id"] for rec in labels]
    assert len(ids) == len(set(ids)), "an id is labelled twice"
    for rec in labels:
        where = rec["id"]
        assert KEYS <= set(rec) <= KEYS | {"note"}, f"{where}: keys {sorted(rec)} (no text, no fold)"
        assert set(rec["themes"]) <= THEMES, where
        assert len(rec["themes"]) == len(set(rec["themes"])), where
        assert set(rec["entities"]) == ENTITY_TYPES, where
        assert all(isinstance(name, str) and name.strip() for names in rec["entities"].values() for name in names)
        assert rec["tone"] in TONES, where
        assert rec.get("note") in (None, "off-topic", "broken page"), where
        if rec["year"] is None:
            assert rec["year_evidence"] is None and rec["year_explicit"] is None, where
        else:
            assert 1990 <= rec["year"] <= 2026 and isinstance(rec["year_explicit"], bool), where
        for fig in rec["figures"]:
            assert set(fig) == {"value", "about", "source"} and fig["value"] and fig["about"], where


def test_a_document_without_theme_says_why(labels: list[dict]) -> None:
    """Only off-topic or broken pages may have no theme: every on-topic text discusses at least one."""
    silent = [rec["id"] for rec in labels if not rec["themes"] and not rec.get("note")]
    assert not silent, f"no theme and no note: {silent}"


def test_labels_point_into_the_archive(labels: list[dict], archive: dict[str, str]) -> None:
    unknown = [rec["id"] for rec in labels if rec["id"] not in archive]
    assert not unknown, f"ids not in archive.jsonl: {unknown}"
    for rec in labels:
        text = archive[rec["id"]]
        if rec["year_evidence"] is not None:
            assert rec["year_evidence"] in text, f"{rec['id']}: year_evidence is not an exact span"
        missing = [fig["value"] for fig in rec["figures"] if fig["value"] not in text]
        assert not missing, f"{rec['id']}: figure values not written so in the text: {missing}"


def test_no_archive_text_is_copied(labels: list[dict], archive: dict[str, str]) -> None:
    """Labels are short: no long run of a third-party text may sit in the file (evidence spans stay short)."""
    for rec in labels:
        assert rec["year_evidence"] is None or len(rec["year_evidence"]) <= 120, rec["id"]
        for fig in rec["figures"]:
            assert len(fig["value"]) <= 80, rec["id"]
            copied = len(fig["about"]) >= 40 and fig["about"] in archive[rec["id"]]
            assert not copied, f"{rec['id']}: figure description copied from the text: {fig['about']!r}"


SECOND_READINGS = sorted((ROOT / "scripts" / "data").glob("press_archive_recheck*.jsonl"))
CALIBRATION = sorted((ROOT / "scripts" / "data").glob("press_dev_calibration_blind*.jsonl"))
COMPACT_KEYS = {"id", "th", "e", "tone", "y", "ye", "yx", "f", "note"}
SHORT_TYPES = {"PER", "VEN", "COM", "RES", "INS", "MED", "STU", "LAB", "LOC"}


def _compact(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows:
        assert set(row) <= COMPACT_KEYS, f"{path.name} {row.get('id')}: keys {sorted(row)}"
        assert set(row["th"]) <= THEMES and row["tone"] in TONES, f"{path.name} {row['id']}"
        assert set(row["e"]) <= SHORT_TYPES, f"{path.name} {row['id']}"
    return rows


def test_second_readings_are_labels_of_labelled_texts(labels: list[dict]) -> None:
    """The blind re-reads behind the self-agreement table hold labels only, of texts that are in the file."""
    assert len(SECOND_READINGS) == 3
    labelled = {rec["id"] for rec in labels}
    for path in SECOND_READINGS:
        rows = _compact(path)
        assert len(rows) == 10 and {row["id"] for row in rows} <= labelled, path.name


def test_calibration_used_only_folds_0_to_2(shared_dir: Path) -> None:
    """press_dev folds 3 and 4 are held out for the product's figures: no calibration label may touch them."""
    with (shared_dir / "data" / "press_dev" / "docs.jsonl").open(encoding="utf-8") as handle:
        folds = {row["id"]: row["fold"] for row in map(json.loads, handle)}
    assert CALIBRATION
    for path in CALIBRATION:
        rows = _compact(path)
        outside = [row["id"] for row in rows if folds.get(row["id"]) not in (0, 1, 2)]
        assert not outside, f"{path.name}: ids outside folds 0-2: {outside}"
