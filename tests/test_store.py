"""The store keeps one row per document, replaces analysis rows atomically and searches without accents."""
from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from textlens.analysis.segment import split_passages, stems
from textlens.document import Document
from textlens.locking import RunLock, StoreBusy
from textlens.store import Corpus, StoreError


def _doc(doc_id: str, text: str, **kw) -> Document:
    return Document(id=doc_id, text=text, raw_text=text, source="t.txt", **kw)


def test_upsert_is_idempotent_and_detects_changes(tmp_path):
    with Corpus.open(tmp_path / "s.db") as corpus:
        with corpus.transaction():
            assert corpus.upsert_document(_doc("a", "Le service client répond vite.")) == "stored"
        with corpus.transaction():
            assert corpus.upsert_document(_doc("a", "Le service client répond vite.")) == "unchanged"
        with corpus.transaction():
            assert corpus.upsert_document(_doc("a", "Le service client répond lentement.")) == "updated"
        assert corpus.count() == 1
        assert corpus.document("a")["text"].endswith("lentement.")
        statuses = [r[0] for r in corpus.conn.execute("SELECT status FROM ingest_log ORDER BY id")]
        assert statuses == ["stored", "unchanged", "updated"]


def test_write_analysis_replaces_rows_of_the_same_documents_only(tmp_path):
    with Corpus.open(tmp_path / "s.db") as corpus:
        with corpus.transaction():
            for d in ("a", "b"):
                corpus.upsert_document(_doc(d, "Texte " + d))
            corpus.write_analysis("themes", ("doc_themes",), {"a": "k1", "b": "k1"}, {"doc_themes": [
                {"doc_id": "a", "theme_id": "offshoring", "taxonomy": "editorial", "score": 0.9},
                {"doc_id": "b", "theme_id": "recruitment_skills", "taxonomy": "editorial", "score": 0.7},
            ]})
        with corpus.transaction():
            corpus.write_analysis("themes", ("doc_themes",), {"a": "k2"}, {"doc_themes": [
                {"doc_id": "a", "theme_id": "working_conditions", "taxonomy": "editorial", "score": 0.8},
            ]})
        rows = sorted(tuple(r) for r in corpus.conn.execute("SELECT doc_id, theme_id FROM doc_themes"))
        assert rows == [("a", "working_conditions"), ("b", "recruitment_skills")]
        assert corpus.analysis_keys("themes", ["a", "b"]) == {"a": "k2", "b": "k1"}
        with pytest.raises(ValueError, match="does not own"):
            corpus.write_analysis("themes", ("doc_themes",), {"a": "k3"}, {"mentions": []})


def test_failed_transaction_leaves_nothing(tmp_path):
    with Corpus.open(tmp_path / "s.db") as corpus:
        with pytest.raises(RuntimeError):
            with corpus.transaction():
                corpus.upsert_document(_doc("a", "Texte"))
                raise RuntimeError("crash in the middle of a batch")
        assert corpus.count() == 0


def test_fts_is_accent_insensitive_and_stemmed(tmp_path):
    text = "Les téléconseillers délocalisés au Maroc.\n\nLa qualité de l'accueil progresse."
    with Corpus.open(tmp_path / "s.db") as corpus:
        with corpus.transaction():
            corpus.upsert_document(_doc("a", text))
            ps = split_passages("a", text)
            corpus.replace_passages("a", ps, [stems(p.text) for p in ps])
        hits = corpus.conn.execute(
            "SELECT p.text FROM passages_fts f JOIN passages p ON p.id=f.rowid WHERE passages_fts MATCH ?",
            ("text:teleconseillers",)).fetchall()
        assert [h[0] for h in hits] == ["Les téléconseillers délocalisés au Maroc."]
        # "délocalisation" shares its stem with "délocalisés"
        hits = corpus.conn.execute(
            "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?", ("stems:" + stems("délocalisation"),)
        ).fetchall()
        assert len(hits) == 1
        # deleting passages keeps the index in sync
        with corpus.transaction():
            corpus.replace_passages("a", [], [])
        assert corpus.conn.execute("SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH 'maroc'"
                                   ).fetchone()[0] == 0


def test_readonly_open_of_missing_or_foreign_file_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no such store"):
        Corpus.open(tmp_path / "missing.db", readonly=True)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a textlens store"):
        Corpus.open(junk)
    plain = tmp_path / "plain.db"
    sqlite3.connect(plain).execute("CREATE TABLE x(a)").connection.commit()
    with pytest.raises(StoreError, match="not a textlens store"):
        Corpus.open(plain, readonly=True)


def _hold_lock(db, ready, release):
    with RunLock(db):
        ready.set()
        release.wait(10)


def test_second_writer_is_refused_clearly_while_a_run_holds_the_store(tmp_path):
    db = tmp_path / "s.db"
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(db, ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        with pytest.raises(StoreBusy, match=r"another textlens run \(pid \d+\)"):
            with RunLock(db, wait=False):
                pass
        with pytest.raises(StoreBusy):
            with RunLock(db, wait=True, timeout=0.3, poll=0.05):
                pass
    finally:
        release.set()
        proc.join(10)
    with RunLock(db, wait=False):  # released once the holder is gone
        pass
