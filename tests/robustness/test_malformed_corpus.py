"""A generated corpus with every kind of damage below goes through `textlens run` (full default analyses):
every input unit (table row or file) is stored or skipped with a message naming its file, row and reason,
and `textlens info --format json` counts add up exactly to the input units.

| # | damage | promised outcome |
|---|--------|------------------|
| 1 | empty text cell | row skipped: "empty text in column" |
| 2 | whitespace-only text cell | row skipped |
| 3 | cell of control / zero-width characters only | row skipped: "no readable text" |
| 4 | too many fields (unquoted separators) | row skipped: "malformed row (line N): k fields, header has 3" |
| 5 | too few fields | row skipped: malformed row |
| 6 | trailing empty fields | stored, warning "empty extra field(s) ignored" |
| 7 | unparseable date | stored, warning "unparseable date" |
| 8 | impossible date (2019-13-45) | stored, warning |
| 9 | date in the future | stored, warning |
| 10 | duplicate id | both stored, the second as "id#2" with a warning |
| 11 | empty id | stored under "<file>:<row>", warning |
| 12 | NUL bytes in a cell | stored (NULs dropped); the rest of the table is kept |
| 13 | newlines inside a quoted cell | stored as one row |
| 14 | HTML markup in a verbatim | stored |
| 15 | mojibake (double-encoded UTF-8) | stored, repaired |
| 16 | a 300k-character line | stored |
| 17 | only punctuation and emoji | stored |
| 18 | doubled quotes inside a cell | stored |
| 19 | non-French text | stored, flagged "language en" |
| 20 | exact duplicate text | stored, `duplicate_of` set |
| 21 | unknown `kind` value | stored, warning |
| 22 | duplicate column names | stored, warning "duplicate column name" |
| 23 | no text column | every row skipped naming the available columns |
| 24 | unbalanced quote | rows before it stored; the merged row skipped with its lines |
| 25 | UTF-16 with BOM | stored |
| 26 | cp1252 with ";" separators | stored |
| 27 | UTF-8 BOM and CRLF line ends | stored |
| 28 | old Mac CR-only line ends | stored |
| 29 | header without data rows | file skipped: "table without any data row" |
| 30 | empty CSV file | file skipped: "empty file" |
| 31 | JSONL with an invalid line, an array line, a nested text, no text key | each line skipped with its number |
| 32 | corrupt .xlsx | file skipped: "cannot open xlsx workbook" |
| 33 | corrupt .parquet | file skipped: "cannot open parquet file" |
| 34 | empty .txt | file skipped: "empty file" |
| 35 | whitespace-only .txt | file skipped |
| 36 | PNG saved as .txt | file skipped: "looks like a PNG image" |
| 37 | PDF saved as .txt | file skipped: "looks like a PDF document" |
| 38 | random binary bytes as .md | file skipped: binary/undecodable |
| 39 | unsupported extension (.docx) | file skipped with a hint |
| 40 | plain JSON instead of JSONL | file skipped: "use JSON Lines" |
| 41 | UTF-8 cut in the middle of a character | stored, warning "undecodable byte" |
| 42 | cp1252 text file | stored, warning "decoded as cp1252" |
| 43 | UTF-8 file with stray cp1252 bytes | stored, warning |
| 44 | HTML source saved as .txt | stored, warning "HTML source in a text file" |
| 45 | HTML page with only scripts and menus | file skipped: "no text" |
| 46 | broken markdown front matter | stored |
| 47 | dangling symlink | file skipped: "cannot read file" |
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import info_json, integrity, textlens
from damage import DAMAGES, build_corpus

from textlens.pipeline import available_analyses


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    base = tmp_path_factory.mktemp("damaged")
    folder = base / "corpus"
    expectations, units = build_corpus(folder)
    db = base / "store.db"
    # every default analysis (topic discovery left out: on 50 documents it costs more than all the rest;
    # one the install cannot run, e.g. sentiment without its model, is reported as not available)
    proc = textlens("run", folder, "--db", db, "--quiet", "--no-topics")
    return folder, db, expectations, units, proc


def _docs(db: Path) -> dict[tuple[str, int | None], dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return {(Path(r["source"]).name, r["row"]): dict(r) for r in con.execute("SELECT * FROM documents")}
    finally:
        con.close()


def test_at_least_thirty_kinds_of_damage(damaged):
    assert len({d.kind for d in DAMAGES}) == len(DAMAGES) >= 30
    doc = __doc__
    assert sum(1 for line in doc.splitlines() if re.match(r"\| \d+ \|", line)) == len(DAMAGES)


def test_run_succeeds_and_prints_a_message_per_skipped_input(damaged):
    folder, db, expectations, units, proc = damaged
    assert proc.returncode == 0, proc.stderr[-3000:]
    skipped = [e for _, e in expectations if e.status == "skipped"]
    assert re.search(rf"\b{len(skipped)} skipped\b", proc.stderr), proc.stderr[-2000:]
    # the summary lists the first 20 (file:row: reason), then points to `textlens info`
    lines = re.split(r"\n(?=\s+skipped |\s+\.\.\. and|\s+analysed)", proc.stderr)
    listed = [re.sub(r"\s+", " ", x).strip() for x in lines if x.lstrip().startswith("skipped ")]
    assert len(listed) == min(20, len(skipped)), proc.stderr
    names = {e.source for e in skipped}
    for line in listed:
        m = re.match(r"skipped \S*/([^/:]+)(?::(\d+))?: (.+)", line)
        assert m and m.group(1) in names and m.group(3), line
    assert "textlens info" in proc.stderr
    assert integrity(db) == "ok"


def test_every_unit_is_stored_or_skipped_with_file_row_and_reason(damaged):
    folder, db, expectations, units, _ = damaged
    info = info_json(db)
    docs = _docs(db)
    skipped = {(Path(s["source"]).name, s["row"]): s["reason"] for s in info["skipped_inputs"]}
    for kind, e in expectations:
        key = (e.source, e.row)
        if e.status == "skipped":
            assert key in skipped and key not in docs, (kind, key)
            assert e.reason is None or re.search(e.reason, skipped[key]), (kind, skipped[key])
        else:
            assert key in docs and key not in skipped, (kind, key, skipped.get(key))
            if e.reason:
                assert any(re.search(e.reason, w) for w in json.loads(docs[key]["warnings"])), (kind, docs[key])
    # counts add up exactly: nothing dropped, nothing counted twice
    assert info["documents"] + info["skipped"] == units
    assert info["documents"] == sum(1 for _, e in expectations if e.status == "stored") == len(docs)
    assert info["last_run"]["status"] == "done"


def test_damaged_rows_are_analysed_and_repaired(damaged):
    folder, db, *_ = damaged
    docs = _docs(db)
    assert "\x00" not in docs[("nul.csv", 1)]["text"] and docs[("nul.csv", 2)]  # the table survived its NULs
    assert "é" in docs[("mojibake.csv", 1)]["text"] and "Ã" not in docs[("mojibake.csv", 1)]["text"]
    assert docs[("dup_text.csv", 1)]["duplicate_of"] is not None
    assert docs[("dup_id.csv", 2)]["id"] == "dup_id_ok#2"
    assert docs[("newlines.csv", 1)]["text"].count("\n") >= 1
    assert docs[("utf16.csv", 1)]["text"].startswith("Le service client")
    info = info_json(db, skipped=False)
    french = sum(1 for d in docs.values() if d["language"] == "fr")
    ran, _ = available_analyses()
    assert {"entities", "themes"} <= set(ran)
    for name in ran:  # every default analysis this install can run ran on every stored document
        assert info["analyses"].get(name) == len(docs), (name, info["analyses"], french)


def test_rerun_is_idempotent(damaged):
    folder, db, expectations, units, _ = damaged
    before = info_json(db)
    proc = textlens("ingest", folder, "--db", db, "--quiet")
    assert proc.returncode == 0
    assert re.search(r"0 new, 0 updated, \d+ unchanged", proc.stderr)
    after = info_json(db)
    assert after["documents"] + after["skipped"] == units
    assert (after["documents"], after["skipped_inputs"]) == (before["documents"], before["skipped_inputs"])
