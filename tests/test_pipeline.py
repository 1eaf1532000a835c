"""The pipeline on the real demo corpus: every input accounted for, re-runs idempotent, analyses incremental."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from textlens.analysis.base import Analyzer, register
from textlens.export import EXPORT_KEYS, export, export_records
from textlens.info import corpus_info
from textlens.pipeline import analyse, run
from textlens.store import Corpus

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"


def _demo_inputs() -> tuple[int, int]:
    import csv

    with open(DEMO / "verbatims.csv", newline="", encoding="utf-8") as fh:
        rows = sum(1 for _ in csv.DictReader(fh))
    articles = len([p for p in (DEMO / "articles").iterdir() if p.suffix in (".txt", ".md", ".html")])
    return articles, rows


def test_demo_ingest_accounts_for_every_input_and_is_idempotent(tmp_path):
    db = tmp_path / "demo.db"
    articles, rows = _demo_inputs()
    first = run([DEMO], db, analyses=[], topics=False)
    assert first.stored == articles + rows
    assert first.skipped == 0, first.skipped_examples
    second = run([DEMO], db, analyses=[], topics=False)
    assert (second.stored, second.updated, second.unchanged) == (0, 0, articles + rows)
    with Corpus.open(db, readonly=True) as corpus:
        assert corpus.count() == articles + rows
        docs = corpus.documents(include_text=False)
        # every passage belongs to a stored document and none is duplicated by the re-run
        dup = corpus.conn.execute("SELECT COUNT(*) FROM (SELECT doc_id, idx FROM passages GROUP BY doc_id, idx"
                                  " HAVING COUNT(*) > 1)").fetchone()[0]
        assert dup == 0
    arts = docs[docs.kind != "verbatim"]
    assert len(arts) == articles and arts.year.notna().all()
    assert arts.year.nunique() >= 15
    assert set(arts.year_source) <= {"text", "filename", "metadata"}
    verb = docs[docs.kind == "verbatim"]
    assert len(verb) == rows and (verb.year_source == "metadata").all()
    assert {"channel", "rating", "company"} <= set(verb.metadata.iloc[0])
    info = corpus_info(db)
    assert info["last_run"]["inputs"] == articles + rows
    assert info["documents"] == articles + rows and info["skipped"] == 0


class _CountingAnalyzer(Analyzer):
    """A real analyzer (counts words) whose calls are recorded, to observe incremental behaviour."""

    name = "wordcount"
    tables = ("doc_themes",)
    calls: list[str] = []
    fingerprint = "a"

    def config_fingerprint(self) -> str:
        return type(self).fingerprint

    def analyze(self, batch, store):
        type(self).calls.extend(b.doc_id for b in batch)
        return {"doc_themes": [{"doc_id": b.doc_id, "theme_id": "words", "taxonomy": "test",
                                "score": float(len(b.text.split()))} for b in batch]}


def test_analyses_run_only_on_new_changed_or_reconfigured_documents(tmp_path):
    register("wordcount", f"{__name__}:_CountingAnalyzer")
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(3):
        (folder / f"doc{i}.txt").write_text(f"Titre {i}\n\nLe centre de contacts numéro {i} recrute des conseillers "
                                            "à Amiens pour la rentrée.", encoding="utf-8")
    db = tmp_path / "s.db"
    _CountingAnalyzer.calls = []
    run([folder], db, analyses=["wordcount"], topics=False)
    assert sorted(_CountingAnalyzer.calls) == ["doc0", "doc1", "doc2"]
    _CountingAnalyzer.calls = []
    run([folder], db, analyses=["wordcount"], topics=False)
    assert _CountingAnalyzer.calls == []
    (folder / "doc1.txt").write_text("Titre 1\n\nLe centre ferme ses portes et délocalise au Maroc.", encoding="utf-8")
    run([folder], db, analyses=["wordcount"], topics=False)
    assert _CountingAnalyzer.calls == ["doc1"]
    _CountingAnalyzer.calls = []
    _CountingAnalyzer.fingerprint = "b"  # e.g. an edited taxonomy
    with Corpus.open(db) as corpus:
        analyse(corpus, ["wordcount"])
    assert sorted(_CountingAnalyzer.calls) == ["doc0", "doc1", "doc2"]
    with Corpus.open(db, readonly=True) as corpus:
        assert corpus.count("doc_themes") == 3


def test_export_has_every_contract_key_in_every_format(tmp_path):
    db = tmp_path / "demo.db"
    run([DEMO / "articles"], db, analyses=[], topics=False)
    records = list(export_records(db))
    assert records and all(set(EXPORT_KEYS) <= set(r) for r in records)
    seen = {r["id"]: r for r in records}
    assert all(isinstance(r["themes"], list) and isinstance(r["sentiment"], dict) for r in records)
    assert len(seen) == len(records)
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"export.{fmt}"
        assert export(db, fmt, out) == len(records)
        assert out.stat().st_size > 0
    first = json.loads((tmp_path / "export.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["id"] in seen


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "textlens.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_cli_exit_status_and_messages_for_bad_inputs(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = _cli("ingest", str(empty), "--db", str(tmp_path / "s.db"), "--lang", "en", cwd=tmp_path)
    assert res.returncode == 2
    assert "empty.txt" in res.stderr and "nothing could be ingested" in res.stderr
    res = _cli("ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "s.db"), "--lang", "en", cwd=tmp_path)
    assert res.returncode != 0 and "no such file or folder" in res.stderr
    good = tmp_path / "ok.txt"
    good.write_text("Un article\n\nLes centres de contacts recrutent à Lille.", encoding="utf-8")
    res = _cli("ingest", str(good), str(empty), "--db", str(tmp_path / "s.db"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = _cli("ingest", str(good), str(empty), "--db", str(tmp_path / "s.db"), "--strict", cwd=tmp_path)
    assert res.returncode == 3
    res = _cli("info", "--db", str(tmp_path / "s.db"), "--format", "json", "--skipped", cwd=tmp_path)
    data = json.loads(res.stdout)
    assert data["documents"] == 1 and data["skipped"] == 1
    assert data["skipped_inputs"][0]["source"].endswith("empty.txt")
    res = _cli("show", "zzz", "--db", str(tmp_path / "s.db"), "--lang", "en", cwd=tmp_path)
    assert res.returncode == 1 and "no document" in res.stderr
    res = _cli("info", "--db", str(tmp_path / "missing.db"), cwd=tmp_path)
    assert res.returncode == 1 and "no such store" in res.stderr


@pytest.mark.parametrize("module", ["textlens.cli"])
def test_cli_import_does_not_load_heavy_libraries(module):
    code = f"import sys, {module}; print(sorted(m for m in ('torch','spacy','sklearn','pandas') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_planning_a_run_does_not_load_heavy_libraries():
    """An unchanged re-run only plans the analyses and compares keys: importing every analyzer module
    and computing its key must not import the estimators or models (that once cost ~1.5 s per run)."""
    code = ("import sys; from textlens.pipeline import _Plan; plan = _Plan.of(None, {}); "
            "print(len(plan.keys), sorted(m for m in ('torch','spacy','sklearn','sentence_transformers','onnxruntime') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "5 []"  # entities, themes, sentiment, cx, terms keyed, nothing heavy imported
