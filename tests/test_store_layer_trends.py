"""Issue #20, the trends/report/dynamics part: one rule for the rows of aspects (two tables) and one order for
evidence passages. (No SQL outside textlens/store/: tests/test_architecture.py checks the whole package.)"""
from __future__ import annotations

import pandas as pd
import pytest

# ---- the aspect rule: two tables, read once ---------------------------------------------------------------
@pytest.fixture()
def aspects_in_two_tables(tmp_path):
    """A store whose aspects come from both analyses: the sentiment's doc_aspects and themes' 'aspects' taxonomy."""
    from textlens.store import Corpus

    corpus = Corpus.open(tmp_path / "a.db")
    with corpus.transaction() as c:
        for i, (kind, year) in enumerate([("verbatim", 2020), ("verbatim", 2021), ("verbatim", 2021)]):
            c.execute("INSERT INTO documents(id, source, kind, raw_text, text, year, content_hash, ingested_at,"
                      " updated_at) VALUES (?, 's.csv', ?, 't', 't', ?, ?, 0, 0)", (f"d{i}", kind, year, f"h{i}"))
        c.executemany("INSERT INTO doc_aspects(doc_id, aspect_id, polarity, score) VALUES (?,?,?,?)",
                      [("d0", "price", "negative", 0.4), ("d1", "price", None, 0.9)])
        c.executemany("INSERT INTO doc_themes(doc_id, theme_id, taxonomy, score) VALUES (?,?,?,?)",
                      [("d0", "price", "aspects", 0.7), ("d2", "claims", "aspects", 0.5),
                       ("d2", "claims_theme", "editorial", 0.5)])
    yield corpus
    corpus.close()


def test_aspect_rows_combine_both_tables_once_per_document(aspects_in_two_tables):
    from textlens.store.items import aspect_ids, aspect_rows, has_items, present_items
    from textlens.query import Filters

    rows = aspect_rows(aspects_in_two_tables).sort_values(["doc_id", "item"]).reset_index(drop=True)
    assert rows[["doc_id", "item"]].values.tolist() == [["d0", "price"], ["d1", "price"], ["d2", "claims"]]
    assert rows.loc[rows["doc_id"] == "d0", "score"].item() == pytest.approx(0.7)  # the best of the two scores
    assert sorted(aspect_ids(aspects_in_two_tables)) == ["claims", "price"]
    assert has_items(aspects_in_two_tables, "aspect") and has_items(aspects_in_two_tables, "theme")
    # the report's list of aspects used to read doc_aspects alone and missed "claims"
    assert present_items(aspects_in_two_tables, "aspect", Filters()) == ["price", "claims"]


def test_the_aspect_filter_keeps_documents_of_either_table(aspects_in_two_tables):
    from textlens.store.items import item_filter_sql

    condition = item_filter_sql("aspect", "d")
    kept = {aspect: [r[0] for r in aspects_in_two_tables.conn.execute(
        f"SELECT d.id FROM documents d WHERE {condition} ORDER BY d.id", [aspect])]
        for aspect in ("price", "claims", "claims_theme")}
    assert kept == {"price": ["d0", "d1"], "claims": ["d2"], "claims_theme": []}  # an editorial theme is no aspect
    theme = item_filter_sql("theme", "d")
    assert [r[0] for r in aspects_in_two_tables.conn.execute(
        f"SELECT d.id FROM documents d WHERE {theme}", ["claims"])] == []  # nor an aspect a theme


# ---- one order for evidence --------------------------------------------------------------------------------
def test_evidence_passages_are_ranked_by_score_then_document_then_passage():
    from textlens.trends import rank_passages

    hits = pd.DataFrame({"passage_id": [5, 3, 9, 1, 2], "doc_id": ["b", "b", "a", "c", "a"],
                         "score": [0.5, 0.5, 0.5, 0.9, 0.1]})
    assert rank_passages(hits)["passage_id"].tolist() == [1, 9, 3, 5, 2]
