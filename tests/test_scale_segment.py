"""Batched passage splitting (the ingest fast path) gives exactly the passages of the spaCy sentencizer."""
from __future__ import annotations

from textlens.analysis import segment
from textlens.analysis.segment import split_many, split_passages


def reference(doc_id: str, text: str) -> list[tuple[int, int, str]]:
    """Every paragraph through the sentencizer, no shortcut (what split_passages did before batching)."""
    nlp = segment.sentencizer()
    pieces = []
    for a, b in segment._paragraph_spans(text):
        for sent in nlp(text[a:b]).sents:
            pieces.extend(segment._cut_long(a + sent.start_char, a + sent.end_char, text))
    return [(p.start, p.end, p.text) for p in segment._passages(doc_id, text, pieces)]


TEXTS = [
    "",
    "   \n\n  ",
    ".",
    "Bien.  ",
    "Satisfait des tarifs et rapide j'attends de voir",
    "  Super !!!  \n\nMerci. Au revoir",
    "Très bien… Je recommande",
    "M. Dupont a appelé, etc. Rien depuis !",
    "Prix 3.5 € par mois ; voir www.assur.fr.",
    "x ! ) y",
    "Bon. " * 400,
    "mot " * 400,
    "ok\r\nfin.\r\n",
    "Question ? Réponse : non.\n- point un\n- point deux.",
    "« Très déçu. » dit-il",
]


def test_split_many_equals_sentencizer_on_every_paragraph():
    got = split_many([(str(i), t) for i, t in enumerate(TEXTS)])
    for i, text in enumerate(TEXTS):
        assert [(p.start, p.end, p.text) for p in got[i]] == reference(str(i), text), text[:40]
        assert [p.idx for p in got[i]] == list(range(len(got[i])))
        assert all(text[p.start : p.end] == p.text for p in got[i])


def test_split_passages_is_split_many_of_one():
    for i, text in enumerate(TEXTS):
        one = split_passages(str(i), text)
        assert [(p.doc_id, p.idx, p.start, p.end, p.text) for p in one] == \
            [(p.doc_id, p.idx, p.start, p.end, p.text) for p in split_many([(str(i), text)])[0]]


def test_one_sentence_shortcut_only_when_no_inner_punctuation():
    assert segment._one_sentence("Satisfait des tarifs et rapide")
    assert segment._one_sentence("Très bien !!! ")
    assert not segment._one_sentence("Très bien. Je recommande")
    assert not segment._one_sentence("mot " * 400)  # long: may be cut, goes through the sentencizer
