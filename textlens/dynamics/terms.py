"""Words over-represented in a group of documents (a period, a segment) against the other documents.

Dunning's log-likelihood (G2) per French Snowball stem, the term shown in its most frequent form, with the
passages using it as evidence. Used by `textlens compare` (segments) and `textlens trends --terms` (periods).

Counted with numpy over integer word and stem ids: the former pass in Python over every token (600,000 on
10,000 reviews) was the largest part of `textlens compare`. The output is the same, row for row (a test runs the
former code beside it).
"""
from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from textlens.query import french_stop_words

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from textlens.store import Corpus

OVER_REPRESENTED_COLUMNS = ["group", "term", "llr", "p", "count", "expected", "docs", "passage_ids"]
DENSE_MAX = 4_000_000  # groups x stems cells counted in one array (32 MB) rather than by sorting the pairs
#: the tokens the store's `stems` column was made from (`textlens.analysis.segment.stems`), one stem per word
WORD = re.compile(r"\w+", re.UNICODE)


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
class _Tokens:
    """Every token of the grouped documents' passages, in reading order, as integer ids."""

    words: list[str]  # word id -> lower-cased form
    stems: list[str]  # stem id -> stem
    word_id: "np.ndarray"
    stem_id: "np.ndarray"
    passage: "np.ndarray"  # token -> passage index
    passage_ids: list[int]  # passage index -> passage id
    passage_doc: "np.ndarray"  # passage index -> document index
    passage_group: "np.ndarray"  # passage index -> group code


def over_represented(corpus: "Corpus", group_of: dict[str, Hashable], top: int = 15, min_count: int = 3,
                     groups: Sequence[Hashable] | None = None, examples: int = 3) -> OverRepresented:
    """Terms over-represented in each group of documents against the other documents of `group_of`.

    `group_of` maps a document id to its group; documents absent from it are not read at all, so two groups alone
    compare one with the other. `groups` limits the groups scored (the others still count as "the rest").
    Words are grouped by stem; stop words, numbers and words under 3 letters are not scored but count in the
    totals. Only terms seen at least `min_count` times and more often than expected are kept, `top` per group.
    """
    import numpy as np

    from textlens.analysis.segment import fold
    from textlens.trends_stats import log_likelihood

    group_of = {doc: g for doc, g in group_of.items() if g is not None}  # no group: not read, as if absent
    names = list(dict.fromkeys(group_of.values()))
    code = {name: k for k, name in enumerate(names)}
    tokens = _read_tokens(corpus, {doc: code[g] for doc, g in group_of.items()})
    stop = french_stop_words()
    scored_word = np.array([len(w) >= 3 and not w.isdigit() and fold(w) not in stop for w in tokens.words], bool)
    scored_stem = np.array([s not in stop for s in tokens.stems], bool)
    token_group = tokens.passage_group[tokens.passage]
    size_of = np.bincount(token_group, minlength=len(names))  # every token counts in the sizes
    grand = int(size_of.sum())
    kept = scored_word[tokens.word_id] & scored_stem[tokens.stem_id]
    stem_id, group, passage, word_id = (tokens.stem_id[kept], token_group[kept], tokens.passage[kept],
                                        tokens.word_id[kept])
    n_stems = len(tokens.stems)
    totals = np.bincount(stem_id, minlength=n_stems)
    # (group, stem) counts of the pairs seen, in key order: one count per cell when groups x stems is small (faster
    # than sorting the pairs), else by sorting (months x vocabulary can be large)
    keys = group.astype(np.int64) * n_stems + stem_id
    if len(names) * n_stems <= DENSE_MAX:
        dense = np.bincount(keys, minlength=len(names) * n_stems)
        pairs = np.flatnonzero(dense)
        counts = dense[pairs]
    else:
        pairs, counts = np.unique(keys, return_counts=True)
    pair_group, pair_stem = pairs // n_stems, pairs % n_stems
    bounds = np.searchsorted(pair_group, np.arange(len(names) + 1))
    wanted = set(groups) if groups is not None else None
    picked: list[tuple[Hashable, int, float, int, float]] = []  # (group, stem, G2, count, expected)
    for g in sorted(range(len(names)), key=lambda k: names[k]):
        lo, hi = bounds[g], bounds[g + 1]
        if (wanted is not None and names[g] not in wanted) or lo == hi:
            continue
        size = int(size_of[g])
        rest = grand - size
        if rest <= 0:
            continue
        a, s = counts[lo:hi], pair_stem[lo:hi]
        candidates = np.flatnonzero((a >= min_count) & (a > totals[s] * size / grand))
        scored = []
        for i in candidates.tolist():  # G2 in Python floats: the very values the former code gave
            count, total = int(a[i]), int(totals[s[i]])
            b = total - count
            scored.append((log_likelihood(count, b, size - count, rest - b), int(s[i]), count, total * size / grand))
        scored.sort(key=lambda x: (-x[0], tokens.stems[x[1]]))
        picked += [(g, stem, g2, count, expected) for g2, stem, count, expected in scored[:top]]
    if not picked:
        return OverRepresented([], grand)
    shown = np.array(sorted({stem for _, stem, *_ in picked}))
    on_shown = np.isin(stem_id, shown)
    form = _most_frequent_forms(stem_id[on_shown], word_id[on_shown], len(tokens.words))
    using = _passages_using(stem_id[on_shown], passage[on_shown])
    out = []
    for g, stem, g2, count, expected in picked:
        found = using[stem]
        found = found[tokens.passage_group[found] == g]  # reading order: passage indices ascend
        out.append(OverRepresentedTerm(
            names[g], tokens.words[form[stem]], round(g2, 3), math.erfc(math.sqrt(g2 / 2)), count,
            round(expected, 2), int(np.unique(tokens.passage_doc[found]).size),
            [tokens.passage_ids[i] for i in found[:examples].tolist()]))
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


def _read_tokens(corpus: "Corpus", code_of: dict[str, int]) -> _Tokens:
    """One read of the passages of the documents in `code_of` (document -> group code): words and stems as ids.

    The stems come from the store. All passages are cut into words at once, joined by a break character that no
    word holds (a tenth of a second less than passage by passage); when the break character occurs in a text or
    a passage's stems do not match its words one for one (text edited since), the words are read passage by
    passage, the stems of such a passage being its accent-folded words."""
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
    return _Tokens(
        words=word_list, stems=stem_list, word_id=word_id, stem_id=stem_id,
        passage=np.repeat(np.arange(len(rows)), lengths), passage_ids=[r[0] for r in rows],
        passage_doc=np.fromiter(map(doc_index.__getitem__, docs), dtype=np.int64, count=len(docs)),
        passage_group=np.fromiter((code_of[d] for d in docs), dtype=np.int64, count=len(docs)))


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
    from textlens.analysis.segment import fold

    all_words: list[str] = []
    all_stems: list[str] = []
    lengths: list[int] = []
    for text, stem_text in zip(texts, stem_texts):
        words = WORD.findall(text.lower())
        stems = stem_text.split()
        if len(stems) != len(words):
            stems = [fold(w) for w in words]
        all_words += words
        all_stems += stems
        lengths.append(len(words))
    return all_words, all_stems, lengths


def _most_frequent_forms(stem_id: "np.ndarray", word_id: "np.ndarray", n_words: int) -> dict[int, int]:
    """Stem -> its most frequent word form; on a tie the form seen first (tokens are in reading order)."""
    import numpy as np

    pairs, first, counts = np.unique(stem_id * n_words + word_id, return_index=True, return_counts=True)
    best: dict[int, tuple[int, int, int]] = {}  # stem -> (count, first position, word)
    for pair, at, count in zip(pairs.tolist(), first.tolist(), counts.tolist()):
        stem, word = divmod(pair, n_words)
        held = best.get(stem)
        if held is None or count > held[0] or (count == held[0] and at < held[1]):
            best[stem] = (count, at, word)
    return {stem: word for stem, (_, _, word) in best.items()}


def _passages_using(stem_id: "np.ndarray", passage: "np.ndarray") -> dict[int, "np.ndarray"]:
    """Stem -> the passages (indices, ascending, each once) where it is a scored token."""
    import numpy as np

    order = np.lexsort((passage, stem_id))
    stems, passages = stem_id[order], passage[order]
    cuts = np.flatnonzero(np.diff(stems)) + 1
    return {int(chunk_stems[0]): np.unique(chunk) for chunk_stems, chunk in
            zip(np.split(stems, cuts), np.split(passages, cuts))}
