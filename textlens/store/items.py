"""Items per dimension: which documents and passages carry which theme, aspect, topic, entity, emotion or intent,
and which documents count in a dimension's denominator.

The schema rules of the dimensions are written once, in `store/filters.py` (the shared filters' WHERE clause needs
them, and that module must not import this one); this module reads through them. In particular aspects live in two tables: `doc_aspects`
(the sentiment analysis of verbatims) and `doc_themes` rows of the `aspects` taxonomy (the theme classifier run
with that taxonomy); `ASPECT_ROWS_SQL` combines them and every read of aspects (rows, ids, the filter of `item_filter_sql`, presence, export) uses it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textlens.store.filters import (
    ASPECT_SOURCES_SQL,
    DOC_ITEMS,
    PASSAGE_ITEMS,
    THEME_ROWS_SQL,
    ANALYZER_OF,
    ASPECT_ROWS_SQL,
    FilterValues,
    QueryError,
    check_dimension,
    where_clause,
)
# the dimensions and the item filter are written in store/filters.py (which needs them and must not import this
# module); readers of items keep finding them here
from textlens.store.filters import DIMENSIONS, item_filter_sql  # noqa: F401

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store.database import Corpus

def _type_sql(dimension: str, etype: str | None) -> tuple[str, str, list]:
    if dimension == "entity" and etype:
        return "WHERE type = ?", "AND type = ?", [etype]
    return "", "", []


def doc_items(corpus: "Corpus", dimension: str, etype: str | None = None) -> "pd.DataFrame":
    """(doc_id, item, score) rows of a dimension, one per document and item (an aspect found by both analyses
    keeps its best score)."""
    import pandas as pd

    check_dimension(dimension)
    where, _, params = _type_sql(dimension, etype)
    df = pd.read_sql_query(DOC_ITEMS[dimension].format(type_where=where), corpus.conn, params=params)
    if dimension == "aspect" and not df.empty:
        df = df.sort_values("score", ascending=False).drop_duplicates(["doc_id", "item"])
    df["item"] = df["item"].astype(str)
    return df.reset_index(drop=True)


def aspect_rows(corpus: "Corpus") -> "pd.DataFrame":
    """(doc_id, item, score): every aspect of every document, from both aspect tables, once per document."""
    return doc_items(corpus, "aspect")


def doc_item_rows(corpus: "Corpus", dimension: str) -> list[tuple[str, str, float]]:
    """(doc_id, item as text, score) rows of a dimension as the store holds them, as plain tuples (no pandas:
    `compare` reads these); an aspect found by both analyses comes once from each (see `doc_items`)."""
    check_dimension(dimension)
    cursor = corpus.conn.cursor()
    cursor.row_factory = None  # plain tuples: items are text in every dimension's SQL, scores numbers
    return cursor.execute(DOC_ITEMS[dimension].format(type_where="")).fetchall()


def passage_item_rows(corpus: "Corpus", dimension: str, doc_ids: Sequence[str], etype: str | None = None
                      ) -> list[tuple[int, str, str, float]]:
    """(passage_id, doc_id, item, score) rows of a dimension for these documents, as plain tuples (items are text
    in every dimension's SQL)."""
    check_dimension(dimension)
    _, and_, params = _type_sql(dimension, etype)
    sql = PASSAGE_ITEMS[dimension].format(type_and=and_)
    return [(r[0], r[1], r[2], r[3])  # as stored: `passage_items` keeps an entity's count an integer
            for r in corpus.select_in(f"SELECT * FROM ({sql}) WHERE doc_id IN ({{marks}})", list(doc_ids), params)]


def passage_items(corpus: "Corpus", dimension: str, etype: str | None = None,
                  doc_ids: Sequence[str] | None = None) -> "pd.DataFrame":
    """(passage_id, doc_id, item, score) rows of a dimension; with `doc_ids`, only those documents' rows
    (evidence for a few documents reads a few rows, not the whole table)."""
    import pandas as pd

    check_dimension(dimension)
    _, and_, params = _type_sql(dimension, etype)
    sql = PASSAGE_ITEMS[dimension].format(type_and=and_)
    if doc_ids is None:
        df = pd.read_sql_query(sql, corpus.conn, params=params)
    else:
        df = pd.DataFrame(passage_item_rows(corpus, dimension, doc_ids, etype),
                          columns=["passage_id", "doc_id", "item", "score"])
    df["item"] = df["item"].astype(str)
    return df


def has_items(corpus: "Corpus", dimension: str) -> bool:
    """Whether any document carries an item of the dimension (an analysis not run leaves none)."""
    check_dimension(dimension)
    sql = f"SELECT 1 FROM ({DOC_ITEMS[dimension].format(type_where='')}) LIMIT 1"
    return corpus.conn.execute(sql).fetchone() is not None


def theme_ids(corpus: "Corpus") -> list[str]:
    """Ids of the editorial (non-aspect) themes assigned to some document."""
    return [r[0] for r in corpus.conn.execute(f"SELECT DISTINCT item FROM ({THEME_ROWS_SQL})")]


def aspect_ids(corpus: "Corpus") -> list[str]:
    """Every aspect id present in the store (both aspect tables), in id order."""
    return [r[0] for r in corpus.conn.execute(f"SELECT DISTINCT item FROM ({ASPECT_ROWS_SQL}) ORDER BY item")]


def document_aspects(corpus: "Corpus", doc_ids: Sequence[str]) -> list[tuple[str, str, float, str | None]]:
    """(doc_id, aspect, score, polarity) of these documents: the aspect analysis' rows first (by document, then
    score, highest first), then the theme classifier's aspects the analysis does not hold for that document
    (no polarity), in the same order."""
    rows = [(r[0], r[1], float(r[2]), r[3]) for r in corpus.select_in(
        f"SELECT doc_id, item, score, polarity FROM ({ASPECT_SOURCES_SQL}) WHERE source = 0 AND doc_id IN ({{marks}})"
        " ORDER BY doc_id, score DESC", list(doc_ids))]
    seen = {(r[0], r[1]) for r in rows}
    for r in corpus.select_in(
            f"SELECT doc_id, item, score FROM ({ASPECT_SOURCES_SQL}) WHERE source = 1 AND doc_id IN ({{marks}})"
            " ORDER BY doc_id, score DESC", list(doc_ids)):
        if (r[0], r[1]) not in seen:
            rows.append((r[0], r[1], float(r[2]), None))
    return rows


def editorial_themes(corpus: "Corpus", doc_ids: Sequence[str]) -> list[tuple[str, str, float]]:
    """(doc_id, theme, score) of the editorial (non-aspect) themes of these documents, by document then score."""
    return [(r[0], r[1], float(r[2])) for r in corpus.select_in(
        f"SELECT doc_id, item, score FROM ({THEME_ROWS_SQL}) WHERE doc_id IN ({{marks}}) ORDER BY doc_id, score DESC",
        list(doc_ids))]


def present_items(corpus: "Corpus", dimension: str, filters: "FilterValues") -> list[str]:
    """Theme or aspect ids carried by the filtered documents, most documents first (ties by id)."""
    check_dimension(dimension)
    where, params = where_clause(filters, alias="d")
    sql = (f"SELECT x.item, COUNT(DISTINCT x.doc_id) FROM ({DOC_ITEMS[dimension].format(type_where='')}) x"
           f" JOIN documents d ON d.id = x.doc_id WHERE {where} GROUP BY x.item ORDER BY 2 DESC, 1")
    return [str(r[0]) for r in corpus.conn.execute(sql, params)]


# ---- periods and eligible documents ---------------------------------------------------------------
def period_sql(by: str | None, alias: str = "d") -> str:
    """SQL expression of a document's period (None: one period "all", undated documents included)."""
    d = alias
    if by is None:
        return "'all'"
    if by == "year":
        return f"{d}.year"
    if by == "quarter":
        return (f"CASE WHEN length({d}.date) >= 7 THEN substr({d}.date, 1, 4) || '-Q' || "
                f"((CAST(substr({d}.date, 6, 2) AS INTEGER) + 2) / 3) END")
    if by == "month":
        return f"CASE WHEN length({d}.date) >= 7 THEN substr({d}.date, 1, 7) END"
    span = year_span(by)
    if span:  # "5y": 2000-2004, 2005-2009 ... (sparse archives read better in spans of years)
        start = f"(({d}.year / {span}) * {span})"
        return f"CASE WHEN {d}.year IS NOT NULL THEN CAST({start} AS TEXT) || '-' || CAST({start} + {span - 1} AS TEXT) END"
    raise QueryError(f"unknown period {by!r}; choose year, quarter, month or N years as '5y'")


def year_span(by: str) -> int | None:
    """N of a period written "Ny" ("5y", "5 ans"), None for any other period."""
    import re

    m = re.fullmatch(r"(\d{1,2})\s*(?:y|years?|ans?)", str(by).strip().lower())
    return int(m.group(1)) if m and 1 < int(m.group(1)) <= 50 else None


def period_condition(by: str, period: Any, alias: str = "d") -> tuple[str, list]:
    """SQL condition selecting the documents of one period (as `period_sql` cuts periods) and its parameter."""
    return f"CAST({period_sql(by, alias)} AS TEXT) = ?", [str(period)]


def eligible_document_rows(corpus: "Corpus", dimension: str | None, by: str | None, filters: "FilterValues",
                           exclude: Sequence[str] = ()) -> tuple["pd.DataFrame", list[str]]:
    """(doc_id, kind, year, date, period) of the filtered French documents that can carry `dimension`, in id
    order, period null when undated; with the words saying which analysis they were processed by.

    Kinds that never carry the dimension are left out, and so are the documents the dimension's analysis has
    not processed yet (when that analysis records its state)."""
    import pandas as pd

    where, params = where_clause(filters, exclude=exclude)
    # documents flagged as another language are kept in the store but never analysed as French
    clauses = [where, "(d.language IS NULL OR d.language = 'fr')"]
    notes = []
    if dimension is not None:
        check_dimension(dimension)
        etype = filters.type if dimension == "entity" else None
        tw, _, tparams = _type_sql(dimension, etype)
        clauses.append(f"d.kind IN (SELECT DISTINCT d2.kind FROM ({DOC_ITEMS[dimension].format(type_where=tw)}) x"
                       " JOIN documents d2 ON d2.id = x.doc_id)")
        params = params + tparams
        analyzer = ANALYZER_OF[dimension]
        if analyzer and corpus.conn.execute(
                "SELECT 1 FROM analysis_state WHERE analyzer = ? LIMIT 1", (analyzer,)).fetchone():
            clauses.append("EXISTS (SELECT 1 FROM analysis_state a WHERE a.doc_id = d.id AND a.analyzer = ?)")
            params = params + [analyzer]
            notes.append(f"analysed by {analyzer}")
    sql = (f"SELECT d.id AS doc_id, d.kind, d.year, d.date, {period_sql(by)} AS period FROM documents d"
           f" WHERE {' AND '.join(clauses)} ORDER BY d.id")
    return pd.read_sql_query(sql, corpus.conn, params=params), notes


def passage_documents(corpus: "Corpus") -> "pd.DataFrame":
    """(passage_id, doc_id) of every passage: the sentences that may carry an item."""
    import pandas as pd

    return pd.read_sql_query("SELECT id AS passage_id, doc_id FROM passages", corpus.conn)


def item_kinds(corpus: "Corpus", dimension: str) -> dict[str, set[str]]:
    """The document kinds each item of a dimension occurs in (over the whole store)."""
    check_dimension(dimension)
    out: dict[str, set[str]] = defaultdict(set)
    sql = (f"SELECT DISTINCT x.item, d.kind FROM ({DOC_ITEMS[dimension].format(type_where='')}) x"
           " JOIN documents d ON d.id = x.doc_id")
    for item, kind in corpus.conn.execute(sql):
        out[str(item)].add(kind)
    return out


# ---- labels -----------------------------------------------------------------------------------------
def topic_labels(corpus: "Corpus") -> dict[str, str]:
    """Topic id (as text) -> its label."""
    return {str(r[0]): str(r[1]) for r in corpus.conn.execute("SELECT id, label FROM topics")}


def entity_documents(corpus: "Corpus", entities: Sequence[str]) -> dict[str, set[str]]:
    """Entity name -> the documents that name it."""
    out: dict[str, set[str]] = {e: set() for e in entities}
    for entity, doc_id in corpus.select_in("SELECT DISTINCT entity, doc_id FROM mentions WHERE entity IN ({marks})",
                                           list(entities)):
        out[entity].add(doc_id)
    return out
