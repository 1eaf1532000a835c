"""The store reads the CLI needs before a query (textlens/store/lookups.py): the display language of a store and the
ids to suggest for a mistyped one, on a small store written here."""
from __future__ import annotations

import pytest

from textlens.document import Document
from textlens.store import Corpus
from textlens.store.lookups import ids_like, language_counts, store_language_counts


@pytest.fixture()
def store(tmp_path):
    db = tmp_path / "lookups.db"
    with Corpus.open(db) as corpus:
        with corpus.transaction():
            for doc_id, lang in [("avis-001", "fr"), ("avis-002", "fr"), ("avis-010", "fr"), ("review-1", "en"),
                                 ("sans-langue", None)]:
                corpus.upsert_document(Document(doc_id, "texte", "texte", kind="verbatim", language=lang))
    return db


def test_language_counts_of_a_sample_leave_out_unknown_languages(store):
    with Corpus.open(store, readonly=True) as corpus:
        assert language_counts(corpus.conn) == {"fr": 3, "en": 1}
        assert sum(language_counts(corpus.conn, sample=2).values()) <= 2
    assert store_language_counts(store) == {"fr": 3, "en": 1}


def test_no_store_yet_means_no_language(tmp_path):
    assert store_language_counts(tmp_path / "absent.db") == {}
    (tmp_path / "not-a-store.db").write_text("plain text, not SQLite", encoding="utf-8")
    assert store_language_counts(tmp_path / "not-a-store.db") == {}


def test_ids_like_suggests_ids_containing_the_fragment_in_order(store):
    with Corpus.open(store, readonly=True) as corpus:
        assert ids_like(corpus.conn, "avis-0") == ["avis-001", "avis-002", "avis-010"]
        assert ids_like(corpus.conn, "avis", limit=2) == ["avis-001", "avis-002"]
        assert ids_like(corpus.conn, "zzz") == []
