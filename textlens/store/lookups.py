"""Small reads that serve the command line before any query runs: the language a store is written in (the language
of its messages and headers) and the ids close to one the user mistyped. Kept here so the CLI holds no SQL."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from textlens.store.database import Corpus, StoreError

#: documents looked at to decide the display language: enough to see what a corpus is written in, few enough that
#: a query command on a million-document store still answers in about a second
LANGUAGE_SAMPLE = 2000


def language_counts(conn: sqlite3.Connection, sample: int | None = LANGUAGE_SAMPLE) -> dict[str, int]:
    """Languages of (at most) the first `sample` documents, all of them with `sample=None`, duplicates left out,
    e.g. {"fr": 1980, "en": 20}: enough to choose the language of the words we show (`i18n.corpus_lang`); a CLI
    command samples to start fast, the report counts everything."""
    limit = -1 if sample is None else int(sample)  # SQLite: a negative LIMIT is no limit
    rows = conn.execute("SELECT language, COUNT(*) FROM (SELECT language FROM documents WHERE duplicate_of IS NULL"
                        " LIMIT ?) GROUP BY language", (limit,)).fetchall()
    return {str(lang): int(n) for lang, n in rows if lang}


def store_language_counts(db: str | Path, sample: int = LANGUAGE_SAMPLE) -> dict[str, int]:
    """`language_counts` of the store at `db`; {} when there is no readable store there yet (a first `run`)."""
    if not Path(db).exists():
        return {}
    try:
        with Corpus.open(db, readonly=True) as corpus:
            return language_counts(corpus.conn, sample)
    except (StoreError, sqlite3.DatabaseError):
        return {}


def ids_like(conn: sqlite3.Connection, fragment: str, limit: int = 5) -> list[str]:
    """Document ids containing `fragment` (in id order), to suggest when an id is not in the store."""
    return [str(r[0]) for r in conn.execute("SELECT id FROM documents WHERE id LIKE ? ORDER BY id LIMIT ?",
                                            (f"%{fragment}%", int(limit)))]
