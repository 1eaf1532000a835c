"""Reads behind the export contract (`textlens.export`): every analysis result of a batch of documents.

Each function reads one kind of result for the given document ids, in the order the export lists them, so the
export file stays byte-identical whatever reads it. Ids are bound a chunk at a time (`Corpus.select_in`).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textlens.store.items import document_aspects, editorial_themes

if TYPE_CHECKING:
    from textlens.store.database import Corpus


@dataclass(frozen=True)
class ScoredLabel:
    """A theme, aspect or topic of a document with its score; `polarity` for aspects of the aspect analysis,
    `label` for topics."""

    doc_id: str
    id: str | int
    score: float
    polarity: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class SentimentRow:
    doc_id: str
    label: str
    score: float


@dataclass(frozen=True)
class MentionRow:
    doc_id: str
    entity: str
    type: str
    text: str


@dataclass(frozen=True)
class FigureRow:
    doc_id: str
    value: str
    about: str | None
    source: str | None
    sentence: str | None
    number: float | None
    unit: str | None


@dataclass(frozen=True)
class StudyRow:
    doc_id: str
    name: str
    conducted_by: str | None
    commissioned_by: str | None
    year: int | None
    scope: str | None


@dataclass(frozen=True)
class QuoteRow:
    doc_id: str
    text: str
    speaker: str | None


def themes_and_aspects(corpus: "Corpus", ids: Sequence[str]) -> tuple[list[ScoredLabel], list[ScoredLabel]]:
    """(editorial themes, aspects) of these documents, each by document then score (highest first).

    Aspects live in two tables: `doc_aspects` (the aspect analysis, with polarity) comes first; `doc_themes` rows
    of taxonomy 'aspects' (the theme classifier on the aspect taxonomy) follow, without polarity, for the aspects
    the first table does not hold for that document."""
    themes = [ScoredLabel(doc_id, theme, score) for doc_id, theme, score in editorial_themes(corpus, ids)]
    aspects = [ScoredLabel(doc_id, aspect, score, polarity=polarity)
               for doc_id, aspect, score, polarity in document_aspects(corpus, ids)]
    return themes, aspects


def sentiments(corpus: "Corpus", ids: Sequence[str]) -> Iterator[SentimentRow]:
    for r in corpus.select_in("SELECT doc_id, label, score FROM doc_sentiment WHERE doc_id IN ({marks})", ids):
        yield SentimentRow(r[0], r[1], float(r[2]))


def mentions(corpus: "Corpus", ids: Sequence[str]) -> Iterator[MentionRow]:
    """Entity mentions in text order within each document."""
    for r in corpus.select_in("SELECT doc_id, entity, type, text FROM mentions WHERE doc_id IN ({marks})"
                              " ORDER BY doc_id, start", ids):
        yield MentionRow(r[0], r[1], r[2], r[3])


def figures(corpus: "Corpus", ids: Sequence[str]) -> Iterator[FigureRow]:
    for r in corpus.select_in("SELECT doc_id, value, about, source, sentence, number, unit FROM figures"
                              " WHERE doc_id IN ({marks}) ORDER BY id", ids):
        yield FigureRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6])


def studies(corpus: "Corpus", ids: Sequence[str]) -> Iterator[StudyRow]:
    for r in corpus.select_in("SELECT doc_id, name, conducted_by, commissioned_by, year, scope FROM studies"
                              " WHERE doc_id IN ({marks}) ORDER BY id", ids):
        yield StudyRow(r[0], r[1], r[2], r[3], r[4], r[5])


def quotes(corpus: "Corpus", ids: Sequence[str]) -> Iterator[QuoteRow]:
    for r in corpus.select_in("SELECT doc_id, text, speaker FROM quotes WHERE doc_id IN ({marks}) ORDER BY id", ids):
        yield QuoteRow(r[0], r[1], r[2])


def document_topics(corpus: "Corpus", ids: Sequence[str]) -> Iterator[ScoredLabel]:
    """Topics of these documents with their labels, by document then score (highest first)."""
    for r in corpus.select_in("SELECT dt.doc_id, dt.topic_id, t.label, dt.score FROM doc_topics dt JOIN topics t"
                              " ON t.id = dt.topic_id WHERE dt.doc_id IN ({marks}) ORDER BY dt.doc_id, dt.score DESC",
                              ids):
        yield ScoredLabel(r[0], r[1], float(r[3]), label=r[2])
