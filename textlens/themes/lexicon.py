"""Accent-, inflection- and typo-tolerant matching of taxonomy terms in French text.

Customer text has no accents, doubled or missing letters and one-letter typos ("rapel",
"remboursemment", "resiliation"); press text has OCR slips ("Poffshore"). Every word is
compared on a *skeleton*: lower-case, accent-free, ligatures opened, repeated letters collapsed.
A plain term word then matches a text word with the same skeleton, the same Snowball stem
(a cheap stand-in for lemmas that needs no tagger) or, for words of 6+ letters, a Damerau-
Levenshtein distance of 1 (rapidfuzz). Hits keep character offsets so they can serve as evidence.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from textlens.themes.taxonomy import Taxonomy
from textlens.vocab import french_stemmer

_WORD = re.compile(r"\w+", re.UNICODE)
ELIDED = frozenset({"d", "l", "j", "n", "s", "c", "m", "t", "qu", "y"})  # d'attente, l'offshore, qu'il...
MAX_GAP = 1  # other words allowed between two words of a multiword term
FUZZY_MIN = 6  # shortest skeleton eligible for one-typo matching
FUZZY_PREFIX_MIN = 8  # shorter prefixes ("impoli*") would catch common words ("imposs...")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


class _FoldTable(dict):
    """str.translate table filled on first sight of each character: accents off, one character kept
    as one character (characters whose accent-free form is not a single character stay as they are)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out = self[code] = base if len(base) == 1 else ch
        return out


_FOLD = _FoldTable()


def fold_keep_length(text: str) -> str:
    """Lower-case, accent-free copy of `text` with the same length (per character of the lower-cased
    text), so offsets carry over. One table lookup per character: this runs on every passage."""
    return text.lower().translate(_FOLD)


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """Matching key of one word: folded, ligatures opened, runs of a letter collapsed ("rappel" -> "rapel")."""
    w = fold_keep_length(word).translate(_LIGATURES)
    return re.sub(r"(.)\1+", r"\1", w)


@lru_cache(maxsize=200_000)
def stem_skeleton(word: str) -> str:
    return skeleton(french_stemmer().stemWord(fold_keep_length(word)))


@dataclass(frozen=True)
class Hit:
    """One term found in a text: which theme, which term, where, how strong."""

    theme_id: str
    term: str
    start: int
    end: int
    weight: float
    fuzzy: bool = False


@dataclass(frozen=True)
class _Word:
    kind: str  # "exact" | "plain" | "prefix"
    key: str
    stem: str = ""


@dataclass(frozen=True)
class _Term:
    theme_id: str
    text: str
    weight: float
    words: tuple[_Word, ...] = ()
    regex: re.Pattern[str] | None = None


def _compile_term(theme_id: str, term: str, weight: float) -> _Term:
    if term.startswith("re:"):
        return _Term(theme_id, term, weight, regex=re.compile(term[3:]))
    exact = term.startswith("=")
    body = term[1:] if exact else term
    words = []
    for m in re.finditer(r"\w+\*?", body):
        w = m.group()
        star = w.endswith("*")
        w = w.rstrip("*")
        if w.lower() in ELIDED and len(words) + 1 < len(re.findall(r"\w+", body)):
            continue  # "d'ordre" -> "ordre"; a trailing one-letter word is kept
        if star:
            words.append(_Word("prefix", skeleton(w)))
        elif exact:
            words.append(_Word("exact", skeleton(w)))
        else:
            words.append(_Word("plain", skeleton(w), stem_skeleton(w)))
    return _Term(theme_id, term, weight, words=tuple(words))


_WORD_CACHES: dict[str, dict[str, tuple[frozenset[int], frozenset[int]]]] = {}


class LexicalMatcher:
    """All terms of a taxonomy compiled once; `find(text)` returns the hits per theme.

    Within a theme, overlapping hits keep the longest (so "trop cher" counts once, not as
    "trop cher" + "cher"), and hits overlapping an `exclude` match of that theme are dropped.
    """

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        weak = taxonomy.scoring.weak_weight
        self.terms: list[_Term] = []
        self.excludes: list[_Term] = []
        for th in taxonomy.themes:
            self.terms += [_compile_term(th.id, t, 1.0) for t in th.terms]
            self.terms += [_compile_term(th.id, t, weak) for t in th.weak_terms]
            self.excludes += [_compile_term(th.id, t, 0.0) for t in th.exclude]
        self._all = self.terms + self.excludes
        # word -> ids of the term-words it can match, computed once per distinct text word
        self._exact: dict[str, set[int]] = {}
        self._plain: dict[str, set[int]] = {}
        self._stem: dict[str, set[int]] = {}
        self._prefix: list[tuple[str, int]] = []
        self._fuzzy_keys: list[str] = []
        self._fuzzy_ids: dict[str, set[int]] = {}
        self._word_ids: list[_Word] = []
        index: dict[_Word, int] = {}
        self._term_word_ids: list[tuple[int, ...]] = []
        for term in self._all:
            ids = []
            for w in term.words:
                if w not in index:
                    index[w] = len(self._word_ids)
                    self._word_ids.append(w)
                    i = index[w]
                    if w.kind == "prefix":
                        self._prefix.append((w.key, i))
                    else:
                        (self._exact if w.kind == "exact" else self._plain).setdefault(w.key, set()).add(i)
                        if w.kind == "plain":
                            self._stem.setdefault(w.stem, set()).add(i)
                            if len(w.key) >= FUZZY_MIN:
                                self._fuzzy_ids.setdefault(w.key, set()).add(i)
                ids.append(index[w])
            self._term_word_ids.append(tuple(ids))
        self._fuzzy_keys = sorted(self._fuzzy_ids)
        self._by_first: dict[int, list[int]] = {}
        for ti, ids in enumerate(self._term_word_ids):
            if ids:
                self._by_first.setdefault(ids[0], []).append(ti)
        # shared by the matchers of one taxonomy in a process (themes and sentiment's aspect spans):
        # word ids follow from the taxonomy's content alone, and a typo lookup costs a fuzzy search
        self._cache = _WORD_CACHES.setdefault(f"{taxonomy.sha1}:{len(self._word_ids)}:{len(self._all)}", {})
        self._regexes = [(ti, t.regex) for ti, t in enumerate(self._all) if t.regex is not None]

    def _word_matches(self, word: str) -> tuple[frozenset[int], frozenset[int]]:
        """(term-word ids matched exactly/by stem/prefix, ids matched only through a typo)."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        sk = skeleton(word)
        ids: set[int] = set(self._exact.get(sk, ())) | self._plain.get(sk, set())
        ids |= self._stem.get(stem_skeleton(word), set())
        for prefix, i in self._prefix:
            if sk.startswith(prefix):
                ids.add(i)
        fuzzy: set[int] = set()
        if len(sk) >= FUZZY_MIN:
            from rapidfuzz import process
            from rapidfuzz.distance import DamerauLevenshtein

            dist = DamerauLevenshtein.distance
            if self._fuzzy_keys:
                for key, _score, _ in process.extract(sk, self._fuzzy_keys, scorer=dist, score_cutoff=1, limit=None):
                    # a typo rarely hits the first letter of a short word; OCR slips do ("Poffshore")
                    if key[0] == sk[0] or min(len(key), len(sk)) >= 7:
                        fuzzy |= self._fuzzy_ids[key]
            for prefix, i in self._prefix:  # "injoingnables" ~ "injoignable*"
                n = len(prefix)
                if n >= FUZZY_PREFIX_MIN and i not in ids and sk[0] == prefix[0] and len(sk) >= n - 1 and any(
                    dist(prefix, sk[: n + d], score_cutoff=1) <= 1 for d in (-1, 0, 1)
                ):
                    fuzzy.add(i)
            fuzzy -= ids
        out = (frozenset(ids), frozenset(fuzzy))
        if len(self._cache) > 500_000:
            self._cache.clear()
        self._cache[word] = out
        return out

    def _raw_hits(self, text: str, folded: str, terms: range) -> list[tuple[int, int, int, bool]]:
        """(term index, start, end, fuzzy) for every occurrence of the terms with index in `terms`."""
        toks = [(m.start(), m.end(), w) for m in _WORD.finditer(folded) if (w := m.group()) not in ELIDED]
        word_matches = self._word_matches
        matches = [word_matches(t[2]) for t in toks]
        out = []
        lo, hi = terms.start, terms.stop
        by_first = self._by_first
        for pos, (exact, fuzzy) in enumerate(matches):
            if not exact and not fuzzy:  # most words belong to no term
                continue
            for wid in (exact | fuzzy if fuzzy else exact):
                for ti in by_first.get(wid, ()):
                    if not lo <= ti < hi:
                        continue
                    ids = self._term_word_ids[ti]
                    is_fuzzy = wid in fuzzy
                    end_pos = pos
                    ok = True
                    for nxt in ids[1:]:
                        found = None
                        for q in range(end_pos + 1, min(end_pos + 2 + MAX_GAP, len(toks))):
                            e, f = matches[q]
                            if nxt in e or nxt in f:
                                found = q
                                is_fuzzy = is_fuzzy or nxt in f
                                break
                        if found is None:
                            ok = False
                            break
                        end_pos = found
                    if ok:
                        out.append((ti, toks[pos][0], toks[end_pos][1], is_fuzzy))
        for ti, rx in self._regexes:
            if lo <= ti < hi:
                out += [(ti, m.start(), m.end(), False) for m in rx.finditer(folded) if m.end() > m.start()]
        return out

    def find(self, text: str) -> dict[str, list[Hit]]:
        """Hits per theme id (themes without hits are absent)."""
        folded = fold_keep_length(text)
        n = len(self.terms)
        raw = self._raw_hits(text, folded, range(0, len(self._all)))
        excl: dict[str, list[tuple[int, int]]] = {}
        cand: dict[str, list[Hit]] = {}
        for ti, a, b, fz in raw:
            term = self._all[ti]
            if ti >= n:
                excl.setdefault(term.theme_id, []).append((a, b))
            else:
                cand.setdefault(term.theme_id, []).append(
                    Hit(term.theme_id, term.text, a, b, term.weight * (0.7 if fz else 1.0), fz)
                )
        out: dict[str, list[Hit]] = {}
        for tid, hits in cand.items():
            spans = excl.get(tid, [])
            hits = [h for h in hits if not any(h.start < e and s < h.end for s, e in spans)]
            kept: list[Hit] = []
            for h in sorted(hits, key=lambda h: (-(h.end - h.start), -h.weight, h.start)):
                if not any(h.start < k.end and k.start < h.end for k in kept):
                    kept.append(h)
            if kept:
                out[tid] = sorted(kept, key=lambda h: h.start)
        return out

    def evidence(self, text: str) -> dict[str, float]:
        """Lexical evidence per theme: the summed weights of distinct terms found (repeats count once)."""
        out: dict[str, float] = {}
        for tid, hits in self.find(text).items():
            best: dict[str, float] = {}
            for h in hits:
                best[h.term] = max(best.get(h.term, 0.0), h.weight)
            out[tid] = sum(best.values())
        return out
