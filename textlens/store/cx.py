"""Every SQL statement of the customer-experience feature (tables doc_/passage_emotions, doc_effort, doc_/passage_
intents), as typed functions taking a `Corpus` and returning rows or DataFrames. Read-only: the analyzer's rows are
written by the pipeline.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus
    from textlens.store.filters import FilterValues


def export_annotations(corpus: "Corpus", ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{doc_id: {"emotions": [...], "effort": {...}, "intents": [...]}} of the export contract."""
    out: dict[str, dict[str, Any]] = defaultdict(lambda: {"emotions": [], "effort": {}, "intents": []})
    for r in corpus.select_in("SELECT doc_id, label, intensity, score FROM doc_emotions WHERE doc_id IN ({marks})"
                              " ORDER BY doc_id, score DESC", ids):
        out[r[0]]["emotions"].append({"label": r[1], "intensity": int(r[2]), "score": round(float(r[3]), 4)})
    for r in corpus.select_in("SELECT doc_id, level, score FROM doc_effort WHERE doc_id IN ({marks})", ids):
        out[r[0]]["effort"] = {"level": r[1], "score": round(float(r[2]), 4)}
    for r in corpus.select_in("SELECT doc_id, label, score FROM doc_intents WHERE doc_id IN ({marks})"
                              " ORDER BY doc_id, score DESC", ids):
        out[r[0]]["intents"].append({"label": r[1], "score": round(float(r[2]), 4)})
    return out


def analysed_reviews(corpus: "Corpus", filters: "FilterValues", by: str | None) -> "pd.DataFrame":
    """(doc_id, period, effort_level, effort_score, metadata) of the documents the cx analysis processed (verbatims)
    that `filters` selects; `period` cut by `by` as `textlens.store.items.period_sql` cuts it, null without `by`."""
    import pandas as pd

    from textlens.store.filters import where_clause
    from textlens.store.items import period_sql

    where, params = where_clause(filters, alias="d")
    period = period_sql(by) if by else "NULL"
    sql = (f"SELECT d.id AS doc_id, {period} AS period, e.level AS effort_level, e.score AS effort_score,"
           " d.metadata AS metadata FROM documents d JOIN doc_effort e ON e.doc_id = d.id"
           f" WHERE {where} ORDER BY d.id")
    return pd.read_sql_query(sql, corpus.conn, params=list(params))


def doc_emotion_rows(corpus: "Corpus", doc_ids: Sequence[str]) -> "pd.DataFrame":
    """(doc_id, label, intensity, score, passage_id) of these documents."""
    import pandas as pd

    rows = [tuple(r) for r in corpus.select_in(
        "SELECT doc_id, label, intensity, score, passage_id FROM doc_emotions WHERE doc_id IN ({marks})", doc_ids)]
    return pd.DataFrame(rows, columns=["doc_id", "label", "intensity", "score", "passage_id"])


def doc_intent_rows(corpus: "Corpus", doc_ids: Sequence[str]) -> "pd.DataFrame":
    """(doc_id, label, score, passage_id) of these documents."""
    import pandas as pd

    rows = [tuple(r) for r in corpus.select_in(
        "SELECT doc_id, label, score, passage_id FROM doc_intents WHERE doc_id IN ({marks})", doc_ids)]
    return pd.DataFrame(rows, columns=["doc_id", "label", "score", "passage_id"])


@dataclass
class EvidenceRow:
    doc_id: str
    date: str | None
    source: str | None
    passage: str | None


def documents_info(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{doc_id: {date, source, metadata, text}} for listing reviews with their evidence."""
    import json

    return {r[0]: {"date": r[1], "source": r[2], "metadata": json.loads(r[3] or "{}"), "text": r[4]}
            for r in corpus.select_in("SELECT id, date, source, metadata, text FROM documents WHERE id IN ({marks})",
                                      doc_ids)}
