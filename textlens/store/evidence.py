"""The texts shown as evidence behind a number: passages, their documents' titles and dates, stand-in texts.

Which passages are evidence is decided above this layer (textlens.trends' `EvidenceIndex`, one ranking rule);
these functions fetch the texts of the ids chosen, plus the two selections written in SQL (examples of the
documents of one corpus bar, passages of one overall tone)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textlens.store.filters import FilterValues, where_clause
from textlens.store.items import period_condition

if TYPE_CHECKING:
    from textlens.store import Corpus


def passage_texts(corpus: "Corpus", passage_ids: Sequence[int]) -> dict[int, str]:
    """passage id -> text."""
    sql = "SELECT id, text FROM passages WHERE id IN ({marks})"
    return {int(r[0]): r[1] for r in corpus.select_in(sql, [int(i) for i in passage_ids])}


def passage_docs_texts(corpus: "Corpus", passage_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """passage id -> (doc_id, text)."""
    sql = "SELECT id, doc_id, text FROM passages WHERE id IN ({marks})"
    return {int(r[0]): (r[1], r[2]) for r in corpus.select_in(sql, [int(i) for i in passage_ids])}


def first_passages(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """doc_id -> (passage id, text) of its first passage: the stand-in when an item has no passage of its own."""
    # SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum
    sql = "SELECT doc_id, id, text, MIN(idx) FROM passages WHERE doc_id IN ({marks}) GROUP BY doc_id"
    return {r[0]: (int(r[1]), r[2]) for r in corpus.select_in(sql, list(doc_ids))}


def aspect_evidence_texts(corpus: "Corpus", aspect: str, doc_ids: Sequence[str]) -> dict[str, str]:
    """doc_id -> the text the sentiment analysis kept as evidence of an aspect (documents without one left out)."""
    sql = ("SELECT doc_id, evidence FROM doc_aspects WHERE aspect_id = ? AND evidence IS NOT NULL"
           " AND doc_id IN ({marks})")
    return {r[0]: r[1] for r in corpus.select_in(sql, list(doc_ids), (aspect,)) if r[1]}


def document_titles(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, str | None]:
    """doc_id -> title (None when the document has none)."""
    return {r[0]: r[1] for r in corpus.select_in("SELECT id, title FROM documents WHERE id IN ({marks})",
                                                 list(doc_ids))}


def document_headers(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """doc_id -> {id, title, source, date, year, kind}: what an evidence passage shows of its document."""
    sql = "SELECT id, title, source, date, year, kind FROM documents WHERE id IN ({marks})"
    return {r["id"]: dict(r) for r in corpus.select_in(sql, list(doc_ids))}


def passages_with_dates(corpus: "Corpus", passage_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """passage id -> {id, doc_id, text, date, year} (the date and year of its document)."""
    sql = ("SELECT p.id, p.doc_id, p.text, d.date, d.year FROM passages p JOIN documents d ON d.id = p.doc_id"
           " WHERE p.id IN ({marks})")
    return {int(r["id"]): dict(r) for r in corpus.select_in(sql, [int(i) for i in passage_ids])}


def document_examples(corpus: "Corpus", filters: "FilterValues", year: int | None, limit: int) -> list[dict[str, Any]]:
    """{doc_id, date, year, passage_id, passage} of the first `limit` filtered documents of a year (None: the
    undated ones), by date then id, each with its first passage."""
    where, params = where_clause(filters, alias="d")
    year_sql, year_params = ("d.year IS NULL", []) if year is None else ("d.year = ?", [int(year)])
    return [dict(r) for r in corpus.conn.execute(
        "SELECT d.id AS doc_id, d.date, d.year, (SELECT p.id FROM passages p WHERE p.doc_id = d.id ORDER BY p.idx"
        " LIMIT 1) AS passage_id, (SELECT p.text FROM passages p WHERE p.doc_id = d.id ORDER BY p.idx LIMIT 1)"
        f" AS passage FROM documents d WHERE {where} AND {year_sql} ORDER BY d.date, d.id LIMIT ?",
        [*params, *year_params, limit])]


def tone_passages(corpus: "Corpus", filters: "FilterValues", label: str, by: str, period: Any,
                  limit: int = 60) -> list[dict[str, Any]]:
    """{doc_id, date, year, passage_id, passage, score} of the filtered documents of one period: passages of that
    sentence tone first, the most typical first (lowest score for negative, highest for positive, nearest 0
    otherwise), then passages without a sentence tone; ties by document and position."""
    where, params = where_clause(filters, alias="d")
    period_sql, period_params = period_condition(by, period)
    order = "ps.score ASC" if label == "negative" else "ps.score DESC" if label == "positive" else "ABS(ps.score)"
    return [dict(r) for r in corpus.conn.execute(
        "SELECT p.doc_id, d.date, d.year, p.id AS passage_id, p.text AS passage, ps.score FROM passages p"
        " JOIN documents d ON d.id = p.doc_id LEFT JOIN passage_sentiment ps ON ps.passage_id = p.id"
        f" WHERE {where} AND {period_sql} AND (ps.label = ? OR ps.label IS NULL)"
        f" ORDER BY (ps.label IS NULL), {order}, p.doc_id, p.idx LIMIT {int(limit)}",
        [*params, *period_params, label])]
