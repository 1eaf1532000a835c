"""Split documents into passages (sentences) and index forms for full-text search.

Uses spaCy's rule-based `sentencizer` on the French tokenizer: ~20x faster than the statistical
parser and good enough for trade-press prose and verbatims (which often have no punctuation at all,
and then stay one passage). Paragraph breaks always end a passage.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from textlens.document import Passage
from textlens.vocab import fold, french_stemmer  # fold re-exported: many modules import it from here

if TYPE_CHECKING:
    from spacy.language import Language

MAX_PASSAGE_CHARS = 1200  # longer runs without punctuation are cut at the nearest comma/semicolon/space
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[>•\-–*]\s)|\n")
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def sentencizer() -> "Language":
    import spacy

    nlp = spacy.blank("fr")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 60_000_000
    return nlp


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _PARAGRAPH.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _cut_long(start: int, end: int, text: str) -> list[tuple[int, int]]:
    out = []
    while end - start > MAX_PASSAGE_CHARS:
        window = text[start : start + MAX_PASSAGE_CHARS]
        cut = max(window.rfind(";"), window.rfind(","), window.rfind(" "))
        cut = cut + 1 if cut > MAX_PASSAGE_CHARS // 3 else MAX_PASSAGE_CHARS
        out.append((start, start + cut))
        start += cut
    out.append((start, end))
    return out


@lru_cache(maxsize=1)
def _sentence_punct() -> tuple[str, "re.Pattern[str]"]:
    """The characters the sentencizer ends sentences on (its own list, so the two never disagree)."""
    chars = "".join(sorted(sentencizer().get_pipe("sentencizer").punct_chars))
    return chars, re.compile("[" + re.escape(chars) + "]")


def _one_sentence(paragraph: str) -> bool:
    """True when the sentencizer returns `paragraph` as one sentence and no cut applies: no sentence
    punctuation except in its trailing run (most verbatims: a sentence boundary needs a word after
    the punctuation), and short enough not to be cut. Such paragraphs skip tokenization; the
    passages are the same either way."""
    if len(paragraph) > MAX_PASSAGE_CHARS:
        return False
    chars, punct = _sentence_punct()
    return not punct.search(paragraph.rstrip().rstrip(chars))


def split_passages(doc_id: str, text: str) -> list[Passage]:
    """Sentences of `text` with character offsets; whitespace-only pieces are dropped."""
    return split_many([(doc_id, text)])[0]


def split_many(docs: Iterable[tuple[str, str]], batch_size: int = 1000) -> list[list[Passage]]:
    """`split_passages` of many (doc_id, text) at once: the paragraphs that need the tokenizer go
    through one `nlp.pipe` call; one-sentence paragraphs (most of a verbatim) skip it."""
    docs = list(docs)
    spans = [_paragraph_spans(text) for _, text in docs]
    todo: list[tuple[int, int, int]] = []  # (doc index, paragraph start, paragraph end) needing spaCy
    sentences: list[list[tuple[int, int]]] = [[] for _ in docs]
    for k, ((_, text), doc_spans) in enumerate(zip(docs, spans)):
        for a, b in doc_spans:
            if _one_sentence(text[a:b]):
                sentences[k].append((a, b))
            else:
                sentences[k].append((-1, len(todo)))  # placeholder, filled below in order
                todo.append((k, a, b))
    split: list[list[tuple[int, int]]] = []
    if todo:
        nlp = sentencizer()
        texts = (docs[k][1][a:b] for k, a, b in todo)
        for (k, a, _), sdoc in zip(todo, nlp.pipe(texts, batch_size=batch_size)):
            split.append([(a + sent.start_char, a + sent.end_char) for sent in sdoc.sents])
    out = []
    for (doc_id, text), sents in zip(docs, sentences):
        pieces: list[tuple[int, int]] = []
        for a, b in sents:
            for sa, sb in (split[b] if a < 0 else [(a, b)]):
                pieces.extend(_cut_long(sa, sb, text))
        out.append(_passages(doc_id, text, pieces))
    return out


def _passages(doc_id: str, text: str, pieces: list[tuple[int, int]]) -> list[Passage]:
    passages = []
    for a, b in pieces:
        chunk = text[a:b]
        stripped = chunk.strip()
        if not stripped or not _WORD.search(stripped):
            continue
        lead = len(chunk) - len(chunk.lstrip())
        a2 = a + lead
        passages.append(Passage(doc_id, len(passages), a2, a2 + len(stripped), stripped))
    return passages


@lru_cache(maxsize=200_000)
def _folded_stem(word: str) -> str:
    return fold(french_stemmer().stemWord(word))


def stems(text: str) -> str:
    """Space-separated French Snowball stems (accent-folded) indexed by FTS5 next to the raw text."""
    return " ".join(map(_folded_stem, _WORD.findall(text.lower())))
