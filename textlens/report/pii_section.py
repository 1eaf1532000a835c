"""The report's statement about personal data (issue #18): how the store was masked at ingest."""
from __future__ import annotations

import sqlite3


def privacy_lines(conn: sqlite3.Connection, lang: str | None = None) -> list[str]:
    """Sentences for the method section, in `lang` (default: the corpus's, French unless mostly English)."""
    from textlens.i18n import corpus_lang
    from textlens.ingest.pii import status_lines
    from textlens.store.lookups import language_counts
    from textlens.store.pii import read_status

    return status_lines(read_status(conn), lang or corpus_lang(language_counts(conn, sample=None)))
