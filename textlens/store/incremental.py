"""What re-runs read and write to skip work: the ingest log an unchanged ingest replays, and the stored
near-duplicate signatures (`dedup_signatures`) that prime the `Deduplicator` without re-hashing texts."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from textlens.store.database import Corpus

_LOGGED_DOCS = ("SELECT doc_id FROM ingest_log WHERE id BETWEEN ? AND ? AND doc_id IS NOT NULL"
                " AND status IN ('stored', 'updated', 'unchanged')")


# ---- the ingest log ----------------------------------------------------------------------------------
def last_log_id(corpus: Corpus) -> int:
    return int(corpus.conn.execute("SELECT IFNULL(MAX(id), 0) FROM ingest_log").fetchone()[0])


def log_lines(corpus: Corpus, first: int, last: int) -> int:
    """Ingest-log lines with ids in [first, last]."""
    return int(corpus.conn.execute("SELECT COUNT(*) FROM ingest_log WHERE id BETWEEN ? AND ?",
                                   (first, last)).fetchone()[0])


def logged_documents(corpus: Corpus, first: int, last: int) -> int:
    """Distinct documents stored, updated or unchanged by the log lines [first, last]."""
    return int(corpus.conn.execute(
        "SELECT COUNT(DISTINCT doc_id) FROM ingest_log WHERE id BETWEEN ? AND ? AND doc_id IS NOT NULL"
        " AND status IN ('stored', 'updated', 'unchanged')", (first, last)).fetchone()[0])


def present_documents(corpus: Corpus, first: int, last: int) -> int:
    """Documents of the log lines [first, last] still in the store."""
    return int(corpus.conn.execute(f"SELECT COUNT(*) FROM documents WHERE id IN ({_LOGGED_DOCS})",
                                   (first, last)).fetchone()[0])


def changed_since(corpus: Corpus, first: int, last: int) -> bool:
    """Whether any document was updated after line `last` (by any run: an update can change duplicate
    flags of later documents), or one of the documents of [first, last] stored again."""
    row = corpus.conn.execute(
        f"SELECT 1 FROM ingest_log WHERE id > ? AND (status = 'updated' OR (status = 'stored' AND doc_id IN"
        f" ({_LOGGED_DOCS}))) LIMIT 1", (last, first, last),
    ).fetchone()
    return row is not None


def replay_log(conn: sqlite3.Connection, run_id: int | None, first: int, last: int) -> None:
    """Copy the log lines [first, last] for `run_id`, stored/updated read as unchanged. Call in a transaction."""
    conn.execute(
        """INSERT INTO ingest_log(run_id, source, row, status, reason, doc_id, at)
           SELECT ?, source, row, CASE WHEN status IN ('stored', 'updated') THEN 'unchanged' ELSE status END,
                  reason, doc_id, ? FROM ingest_log WHERE id BETWEEN ? AND ? ORDER BY id""",
        (run_id, time.time(), first, last),
    )


# ---- near-duplicate signatures -------------------------------------------------------------------------
def signature_page(corpus: Corpus, params: str, after_rowid: int, size: int) -> list[sqlite3.Row]:
    """Up to `size` documents after `after_rowid`, in ingestion order: rowid `r`, `id`, `content_hash`,
    and the stored `digest`/`minhash` made with `params` for the current text, else the `text` itself."""
    return corpus.conn.execute(
        """SELECT d.rowid AS r, d.id, d.content_hash, s.digest, s.minhash,
                  CASE WHEN s.doc_id IS NULL THEN d.text END AS text
           FROM documents d LEFT JOIN dedup_signatures s
                ON s.doc_id = d.id AND s.params = ? AND s.content_hash = d.content_hash
           WHERE d.rowid > ? ORDER BY d.rowid LIMIT ?""",
        (params, after_rowid, size),
    ).fetchall()


def stored_hashes(corpus: Corpus, doc_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """{id: (content hash, duplicate_of)} of those of `doc_ids` already stored."""
    sql = "SELECT id, content_hash, duplicate_of FROM documents WHERE id IN ({marks})"
    return {r[0]: (r[1], r[2]) for r in corpus.select_in(sql, list(doc_ids))}


def write_signatures(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Store (doc_id, content_hash, params, digest, minhash) rows; call in the transaction storing their documents."""
    if rows:
        conn.executemany("INSERT OR REPLACE INTO dedup_signatures(doc_id, content_hash, params, digest, minhash)"
                         " VALUES (?,?,?,?,?)", rows)
