"""The embedded corpus store: one SQLite file (WAL), a versioned schema, FTS5 over passages.

Everything downstream of ingestion reads from here, so queries and reports never need the models.
Analysis results are written per batch in one transaction together with their `analysis_state`
rows: a run killed at any moment leaves either the whole batch or none of it.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textlens.document import Document, Passage, Skipped
from textlens.errors import StoreError as StoreError  # raised here, caught as textlens.store.StoreError

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 1

# Tables holding per-document analysis results; each has a doc_id column. The owner (analyzer name)
# replaces its rows for a document in one go, so re-analysis never duplicates.
ANALYSIS_TABLES: dict[str, str] = {
    "doc_themes": """
        doc_id TEXT NOT NULL, theme_id TEXT NOT NULL, taxonomy TEXT NOT NULL DEFAULT 'editorial',
        score REAL NOT NULL, PRIMARY KEY (doc_id, taxonomy, theme_id)""",
    "passage_themes": """
        passage_id INTEGER NOT NULL, doc_id TEXT NOT NULL, theme_id TEXT NOT NULL,
        taxonomy TEXT NOT NULL DEFAULT 'editorial', score REAL NOT NULL,
        PRIMARY KEY (passage_id, taxonomy, theme_id)""",
    "doc_aspects": """
        doc_id TEXT NOT NULL, aspect_id TEXT NOT NULL, polarity TEXT, score REAL NOT NULL,
        evidence TEXT, PRIMARY KEY (doc_id, aspect_id)""",
    "passage_sentiment": """
        passage_id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL""",
    "doc_sentiment": """
        doc_id TEXT PRIMARY KEY, label TEXT NOT NULL, score REAL NOT NULL, detail TEXT""",
    "mentions": """
        id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, passage_id INTEGER, entity TEXT NOT NULL,
        type TEXT NOT NULL, text TEXT NOT NULL, start INTEGER, end INTEGER""",
    "figures": """
        id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, passage_id INTEGER, value TEXT NOT NULL,
        about TEXT, source TEXT, sentence TEXT, unit TEXT, number REAL""",
    "studies": """
        id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, name TEXT NOT NULL, conducted_by TEXT,
        commissioned_by TEXT, year INTEGER, scope TEXT, sentence TEXT""",
    "quotes": """
        id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, passage_id INTEGER, text TEXT NOT NULL,
        speaker TEXT, sentence TEXT""",
    "doc_topics": """
        doc_id TEXT NOT NULL, topic_id INTEGER NOT NULL, score REAL NOT NULL,
        PRIMARY KEY (doc_id, topic_id)""",
    "passage_topics": """
        passage_id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, topic_id INTEGER NOT NULL, score REAL NOT NULL""",
    # customer-experience analysis of verbatims (textlens.cx); passage_id on doc rows = the evidence passage
    "doc_emotions": """
        doc_id TEXT NOT NULL, label TEXT NOT NULL, intensity INTEGER NOT NULL, score REAL NOT NULL,
        passage_id INTEGER, PRIMARY KEY (doc_id, label)""",
    "passage_emotions": """
        passage_id INTEGER NOT NULL, doc_id TEXT NOT NULL, label TEXT NOT NULL, intensity INTEGER NOT NULL,
        score REAL NOT NULL, PRIMARY KEY (passage_id, label)""",
    "doc_effort": """
        doc_id TEXT PRIMARY KEY, level TEXT NOT NULL, score REAL NOT NULL, passage_id INTEGER""",
    "doc_intents": """
        doc_id TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL, passage_id INTEGER,
        PRIMARY KEY (doc_id, label)""",
    "passage_intents": """
        passage_id INTEGER NOT NULL, doc_id TEXT NOT NULL, label TEXT NOT NULL, score REAL NOT NULL,
        PRIMARY KEY (passage_id, label)""",
    # the scored words of each document, counted once by the run (textlens.dynamics.term_counts) so that
    # `compare` and `trends --terms` sum integers instead of reading and cutting every passage's text
    "doc_terms": """
        doc_id TEXT PRIMARY KEY, tokens INTEGER NOT NULL, vocabulary TEXT NOT NULL, terms BLOB NOT NULL""",
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    row INTEGER,
    kind TEXT NOT NULL,
    title TEXT,
    raw_text TEXT NOT NULL,
    text TEXT NOT NULL,
    date TEXT,
    year INTEGER,
    year_source TEXT,
    year_evidence TEXT,
    year_confidence REAL,
    language TEXT,
    url TEXT,
    content_hash TEXT NOT NULL,
    duplicate_of TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    warnings TEXT NOT NULL DEFAULT '[]',
    ingested_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_year ON documents(year);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL, args TEXT, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_log (
    id INTEGER PRIMARY KEY, run_id INTEGER, source TEXT NOT NULL, row INTEGER,
    status TEXT NOT NULL,          -- stored | updated | unchanged | skipped | warning
    reason TEXT, doc_id TEXT, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_log_run ON ingest_log(run_id);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, idx INTEGER NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, text TEXT NOT NULL, stems TEXT NOT NULL DEFAULT '',
    UNIQUE (doc_id, idx)
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, stems, content='passages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text, stems) VALUES (new.id, new.text, new.stems);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text, stems) VALUES ('delete', old.id, old.text, old.stems);
END;
CREATE TABLE IF NOT EXISTS analysis_state (
    doc_id TEXT NOT NULL, analyzer TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (doc_id, analyzer)
);
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL, text_hash TEXT NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
CREATE TABLE IF NOT EXISTS topics (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL, terms TEXT NOT NULL, size INTEGER NOT NULL,
    theme_id TEXT, theme_score REAL, representatives TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS corpus_stats (name TEXT PRIMARY KEY, value TEXT NOT NULL, at REAL NOT NULL);
-- Near-duplicate signatures of stored documents (pipeline): re-runs prime the Deduplicator from these
-- instead of re-hashing every stored text. `params` names the Deduplicator settings they were made with.
-- The words and stems of `doc_terms` by their 64-bit id (a hash of the text: workers need no shared numbering).
CREATE TABLE IF NOT EXISTS term_texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dedup_signatures (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, params TEXT NOT NULL, digest BLOB NOT NULL, minhash BLOB
);
""" + "\n".join(
    f"CREATE TABLE IF NOT EXISTS {name} ({cols});\nCREATE INDEX IF NOT EXISTS {name}_doc ON {name}(doc_id);"
    for name, cols in ANALYSIS_TABLES.items()
)

# Tables an analysis may add rows to besides its own (declared in its `side_tables`): caches keyed by
# content, upserted by primary key and never deleted per document.
SIDE_TABLES = ("embeddings", "corpus_stats", "term_texts")

DOCUMENT_COLUMNS = (
    "id", "source", "row", "kind", "title", "raw_text", "text", "date", "year", "year_source",
    "year_evidence", "year_confidence", "language", "url", "content_hash", "duplicate_of",
    "metadata", "warnings",
)


def connect(path: str | Path, readonly: bool = False, timeout: float = 30.0) -> sqlite3.Connection:
    path = Path(path)
    if readonly:
        if not path.exists():
            raise StoreError(f"{path}: no such store (run `textlens run` or `textlens ingest` first)")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout)
    conn.row_factory = sqlite3.Row
    try:
        if not readonly:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not a textlens store ({exc})") from exc
    return conn


class Corpus:
    """A corpus store opened from Python: `Corpus.open("textlens.db").documents()`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool = False):
        self.conn = conn
        self.path = path
        self.readonly = readonly

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path = "textlens.db", readonly: bool = False) -> "Corpus":
        path = Path(path)
        conn = connect(path, readonly=readonly)
        corpus = cls(conn, path, readonly)
        if readonly:
            corpus._check_schema()
        else:
            corpus._migrate()
        return corpus

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_schema(self) -> None:
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a textlens store ({exc})") from exc
        if row is None or int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: unsupported store schema {row[0] if row else 'none'}")

    def _migrate(self) -> None:
        try:
            self.conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a textlens store ({exc})") from exc
        current = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if current is not None and int(current[0]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: written by a newer textlens (schema {current[0]})")
        self.conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        self.conn.commit()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work (IMMEDIATE: writers queue instead of failing mid-way)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    # ---- runs and ingest log -------------------------------------------------------------
    def start_run(self, args: dict[str, Any]) -> int:
        with self.transaction() as c:
            cur = c.execute(
                "INSERT INTO runs(started_at, args, status) VALUES (?, ?, 'running')",
                (time.time(), json.dumps(args, ensure_ascii=False, default=str)),
            )
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str = "done") -> None:
        with self.transaction() as c:
            c.execute("UPDATE runs SET finished_at=?, status=? WHERE id=?", (time.time(), status, run_id))

    def log(self, run_id: int | None, source: str, row: int | None, status: str,
            reason: str | None = None, doc_id: str | None = None) -> None:
        """Append to the ingest log; call inside a transaction."""
        self.conn.execute(
            "INSERT INTO ingest_log(run_id, source, row, status, reason, doc_id, at) VALUES (?,?,?,?,?,?,?)",
            (run_id, source, row, status, reason, doc_id, time.time()),
        )

    def log_skipped(self, run_id: int | None, skipped: Skipped) -> None:
        self.log(run_id, skipped.source, skipped.row, "skipped", skipped.reason)

    # ---- documents -----------------------------------------------------------------------
    def upsert_document(self, doc: Document, run_id: int | None = None) -> str:
        """Insert or update one document; returns 'stored', 'updated' or 'unchanged'. Call in a transaction."""
        now = time.time()
        existing = self.conn.execute(
            "SELECT content_hash, title, date, year, kind, metadata, duplicate_of, language, warnings,"
            " year_source FROM documents WHERE id=?",
            (doc.id,),
        ).fetchone()
        values = {
            "id": doc.id, "source": doc.source, "row": doc.row, "kind": doc.kind, "title": doc.title,
            "raw_text": doc.raw_text, "text": doc.text, "date": doc.date, "year": doc.year,
            "year_source": doc.year_source, "year_evidence": doc.year_evidence,
            "year_confidence": doc.year_confidence, "language": doc.language, "url": doc.url,
            "content_hash": doc.content_hash, "duplicate_of": doc.duplicate_of,
            "metadata": json.dumps(doc.metadata, ensure_ascii=False, default=str),
            "warnings": json.dumps(doc.warnings, ensure_ascii=False),
        }
        if existing is None:
            cols = ", ".join(DOCUMENT_COLUMNS) + ", ingested_at, updated_at"
            marks = ", ".join("?" for _ in DOCUMENT_COLUMNS) + ", ?, ?"
            self.conn.execute(
                f"INSERT INTO documents({cols}) VALUES ({marks})",
                [values[c] for c in DOCUMENT_COLUMNS] + [now, now],
            )
            status = "stored"
        else:
            same = (
                existing["content_hash"] == values["content_hash"]
                and existing["title"] == values["title"]
                and existing["date"] == values["date"]
                and existing["year"] == values["year"]
                and existing["kind"] == values["kind"]
                and existing["metadata"] == values["metadata"]
                and existing["duplicate_of"] == values["duplicate_of"]
                and existing["language"] == values["language"]
                and existing["warnings"] == values["warnings"]
                and existing["year_source"] == values["year_source"]
            )
            if same:
                status = "unchanged"
            else:
                sets = ", ".join(f"{c}=?" for c in DOCUMENT_COLUMNS if c != "id")
                self.conn.execute(
                    f"UPDATE documents SET {sets}, updated_at=? WHERE id=?",
                    [values[c] for c in DOCUMENT_COLUMNS if c != "id"] + [now, doc.id],
                )
                status = "updated"
        self.log(run_id, doc.source, doc.row, status, None, doc.id)
        return status

    def document(self, doc_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return _decode_document(row) if row else None

    def iter_documents(self, where: str = "", params: Sequence[Any] = (), batch_size: int = 500
                       ) -> Iterator[dict[str, Any]]:
        """Stream documents (constant memory) in id order."""
        last = ""
        clause = f" AND ({where})" if where else ""
        while True:
            rows = self.conn.execute(
                f"SELECT * FROM documents WHERE id > ?{clause} ORDER BY id LIMIT ?",
                (last, *params, batch_size),
            ).fetchall()
            if not rows:
                return
            for row in rows:
                yield _decode_document(row)
            last = rows[-1]["id"]

    def documents(self, columns: Sequence[str] | None = None, include_text: bool = True) -> "pd.DataFrame":
        """All documents as a DataFrame (metadata decoded to a dict column)."""
        import pandas as pd

        cols = list(columns) if columns else [c for c in DOCUMENT_COLUMNS if include_text or c not in ("raw_text", "text")]
        df = pd.read_sql_query(f"SELECT {', '.join(cols)} FROM documents ORDER BY id", self.conn)
        for col in ("metadata", "warnings"):
            if col in df:
                df[col] = df[col].map(json.loads)
        return df

    def count(self, table: str = "documents") -> int:
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {known_table(table)}").fetchone()[0])

    # ---- passages ------------------------------------------------------------------------
    def replace_passages(self, doc_id: str, passages: Iterable[Passage], stems: Iterable[str]) -> list[Passage]:
        """Replace a document's passages (and everything keyed by them); call in a transaction."""
        self.delete_analysis(doc_id)
        self.conn.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
        out = []
        for p, s in zip(passages, stems):
            cur = self.conn.execute(
                "INSERT INTO passages(doc_id, idx, start, end, text, stems) VALUES (?,?,?,?,?,?)",
                (doc_id, p.idx, p.start, p.end, p.text, s),
            )
            p.id = int(cur.lastrowid)
            out.append(p)
        return out

    def passages(self, doc_id: str) -> list[Passage]:
        rows = self.conn.execute(
            "SELECT id, doc_id, idx, start, end, text FROM passages WHERE doc_id=? ORDER BY idx", (doc_id,)
        ).fetchall()
        return [Passage(r["doc_id"], r["idx"], r["start"], r["end"], r["text"], r["id"]) for r in rows]

    def select_in(self, sql: str, values: Sequence[Any], params: Sequence[Any] = (),
                  size: int = 500) -> Iterator[sqlite3.Row]:
        """Rows of `sql` whose `{marks}` placeholder takes `values` a chunk at a time (`params` bind
        before them): SQLite caps the number of bound variables of one statement."""
        for chunk in chunks(list(values), size):
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), (*params, *chunk))

    # ---- analysis results ----------------------------------------------------------------
    def analysis_keys(self, analyzer: str, doc_ids: Sequence[str]) -> dict[str, str]:
        sql = "SELECT doc_id, key FROM analysis_state WHERE analyzer=? AND doc_id IN ({marks})"
        return {r["doc_id"]: r["key"] for r in self.select_in(sql, doc_ids, (analyzer,))}

    def write_analysis(self, analyzer: str, tables: Sequence[str], keys: dict[str, str],
                       rows: dict[str, list[dict[str, Any]]], side_tables: Sequence[str] = ()) -> None:
        """Replace `analyzer`'s rows for the documents in `keys`, add the rows of the side tables it
        declares (caches: upserted, never deleted) and record the keys. Call in a transaction."""
        unknown = set(rows) - set(tables) - set(side_tables)
        if unknown:
            raise ValueError(f"analyzer {analyzer} wrote to tables it does not own: {sorted(unknown)}")
        not_side = set(side_tables) - set(SIDE_TABLES)
        if not_side:
            raise ValueError(f"analyzer {analyzer} declares side tables that are not caches: {sorted(not_side)}"
                             f" (side tables: {', '.join(SIDE_TABLES)})")
        doc_ids = list(keys)
        for table in tables:
            for chunk in chunks(doc_ids, 500):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(f"DELETE FROM {known_table(table)} WHERE doc_id IN ({marks})", chunk)
        for table, table_rows in rows.items():
            insert_rows(self.conn, table, table_rows, replace=table in side_tables)
        now = time.time()
        self.conn.executemany(
            "INSERT OR REPLACE INTO analysis_state(doc_id, analyzer, key, at) VALUES (?,?,?,?)",
            [(d, analyzer, k, now) for d, k in keys.items()],
        )

    def add_side_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Add rows to a cache table (`SIDE_TABLES`) in their own transaction; a read-only store keeps
        nothing (its caches serve lookups only). Inside an analysis the store is an `AnalysisStore`,
        which returns these rows with the analysis result instead."""
        if table not in SIDE_TABLES:
            raise ValueError(f"{table!r} is not a cache table (side tables: {', '.join(SIDE_TABLES)})")
        if self.readonly or not rows:
            return
        with self.transaction() as c:
            insert_rows(c, table, rows, replace=True)

    def delete_analysis(self, doc_id: str) -> None:
        for table in ANALYSIS_TABLES:
            self.conn.execute(f"DELETE FROM {table} WHERE doc_id=?", (doc_id,))
        self.conn.execute("DELETE FROM analysis_state WHERE doc_id=?", (doc_id,))

    def set_stat(self, name: str, value: Any) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO corpus_stats(name, value, at) VALUES (?,?,?)",
            (name, json.dumps(value, ensure_ascii=False, default=str), time.time()),
        )

    def stat(self, name: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM corpus_stats WHERE name=?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def table(self, name: str) -> "pd.DataFrame":
        import pandas as pd

        return pd.read_sql_query(f"SELECT * FROM {known_table(name)}", self.conn)


def _decode_document(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    d["metadata"] = json.loads(d.get("metadata") or "{}")
    d["warnings"] = json.loads(d.get("warnings") or "[]")
    return d


_KNOWN_TABLES = set(ANALYSIS_TABLES) | {
    "documents", "passages", "ingest_log", "runs", "analysis_state", "embeddings", "topics", "corpus_stats", "meta",
    "dedup_signatures", "term_texts",
}


def known_table(table: str) -> str:
    """`table` when it is a table of the schema: table names are put into SQL text, never values."""
    if table not in _KNOWN_TABLES:
        raise ValueError(f"unknown table {table!r}")
    return table


def sql_value(v: Any) -> Any:
    """A row value as SQLite stores it: containers as JSON text, numpy scalars as Python numbers."""
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, ensure_ascii=False, default=str)
    if hasattr(v, "item") and not isinstance(v, (bytes, str)):  # numpy scalar
        return v.item()
    return v


def insert_rows(conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]], replace: bool = False) -> None:
    """Insert rows (dicts with the columns of the first row) into `table`; `replace`: upsert by primary key."""
    if not rows:
        return
    cols = list(rows[0].keys())
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    sql = f"{verb} INTO {known_table(table)}({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.executemany(sql, [[sql_value(r.get(c)) for c in cols] for r in rows])


def chunks(seq: list[Any], size: int) -> Iterator[list[Any]]:
    """`seq` in slices of `size`: SQLite caps the number of bound variables of one statement."""
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


