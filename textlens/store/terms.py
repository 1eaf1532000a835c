"""Reads of the over-represented words (`textlens.dynamics.terms`): the passages' text and stems.

Typed functions taking a `Corpus`; the only SQL of that feature.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textlens.store.database import Corpus


def passages_in_reading_order(corpus: "Corpus") -> Iterator[tuple[int, str, str, str]]:
    """(passage id, doc id, text, space-separated stems) of every passage, document by document, in text order.

    Plain tuples (not `sqlite3.Row`): the words pass reads tens of thousands of rows and only unpacks them."""
    cursor = corpus.conn.cursor()
    cursor.row_factory = None
    return iter(cursor.execute("SELECT id, doc_id, text, stems FROM passages ORDER BY doc_id, idx"))
