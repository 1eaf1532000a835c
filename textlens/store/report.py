"""The reads of the report's corpus overview and method sections, and the counts of its headline figures."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textlens.store.database import ANALYSIS_TABLES
from textlens.store.filters import FilterValues, where_clause
from textlens.store.items import ASPECT_ROWS_SQL

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

# the tables a report section may need (`has_rows`); a name outside this list is a programming error
_CHECKABLE = set(ANALYSIS_TABLES) | {"documents", "passages", "topics", "embeddings", "corpus_stats",
                                     "analysis_state"}


def has_rows(corpus: "Corpus", table: str) -> bool:
    """Whether a store table holds any row (the rows of one dimension: `textlens.store.items.has_items`)."""
    if table not in _CHECKABLE:
        raise ValueError(f"unknown table {table!r}")
    sql = f"SELECT 1 FROM {table} LIMIT 1"
    return corpus.conn.execute(sql).fetchone() is not None


# ---- overview -----------------------------------------------------------------------------------------
def documents_per_year_kind(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(year, kind, n) of the filtered documents; year null for the undated."""
    import pandas as pd

    where, params = where_clause(filters, alias="d")
    return pd.read_sql_query(
        f"SELECT d.year AS year, d.kind AS kind, COUNT(*) AS n FROM documents d WHERE {where}"
        " GROUP BY d.year, d.kind ORDER BY d.year, d.kind", corpus.conn, params=params)


def _documents_per(corpus: "Corpus", filters: "FilterValues", column: str, name: str,
                   missing: str) -> "pd.DataFrame":
    """(name, documents) of the filtered documents per value of a `documents` column, most first; `missing` for
    the documents without one."""
    import pandas as pd

    where, params = where_clause(filters, alias="d")
    return pd.read_sql_query(
        f"SELECT COALESCE(d.{column}, ?) AS {name}, COUNT(*) AS documents FROM documents d"
        f" WHERE {where} GROUP BY 1 ORDER BY documents DESC", corpus.conn, params=[missing, *params])


def documents_per_language(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(language, documents) of the filtered documents, most first; 'unknown' when not detected."""
    return _documents_per(corpus, filters, "language", "language", "unknown")


def documents_per_dating(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(dated_by, documents): how the filtered documents got their year, most first; 'none' when undated."""
    return _documents_per(corpus, filters, "year_source", "dated_by", "none")


def document_sources(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(source, row, kind, year) of the filtered documents."""
    import pandas as pd

    where, params = where_clause(filters, alias="d")
    return pd.read_sql_query(f"SELECT d.source, d.row, d.kind, d.year FROM documents d WHERE {where}",
                             corpus.conn, params=params)


def document_years(corpus: "Corpus", filters: "FilterValues") -> list[int]:
    """The distinct years of the filtered dated documents, in order."""
    where, params = where_clause(filters, alias="d")
    return [int(y) for (y,) in corpus.conn.execute(
        f"SELECT DISTINCT d.year FROM documents d WHERE {where} AND d.year IS NOT NULL ORDER BY 1", params)]


def count_passages(corpus: "Corpus", filters: "FilterValues") -> int:
    """Passages of the filtered documents."""
    where, params = where_clause(filters, alias="d")
    return int(corpus.conn.execute(
        f"SELECT COUNT(*) FROM passages p JOIN documents d ON d.id = p.doc_id WHERE {where}", params).fetchone()[0])


def count_entities(corpus: "Corpus", filters: "FilterValues") -> int:
    """Distinct entities named in the filtered documents."""
    where, params = where_clause(filters, alias="d")
    return int(corpus.conn.execute(
        "SELECT COUNT(DISTINCT m.entity) FROM mentions m JOIN documents d ON d.id = m.doc_id"
        f" WHERE {where}", params).fetchone()[0])


# ---- method -------------------------------------------------------------------------------------------
def analysis_runs(corpus: "Corpus") -> "pd.DataFrame":
    """(analysis, documents, versions, last_run_utc) per analysis that processed documents."""
    import pandas as pd

    return pd.read_sql_query(
        "SELECT analyzer AS analysis, COUNT(*) AS documents, COUNT(DISTINCT key) AS versions,"
        " datetime(MAX(at), 'unixepoch') AS last_run_utc FROM analysis_state GROUP BY analyzer ORDER BY analyzer",
        corpus.conn)


def embedding_models(corpus: "Corpus") -> "pd.DataFrame":
    """(model, dimensions, cached_vectors) of the embedding cache."""
    import pandas as pd

    return pd.read_sql_query("SELECT model, dim AS dimensions, COUNT(*) AS cached_vectors FROM embeddings"
                             " GROUP BY model, dim ORDER BY model", corpus.conn)


def corpus_stat_rows(corpus: "Corpus") -> list[tuple[str, str, Any]]:
    """(name, JSON value text, time) of every stored corpus statistic, by name."""
    return [(r[0], r[1], r[2]) for r in corpus.conn.execute("SELECT name, value, at FROM corpus_stats ORDER BY name")]


def taxonomy_items(corpus: "Corpus") -> dict[str, str]:
    """Theme or aspect id -> its taxonomy, for every id present (aspects of the sentiment analysis as 'aspects')."""
    return {r[0]: r[1] for r in corpus.conn.execute(
        f"SELECT theme_id, taxonomy FROM doc_themes UNION SELECT item, 'aspects' FROM ({ASPECT_ROWS_SQL})")}
