"""Reads of the over-represented words (`textlens.dynamics.terms`): the passages' text and stems, and the term
counts the run stored (`doc_terms`, `term_texts`, written by `textlens.dynamics.term_counts`).

Typed functions taking a `Corpus`; the only SQL of that feature.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textlens.store.database import Corpus


def passages_in_reading_order(corpus: "Corpus") -> Iterator[tuple[int, str, str, str]]:
    """(passage id, doc id, text, space-separated stems) of every passage, document by document, in text order.

    Plain tuples (not `sqlite3.Row`): the words pass reads tens of thousands of rows and only unpacks them."""
    cursor = corpus.conn.cursor()
    cursor.row_factory = None
    return iter(cursor.execute("SELECT id, doc_id, text, stems FROM passages ORDER BY doc_id, idx"))


def passage_stems(corpus: "Corpus", passage_ids: Sequence[int]) -> dict[int, str]:
    """Passage id -> its stored space-separated stems (the stems the words pass reads)."""
    return {int(r[0]): str(r[1]) for r in corpus.select_in("SELECT id, stems FROM passages WHERE id IN ({marks})",
                                                            list(passage_ids))}


def counted_terms(corpus: "Corpus", vocabulary: str) -> list[tuple[str, int, bytes]]:
    """(doc id, tokens, packed term counts) of every document counted with `vocabulary` (the stop words and
    tokenizer the counts were made with), in document id order: the reading order of `passages_in_reading_order`.
    A store made before the table existed has none."""
    cursor = corpus.conn.cursor()
    cursor.row_factory = None
    sql = "SELECT doc_id, tokens, terms FROM doc_terms WHERE vocabulary = ? ORDER BY doc_id"
    try:
        return cursor.execute(sql, (vocabulary,)).fetchall()
    except sqlite3.OperationalError as exc:  # a read-only store opened before its schema had the table
        if "no such table" in str(exc):
            return []
        raise


def term_texts(corpus: "Corpus", ids: Sequence[int]) -> dict[int, str]:
    """Term id -> its text (a word or a stem) for these ids."""
    return {int(r[0]): str(r[1]) for r in corpus.select_in("SELECT id, text FROM term_texts WHERE id IN ({marks})",
                                                            [int(i) for i in ids])}

