"""Reads behind `textlens.query`: the names a store knows (to resolve what a user typed) and passage search.

Kept apart from the query logic so `textlens search` stays a few SQLite reads: nothing here imports a model.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textlens.store.filters import FilterValues, where_clause

if TYPE_CHECKING:
    from textlens.store.database import Corpus


@dataclass
class PassageRow:
    """A passage with the fields of its document a search result shows; `score`: bm25 or cosine, 0 until ranked."""

    passage_id: int
    doc_id: str
    text: str
    date: str | None
    year: int | None
    source: str | None
    kind: str | None
    title: str | None
    score: float = 0.0


# ---- names known to the store ----------------------------------------------------------------------------------
def entity_named(corpus: "Corpus", name: str) -> str | None:
    """`name` when some mention has exactly this canonical name, else None."""
    row = corpus.conn.execute("SELECT entity FROM mentions WHERE entity = ? LIMIT 1", (name,)).fetchone()
    return row[0] if row else None


def entity_names(corpus: "Corpus") -> list[str]:
    """Every canonical entity name mentioned in the store."""
    return [r[0] for r in corpus.conn.execute("SELECT DISTINCT entity FROM mentions")]


def entity_surfaces(corpus: "Corpus") -> Iterator[tuple[str, str]]:
    """(canonical name, text as written) of every mention, streamed."""
    for entity, text in corpus.conn.execute("SELECT entity, text FROM mentions"):
        yield entity, text


def entity_types(corpus: "Corpus") -> list[str]:
    """Entity types present in the mentions."""
    return [r[0] for r in corpus.conn.execute("SELECT DISTINCT type FROM mentions")]


def document_kinds(corpus: "Corpus") -> list[str]:
    """Document kinds present in the store."""
    return [r[0] for r in corpus.conn.execute("SELECT DISTINCT kind FROM documents")]


# ---- passage search --------------------------------------------------------------------------------------------
_PASSAGE_FIELDS = "p.id AS passage_id, p.doc_id, p.text, d.date, d.year, d.source, d.kind, d.title"


def _passage_row(r: sqlite3.Row, score: float = 0.0) -> PassageRow:
    return PassageRow(r["passage_id"], r["doc_id"], r["text"], r["date"], r["year"], r["source"], r["kind"],
                      r["title"], score)


def search_passages(corpus: "Corpus", fts_query: str, filters: FilterValues, limit: int) -> list[PassageRow]:
    """The `limit` passages of the filtered documents that best match the FTS5 expression `fts_query` (bm25; ties
    in document then passage order). Raises sqlite3.OperationalError on an expression FTS5 cannot parse."""
    where, params = where_clause(filters, alias="d")
    sql = (f"SELECT {_PASSAGE_FIELDS}, -bm25(passages_fts) AS score"
           " FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid JOIN documents d ON d.id = p.doc_id"
           f" WHERE passages_fts MATCH ? AND {where} ORDER BY bm25(passages_fts), p.doc_id, p.idx LIMIT ?")
    return [_passage_row(r, float(r["score"])) for r in corpus.conn.execute(sql, [fts_query, *params, limit])]


def filtered_passages(corpus: "Corpus", filters: FilterValues) -> list[PassageRow]:
    """Every passage of the filtered documents, in passage id order (the candidates of a semantic search)."""
    where, params = where_clause(filters, alias="d")
    sql = f"SELECT {_PASSAGE_FIELDS} FROM passages p JOIN documents d ON d.id = p.doc_id WHERE {where} ORDER BY p.id"
    return [_passage_row(r) for r in corpus.conn.execute(sql, params)]
