"""The shared query filters (`textlens.query.Filters`) as SQL: the one place their WHERE clause is written.

Every filtered read (queries, trends, report, customer experience) selects documents through this translation, so a
filter means the same everywhere. User values are bound parameters, never spliced into the SQL.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, Protocol

from textlens.errors import InputError


class QueryError(InputError):
    """A query that cannot be answered as asked; the message says why and what would work. Defined here, under
    the query layer, so the store can refuse an unknown dimension or period without importing `textlens.query`
    (which re-exports it: callers keep importing it from there)."""


# every aspect judged in a document, from both tables (one document may carry an aspect twice): `source` 0 is the
# aspect analysis (with a polarity), 1 the theme classifier run on the aspect taxonomy (no polarity)
ASPECT_SOURCES_SQL = ("SELECT doc_id, aspect_id AS item, score, polarity, 0 AS source FROM doc_aspects UNION ALL "
                       "SELECT doc_id, theme_id AS item, score, NULL AS polarity, 1 AS source FROM doc_themes"
                       " WHERE taxonomy = 'aspects'")
# (doc_id, item, score) of every aspect judged in a document, from both tables
ASPECT_ROWS_SQL = f"SELECT doc_id, item, score FROM ({ASPECT_SOURCES_SQL})"
THEME_ROWS_SQL = "SELECT doc_id, theme_id AS item, score FROM doc_themes WHERE taxonomy != 'aspects'"

# item rows of each dimension, per document and per passage (sentence): (doc_id, item, score)
DOC_ITEMS = {
    "theme": THEME_ROWS_SQL,
    "aspect": ASPECT_ROWS_SQL,
    "topic": "SELECT doc_id, CAST(topic_id AS TEXT) AS item, score FROM doc_topics WHERE topic_id >= 0",
    "entity": "SELECT doc_id, entity AS item, COUNT(*) AS score FROM mentions {type_where} GROUP BY doc_id, entity",
    # the customer-experience dimensions of verbatims (textlens.cx)
    "emotion": "SELECT doc_id, label AS item, score FROM doc_emotions",
    "intent": "SELECT doc_id, label AS item, score FROM doc_intents",
}
PASSAGE_ITEMS = {
    "theme": "SELECT passage_id, doc_id, theme_id AS item, score FROM passage_themes WHERE taxonomy != 'aspects'",
    "aspect": "SELECT passage_id, doc_id, theme_id AS item, score FROM passage_themes WHERE taxonomy = 'aspects'",
    "topic": ("SELECT passage_id, doc_id, CAST(topic_id AS TEXT) AS item, score FROM passage_topics"
              " WHERE topic_id >= 0"),
    "entity": ("SELECT passage_id, doc_id, entity AS item, COUNT(*) AS score FROM mentions"
               " WHERE passage_id IS NOT NULL {type_and} GROUP BY passage_id, doc_id, entity"),
    "emotion": "SELECT passage_id, doc_id, label AS item, score FROM passage_emotions",
    "intent": "SELECT passage_id, doc_id, label AS item, score FROM passage_intents",
}
DIMENSIONS = tuple(DOC_ITEMS)
# the analysis whose `analysis_state` rows say a document was processed for the dimension (topics: a corpus step)
ANALYZER_OF = {"theme": "themes", "aspect": "themes", "entity": "entities", "topic": None, "emotion": "cx",
               "intent": "cx"}


def check_dimension(dimension: str) -> None:
    """Refuse an unknown dimension with the list of known ones (a user typo, not a crash)."""
    if dimension not in DIMENSIONS:
        raise QueryError(f"unknown dimension {dimension!r}; choose {', '.join(DIMENSIONS)}")


def item_filter_sql(dimension: str, alias: str = "d") -> str:
    """WHERE condition keeping the documents (`documents AS alias`) that carry the item bound to its one `?`, read
    from the dimension's rows as `doc_items` reads them (aspects: from either table). The subquery does not
    depend on the outer row, so SQLite runs it once per statement."""
    check_dimension(dimension)
    rows = DOC_ITEMS[dimension].format(type_where="")
    return f"{alias}.id IN (SELECT fi.doc_id FROM ({rows}) fi WHERE fi.item = ?)"


class FilterValues(Protocol):
    """What this module reads of `textlens.query.Filters` (a Protocol, so the store never imports the query layer
    above it)."""

    year: int | None
    year_from: int | None
    year_to: int | None
    kind: str | None
    theme: str | None
    aspect: str | None
    entity: str | None
    type: str | None
    sentiment: str | None
    source: str | None
    emotion: str | None
    intent: str | None


def like_escape(text: str) -> str:
    """`text` as a literal LIKE pattern (ESCAPE '\\'): a user's "%" or "_" is not a wildcard."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def where_clause(filters: FilterValues, exclude: Iterable[str] = (), alias: str = "d") -> tuple[str, list[Any]]:
    """The WHERE clause (over `documents AS alias`) and its parameters selecting the documents of `filters`;
    `exclude` names filters to ignore. Duplicates (`duplicate_of` set) are always left out."""
    skip = set(exclude)
    d = alias
    clauses = [f"{d}.duplicate_of IS NULL"]
    params: list[Any] = []
    if filters.year is not None and "year" not in skip:
        clauses.append(f"{d}.year = ?")
        params.append(int(filters.year))
    if filters.year_from is not None and "year_from" not in skip:
        clauses.append(f"{d}.year >= ?")
        params.append(int(filters.year_from))
    if filters.year_to is not None and "year_to" not in skip:
        clauses.append(f"{d}.year <= ?")
        params.append(int(filters.year_to))
    if filters.kind and "kind" not in skip:
        clauses.append(f"{d}.kind = ?")
        params.append(filters.kind)
    # a theme or aspect filter reads the dimension's rows as textlens.store.items writes them (aspects: two tables)

    for name in ("theme", "aspect"):
        if getattr(filters, name) and name not in skip:
            clauses.append(item_filter_sql(name, d))
            params.append(getattr(filters, name))
    use_type = filters.type and "type" not in skip
    if filters.entity and "entity" not in skip:
        extra = " AND fm.type = ?" if use_type else ""
        clauses.append(f"EXISTS (SELECT 1 FROM mentions fm WHERE fm.doc_id = {d}.id AND fm.entity = ?{extra})")
        params += [filters.entity] + ([filters.type] if use_type else [])
    elif use_type:
        clauses.append(f"EXISTS (SELECT 1 FROM mentions fm WHERE fm.doc_id = {d}.id AND fm.type = ?)")
        params.append(filters.type)
    if filters.sentiment and "sentiment" not in skip:
        clauses.append(f"EXISTS (SELECT 1 FROM doc_sentiment fs WHERE fs.doc_id = {d}.id AND fs.label = ?)")
        params.append(filters.sentiment)
    if filters.source and "source" not in skip:
        pattern = "%" + like_escape(filters.source) + "%"
        like = "LIKE ? ESCAPE '\\'"
        clauses.append(f"({d}.source {like} OR COALESCE(json_extract({d}.metadata, '$.source'), '') {like}"
                       f" OR COALESCE({d}.url, '') {like})")
        params += [pattern, pattern, pattern]
    for name in ("emotion", "intent"):  # the customer-experience labels of a verbatim (textlens.cx)
        if getattr(filters, name) and name not in skip:
            clauses.append(item_filter_sql(name, d))
            params.append(getattr(filters, name))
    return " AND ".join(clauses), params


def doc_id_select(filters: FilterValues, exclude: Iterable[str] = ()) -> tuple[str, list[Any]]:
    """`SELECT d.id FROM documents d WHERE ...` and its parameters (for callers that nest it as a subquery)."""
    where, params = where_clause(filters, exclude)
    return "SELECT d.id FROM documents d WHERE " + where, params


def filtered_doc_ids(conn: sqlite3.Connection, filters: FilterValues) -> list[str]:
    """Ids of the documents `filters` selects, in id order."""
    sql, params = doc_id_select(filters)
    return [r[0] for r in conn.execute(sql + " ORDER BY d.id", params)]
