"""Reads and writes of topic discovery (`textlens.topics.corpus`): the documents and units a fit uses, the three
topic tables it replaces (`topics`, `doc_topics`, `passage_topics`), and the table `textlens topics` shows.

Hand edits and the topic map have their own module (`textlens.store.topic_edits`).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store.database import Corpus


class DocumentHead(TypedDict):
    """What a topic fit needs to know of a document to choose it and to fingerprint the fit (no text)."""

    id: str
    kind: str
    language: str | None
    duplicate_of: str | None
    content_hash: str
    year: int | None
    date: str | None
    source: str


@dataclass(frozen=True)
class TopicRow:
    """A row of the `topics` table as a fit writes it (`terms` and `representatives` JSON-ready)."""

    id: int
    label: str
    terms: list[Any]
    size: int
    theme_id: str | None
    theme_score: float | None
    representatives: list[dict[str, Any]]


@dataclass(frozen=True)
class DocumentTopic:
    doc_id: str
    topic_id: int
    score: float


@dataclass(frozen=True)
class PassageTopic:
    passage_id: int
    doc_id: str
    topic_id: int
    score: float


def document_heads(corpus: "Corpus") -> list[DocumentHead]:
    """Every stored document (duplicates and other languages included: the fit counts what it leaves out), by id."""
    rows = corpus.conn.execute(
        "SELECT id, kind, language, duplicate_of, content_hash, year, date, source FROM documents ORDER BY id"
    ).fetchall()
    return [DocumentHead(id=r[0], kind=r[1], language=r[2], duplicate_of=r[3], content_hash=r[4], year=r[5],
                         date=r[6], source=r[7]) for r in rows]


def passages_of(corpus: "Corpus", doc_ids: Sequence[str]) -> list[tuple[int, str, str]]:
    """(passage id, doc id, text) of these documents' passages, in document then passage order (the ids are read
    in their given order, a chunk at a time: give them sorted for a fully sorted result)."""
    return [(r[0], r[1], r[2]) for r in corpus.select_in(
        "SELECT id, doc_id, text FROM passages WHERE doc_id IN ({marks}) ORDER BY doc_id, idx", doc_ids)]


def passage_ids_by_document(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, list[int]]:
    """Passage ids of each of these documents, in passage order."""
    out: dict[str, list[int]] = {}
    for pid, doc_id in corpus.select_in(
            "SELECT id, doc_id FROM passages WHERE doc_id IN ({marks}) ORDER BY doc_id, idx", doc_ids):
        out.setdefault(doc_id, []).append(pid)
    return out


def replace_topics(conn: sqlite3.Connection, topics: Sequence[TopicRow], documents: Sequence[DocumentTopic],
                   passages: Sequence[PassageTopic]) -> None:
    """Replace the three topic tables by a new fit's rows (call inside the fit's transaction)."""
    dumps = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    conn.execute("DELETE FROM passage_topics")
    conn.execute("DELETE FROM doc_topics")
    conn.execute("DELETE FROM topics")
    conn.executemany(
        "INSERT INTO topics(id, label, terms, size, theme_id, theme_score, representatives) VALUES (?,?,?,?,?,?,?)",
        [(t.id, t.label, dumps(t.terms), t.size, t.theme_id, t.theme_score, dumps(t.representatives))
         for t in topics])
    conn.executemany("INSERT INTO doc_topics(doc_id, topic_id, score) VALUES (?,?,?)",
                     [(r.doc_id, r.topic_id, r.score) for r in documents])
    conn.executemany("INSERT INTO passage_topics(passage_id, doc_id, topic_id, score) VALUES (?,?,?,?)",
                     [(r.passage_id, r.doc_id, r.topic_id, r.score) for r in passages])


def topics_frame(corpus: "Corpus") -> "pd.DataFrame":
    """The `topics` table by id, `terms` and `representatives` still JSON text."""
    import pandas as pd

    return pd.read_sql_query("SELECT * FROM topics ORDER BY id", corpus.conn)


def passages_per_topic(corpus: "Corpus") -> dict[int, int]:
    """Passages assigned to each topic (outliers under -1)."""
    return dict(corpus.conn.execute("SELECT topic_id, COUNT(*) FROM passage_topics GROUP BY topic_id").fetchall())
