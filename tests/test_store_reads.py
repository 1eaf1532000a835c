"""Store reads that carry a schema rule (issue #20): aspects live in two tables, and the shared filters are one WHERE
clause the store writes from any object with the filter fields (the store never imports textlens.query)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from textlens.document import Document
from textlens.query import Filters
from textlens.store import Corpus, filtered_doc_ids, where_clause
from textlens.store import export as export_store
from textlens.store.items import aspect_ids, theme_ids


@pytest.fixture()
def corpus(tmp_path):
    """Two verbatims: v1 has `price` from the aspect analysis (with polarity) and again, with `claims`, from the
    theme classifier on the aspect taxonomy, plus an editorial theme; v2 has only a classifier aspect."""
    c = Corpus.open(tmp_path / "s.db")
    with c.transaction():
        for doc_id in ("v1", "v2"):
            c.upsert_document(Document(id=doc_id, text="Trop cher.", raw_text="Trop cher.", kind="verbatim",
                                       source="avis.csv", language="fr"))
        c.write_analysis("sentiment", ["doc_aspects"], {"v1": "k"}, {"doc_aspects": [
            {"doc_id": "v1", "aspect_id": "price", "polarity": "negative", "score": 0.9}]})
        c.write_analysis("themes", ["doc_themes"], {"v1": "k", "v2": "k"}, {"doc_themes": [
            {"doc_id": "v1", "theme_id": "price", "taxonomy": "aspects", "score": 0.8},
            {"doc_id": "v1", "theme_id": "claims", "taxonomy": "aspects", "score": 0.7},
            {"doc_id": "v1", "theme_id": "offshoring", "taxonomy": "editorial", "score": 0.6},
            {"doc_id": "v2", "theme_id": "waiting", "taxonomy": "aspects", "score": 0.5}]})
    yield c
    c.close()


def test_aspects_come_from_both_tables_once_per_document(corpus):
    themes, aspects = export_store.themes_and_aspects(corpus, ["v1", "v2"])
    assert [(a.doc_id, a.id, a.polarity, a.score) for a in aspects] == [
        ("v1", "price", "negative", 0.9), ("v1", "claims", None, 0.7), ("v2", "waiting", None, 0.5)]
    assert [(t.doc_id, t.id) for t in themes] == [("v1", "offshoring")]
    assert sorted(aspect_ids(corpus)) == ["claims", "price", "waiting"]
    assert theme_ids(corpus) == ["offshoring"]


@pytest.mark.parametrize(("aspect", "selected"), [("price", ["v1"]), ("claims", ["v1"]), ("waiting", ["v2"]),
                                                  ("offshoring", [])])
def test_the_aspect_filter_reads_both_tables(corpus, aspect, selected):
    assert filtered_doc_ids(corpus.conn, Filters(aspect=aspect)) == selected


def test_the_filter_clause_needs_only_the_filter_fields(corpus):
    fields = dict.fromkeys(["year", "year_from", "year_to", "kind", "theme", "aspect", "entity", "type", "sentiment",
                            "source", "emotion", "intent"])
    plain = SimpleNamespace(**{**fields, "theme": "offshoring", "source": "avis"})
    assert where_clause(plain) == where_clause(Filters(theme="offshoring", source="avis"))
    assert filtered_doc_ids(corpus.conn, plain) == ["v1"]
    assert filtered_doc_ids(corpus.conn, SimpleNamespace(**{**fields, "source": "50%_off"})) == []
