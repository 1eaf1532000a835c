"""Words over-represented in a group of documents (a period, a segment) against the other documents.

Dunning's log-likelihood (G2) per French Snowball stem, the term shown in its most frequent form, with the
passages using it as evidence. Used by `textlens compare` (segments) and `textlens trends --terms` (periods).

Counted with numpy over integer word and stem ids. The words come from the counts `textlens run` stored per
document (`textlens.dynamics.term_counts`): cutting every passage's text into words at each query (600,000
tokens on 10,000 reviews) was half of `textlens compare`. A store without those counts is read from the
passages' text, with the same result (tests compare both paths, and the former code).
"""
from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from textlens.dynamics.term_counts import is_scored_word, passage_tokens
from textlens.errors import StoreError
from textlens.query import french_stop_words

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from textlens.store import Corpus

OVER_REPRESENTED_COLUMNS = ["group", "term", "llr", "p", "count", "expected", "docs", "passage_ids"]
DENSE_MAX = 4_000_000  # groups x stems cells counted in one array (32 MB) rather than by sorting the pairs


@dataclass
class OverRepresentedTerm:
    """One term of one group: G2 (`llr`, rounded to 3 decimals), its chi-square(1) tail `p`, the count in
    the group against the `expected` count, the documents using it and up to `examples` passage ids."""

    group: Any
    term: str
    llr: float
    p: float
    count: int
    expected: float
    docs: int
    passage_ids: list[int]


@dataclass
class OverRepresented:
    """The terms of every scored group (by group, then strongest first) and the tokens counted in all groups."""

    terms: list[OverRepresentedTerm]
    tokens: int


@dataclass
class _Counts:
    """The scored tokens of the grouped documents' passages as counted entries, in reading order: one entry per
    token (read from the text) or per (word, stem, passage) with its count (read from `doc_terms`)."""

    stem_id: "np.ndarray"
    word_id: "np.ndarray"  # any integer naming the word (the stored counts: its 64-bit id)
    passage: "np.ndarray"  # entry -> passage index
    count: "np.ndarray"
    n_stems: int
    size_of: "np.ndarray"  # group code -> every token of its documents, scored or not
    passage_ids: list[int]  # passage index -> passage id
    passage_doc: "np.ndarray"  # passage index -> document index
    passage_group: "np.ndarray"  # passage index -> group code
    stem_texts: Callable[[list[int]], dict[int, str]]  # stem ids -> their text
    word_texts: Callable[[list[int]], dict[int, str]]


def over_represented(corpus: "Corpus", group_of: dict[str, Hashable], top: int = 15, min_count: int = 3,
                     groups: Sequence[Hashable] | None = None, examples: int = 3) -> OverRepresented:
    """Terms over-represented in each group of documents against the other documents of `group_of`.

    `group_of` maps a document id to its group; documents absent from it are not read at all, so two groups alone
    compare one with the other. `groups` limits the groups scored (the others still count as "the rest").
    Words are grouped by stem; stop words, numbers and words under 3 letters are not scored but count in the
    totals. Only terms seen at least `min_count` times and more often than expected are kept, `top` per group.
    The words come from the counts the run stored (`doc_terms`) when every document has them, else from the
    passages' text (a store made before that table: the same result, slower).
    """
    import numpy as np

    from textlens.trends_stats import log_likelihood

    group_of = {doc: g for doc, g in group_of.items() if g is not None}  # no group: not read, as if absent
    names = list(dict.fromkeys(group_of.values()))
    code = {name: k for k, name in enumerate(names)}
    code_of = {doc: code[g] for doc, g in group_of.items()}
    tokens = _stored_counts(corpus, code_of, len(names)) or _counts_from_text(corpus, code_of, len(names))
    size_of = tokens.size_of
    grand = int(size_of.sum())
    stem_id, passage, word_id, weight = tokens.stem_id, tokens.passage, tokens.word_id, tokens.count
    group = tokens.passage_group[passage]
    n_stems = tokens.n_stems
    totals = np.bincount(stem_id, weights=weight, minlength=n_stems).astype(np.int64)
    # (group, stem) counts of the pairs seen, in key order: one count per cell when groups x stems is small (faster
    # than sorting the pairs), else by sorting (months x vocabulary can be large)
    keys = group.astype(np.int64) * n_stems + stem_id
    if len(names) * n_stems <= DENSE_MAX:
        dense = np.bincount(keys, weights=weight, minlength=len(names) * n_stems).astype(np.int64)
        pairs = np.flatnonzero(dense)
        counts = dense[pairs]
    else:
        pairs, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=weight, minlength=len(pairs)).astype(np.int64)
    pair_group, pair_stem = pairs // n_stems, pairs % n_stems
    bounds = np.searchsorted(pair_group, np.arange(len(names) + 1))
    wanted = set(groups) if groups is not None else None
    candidates: list[tuple[int, list[tuple[float, int, int, float]]]] = []  # (group, [(G2, stem, count, expected)])
    for g in sorted(range(len(names)), key=lambda k: names[k]):
        lo, hi = bounds[g], bounds[g + 1]
        if (wanted is not None and names[g] not in wanted) or lo == hi:
            continue
        size = int(size_of[g])
        rest = grand - size
        if rest <= 0:
            continue
        a, s = counts[lo:hi], pair_stem[lo:hi]
        found = np.flatnonzero((a >= min_count) & (a > totals[s] * size / grand))
        scored = []
        for i in found.tolist():  # G2 in Python floats: the very values the former code gave
            count, total = int(a[i]), int(totals[s[i]])
            b = total - count
            scored.append((log_likelihood(count, b, size - count, rest - b), int(s[i]), count, total * size / grand))
        candidates.append((g, scored))
    stem_text = tokens.stem_texts(sorted({stem for _, scored in candidates for _, stem, _, _ in scored}))
    picked: list[tuple[int, int, float, int, float]] = []  # (group, stem, G2, count, expected)
    for g, scored in candidates:
        scored.sort(key=lambda x: (-x[0], stem_text[x[1]]))
        picked += [(g, stem, g2, count, expected) for g2, stem, count, expected in scored[:top]]
    if not picked:
        return OverRepresented([], grand)
    shown = np.array(sorted({stem for _, stem, *_ in picked}))
    on_shown = np.isin(stem_id, shown)
    # the words numbered among the shown stems' tokens only (a few thousand, not every token)
    shown_words, shown_word_id = np.unique(word_id[on_shown], return_inverse=True)
    form = {stem: int(shown_words[w]) for stem, w in
            _most_frequent_forms(stem_id[on_shown], shown_word_id.ravel(), weight[on_shown], len(shown_words)).items()}
    word_text = tokens.word_texts(sorted({form[stem] for _, stem, *_ in picked}))
    using = _passages_using(stem_id[on_shown], passage[on_shown])
    out = []
    for g, stem, g2, count, expected in picked:
        found_in = using[stem]
        found_in = found_in[tokens.passage_group[found_in] == g]  # reading order: passage indices ascend
        out.append(OverRepresentedTerm(
            names[g], word_text[form[stem]], round(g2, 3), math.erfc(math.sqrt(g2 / 2)), count,
            round(expected, 2), len(set(tokens.passage_doc[found_in].tolist())),
            [int(tokens.passage_ids[i]) for i in found_in[:examples].tolist()]))
    return OverRepresented(out, grand)


def over_represented_terms(corpus: "Corpus", group_of: dict[str, Hashable], top: int = 15, min_count: int = 3,
                           groups: Sequence[Hashable] | None = None, examples: int = 3) -> "pd.DataFrame":
    """`over_represented` as a DataFrame of OVER_REPRESENTED_COLUMNS, for `trends --terms` (the number of tokens
    counted is `over_represented(...).tokens`)."""
    import pandas as pd

    found = over_represented(corpus, group_of, top=top, min_count=min_count, groups=groups, examples=examples)
    names = [f.name for f in fields(OverRepresentedTerm)]
    out = pd.DataFrame([dict(zip(names, (getattr(t, n) for n in names))) for t in found.terms],
                       columns=OVER_REPRESENTED_COLUMNS)
    return out


def _stored_counts(corpus: "Corpus", code_of: dict[str, int], n_groups: int) -> _Counts | None:
    """The entries of the documents in `code_of` (document -> group code) from the counts the run stored; None
    when a document has none counted with today's vocabulary (a store made before them, or stop words changed)."""
    import numpy as np

    from textlens.dynamics.term_counts import entry_dtype, vocabulary
    from textlens.store.terms import counted_terms, term_texts

    rows = [r for r in counted_terms(corpus, vocabulary()) if r[0] in code_of]
    if len(rows) < len(code_of):
        log.info("%d of %d documents have no word counts of today's stop words (`textlens run` adds them): words "
                 "read from the passages' text, which is slower", len(code_of) - len(rows), len(code_of))
        return None
    dtype = entry_dtype()
    entries = np.frombuffer(b"".join(r[2] for r in rows), dtype=dtype)  # one call: a structured frombuffer is slow
    doc_group = np.fromiter((code_of[r[0]] for r in rows), dtype=np.int64, count=len(rows))
    doc_of_entry = np.repeat(np.arange(len(rows)), [len(r[2]) // dtype.itemsize for r in rows])
    passage_id = entries["passage"]
    starts = np.flatnonzero(np.r_[True, passage_id[1:] != passage_id[:-1]]) if len(entries) else np.empty(0, int)
    passage = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(entries)]))
    stems, stem_id = np.unique(entries["stem"], return_inverse=True)
    passage_doc = doc_of_entry[starts]

    def texts_of(ids: "np.ndarray | None") -> Callable[[list[int]], dict[int, str]]:
        """Texts by index into `ids`, or (None) by the term id itself."""
        def texts(wanted: list[int]) -> dict[int, str]:
            term_of = {i: int(ids[i]) if ids is not None else int(i) for i in wanted}
            found = term_texts(corpus, list(term_of.values()))
            missing = [i for i in wanted if term_of[i] not in found]
            if missing:
                raise StoreError(f"{corpus.path}: {len(missing)} counted words have no text in term_texts (the "
                                 "store is damaged: build it again with `textlens run` into a new --db)")
            return {i: found[term_of[i]] for i in wanted}

        return texts

    return _Counts(
        stem_id=stem_id.ravel(), word_id=entries["word"], passage=passage, count=entries["count"].astype(np.int64),
        n_stems=len(stems),
        size_of=np.bincount(doc_group, weights=[r[1] for r in rows], minlength=n_groups).astype(np.int64),
        passage_ids=passage_id[starts].tolist(), passage_doc=passage_doc, passage_group=doc_group[passage_doc],
        stem_texts=texts_of(stems), word_texts=texts_of(None))


def _counts_from_text(corpus: "Corpus", code_of: dict[str, int], n_groups: int) -> _Counts:
    """One read of the passages of the documents in `code_of` (document -> group code): words and stems as ids,
    one entry per scored token.

    The stems come from the store. All passages are cut into words at once, joined by a break character that no
    word holds (a tenth of a second less than passage by passage); when the break character occurs in a text or
    a passage's stems do not match its words one for one (text edited since), the words are read passage by
    passage (`passage_tokens`)."""
    import numpy as np

    from textlens.store.terms import passages_in_reading_order

    rows = [r for r in passages_in_reading_order(corpus) if r[1] in code_of]
    texts, stem_texts = [r[2] for r in rows], [r[3] for r in rows]
    words = _WORD_OR_BREAK.findall(_BREAK.join(texts).lower())  # lower() reads the break as no letter: as apart
    stems = f" {_BREAK} ".join(stem_texts).split()
    (word_id, word_list), (stem_id, stem_list) = _ids(words), _ids(stems)
    lengths = _lengths(word_id, word_list, len(rows))
    if lengths is not None and np.array_equal(lengths, _lengths(stem_id, stem_list, len(rows))):
        if len(rows) > 1:  # the breaks are no tokens
            word_id = word_id[word_id != word_list.index(_BREAK)]
            stem_id = stem_id[stem_id != stem_list.index(_BREAK)]
    else:
        words, stems, lengths = _tokens_passage_by_passage(texts, stem_texts)
        (word_id, word_list), (stem_id, stem_list) = _ids(words), _ids(stems)
    docs = [r[1] for r in rows]
    doc_index = {d: i for i, d in enumerate(dict.fromkeys(docs))}
    passage = np.repeat(np.arange(len(rows)), lengths)
    passage_group = np.fromiter((code_of[d] for d in docs), dtype=np.int64, count=len(docs))
    stop = french_stop_words()
    scored_word = np.array([is_scored_word(w, stop) for w in word_list], bool)  # per distinct word, then indexed
    scored_stem = np.array([s not in stop for s in stem_list], bool)
    kept = scored_word[word_id] & scored_stem[stem_id]
    return _Counts(
        stem_id=stem_id[kept], word_id=word_id[kept], passage=passage[kept], count=np.ones(int(kept.sum()), np.int64),
        n_stems=len(stem_list),
        size_of=np.bincount(passage_group[passage], minlength=n_groups),
        passage_ids=[r[0] for r in rows],
        passage_doc=np.fromiter(map(doc_index.__getitem__, docs), dtype=np.int64, count=len(docs)),
        passage_group=passage_group,
        stem_texts=lambda ids: {i: stem_list[i] for i in ids}, word_texts=lambda ids: {i: word_list[i] for i in ids})


_BREAK = "\x00"  # between two passages' texts: not a word character, so never part of a word
_WORD_OR_BREAK = re.compile(r"\w+|\x00", re.UNICODE)


def _ids(tokens: list[str]) -> tuple["np.ndarray", list[str]]:
    """Each token's id (first seen, first numbered) and the distinct tokens."""
    import numpy as np

    index = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
    return np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens)), list(index)


def _lengths(ids: "np.ndarray", distinct: list[str], n_passages: int) -> "np.ndarray | None":
    """Tokens per passage between the breaks; None unless there are exactly n_passages - 1 breaks."""
    import numpy as np

    at = np.flatnonzero(ids == distinct.index(_BREAK)) if _BREAK in distinct else np.array([], dtype=np.int64)
    if len(at) != n_passages - 1 or n_passages == 0:
        return None
    return np.diff(np.concatenate([[-1], at, [len(ids)]])) - 1


def _tokens_passage_by_passage(texts: list[str], stem_texts: list[str]) -> tuple[list[str], list[str], list[int]]:
    all_words: list[str] = []
    all_stems: list[str] = []
    lengths: list[int] = []
    for text, stem_text in zip(texts, stem_texts):
        words, stems = passage_tokens(text, stem_text)
        all_words += words
        all_stems += stems
        lengths.append(len(words))
    return all_words, all_stems, lengths


def _most_frequent_forms(stem_id: "np.ndarray", word_id: "np.ndarray", count: "np.ndarray", n_words: int
                          ) -> dict[int, int]:
    """Stem -> its most frequent word form; on a tie the form seen first (entries are in reading order)."""
    import numpy as np

    pairs, first, inverse = np.unique(stem_id * n_words + word_id, return_index=True, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=count, minlength=len(pairs)).astype(np.int64)
    best: dict[int, tuple[int, int, int]] = {}  # stem -> (count, first position, word)
    for pair, at, n in zip(pairs.tolist(), first.tolist(), counts.tolist()):
        stem, word = divmod(pair, n_words)
        held = best.get(stem)
        if held is None or n > held[0] or (n == held[0] and at < held[1]):
            best[stem] = (n, at, word)
    return {stem: word for stem, (_, _, word) in best.items()}


def _passages_using(stem_id: "np.ndarray", passage: "np.ndarray") -> dict[int, "np.ndarray"]:
    """Stem -> the passages (indices, ascending, each once) where it is a scored token."""
    import numpy as np

    if not len(stem_id):
        return {}
    order = np.lexsort((passage, stem_id))
    stems, passages = stem_id[order], passage[order]
    # each passage once: a new stem or a new passage starts a run (not np.unique, which loads numpy.ma)
    first = np.r_[True, (stems[1:] != stems[:-1]) | (passages[1:] != passages[:-1])]
    stems, passages = stems[first], passages[first]
    cuts = np.flatnonzero(np.diff(stems)) + 1
    return {int(chunk_stems[0]): chunk for chunk_stems, chunk in zip(np.split(stems, cuts), np.split(passages, cuts))}
