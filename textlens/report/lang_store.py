"""The store queries of the report's language choice (kept apart so the SQL can move to textlens/store/ as is)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textlens.store import Corpus


def document_language_counts(corpus: "Corpus") -> dict[str, int]:
    """Documents per language code (duplicates left out, unknown language under ''), for `i18n.corpus_lang`."""
    rows = corpus.conn.execute(
        "SELECT COALESCE(language, ''), COUNT(*) FROM documents WHERE duplicate_of IS NULL GROUP BY 1")
    return {str(code): int(n) for code, n in rows}
