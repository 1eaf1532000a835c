"""The reads behind the trend tables (sentiment over time, drivers of negative reviews, entities, figures,
topics): typed functions returning DataFrames, filtered with the shared `Filters`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textlens.store.filters import FilterValues, where_clause

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus


# ---- sentiment ----------------------------------------------------------------------------------------
def document_sentiment_labels(corpus: "Corpus") -> "pd.DataFrame":
    """(doc_id, label): the overall sentiment of every analysed document."""
    import pandas as pd

    return pd.read_sql_query("SELECT doc_id, label FROM doc_sentiment", corpus.conn)


def aspect_polarity_labels(corpus: "Corpus", aspect: str) -> "pd.DataFrame":
    """(doc_id, label): the polarity the sentiment analysis judged about one aspect, where it judged one."""
    import pandas as pd

    return pd.read_sql_query("SELECT doc_id, polarity AS label FROM doc_aspects WHERE aspect_id = ?"
                             " AND polarity IS NOT NULL", corpus.conn, params=[aspect])


def aspect_polarities(corpus: "Corpus") -> "pd.DataFrame":
    """(doc_id, item, polarity) of every aspect judged in a verbatim; polarity may be null (not judged)."""
    import pandas as pd

    return pd.read_sql_query("SELECT doc_id, aspect_id AS item, polarity FROM doc_aspects", corpus.conn)


def theme_passage_sentiments(corpus: "Corpus", theme: str) -> "pd.DataFrame":
    """(doc_id, label): the sentiment of every sentence carrying an (editorial) theme."""
    import pandas as pd

    return pd.read_sql_query(
        "SELECT pt.doc_id, ps.label FROM passage_themes pt JOIN passage_sentiment ps"
        " ON ps.passage_id = pt.passage_id WHERE pt.theme_id = ? AND pt.taxonomy != 'aspects'",
        corpus.conn, params=[theme])


def sentiment_kinds(corpus: "Corpus") -> list[str]:
    """The kinds of the documents with a sentiment, most documents first."""
    return [r[0] for r in corpus.conn.execute(
        "SELECT d.kind, COUNT(*) FROM doc_sentiment s JOIN documents d ON d.id = s.doc_id GROUP BY d.kind"
        " ORDER BY 2 DESC")]


# ---- entities, figures, studies, topics ---------------------------------------------------------------
def mention_rows(corpus: "Corpus", etype: str | None = None) -> "pd.DataFrame":
    """(doc_id, entity, type) of every mention (of one type with `etype`)."""
    import pandas as pd

    sql = "SELECT doc_id, entity, type FROM mentions" + (" WHERE type = ?" if etype else "")
    return pd.read_sql_query(sql, corpus.conn, params=[etype] if etype else [])


def figure_rows(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(doc_id, year, value, about, source, sentence, date, number, unit) of the figures stated in the filtered
    documents, by year, document and order of appearance."""
    import pandas as pd

    where, params = where_clause(filters)
    return pd.read_sql_query(
        "SELECT f.doc_id, d.year, f.value, f.about, f.source, f.sentence, d.date, f.number, f.unit"
        f" FROM figures f JOIN documents d ON d.id = f.doc_id WHERE {where} ORDER BY d.year, f.doc_id, f.id",
        corpus.conn, params=params)


def study_mentions(corpus: "Corpus", filters: "FilterValues") -> "pd.DataFrame":
    """(study, conducted_by, commissioned_by, study_year, scope, doc_year, doc_id, date, sentence) of every study
    cited in the filtered documents."""
    import pandas as pd

    where, params = where_clause(filters, alias="d")
    return pd.read_sql_query(
        "SELECT s.name AS study, s.conducted_by, s.commissioned_by, s.year AS study_year, s.scope,"
        " d.year AS doc_year, s.doc_id, d.date, s.sentence FROM studies s JOIN documents d ON d.id = s.doc_id"
        f" WHERE {where} ORDER BY d.year, s.name, s.doc_id", corpus.conn, params=params)


def topic_rows(corpus: "Corpus", include_outliers: bool = False) -> "pd.DataFrame":
    """(id, label, terms, size, theme_id, theme_score, representatives) of the discovered topics, largest first;
    the outlier pseudo-topic (-1) only when asked for."""
    import pandas as pd

    return pd.read_sql_query("SELECT id, label, terms, size, theme_id, theme_score, representatives FROM topics"
                             f"{'' if include_outliers else ' WHERE id >= 0'} ORDER BY size DESC, id", corpus.conn)


def topic_document_counts(corpus: "Corpus", filters: "FilterValues") -> dict[int, int]:
    """Topic id -> the filtered documents assigned to it."""
    where, params = where_clause(filters)
    return {int(t): int(n) for t, n in corpus.conn.execute(
        f"SELECT dt.topic_id, COUNT(DISTINCT dt.doc_id) FROM doc_topics dt JOIN documents d ON d.id = dt.doc_id"
        f" WHERE {where} GROUP BY dt.topic_id", params).fetchall()}
