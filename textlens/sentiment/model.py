"""The review-trained sentiment classifier: word + character n-grams into linear models.

Why this design: on 2 shared CPU cores the whole pipeline must run at >= 15k words/s, which rules out
a transformer per text; word n-grams (negation- and contrast-marked, see `text.py`) carry the opinion
words, character n-grams absorb the typos and missing accents of customer writing, and a small
stacker reads how the clauses of a text disagree (the mark of 3-star, mixed reviews). Estimators
follow scikit-learn conventions (`fit(texts, stars)`, `predict_proba`, `predict`) and keep no hidden
state besides the fitted attributes ending in `_`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

# re-exported: scripts and pickled models name them here
from textlens.sentiment.labels import CLASSES, collapse, decide, polarity, star_classes, tune_bias  # noqa: F401


class NgramStars(BaseEstimator):
    """TF-IDF word n-grams (negation/contrast-marked) + char n-grams + negation-flipped uni/bigrams
    (`features.HashedNgrams`) -> multinomial logistic regression over the five star levels (the ordinal
    detail separates 2/3/4 stars). `raw`/`fit_raw`/`predict_star_proba_raw` let a caller hash texts once
    and reuse the counts across folds."""

    def __init__(self, C: float = 10.0, word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] = (2, 5),
                 word_min_df: int = 2, char_min_df: int = 3, flip: bool = True, max_iter: int = 3000,
                 n_bits: int = 22, class_weight: str | None = None):
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.flip = flip
        self.max_iter = max_iter
        self.n_bits = n_bits
        self.class_weight = class_weight

    def _make_features(self) -> Any:
        from textlens.sentiment.features import HashedNgrams

        return HashedNgrams(self.word_ngrams, self.char_ngrams, (1, 2), self.word_min_df, self.char_min_df,
                            n_bits=self.n_bits, flip=self.flip)

    def raw(self, texts: Sequence[str]) -> list[Any]:
        """Hashed raw counts of `texts` (needs no fitting)."""
        return self._make_features().raw(_check_texts(texts))

    def fit(self, texts: Sequence[str], stars: Sequence[int]) -> "NgramStars":
        texts = _check_texts(texts)
        if len(texts) != len(stars):
            raise ValueError(f"{len(texts)} texts but {len(stars)} ratings")
        return self.fit_raw(self.raw(texts), stars)

    def fit_raw(self, raw: list[Any], stars: Sequence[int], sample_weight: Sequence[float] | None = None,
                vocab_raw: list[Any] | None = None) -> "NgramStars":
        """Fit on hashed counts. `sample_weight`: per row (a soft-labelled review is one row per star,
        weighted by its probability); `vocab_raw`: the distinct texts whose columns and IDF are kept, when
        `raw` repeats rows (default: `raw` itself)."""
        from sklearn.linear_model import LogisticRegression

        stars = np.asarray(stars, dtype=int)
        if raw[0].shape[0] != len(stars):
            raise ValueError(f"{raw[0].shape[0]} texts but {len(stars)} ratings")
        if sample_weight is not None and len(sample_weight) != len(stars):
            raise ValueError(f"{len(sample_weight)} sample weights but {len(stars)} ratings")
        star_classes(stars)  # validates the range
        self.features_ = self._make_features().fit_raw(raw if vocab_raw is None else vocab_raw)
        X = self.features_.transform_raw(raw)
        self.clf_ = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight)
        self.clf_.fit(X, stars, sample_weight=None if sample_weight is None else np.asarray(sample_weight, float))
        if list(self.clf_.classes_) != [1, 2, 3, 4, 5]:
            raise ValueError(f"training data must have all five star levels, got {list(self.clf_.classes_)}")
        self.clf_.coef_ = self.clf_.coef_.astype(np.float32)
        return self

    def predict_star_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 5) probabilities of 1..5 stars."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, 5))
        blocks = self.features_.transform_blocks(texts)
        coef = self.clf_.coef_
        z = self.clf_.intercept_ + sum(X @ coef[:, sl].T for X, sl in zip(blocks, self.features_.block_slices()))
        z = z - z.max(axis=1, keepdims=True)  # the multinomial model's softmax, block by block
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_star_proba_raw(self, raw: list[Any]) -> np.ndarray:
        return self.clf_.predict_proba(self.features_.transform_raw(raw))


CLAUSE_STRONG = 0.4  # |clause score| counted as a clearly polar clause in the stacker's features


def meta_features(P5: np.ndarray, clause_P5: np.ndarray, groups: Sequence[int], n_words: Sequence[int]) -> np.ndarray:
    """What the stacker sees of each text: its star probabilities and expected stars, how its clauses
    disagree (max/min/mean/spread of clause scores, shares of clearly polar clauses, first and last
    clause) and its length. `groups[i]` = number of clauses of text i (>= 1), in order, rows of clause_P5."""
    cs = polarity(clause_P5)
    ce = clause_P5 @ np.arange(1, 6)
    g = np.asarray(groups, dtype=np.int64).reshape(-1)
    if len(g) == 0:
        return np.zeros((0, 17))
    starts = np.r_[0, np.cumsum(g)[:-1]]
    mean = np.add.reduceat(cs, starts) / g
    var = np.maximum(np.add.reduceat(cs * cs, starts) / g - mean * mean, 0.0)
    rows = np.c_[np.maximum.reduceat(cs, starts), np.minimum.reduceat(cs, starts), mean, np.sqrt(var), np.log(g),
                 np.add.reduceat((cs > CLAUSE_STRONG).astype(float), starts) / g,
                 np.add.reduceat((cs < -CLAUSE_STRONG).astype(float), starts) / g, cs[starts + g - 1], cs[starts],
                 np.maximum.reduceat(ce, starts) - np.minimum.reduceat(ce, starts)]
    return np.c_[P5, P5 @ np.arange(1, 6), rows, np.log1p(np.asarray(n_words))]


def clause_texts(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """All clauses of all texts (a text without clause boundaries is its own clause) and counts per text."""
    from textlens.sentiment.text import clauses

    flat, groups = [], []
    for t in texts:
        spans = clauses(t) or [(0, len(t))]
        flat += [t[a:b] for a, b in spans]
        groups.append(len(spans))
    return flat, groups


class SentimentClassifier(BaseEstimator):
    """`NgramStars` on the text and on each of its clauses, stacked by a small logistic regression.

    The stacker learns what a 3-star review looks like beyond its words: clauses that disagree
    ("accueil agréable mais remboursement interminable"), lukewarm expected stars, length. It is fitted
    on out-of-fold base predictions (k folds), so it sees the base model as it behaves on unseen text.
    `bias_` holds per-class log-offsets for the final argmax, tuned for macro-F1 by cross-validation
    of the stacker; they do not change `predict_proba`.

    Distillation: `fit(..., soft_texts=, soft_star_proba=)` adds unlabelled reviews with a teacher's star
    probabilities to every fit of the base model (one row per star whose probability reaches `soft_min`,
    weighted by it times `soft_weight`); the stacker and offsets still learn from the gold reviews only.
    """

    def __init__(self, base: NgramStars | None = None, folds: int = 3, stack_C: float = 1.0, random_state: int = 0,
                 soft_weight: float = 1.0, soft_min: float = 0.05):
        self.base = base
        self.folds = folds
        self.stack_C = stack_C
        self.random_state = random_state
        self.soft_weight = soft_weight
        self.soft_min = soft_min

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Models pickled before distillation have no soft-label parameters: give them the defaults."""
        super().__setstate__({"soft_weight": 1.0, "soft_min": 0.05, **state})

    def _meta(self, base: NgramStars, texts: list[str], raw: list[Any] | None = None,
              row: dict[str, int] | None = None, memo: dict[str, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Stacker features of `texts`. With `raw`/`row` (hashed counts of known texts and their row
        numbers) no text is hashed again; `memo` ({text: star probabilities}, filled here) lets a caller
        that scores overlapping texts in several calls (reviews, then their aspects' clauses) skip repeats."""
        from textlens.sentiment.features import take_rows

        flat, groups = clause_texts(texts)
        every = texts + flat
        if raw is not None and row is not None:
            need = np.unique([row[t] for t in every])
            P = np.zeros((max(row.values()) + 1, 5))
            P[need] = base.predict_star_proba_raw(take_rows(raw, need))
            P = P[[row[t] for t in every]]
        else:
            memo = {} if memo is None else memo
            todo = [t for t in dict.fromkeys(every) if t not in memo]  # a one-clause text is its own clause
            if todo:
                memo.update(zip(todo, base.predict_star_proba(todo)))
            P = np.array([memo[t] for t in every]).reshape(len(every), 5)
        n = len(texts)
        words = [len(t.split()) for t in texts]
        return meta_features(P[:n], P[n:], groups, words), P[n:], groups

    def fit(self, texts: Sequence[str], stars: Sequence[int], log: Any = None, soft_texts: Sequence[str] = (),
            soft_star_proba: np.ndarray | None = None) -> "SentimentClassifier":
        import copy
        import time

        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from textlens.sentiment.features import take_rows

        texts = _check_texts(texts)
        stars = np.asarray(stars, dtype=int)
        if len(texts) != len(stars):
            raise ValueError(f"{len(texts)} texts but {len(stars)} ratings")
        y = star_classes(stars)
        soft_texts = _check_texts(soft_texts)
        Q = _check_soft(soft_star_proba, len(soft_texts))
        if self.soft_weight <= 0 or not 0 <= self.soft_min < 1:
            raise ValueError(f"soft_weight must be > 0 and soft_min in [0, 1), got {self.soft_weight}, {self.soft_min}")
        base = self.base if self.base is not None else NgramStars()
        t = time.time()
        every = list(dict.fromkeys(texts + clause_texts(texts)[0] + soft_texts))  # hashed once, reused by every fold
        row = {x: i for i, x in enumerate(every)}
        raw = base.raw(every)
        text_rows = np.array([row[x] for x in texts])
        soft_rows = np.array([row[x] for x in soft_texts], dtype=np.int64)
        soft_i, soft_k = np.nonzero(Q >= self.soft_min)  # one weighted row per (review, star) the teacher weighs
        if log:
            log(f"  hashed {len(every)} texts and clauses: {time.time() - t:.0f} s"
                + (f"; {len(soft_texts)} soft-labelled reviews -> {len(soft_i)} weighted rows" if len(soft_texts) else ""))

        def fit_base(gold: np.ndarray) -> NgramStars:
            """The base model on the gold rows `gold` (+ every soft-labelled review)."""
            if not len(soft_texts):
                return copy.deepcopy(base).fit_raw(take_rows(raw, text_rows[gold]), stars[gold])
            idx = np.r_[text_rows[gold], soft_rows[soft_i]]
            weight = np.r_[np.ones(len(gold)), Q[soft_i, soft_k] * self.soft_weight]
            vocab = take_rows(raw, np.unique(np.r_[text_rows[gold], soft_rows]))
            return copy.deepcopy(base).fit_raw(take_rows(raw, idx), np.r_[stars[gold], soft_k + 1], weight, vocab)
        M = np.zeros((len(texts), 17))
        split = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state).split(texts, stars)
        for k, (a, b) in enumerate(split):
            t = time.time()
            fold = fit_base(a)
            M[b] = self._meta(fold, [texts[i] for i in b], raw, row)[0]
            if log:
                log(f"  base model, fold {k + 1}/{self.folds}: {time.time() - t:.0f} s")
        t = time.time()
        self.base_ = fit_base(np.arange(len(texts)))
        if log:
            log(f"  base model on all {len(texts)} texts: {time.time() - t:.0f} s")

        def stacker() -> Any:
            return make_pipeline(StandardScaler(), LogisticRegression(C=self.stack_C, max_iter=2000))

        cv = StratifiedKFold(5, shuffle=True, random_state=self.random_state)
        oof = cross_val_predict(stacker(), M, y, cv=cv, method="predict_proba")
        self.bias_ = tune_bias(oof, y)
        self.stacker_ = stacker().fit(M, y)
        self.oof_proba_, self.oof_meta_ = oof, M  # for tuning decision settings; dropped before saving
        return self

    def meta_features(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 17) what the fitted stacker reads of each text (`meta_features`): lets a script try other
        stackers on held-out texts against `oof_meta_` without refitting the n-gram model."""
        return self._meta(self.base_, _check_texts(texts))[0]

    def predict_detail(self, texts: Sequence[str], memo: dict[str, np.ndarray] | None = None
                       ) -> tuple[np.ndarray, list[np.ndarray]]:
        """(n, 3) probabilities and, per text, the scores of its clauses (for mixed detection).
        `memo`: see `_meta` (results do not depend on it)."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, 3)), []
        M, clause_P5, groups = self._meta(self.base_, texts, memo=memo)
        cs = polarity(clause_P5)
        bounds = np.cumsum([0] + groups)
        return self.stacker_.predict_proba(M), [cs[bounds[i] : bounds[i + 1]] for i in range(len(texts))]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive."""
        return self.predict_detail(texts)[0]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(CLASSES)[decide(self.predict_proba(texts), self.bias_)]


def _check_soft(P: np.ndarray | None, n: int) -> np.ndarray:
    """Soft labels: (n, 5) star probabilities, rows summing to 1."""
    if P is None:
        if n:
            raise ValueError(f"{n} soft texts but no soft_star_proba")
        return np.zeros((0, 5))
    P = np.asarray(P, dtype=float)
    if P.shape != (n, 5):
        raise ValueError(f"soft_star_proba must have shape ({n}, 5), got {P.shape}")
    bad = np.flatnonzero((P < 0).any(axis=1) | (np.abs(P.sum(axis=1) - 1) > 1e-3))
    if len(bad):
        raise ValueError(f"soft_star_proba row {bad[0]} is not a probability distribution: {P[bad[0]].tolist()}")
    return P


def _check_texts(texts: Sequence[str]) -> list[str]:
    out = []
    for i, t in enumerate(texts):
        if t is None or (isinstance(t, float) and np.isnan(t)):
            out.append("")
        elif not isinstance(t, str):
            raise TypeError(f"text {i} is {type(t).__name__}, expected str")
        else:
            out.append(t)
    return out
