"""Hashed word / character / negation-flip n-grams: the sentiment model's featuriser, built for speed.

Why not scikit-learn's TfidfVectorizer: its char n-gram analyzer runs in Python for every n-gram of
every text, each n-gram then goes through a vocabulary dict, and the vocabularies (400k strings) take
seconds to unpickle in every worker. Here:
- one tokenisation per text feeds the word n-grams (negation/contrast-marked, `text.word_tokens`),
  the negation-flipped uni/bigrams and the character n-grams;
- character n-grams are `char_wb` n-grams, i.e. local to a word: each distinct word is expanded and
  hashed once (cached), and a text's counts are (text x word counts) @ (word x n-gram counts), one
  sparse product for the whole batch;
- word n-grams are token hashes combined with numpy integer arithmetic, for the whole batch at once;
- columns are hashed (no vocabulary); `fit` keeps the columns seen in >= min_df training texts and
  stores them as one sorted integer array next to their IDF weights, so loading is a few array reads.
Values follow TfidfVectorizer(sublinear_tf=True): (1 + log tf) * idf, each block L2-normalised.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

BLOCKS = ("word", "char", "flip")
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, hashed columns, values of one block
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_CACHE_MAX = 500_000  # distinct tokens/words kept in the hash caches (cleared beyond)
_token_hash: dict[str, int] = {}
_char_cols: dict[tuple[int, int, int], dict[str, np.ndarray]] = {}  # (lo, hi, n_bits) -> word -> columns


def token_hashes(toks: list[str]) -> np.ndarray:
    """32-bit murmur hashes of tokens (cached per distinct token), as uint64."""
    from sklearn.utils import murmurhash3_32

    cache = _token_hash
    if len(cache) > _CACHE_MAX:
        cache.clear()
    for t in set(toks).difference(cache):
        cache[t] = murmurhash3_32(t, seed=0, positive=True)
    return np.fromiter(map(cache.__getitem__, toks), dtype=np.uint64, count=len(toks))


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(29))
    x = x * _M2
    return x ^ (x >> np.uint64(32))


def ngram_hashes(h: np.ndarray, seq: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the n-grams of the token hashes `h` that stay inside one sequence (`seq` = sequence id
    per token), and the position of each n-gram's first token."""
    if n == 1:
        return h, np.arange(len(h))
    m = len(h) - n + 1
    if m <= 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    same = seq[: m] == seq[n - 1 :]
    x = h[:m] * _M1
    for k in range(1, n):
        x = _mix(x + h[k : k + m]) * _M1
    x = _mix(x + np.uint64(n))
    return x[same], np.flatnonzero(same)


def char_wb_grams(word: str, lo: int, hi: int) -> list[str]:
    """The `char_wb` n-grams of one word, as scikit-learn's analyzer yields them (short words once)."""
    w = f" {word} "
    out = []
    for n in range(lo, hi + 1):
        out += [w[i : i + n] for i in range(max(1, len(w) - n + 1))]
        if len(w) <= n:
            break
    return out


def analyse(text: str) -> tuple[list[str], list[str], list[str], list[int]]:
    """One pass over a text: marked word tokens (+ `fin_` contrast tail), char-n-gram words, and the
    negation-flip words with their signs."""
    from textlens.sentiment.text import fold, word_tokens

    folded = fold(text)
    marked, words, negated = word_tokens(folded)
    if not negated:  # the common case: every word counts +1
        flip = [t for t in marked if t[0].isalnum()]
        return words, folded.split(), flip, [1] * len(flip)
    flip, signs = [], []
    for t in marked:
        if t[:4] == "neg_":
            flip.append(t[4:])
            signs.append(-1)
        elif t[0].isalnum():
            flip.append(t)
            signs.append(1)
    return words, folded.split(), flip, signs


class HashedNgrams(BaseEstimator):
    """Word n-grams + char_wb n-grams + negation-flipped word n-grams -> TF-IDF, hashed columns.

    `raw(texts)` gives the hashed count matrices (stateless, reusable across folds); `fit_raw` keeps
    the frequent columns and their IDF; `transform_raw` maps raw counts to the kept columns.
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] = (2, 5),
                 flip_ngrams: tuple[int, int] = (1, 2), word_min_df: int = 2, char_min_df: int = 3,
                 max_df: float = 0.9, n_bits: int = 22, flip: bool = True):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.flip_ngrams = flip_ngrams
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.max_df = max_df
        self.n_bits = n_bits
        self.flip = flip

    # ---- hashing (stateless) ------------------------------------------------------------------
    def _hashed(self, texts: Sequence[str]) -> tuple[list[Entries], Any, list[np.ndarray]]:
        """One pass over `texts`: (rows, hashed columns, values) of the word and flip blocks, and for the
        char block the (text x distinct word) count matrix with each distinct word's hashed n-gram columns."""
        n, mask = len(texts), np.uint64((1 << self.n_bits) - 1)
        parsed = [analyse(t) for t in texts]
        entries = []
        for block, k in (("word", 0), ("flip", 2)):
            if block == "flip" and not self.flip:
                entries.append((np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)))
                continue
            seqs = [p[k] for p in parsed]
            lens = np.fromiter(map(len, seqs), dtype=np.int64, count=n)
            seq = np.repeat(np.arange(n), lens)
            h = token_hashes(list(chain.from_iterable(seqs)))
            sign = np.fromiter(chain.from_iterable(p[3] for p in parsed), np.float32) if block == "flip" else None
            lo, hi = self.word_ngrams if block == "word" else self.flip_ngrams
            rows, cols, vals = [], [], []
            for g in range(lo, hi + 1):
                x, at = ngram_hashes(h, seq, g)
                rows.append(seq[at])
                cols.append((x & mask).astype(np.int64))
                if sign is None:
                    vals.append(np.ones(len(at), np.float32))
                else:  # an n-gram is negated when any of its words is
                    v = sign[at]
                    for j in range(1, g):
                        v = np.minimum(v, sign[at + j])
                    vals.append(v)
            entries.append((np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)))
        W, word_cols = self._char_words([p[1] for p in parsed])
        return entries, W, word_cols

    def _char_words(self, docs: list[list[str]]) -> tuple[Any, list[np.ndarray]]:
        """(text x distinct word) counts and each distinct word's hashed char n-gram columns (cached):
        char_wb n-grams never cross words, so a text's char counts are W @ (word x n-gram counts)."""
        flat = list(chain.from_iterable(docs))
        ids = {w: i for i, w in enumerate(dict.fromkeys(flat))}
        lens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        W = _csr(np.repeat(np.arange(len(docs)), lens), np.fromiter(map(ids.__getitem__, flat), np.int64, len(flat)),
                 np.ones(len(flat), np.float32), (len(docs), len(ids)))
        lo, hi = self.char_ngrams
        mask = np.uint64((1 << self.n_bits) - 1)
        cache = _char_cols.setdefault((lo, hi, self.n_bits), {})
        if len(cache) > _CACHE_MAX:
            cache.clear()
        for w in set(ids).difference(cache):
            cache[w] = (token_hashes(char_wb_grams(w, lo, hi)) & mask).astype(np.int64)
        return W, [cache[w] for w in ids]

    def raw(self, texts: Sequence[str]) -> list[Any]:
        """[word, char, flip] sparse (n, 2**n_bits) matrices of raw counts (flip: signed counts)."""
        n, size = len(texts), 1 << self.n_bits
        entries, W, word_cols = self._hashed(texts)
        out = [_csr(r, c, v, (n, size)) for r, c, v in entries]
        out.insert(1, _product(W, word_cols, None, size))
        return out

    def transform(self, texts: Sequence[str]) -> Any:
        """TF-IDF features of `texts` in the kept columns (the fast path: no 2**n_bits matrices)."""
        import scipy.sparse as sp

        return sp.hstack(self.transform_blocks(texts), format="csr", dtype=np.float32)

    def transform_blocks(self, texts: Sequence[str]) -> list[Any]:
        """`transform` as its [word, char, flip] blocks (a linear model can skip stacking them)."""
        n = len(texts)
        lookup = self._lookup()
        entries, W, word_cols = self._hashed(texts)
        blocks = []
        for (r, c, v), table, cols in zip(entries, (lookup[0], lookup[2]), (self.columns_[0], self.columns_[2])):
            j = table[c]
            ok = j >= 0
            blocks.append(_csr(r[ok], j[ok], v[ok], (n, len(cols))))
        blocks.insert(1, _product(W, word_cols, lookup[1], len(self.columns_[1])))
        return self._weigh(blocks)

    def block_slices(self) -> list[slice]:
        """Where each block's columns sit in `transform`'s output."""
        ends = np.cumsum([0] + [len(c) for c in self.columns_])
        return [slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:])]

    def _lookup(self) -> list[np.ndarray]:
        """Per block, hashed column -> kept column index or -1 (built on first use, not pickled)."""
        if getattr(self, "_tables", None) is None:
            tables = []
            for cols in self.columns_:
                t = np.full(1 << self.n_bits, -1, dtype=np.int32)
                t[cols] = np.arange(len(cols), dtype=np.int32)
                tables.append(t)
            self._tables = tables
        return self._tables

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_tables"}

    # ---- fitted part --------------------------------------------------------------------------
    def fit_raw(self, raw: list[Any]) -> "HashedNgrams":
        """Keep, per block, the columns present in >= min_df and <= max_df of the texts; store their IDF."""
        self.columns_, self.idf_ = [], []
        for block, X in zip(BLOCKS, raw):
            n = X.shape[0]
            df = np.bincount(X.indices[X.data != 0], minlength=X.shape[1])
            min_df = self.char_min_df if block == "char" else self.word_min_df
            keep = np.flatnonzero((df >= min_df) & (df <= self.max_df * n))
            self.columns_.append(keep.astype(np.int32))
            self.idf_.append((np.log((1 + n) / (1 + df[keep])) + 1).astype(np.float32))
        return self

    def transform_raw(self, raw: list[Any]) -> Any:
        """TF-IDF features from raw hashed counts (training: the counts are hashed once for all folds)."""
        import scipy.sparse as sp

        blocks = []
        for X, cols in zip(raw, self.columns_):
            X = X.tocoo()
            pos = np.searchsorted(cols, X.col)
            pos_c = np.minimum(pos, max(len(cols) - 1, 0))
            ok = (pos < len(cols)) & (X.data != 0)
            if len(cols):
                ok &= cols[pos_c] == X.col
            blocks.append(_csr(X.row[ok], pos[ok], X.data[ok], (X.shape[0], len(cols))))
        return sp.hstack(self._weigh(blocks), format="csr", dtype=np.float32)

    def _weigh(self, blocks: list[Any]) -> list[Any]:
        """Summed counts -> sign * (1 + log |count|) * idf, each block L2-normalised (in place)."""
        from sklearn.preprocessing import normalize

        for X, idf in zip(blocks, self.idf_):
            # a canonical entry order: norms and dot products then sum in the same order whatever the batch
            # (the char block comes from a product whose order follows the batch's distinct words)
            X.sort_indices()
            X.eliminate_zeros()
            v = X.data
            X.data = (np.sign(v) * (1 + np.log(np.abs(v))) * idf[X.indices]).astype(np.float32)
            normalize(X, copy=False)
        return blocks

    def fit(self, texts: Sequence[str], y: Any = None) -> "HashedNgrams":
        return self.fit_raw(self.raw(texts))

    def fit_transform(self, texts: Sequence[str], y: Any = None) -> Any:
        raw = self.raw(texts)
        return self.fit_raw(raw).transform_raw(raw)

    @property
    def n_features_(self) -> int:
        return int(sum(len(c) for c in self.columns_))


def take_rows(raw: list[Any], idx: Any) -> list[Any]:
    """The rows `idx` of raw count matrices (one fold's texts)."""
    return [X[idx] for X in raw]


def _product(W: Any, word_cols: list[np.ndarray], table: np.ndarray | None, width: int) -> Any:
    """W (text x distinct word) @ (distinct word x char n-gram) counts; `table` maps hashed columns to kept
    ones (-1 = dropped) first, so the product is computed in the kept columns only."""
    lens = np.fromiter(map(len, word_cols), dtype=np.int64, count=len(word_cols))
    rows = np.repeat(np.arange(len(word_cols)), lens)
    cols = np.concatenate(word_cols) if word_cols else np.zeros(0, np.int64)
    if table is not None:
        cols = table[cols]
        ok = cols >= 0
        rows, cols = rows[ok], cols[ok]
    M = _csr(rows, cols, np.ones(len(cols), np.float32), (len(word_cols), width))
    return (W @ M).tocsr()


def _csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> Any:
    """CSR matrix with duplicate (row, col) entries summed."""
    import scipy.sparse as sp

    X = sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)
    X.sum_duplicates()
    return X
