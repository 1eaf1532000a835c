"""The scored words of each document, counted once by the run, so that over-represented words are sums.

`textlens compare` and `textlens trends --terms` score words per group of documents (`textlens.dynamics.terms`).
Reading every passage's text and cutting it into words at each query took half of `compare` on 10,000 reviews;
this analysis does that cutting once per document, when the document is analysed, and stores:
- `doc_terms`: per document, its number of tokens (every word counts in a group's size) and, packed as one
  array (`ENTRY`), each scored (word, stem) pair of each passage with its count, passage by passage and, within
  a passage, in order of first occurrence: the order of the array is the reading order the words pass needs;
- `term_texts`: the text of every word and stem id. Ids are 64-bit hashes of the text, so worker processes
  count without sharing a numbering.
The rows name the `vocabulary` (stop words, tokenizer) they were counted with: a changed stop-word list makes
them stale (the analysis key changes too, so the next run recounts), and stale or missing rows send the query
back to the passages' text, which gives the same result, only slower.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from textlens.analysis.base import AnalysisInput, Analyzer, Rows

if TYPE_CHECKING:
    import numpy as np

    from textlens.store import Corpus

FORMAT = "1"  # bump when the packed entries or the tokenization change
#: one packed entry: the word's and the stem's ids, the passage id and the word's count in that passage
ENTRY_FIELDS = (("word", "<i8"), ("stem", "<i8"), ("passage", "<i8"), ("count", "<i4"))


#: the tokens the store's `stems` column was made from (`textlens.analysis.segment.stems`), one stem per word
WORD = re.compile(r"\w+", re.UNICODE)


def entry_dtype() -> "np.dtype":
    import numpy as np

    return np.dtype(list(ENTRY_FIELDS))


def term_id(text: str) -> int:
    """A stable 64-bit id of a word or stem (signed, as SQLite stores integers); never Python's `hash`, which
    changes from one process to the next."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


@lru_cache(maxsize=1)
def vocabulary() -> str:
    """The name of what decides which words are scored: the stop words, the tokenizer and FORMAT."""
    from textlens.query import french_stop_words

    raw = "\n".join([FORMAT, WORD.pattern, *sorted(french_stop_words())])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def is_scored_word(word: str, stop: frozenset[str]) -> bool:
    """The word's half of `is_scored`: 3 letters or more, not a number, not a stop word once accent-folded."""
    from textlens.analysis.segment import fold

    return len(word) >= 3 and not word.isdigit() and fold(word) not in stop


def is_scored(word: str, stem: str, stop: frozenset[str]) -> bool:
    """Whether a token is a candidate term: a scored word (`is_scored_word`) whose stem is not a stop word either
    (the others still count in the groups' sizes)."""
    return is_scored_word(word, stop) and stem not in stop


def passage_tokens(text: str, stem_text: str) -> tuple[list[str], list[str]]:
    """A passage's lower-cased words and their stems: the stored stems when they match the words one for one,
    else (text edited since) the accent-folded words."""
    from textlens.analysis.segment import fold

    words = WORD.findall(text.lower())
    stems = stem_text.split()
    if len(stems) != len(words):
        stems = [fold(w) for w in words]
    return words, stems


def count_document(passages: Iterable[tuple[int, str, str]]) -> tuple[int, list[tuple[str, str, int, int]]]:
    """(tokens, [(word, stem, passage id, count)]) of one document's (passage id, text, stems) in text order:
    every token counts in `tokens`; only the scored ones (`is_scored`) are listed, passage by passage,
    each passage's pairs in order of first occurrence."""
    from textlens.query import french_stop_words

    stop = french_stop_words()
    tokens = 0
    out: list[tuple[str, str, int, int]] = []
    for passage_id, text, stem_text in passages:
        words, stems = passage_tokens(text, stem_text)
        tokens += len(words)
        counts: dict[tuple[str, str], int] = {}
        for pair in zip(words, stems):
            counts[pair] = counts.get(pair, 0) + 1
        out += [(w, s, passage_id, n) for (w, s), n in counts.items() if is_scored(w, s, stop)]
    return tokens, out


def pack(entries: list[tuple[str, str, int, int]], ids: dict[str, int]) -> bytes:
    """`count_document`'s pairs as the bytes of an ENTRY array, words and stems by `term_id` (`ids`: the ids
    known so far, completed here; a batch repeats the same words thousands of times)."""
    import numpy as np

    def id_of(text: str) -> int:
        found = ids.get(text)
        if found is None:
            found = ids[text] = term_id(text)
        return found

    return np.array([(id_of(w), id_of(s), p, n) for w, s, p, n in entries], dtype=entry_dtype()).tobytes()


class TermCountAnalyzer(Analyzer):
    """Counts each document's scored words for the over-represented words (`doc_terms`, `term_texts`)."""

    name: ClassVar[str] = "terms"
    version: ClassVar[str] = FORMAT
    tables: ClassVar[tuple[str, ...]] = ("doc_terms",)
    side_tables: ClassVar[tuple[str, ...]] = ("term_texts",)

    def config_fingerprint(self) -> str:
        return vocabulary()

    def analyze(self, batch: list[AnalysisInput], store: "Corpus") -> Rows:
        from textlens.analysis.segment import stems
        from textlens.store.terms import passage_stems

        # the stored stems, which the words pass reads too; a store copy without passages (a cluster worker's)
        # stems the text as ingestion did
        stored = passage_stems(store, [p.id for d in batch for p in d.passages if p.id is not None])
        name = vocabulary()
        rows: list[dict[str, Any]] = []
        ids: dict[str, int] = {}
        for doc in batch:
            tokens, entries = count_document(
                (int(p.id or 0), p.text, stored[p.id] if p.id in stored else stems(p.text)) for p in doc.passages)
            rows.append({"doc_id": doc.doc_id, "tokens": tokens, "vocabulary": name, "terms": pack(entries, ids)})
        store.add_side_rows("term_texts", [{"id": i, "text": t} for t, i in ids.items()])
        return {"doc_terms": rows}
