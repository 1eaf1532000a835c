"""The reads of the drivers and segment-comparison feature (textlens.dynamics): the documents a query counts,
their metadata and fields, the sentiment rows used as outcome. Aspect polarities are in `store.trends`, passage
texts in `store.evidence`. Metadata is read as JSON text and its keys looked up in
Python, never spliced into a JSON path, so a column named `a"b` or `$.x` is just a name.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textlens.store.filters import FilterValues, where_clause

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus


def selected_metadata(corpus: "Corpus", filters: "FilterValues") -> list[tuple[str, str]]:
    """(doc_id, metadata JSON text) of the documents a drivers/compare query counts, in no particular order.

    One scan of `documents` with the filters inline: `json_each` over an `IN (SELECT ...)` list cost 0.25 s
    on 10,000 reviews, this 0.02 s (the JSON is parsed by `columns.parse_metadata`)."""
    where, params = selected_documents_where(filters)
    cursor = corpus.conn.cursor()
    cursor.row_factory = None  # plain tuples: no `sqlite3.Row` made for each of the documents
    return cursor.execute(f"SELECT d.id, d.metadata FROM documents d WHERE {where}", params).fetchall()


def document_origins(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, tuple[str, int | None]]:
    """(source file, row) of each document, for messages about documents left out."""
    sql = "SELECT id, source, row FROM documents WHERE id IN ({marks})"
    return {r[0]: (r[1], r[2]) for r in corpus.select_in(sql, list(doc_ids))}


_DOC_SENTIMENT_SQL = "SELECT doc_id, label AS item, 1.0 AS score FROM doc_sentiment"
_PASSAGE_SENTIMENT_SQL = "SELECT passage_id, doc_id, label AS item, ABS(score) AS score FROM passage_sentiment"


def document_sentiments(corpus: "Corpus") -> "pd.DataFrame":
    """(doc_id, item, score) with the document's overall sentiment label as the item."""
    import pandas as pd

    return pd.read_sql_query(_DOC_SENTIMENT_SQL, corpus.conn)


def document_sentiment_rows(corpus: "Corpus") -> list[tuple[str, str, float]]:
    """`document_sentiments` as plain tuples (no pandas: `compare` reads these)."""
    return [(r[0], str(r[1]), float(r[2])) for r in corpus.conn.execute(_DOC_SENTIMENT_SQL)]


def passage_sentiment_rows(corpus: "Corpus", doc_ids: Sequence[str]) -> list[tuple[int, str, str, float]]:
    """(passage_id, doc_id, item, score) of these documents' passages, each passage's sentiment label as the
    item and |score| ranking them, as plain tuples."""
    return [(r[0], r[1], r[2], r[3])
            for r in corpus.select_in(_PASSAGE_SENTIMENT_SQL + " WHERE doc_id IN ({marks})", list(doc_ids))]


def passage_sentiments(corpus: "Corpus", doc_ids: Sequence[str] | None = None) -> "pd.DataFrame":
    """(passage_id, doc_id, item, score) with each passage's sentiment label as the item; |score| ranks them.
    With `doc_ids`, only those documents' passages."""
    import pandas as pd

    if doc_ids is None:
        return pd.read_sql_query(_PASSAGE_SENTIMENT_SQL, corpus.conn)
    return pd.DataFrame(passage_sentiment_rows(corpus, doc_ids), columns=["passage_id", "doc_id", "item", "score"])


def selected_documents_where(filters: "FilterValues") -> tuple[str, list[Any]]:
    """WHERE clause (on `documents d`) of the documents a drivers/compare query counts: the filtered,
    non-duplicate documents in French (documents in another language are kept in the store but never analysed)."""
    where, params = where_clause(filters)
    return f"{where} AND (d.language IS NULL OR d.language = 'fr')", params


DOCUMENT_FIELDS = ("source", "kind", "year")  # document columns a segment can be cut by, besides metadata


def document_field_values(corpus: "Corpus", filters: "FilterValues", field: str) -> list[tuple[str, Any]]:
    """(doc_id, value) of one of DOCUMENT_FIELDS, for the documents a drivers/compare query counts
    (`selected_documents_where`) that have a value."""
    if field not in DOCUMENT_FIELDS:
        raise ValueError(f"{field!r} is not one of {DOCUMENT_FIELDS}")
    where, params = selected_documents_where(filters)
    sql = f"SELECT d.id, d.{field} FROM documents d WHERE {where} AND d.{field} IS NOT NULL"
    return [(r[0], r[1]) for r in corpus.conn.execute(sql, list(params))]


def selected_kinds(corpus: "Corpus", filters: "FilterValues") -> dict[str, str]:
    """doc_id -> kind of the documents a drivers/compare query counts (`selected_documents_where`)."""
    where, params = selected_documents_where(filters)
    cursor = corpus.conn.cursor()
    cursor.row_factory = None
    return dict(cursor.execute(f"SELECT d.id, d.kind FROM documents d WHERE {where}", list(params)).fetchall())
