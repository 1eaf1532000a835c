"""The store reads of the CLI itself (not of a query): kept apart so they move to `textlens/store/` as they are."""
from __future__ import annotations

import sqlite3
from pathlib import Path

#: documents looked at to decide the display language: enough to see what a corpus is written in, few enough that
#: a query command on a million-document store still answers in about a second
LANGUAGE_SAMPLE = 2000


def language_counts(conn: sqlite3.Connection, sample: int = LANGUAGE_SAMPLE) -> dict[str, int]:
    """Languages of (at most) the first `sample` documents, e.g. {"fr": 1980, "en": 20}."""
    rows = conn.execute("SELECT language, COUNT(*) FROM (SELECT language FROM documents LIMIT ?)"
                        " GROUP BY language", (int(sample),)).fetchall()
    return {str(lang): int(n) for lang, n in rows if lang}


def store_language_counts(db: str | Path, sample: int = LANGUAGE_SAMPLE) -> dict[str, int]:
    """`language_counts` of the store at `db`; {} when there is no readable store there yet."""
    from textlens.store import Corpus, StoreError

    if not Path(db).exists():
        return {}
    try:
        with Corpus.open(db, readonly=True) as corpus:
            return language_counts(corpus.conn, sample)
    except (StoreError, sqlite3.DatabaseError):
        return {}
