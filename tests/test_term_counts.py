"""The word counts a run stores per document (`textlens.dynamics.term_counts`, issue #19): the over-represented
words read from them are the words the former pass over every passage's text gave, row for row; a store without
them, or with stale ones, is read from the text; a re-run counts nothing again. Every text here is ours.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from test_compare_speed import CASES, _former_over_represented_terms, _random_store
from textlens.dynamics import terms
from textlens.dynamics.term_counts import TermCountAnalyzer, count_document, vocabulary
from textlens.dynamics.terms import over_represented, over_represented_terms
from textlens.pipeline import analyse, analysis_inputs
from textlens.store import AnalysisStore, Corpus


def _counted(path: Path) -> Path:
    with Corpus.open(path) as corpus:
        summary = analyse(corpus, ["terms"])
        assert summary.analysed["terms"] == corpus.count()
    return path


@pytest.fixture(scope="module")
def counted_stores(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("counted")
    return [(_counted(path), segment_of, year_of)
            for path, segment_of, year_of in (_random_store(root / f"c{seed}.db", seed) for seed in (1, 2, 3))]


@pytest.fixture
def text_path_refused(monkeypatch):
    """Fails any read of the passages' text: the result must come from the stored counts."""
    def refuse(*args, **kwargs):
        raise AssertionError("read the passages' text although every document has stored counts")

    monkeypatch.setattr(terms, "_counts_from_text", refuse)


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_stored_counts_give_the_words_of_the_former_pass(counted_stores, case: dict, text_path_refused):
    compared = 0
    for path, segment_of, year_of in counted_stores:
        two = {d: s for d, s in segment_of.items() if s in ("Alpha", "Beta")}
        some_none = {d: (None if y == 2017 else y) for d, y in year_of.items()}
        with Corpus.open(path, readonly=True) as corpus:
            for group_of in (segment_of, year_of, two, some_none):
                old = _former_over_represented_terms(corpus, group_of, **case)
                pd.testing.assert_frame_equal(over_represented_terms(corpus, group_of, **case), old, check_exact=True)
                assert over_represented(corpus, group_of, **case).tokens == old.attrs["tokens"]
                compared += len(old)
    assert compared >= 20


def test_stored_counts_sorted_by_pairs_give_the_same_rows(counted_stores, text_path_refused, monkeypatch):
    path, _, year_of = counted_stores[0]
    with Corpus.open(path, readonly=True) as corpus:
        dense = over_represented_terms(corpus, year_of, min_count=1)
        monkeypatch.setattr(terms, "DENSE_MAX", 0)
        pd.testing.assert_frame_equal(over_represented_terms(corpus, year_of, min_count=1), dense, check_exact=True)
        pd.testing.assert_frame_equal(dense, _former_over_represented_terms(corpus, year_of, min_count=1),
                                      check_exact=True)


def test_missing_or_stale_counts_are_read_from_the_text(counted_stores, tmp_path: Path, monkeypatch):
    path, segment_of, _ = counted_stores[1]
    copy = Path(shutil.copy(path, tmp_path / "copy.db"))
    read_from_text = []
    former = terms._counts_from_text
    monkeypatch.setattr(terms, "_counts_from_text", lambda *a: read_from_text.append(1) or former(*a))
    with Corpus.open(copy) as corpus, corpus.transaction() as c:
        c.execute("DELETE FROM doc_terms WHERE doc_id = (SELECT MIN(doc_id) FROM doc_terms)")
    with Corpus.open(copy, readonly=True) as corpus:
        reference = _former_over_represented_terms(corpus, segment_of, top=20)
        pd.testing.assert_frame_equal(over_represented_terms(corpus, segment_of, top=20), reference, check_exact=True)
    assert read_from_text == [1]
    with Corpus.open(copy) as corpus:
        assert analyse(corpus, ["terms"]).analysed["terms"] == 0  # its analysis state is still there
        with corpus.transaction() as c:  # counted with other stop words: stale everywhere
            c.execute("UPDATE doc_terms SET vocabulary = 'other stop words'")
    with Corpus.open(copy, readonly=True) as corpus:
        pd.testing.assert_frame_equal(over_represented_terms(corpus, segment_of, top=20), reference, check_exact=True)
    assert read_from_text == [1, 1]


def test_a_rerun_counts_nothing_and_new_passages_are_counted_again(tmp_path: Path):
    from textlens.document import Passage
    from textlens.analysis.segment import stems

    path, segment_of, _ = _random_store(tmp_path / "rerun.db", seed=5, n_docs=30)
    with Corpus.open(path) as corpus:
        assert analyse(corpus, ["terms"]).analysed["terms"] == 30
        assert analyse(corpus, ["terms"]).analysed["terms"] == 0
        doc_id = sorted(segment_of)[0]
        text = "Contrat résilié, contrat clos."
        with corpus.transaction():
            corpus.replace_passages(doc_id, [Passage(doc_id, 0, 0, len(text), text)], [stems(text)])
        assert corpus.conn.execute("SELECT COUNT(*) FROM doc_terms WHERE doc_id = ?", (doc_id,)).fetchone()[0] == 0
        assert analyse(corpus, ["terms"]).analysed["terms"] == 1
        tokens = corpus.conn.execute("SELECT tokens FROM doc_terms WHERE doc_id = ?", (doc_id,)).fetchone()[0]
    assert tokens == 4


def test_counts_of_one_document():
    """Every word counts in the size; scored pairs per passage in order of first occurrence, with their counts."""
    from textlens.analysis.segment import stems

    passages = [(11, "Le contrat, les contrats et le contrat.", None), (12, "Résilier ? 2019 : résilier le contrat", None)]
    tokens, entries = count_document((pid, text, stems(text)) for pid, text, _ in passages)
    assert tokens == 7 + 5
    assert entries == [("contrat", "contrat", 11, 2), ("contrats", "contrat", 11, 1),
                       ("résilier", "resili", 12, 2), ("contrat", "contrat", 12, 1)]


def test_a_worker_without_the_passages_counts_as_the_parent(counted_stores):
    """A cluster worker's store copy holds no passages: it stems the text as ingestion did, and its rows are the
    parent's byte for byte."""
    path, segment_of, _ = counted_stores[2]
    analyzer = TermCountAnalyzer()
    with Corpus.open(path, readonly=True) as corpus:
        batch = analysis_inputs(corpus, sorted(segment_of)[:40])
        parent = AnalysisStore.of(corpus)
        parent.expect(analyzer.name, analyzer.side_tables)
        here = analyzer.analyze(batch, parent)
        here_texts = parent.take_side_rows()
    worker = AnalysisStore.detached({})
    worker.expect(analyzer.name, analyzer.side_tables)
    there = analyzer.analyze(batch, worker)
    assert there == here and worker.take_side_rows() == here_texts
    assert {r["vocabulary"] for r in here["doc_terms"]} == {vocabulary()}
    assert sum(r["tokens"] for r in here["doc_terms"]) > 100


def test_counts_whose_texts_are_gone_are_a_clear_error(counted_stores, tmp_path: Path):
    from textlens.store import StoreError

    path, segment_of, _ = counted_stores[0]
    copy = Path(shutil.copy(path, tmp_path / "damaged.db"))
    with Corpus.open(copy) as corpus, corpus.transaction() as c:
        c.execute("DELETE FROM term_texts")
    with Corpus.open(copy, readonly=True) as corpus, pytest.raises(StoreError, match="term_texts"):
        over_represented(corpus, segment_of)
