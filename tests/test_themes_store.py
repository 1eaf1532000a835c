"""Themes through the real pipeline on the demo corpus: stored rows, export fields, queries with evidence."""
from __future__ import annotations

import pytest

from textlens.query import QueryError
from textlens.store import Corpus
from textlens.trends import evidence, prevalence, theme_table


@pytest.mark.slow
def test_demo_corpus_themes_are_stored_exported_and_queryable(demo_db):
    from textlens.export import export_records

    with Corpus.open(demo_db, readonly=True) as corpus:
        docs = corpus.documents(include_text=False).set_index("id")
        themes = corpus.table("doc_themes")
        assert set(themes.taxonomy) == {"editorial", "aspects"}
        kinds = docs.loc[themes.doc_id, "kind"].to_numpy()
        assert set(kinds[themes.taxonomy.to_numpy() == "aspects"]) == {"verbatim"}
        assert "verbatim" not in set(kinds[themes.taxonomy.to_numpy() == "editorial"])
        assert themes.score.between(0.5, 1.0).all()
        # every document theme is backed by at least one passage row (its evidence)
        pt = corpus.table("passage_themes")
        backed = set(zip(pt.doc_id, pt.theme_id))
        assert set(zip(themes.doc_id, themes.theme_id)) <= backed

        table = prevalence(corpus, "theme", by="year").table
        off = table[(table["item"] == "offshoring") & (table["n"] > 0)]
        assert len(off) >= 3 and off.share.between(0, 1).all() and (off.ci_low <= off.share).all()
        ev = evidence(corpus, "theme", "offshoring", limit=5)
        assert len(ev) == 5 and set(ev.doc_id) <= set(themes.doc_id[themes.theme_id == "offshoring"])
        aspects = theme_table(corpus, "aspect").table
        assert set(aspects.theme[aspects.docs > 0]) >= {"price", "reachability_wait", "digital_channels"}
        with pytest.raises(QueryError, match="unknown dimension"):
            prevalence(corpus, "colour")

    records = {r["id"]: r for r in export_records(demo_db)}
    verb = [r for r in records.values() if r["kind"] == "verbatim"]
    arts = [r for r in records.values() if r["kind"] != "verbatim"]
    assert sum(bool(r["aspects"]) for r in verb) / len(verb) > 0.8
    assert all(not r["themes"] for r in verb)
    assert sum(bool(r["themes"]) for r in arts) == len(arts)
