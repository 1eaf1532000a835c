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
    return [(r[0], r[1]) for r in corpus.conn.execute(f"SELECT d.id, d.metadata FROM documents d WHERE {where}",
                                                       params)]


def document_origins(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, tuple[str, int | None]]:
    """(source file, row) of each document, for messages about documents left out."""
    sql = "SELECT id, source, row FROM documents WHERE id IN ({marks})"
    return {r[0]: (r[1], r[2]) for r in corpus.select_in(sql, list(doc_ids))}


def document_sentiments(corpus: "Corpus") -> "pd.DataFrame":
    """(doc_id, item, score) with the document's overall sentiment label as the item."""
    import pandas as pd

    return pd.read_sql_query("SELECT doc_id, label AS item, 1.0 AS score FROM doc_sentiment", corpus.conn)


def passage_sentiments(corpus: "Corpus", doc_ids: Sequence[str] | None = None) -> "pd.DataFrame":
    """(passage_id, doc_id, item, score) with each passage's sentiment label as the item; |score| ranks them.
    With `doc_ids`, only those documents' passages."""
    import pandas as pd

    sql = "SELECT passage_id, doc_id, label AS item, ABS(score) AS score FROM passage_sentiment"
    if doc_ids is None:
        return pd.read_sql_query(sql, corpus.conn)
    rows = [tuple(r) for r in corpus.select_in(sql + " WHERE doc_id IN ({marks})", list(doc_ids))]
    return pd.DataFrame(rows, columns=["passage_id", "doc_id", "item", "score"])


def selected_documents_where(filters: "FilterValues") -> tuple[str, list[Any]]:
    """WHERE clause (on `documents d`) of the documents a drivers/compare query counts: the filtered,
    non-duplicate documents in French (documents in another language are kept in the store but never analysed)."""
    where, params = where_clause(filters)
    return f"{where} AND (d.language IS NULL OR d.language = 'fr')", params


DOCUMENT_FIELDS = ("source", "kind", "year")  # document columns a segment can be cut by, besides metadata


def document_fields(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(doc_id, source, kind, year) of the documents a drivers/compare query counts (`selected_documents_where`)."""
    import pandas as pd

    where, params = selected_documents_where(filters)
    sql = f"SELECT d.id AS doc_id, d.source, d.kind, d.year FROM documents d WHERE {where}"
    return pd.read_sql_query(sql, corpus.conn, params=list(params))
