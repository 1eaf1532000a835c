"""SQL of topic edits and of the topic map: the only place that reads or writes `topic_edits` and `topic_map`
(and rewrites topic rows when topics are merged). Typed functions over a connection.

- `topic_edits`: one row per hand edit, in order: action `rename` or `merge`, the label given, and `members`:
  JSON list (one entry per topic the edit names) of the sorted passage ids the topic held when edited; that is
  what a refit matches new topics against (textlens.topics.edits).
- `topic_map`: the 2D position of a sample of units (passage or verbatim) and their topic, written at fit time.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from textlens.store.filters import FilterValues, filtered_doc_ids

SCHEMA = """
CREATE TABLE IF NOT EXISTS topic_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL, label TEXT, members TEXT NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS topic_map (
    passage_id INTEGER, doc_id TEXT NOT NULL, topic_id INTEGER NOT NULL, x REAL NOT NULL, y REAL NOT NULL,
    grp TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class TopicEditRow:
    id: int
    action: str
    label: str | None
    members: list[list[int]]
    at: float


@dataclass(frozen=True)
class MapPoint:
    passage_id: int | None
    doc_id: str
    topic_id: int
    x: float
    y: float
    group: str


def ensure_tables(conn: sqlite3.Connection) -> None:
    """Create this module's tables if missing (statement by statement: executescript would commit the caller's
    transaction)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


def _exists(conn: sqlite3.Connection, table: str) -> bool:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return found is not None


def add_edit(conn: sqlite3.Connection, action: str, label: str | None, members: list[list[int]], at: float) -> int:
    cur = conn.execute("INSERT INTO topic_edits(action, label, members, at) VALUES (?,?,?,?)",
                       (action, label, json.dumps(members), at))
    return int(cur.lastrowid)


def list_edits(conn: sqlite3.Connection) -> list[TopicEditRow]:
    if not _exists(conn, "topic_edits"):
        return []
    return [TopicEditRow(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in
            conn.execute("SELECT id, action, label, members, at FROM topic_edits ORDER BY id")]


def topic_members(conn: sqlite3.Connection) -> dict[int, set[int]]:
    """Passage ids per topic (outliers left out)."""
    out: dict[int, set[int]] = {}
    for pid, tid in conn.execute("SELECT passage_id, topic_id FROM passage_topics WHERE topic_id >= 0"):
        out.setdefault(int(tid), set()).add(int(pid))
    return out


def topic_ids(conn: sqlite3.Connection) -> list[int]:
    """Ids of the stored topics, outliers (-1) left out, in order."""
    return [int(r[0]) for r in conn.execute("SELECT id FROM topics WHERE id >= 0 ORDER BY id")]


def topic_row(conn: sqlite3.Connection, topic_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT id, label, terms, size, representatives FROM topics WHERE id = ?",
                       (topic_id,)).fetchone()
    if row is None:
        return None
    return {"id": row[0], "label": row[1], "terms": json.loads(row[2]), "size": row[3],
            "representatives": json.loads(row[4] or "[]")}


def set_label(conn: sqlite3.Connection, topic_id: int, label: str) -> None:
    conn.execute("UPDATE topics SET label = ? WHERE id = ?", (label, topic_id))


def merge_rows(conn: sqlite3.Connection, target: int, others: list[int], label: str, terms: list,
               representatives: list) -> None:
    """Fold topics `others` into `target`: their passages, documents (shares summed) and map points move, their
    rows go; `target` takes the summed size, `label`, `terms` and `representatives`."""
    marks = ",".join("?" * len(others))
    size = conn.execute(f"SELECT COALESCE(SUM(size), 0) FROM topics WHERE id IN ({marks})", others).fetchone()[0]
    conn.execute(f"UPDATE passage_topics SET topic_id = ? WHERE topic_id IN ({marks})", (target, *others))
    rows = conn.execute(f"SELECT doc_id, SUM(score) FROM doc_topics WHERE topic_id IN (?, {marks}) GROUP BY doc_id",
                        (target, *others)).fetchall()
    conn.execute(f"DELETE FROM doc_topics WHERE topic_id IN (?, {marks})", (target, *others))
    conn.executemany("INSERT INTO doc_topics(doc_id, topic_id, score) VALUES (?,?,?)",
                     [(doc, target, round(min(float(score), 1.0), 4)) for doc, score in rows])
    if _exists(conn, "topic_map"):
        conn.execute(f"UPDATE topic_map SET topic_id = ? WHERE topic_id IN ({marks})", (target, *others))
    conn.execute(f"DELETE FROM topics WHERE id IN ({marks})", others)
    conn.execute("UPDATE topics SET size = size + ?, label = ?, terms = ?, representatives = ? WHERE id = ?",
                 (int(size), label, json.dumps(terms, ensure_ascii=False),
                  json.dumps(representatives, ensure_ascii=False), target))


def replace_map(conn: sqlite3.Connection, points: list[MapPoint]) -> None:
    ensure_tables(conn)
    conn.execute("DELETE FROM topic_map")
    conn.executemany("INSERT INTO topic_map(passage_id, doc_id, topic_id, x, y, grp) VALUES (?,?,?,?,?,?)",
                     [(p.passage_id, p.doc_id, p.topic_id, p.x, p.y, p.group) for p in points])


def read_map(conn: sqlite3.Connection) -> list[MapPoint]:
    if not _exists(conn, "topic_map"):
        return []
    return [MapPoint(r[0], r[1], r[2], r[3], r[4], r[5]) for r in
            conn.execute("SELECT passage_id, doc_id, topic_id, x, y, grp FROM topic_map ORDER BY rowid")]


def document_texts(conn: sqlite3.Connection, doc_ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(doc_ids), 500):
        chunk = doc_ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for doc_id, text in conn.execute(f"SELECT id, text FROM documents WHERE id IN ({marks})", chunk):
            out[doc_id] = text or ""
    return out


def selected_doc_ids(conn: sqlite3.Connection, filters: FilterValues) -> set[str]:
    """Ids of the documents the query filters select (the points the topic map shows)."""
    return set(filtered_doc_ids(conn, filters))
