"""Reads and writes of the per-document analyses: what is pending, what an analysis sees, and the store
an analysis is given.

An analysis never writes: `analyze` returns rows for its own tables, and rows for the cache tables it
declares in `side_tables` (e.g. the embedding cache) are kept by the `AnalysisStore` it is given and
returned with its result. The parent process writes both in the batch's transaction
(`Corpus.write_analysis`), whichever process or cluster node analysed the batch.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textlens.document import Passage
from textlens.errors import AnalysisError
from textlens.store.database import ANALYSIS_TABLES, Corpus, chunks, connect, insert_rows, known_table

STEPS_DUE = "corpus_steps_due"  # corpus stat: documents or analyses changed since the corpus steps last ran

_PENDING = """FROM documents d LEFT JOIN analysis_state a ON a.doc_id = d.id AND a.analyzer = ?
              WHERE (a.key IS NULL OR a.key != ?)"""


# ---- what is pending ---------------------------------------------------------------------------------
def count_pending(corpus: Corpus, analyzer: str, key: str) -> int:
    """Documents whose `analyzer` result is missing or was made with another key."""
    return int(corpus.conn.execute(f"SELECT COUNT(*) {_PENDING}", (analyzer, key)).fetchone()[0])


def pending_page(corpus: Corpus, analyzer: str, key: str, after: str | None, size: int) -> list[str]:
    """Up to `size` pending ids after `after` (keyset paging by id: no document is seen twice, memory stays flat)."""
    if after is None:
        sql, params = f"SELECT d.id {_PENDING} ORDER BY d.id LIMIT ?", (analyzer, key, size)
    else:
        sql, params = f"SELECT d.id {_PENDING} AND d.id > ? ORDER BY d.id LIMIT ?", (analyzer, key, after, size)
    return [r[0] for r in corpus.conn.execute(sql, params)]


def mark_steps_due(corpus: Corpus) -> None:
    """Inside a write transaction: the corpus steps must run again (kept until they complete)."""
    corpus.conn.execute("INSERT OR REPLACE INTO corpus_stats(name, value, at) VALUES (?, 'true', ?)",
                        (STEPS_DUE, time.time()))


def steps_due(corpus: Corpus) -> bool:
    return corpus.stat(STEPS_DUE) is not None


def clear_steps_due(corpus: Corpus) -> None:
    with corpus.transaction() as c:
        c.execute("DELETE FROM corpus_stats WHERE name = ?", (STEPS_DUE,))


# ---- what an analysis sees ---------------------------------------------------------------------------
def analysis_documents(corpus: Corpus, doc_ids: Sequence[str]
                       ) -> list[tuple[dict[str, Any], list[Passage]]]:
    """(document fields, passages with store ids) of these documents, in the order of `doc_ids`; ids not
    in the store are left out. Two queries per batch."""
    ids = list(doc_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    docs = {r["id"]: r for r in corpus.conn.execute(
        "SELECT id, kind, text, title, year, language, content_hash, metadata FROM documents"
        f" WHERE id IN ({marks})", ids)}
    passages: dict[str, list[Passage]] = {}
    for r in corpus.conn.execute(
        f"SELECT id, doc_id, idx, start, end, text FROM passages WHERE doc_id IN ({marks}) ORDER BY doc_id, idx", ids
    ):
        passages.setdefault(r["doc_id"], []).append(Passage(r["doc_id"], r["idx"], r["start"], r["end"], r["text"],
                                                            r["id"]))
    out = []
    for doc_id in ids:
        d = docs.get(doc_id)
        if d is not None:
            out.append(({**dict(d), "metadata": json.loads(d["metadata"] or "{}")}, passages.get(doc_id, [])))
    return out


def rows_of(corpus: Corpus, tables: Sequence[str], doc_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of `tables` for these documents (what an analysis requires, shipped to a cluster worker)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        sql = f"SELECT * FROM {known_table(table)} WHERE doc_id IN ({{marks}})"
        out[table] = [dict(r) for r in corpus.select_in(sql, list(doc_ids))]
    return out


def passage_theme_ids(corpus: Corpus, passage_ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(passage id, theme id, taxonomy) the themes analysis kept for these passages, best score first."""
    sql = ("SELECT passage_id, theme_id, taxonomy FROM passage_themes WHERE passage_id IN ({marks})"
           " ORDER BY passage_id, score DESC")
    return [(r[0], r[1], r[2]) for r in corpus.select_in(sql, list(passage_ids))]


def doc_theme_ids(corpus: Corpus, doc_ids: Sequence[str]) -> list[tuple[str, str, str]]:
    """(document id, theme id, taxonomy) the themes analysis kept at document level."""
    sql = "SELECT doc_id, theme_id, taxonomy FROM doc_themes WHERE doc_id IN ({marks})"
    return [(r[0], r[1], r[2]) for r in corpus.select_in(sql, list(doc_ids))]


# ---- passages of ingested documents --------------------------------------------------------------------
def replace_passages_many(corpus: Corpus, doc_ids: Sequence[str],
                          rows: Sequence[tuple[str, int, int, int, str, str]]) -> None:
    """Delete these documents' analysis rows, states and passages, then insert the new passage rows
    (doc_id, idx, start, end, text, stems) in one `executemany`. Call inside the batch's transaction."""
    c = corpus.conn
    for chunk in chunks(list(doc_ids), 500):
        marks = ",".join("?" * len(chunk))
        for table in (*ANALYSIS_TABLES, "analysis_state", "passages"):
            c.execute(f"DELETE FROM {table} WHERE doc_id IN ({marks})", chunk)
    c.executemany("INSERT INTO passages(doc_id, idx, start, end, text, stems) VALUES (?,?,?,?,?,?)", rows)


def with_passages(corpus: Corpus, doc_ids: Sequence[str]) -> set[str]:
    """Those of `doc_ids` that have passages stored."""
    sql = "SELECT DISTINCT doc_id FROM passages WHERE doc_id IN ({marks})"
    return {r[0] for r in corpus.select_in(sql, list(doc_ids))}


# ---- the store an analysis is given ----------------------------------------------------------------------
class AnalysisStore(Corpus):
    """The store as an analysis sees it: reads go to the store, writes are refused, and rows for the side
    tables the running analysis declares (`Analyzer.side_tables`, e.g. `embeddings`) are kept, to be
    returned with its result (`take_side_rows`) and written by the parent in the batch's transaction.

    In the parent it shares the run's connection; in a worker it holds a read-only one (SQLite WAL lets
    readers work beside the writer); on a cluster node an in-memory copy of just the rows it may read.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, owns_connection: bool = True):
        super().__init__(conn, path, readonly=True)
        self.owns_connection = owns_connection
        self.analysis = ""
        self.declared: tuple[str, ...] = ()
        self._side: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def attach(cls, path: str | Path) -> "AnalysisStore":
        """A read-only view of the store file at `path` (what a worker process reads)."""
        return cls(connect(path, readonly=True), Path(path))

    @classmethod
    def of(cls, corpus: Corpus) -> "AnalysisStore":
        """A view sharing `corpus`'s connection (analyses run in the writing process)."""
        return cls(corpus.conn, corpus.path, owns_connection=False)

    @classmethod
    def detached(cls, rows: dict[str, list[dict[str, Any]]]) -> "AnalysisStore":
        """An in-memory store with the full schema holding only `rows` (per table): all a cluster worker
        may read about its batch; the store file never leaves the parent's machine."""
        base = Corpus.open(":memory:")
        with base.transaction() as c:
            for table, table_rows in rows.items():
                insert_rows(c, table, table_rows)
        return cls(base.conn, Path(":memory:"))

    def close(self) -> None:
        if self.owns_connection:
            self.conn.close()

    def expect(self, analysis: str, side_tables: Sequence[str]) -> None:
        """The analysis about to run and the side tables it may add rows to. Until `take_side_rows`, the
        connection refuses every write, so an analysis writing through `conn` fails in this process
        too, not only in a worker (whose connection is read-only)."""
        self.analysis, self.declared = analysis, tuple(side_tables)
        self._side = {}
        self.conn.set_authorizer(_refuse_writes)

    def transaction(self) -> Any:  # type: ignore[override]
        raise AnalysisError(f"analysis {self.analysis or '?'} tried to write to the store: analyses return rows "
                            "(their own tables, and the side tables they declare in `side_tables`)")

    def add_side_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        if table not in self.declared:
            raise AnalysisError(f"analysis {self.analysis or '?'} adds rows to {table!r}, which it does not declare"
                                f" in its side_tables ({', '.join(self.declared) or 'none'})")
        if rows:
            self._side.setdefault(table, []).extend(rows)

    def take_side_rows(self) -> dict[str, list[dict[str, Any]]]:
        """The side rows the analysis added; ends the window `expect` opened."""
        self.conn.set_authorizer(None)
        out, self._side = self._side, {}
        return out


# Authorizer action codes that change the database (reads, pragmas and functions stay allowed).
_WRITE_ACTIONS = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_ALTER_TABLE,
                  *(getattr(sqlite3, n) for n in dir(sqlite3) if n.startswith(("SQLITE_CREATE_", "SQLITE_DROP_")))}


def _refuse_writes(action: int, *_: Any) -> int:
    return sqlite3.SQLITE_DENY if action in _WRITE_ACTIONS else sqlite3.SQLITE_OK

