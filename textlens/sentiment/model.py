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

CLASSES = ("negative", "neutral", "positive")


def star_classes(stars: Sequence[int] | np.ndarray) -> np.ndarray:
    """Star ratings to class indices: 1-2 negative (0), 3 neutral/mixed (1), 4-5 positive (2)."""
    s = np.asarray(stars, dtype=int)
    if s.size and (s.min() < 1 or s.max() > 5):
        raise ValueError(f"star ratings must be 1..5, got values in [{s.min()}, {s.max()}]")
    return np.where(s <= 2, 0, np.where(s == 3, 1, 2))


def _word_vectorizer(ngrams: tuple[int, int], min_df: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from textlens.sentiment.text import preprocess

    return TfidfVectorizer(preprocessor=preprocess, token_pattern=r"\S+", ngram_range=ngrams, min_df=min_df,
                           max_df=0.9, sublinear_tf=True, lowercase=False, dtype=np.float32)


def _char_vectorizer(ngrams: tuple[int, int], min_df: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from textlens.sentiment.text import char_preprocess

    return TfidfVectorizer(preprocessor=char_preprocess, analyzer="char_wb", ngram_range=ngrams, min_df=min_df,
                           max_df=0.9, sublinear_tf=True, lowercase=False, dtype=np.float32)


class NegationFlipVectorizer:
    """Word uni/bigrams counted +1 outside a negation scope and -1 inside it, IDF-weighted, rows L2-normalised.

    With `neg_` tokens alone, "pas chers" or "aucun problème" are rare features the model barely learns;
    flipping the sign lets the weight learnt for "cher" or "problème" in plain use count in reverse
    under negation, so short negated clauses get the right polarity.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2):
        self.ngram_range = ngram_range
        self.min_df = min_df

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"ngram_range": self.ngram_range, "min_df": self.min_df}

    def set_params(self, **params: Any) -> "NegationFlipVectorizer":
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _grams(self, text: str) -> list[tuple[str, int]]:
        from textlens.sentiment.text import mark_negation, tokens

        words = [t for t in mark_negation(tokens(text)) if t[0].isalnum()]
        base = [w[4:] if w.startswith("neg_") else w for w in words]
        sign = [-1 if w.startswith("neg_") else 1 for w in words]
        out = []
        lo, hi = self.ngram_range
        for n in range(lo, hi + 1):
            for i in range(len(base) - n + 1):
                out.append((" ".join(base[i : i + n]), min(sign[i : i + n])))
        return out

    def fit(self, texts: Sequence[str], y: Any = None) -> "NegationFlipVectorizer":
        from collections import Counter

        df: Counter[str] = Counter()
        for t in texts:
            df.update({g for g, _ in self._grams(t)})
        kept = sorted(g for g, c in df.items() if c >= self.min_df)
        self.vocabulary_ = {g: i for i, g in enumerate(kept)}
        n = len(texts)
        self.idf_ = np.array([np.log((1 + n) / (1 + df[g])) + 1 for g in kept], dtype=np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        vocab = self.vocabulary_
        rows, cols, vals = [], [], []
        for r, t in enumerate(texts):
            acc: dict[int, int] = {}
            for g, s in self._grams(t):
                j = vocab.get(g)
                if j is not None:
                    acc[j] = acc.get(j, 0) + s
            for j, v in acc.items():
                if v:
                    rows.append(r)
                    cols.append(j)
                    vals.append(v)
        v = np.asarray(vals, dtype=np.float32)
        c = np.asarray(cols, dtype=np.int64)
        data = np.sign(v) * (1 + np.log(np.abs(v))) * self.idf_[c] if len(v) else v
        X = sp.csr_matrix((data, (np.asarray(rows, dtype=np.int64), c)), shape=(len(texts), len(vocab)),
                          dtype=np.float32)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.diags(1 / norms).astype(np.float32) @ X

    def fit_transform(self, texts: Sequence[str], y: Any = None) -> Any:
        return self.fit(texts).transform(texts)


class NgramStars:
    """TF-IDF word n-grams (negation/contrast-marked) + char n-grams + negation-flipped uni/bigrams ->
    multinomial logistic regression over the five star levels (the ordinal detail separates 2/3/4 stars)."""

    def __init__(self, C: float = 10.0, word_ngrams: tuple[int, int] = (1, 3), char_ngrams: tuple[int, int] = (2, 5),
                 word_min_df: int = 2, char_min_df: int = 3, flip: bool = True, max_iter: int = 3000):
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.flip = flip
        self.max_iter = max_iter

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("C", "word_ngrams", "char_ngrams", "word_min_df", "char_min_df",
                                              "flip", "max_iter")}

    def set_params(self, **params: Any) -> "NgramStars":
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def _make_features(self) -> Any:
        from sklearn.pipeline import FeatureUnion

        parts = [("word", _word_vectorizer(self.word_ngrams, self.word_min_df)),
                 ("char", _char_vectorizer(self.char_ngrams, self.char_min_df))]
        if self.flip:
            parts.append(("flip", NegationFlipVectorizer((1, 2), self.word_min_df)))
        return FeatureUnion(parts)

    def fit(self, texts: Sequence[str], stars: Sequence[int]) -> "NgramStars":
        from sklearn.linear_model import LogisticRegression

        texts = _check_texts(texts)
        stars = np.asarray(stars, dtype=int)
        if len(texts) != len(stars):
            raise ValueError(f"{len(texts)} texts but {len(stars)} ratings")
        star_classes(stars)  # validates the range
        self.features_ = self._make_features()
        X = self.features_.fit_transform(texts)
        self.clf_ = LogisticRegression(C=self.C, max_iter=self.max_iter)
        self.clf_.fit(X, stars)
        if list(self.clf_.classes_) != [1, 2, 3, 4, 5]:
            raise ValueError(f"training data must have all five star levels, got {list(self.clf_.classes_)}")
        return self

    def predict_star_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 5) probabilities of 1..5 stars."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, 5))
        return self.clf_.predict_proba(self.features_.transform(texts))


def collapse(P5: np.ndarray) -> np.ndarray:
    """Star probabilities (n, 5) -> (negative, neutral, positive)."""
    return np.stack([P5[:, 0] + P5[:, 1], P5[:, 2], P5[:, 3] + P5[:, 4]], axis=1)


def polarity(P5: np.ndarray) -> np.ndarray:
    """Score in [-1, 1] from star probabilities: P(4-5 stars) - P(1-2 stars)."""
    return P5[:, 3] + P5[:, 4] - P5[:, 0] - P5[:, 1]


CLAUSE_STRONG = 0.4  # |clause score| counted as a clearly polar clause in the stacker's features


def meta_features(P5: np.ndarray, clause_P5: np.ndarray, groups: Sequence[int], n_words: Sequence[int]) -> np.ndarray:
    """What the stacker sees of each text: its star probabilities and expected stars, how its clauses
    disagree (max/min/mean/spread of clause scores, shares of clearly polar clauses, first and last
    clause) and its length. `groups[i]` = number of clauses of text i, in order, rows of clause_P5."""
    cs = polarity(clause_P5)
    ce = clause_P5 @ np.arange(1, 6)
    rows, at = [], 0
    for n in groups:
        s, e = cs[at : at + n], ce[at : at + n]
        at += n
        rows.append([s.max(), s.min(), s.mean(), s.std(), np.log(n), (s > CLAUSE_STRONG).mean(),
                     (s < -CLAUSE_STRONG).mean(), s[-1], s[0], e.max() - e.min()])
    return np.c_[P5, P5 @ np.arange(1, 6), np.asarray(rows).reshape(len(P5), 10), np.log1p(np.asarray(n_words))]


def clause_texts(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """All clauses of all texts (a text without clause boundaries is its own clause) and counts per text."""
    from textlens.sentiment.text import clauses

    flat, groups = [], []
    for t in texts:
        spans = clauses(t) or [(0, len(t))]
        flat += [t[a:b] for a, b in spans]
        groups.append(len(spans))
    return flat, groups


class SentimentClassifier:
    """`NgramStars` on the text and on each of its clauses, stacked by a small logistic regression.

    The stacker learns what a 3-star review looks like beyond its words: clauses that disagree
    ("accueil agréable mais remboursement interminable"), lukewarm expected stars, length. It is fitted
    on out-of-fold base predictions (k folds), so it sees the base model as it behaves on unseen text.
    `bias_` holds per-class log-offsets for the final argmax, tuned for macro-F1 by cross-validation
    of the stacker; they do not change `predict_proba`.
    """

    def __init__(self, base: NgramStars | None = None, folds: int = 3, stack_C: float = 1.0, random_state: int = 0):
        self.base = base
        self.folds = folds
        self.stack_C = stack_C
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"base": self.base, "folds": self.folds, "stack_C": self.stack_C, "random_state": self.random_state}

    def _meta(self, base: NgramStars, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        flat, groups = clause_texts(texts)
        every = texts + flat
        uniq = list(dict.fromkeys(every))  # a one-clause text is its own clause: vectorise it once
        P = base.predict_star_proba(uniq)
        if len(uniq) < len(every):
            row = {t: i for i, t in enumerate(uniq)}
            P = P[[row[t] for t in every]]
        n = len(texts)
        words = [len(t.split()) for t in texts]
        return meta_features(P[:n], P[n:], groups, words), P[n:], groups

    def fit(self, texts: Sequence[str], stars: Sequence[int], log: Any = None) -> "SentimentClassifier":
        import copy
        import time

        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        texts = _check_texts(texts)
        stars = np.asarray(stars, dtype=int)
        y = star_classes(stars)
        base = self.base if self.base is not None else NgramStars()
        M = np.zeros((len(texts), 17))
        split = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state).split(texts, stars)
        for k, (a, b) in enumerate(split):
            t = time.time()
            fold = copy.deepcopy(base).fit([texts[i] for i in a], stars[a])
            M[b] = self._meta(fold, [texts[i] for i in b])[0]
            if log:
                log(f"  base model, fold {k + 1}/{self.folds}: {time.time() - t:.0f} s")
        t = time.time()
        self.base_ = copy.deepcopy(base).fit(texts, stars)
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

    def predict_detail(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """(n, 3) probabilities and, per text, the scores of its clauses (for mixed detection)."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, 3)), []
        M, clause_P5, groups = self._meta(self.base_, texts)
        cs = polarity(clause_P5)
        bounds = np.cumsum([0] + groups)
        return self.stacker_.predict_proba(M), [cs[bounds[i] : bounds[i + 1]] for i in range(len(texts))]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive."""
        return self.predict_detail(texts)[0]

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(CLASSES)[decide(self.predict_proba(texts), self.bias_)]


def decide(P: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Class index per row: argmax of log-probabilities plus per-class offsets."""
    return np.argmax(np.log(np.clip(P, 1e-9, 1.0)) + bias, axis=1)


def tune_bias(P: np.ndarray, y: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """Offsets for the neutral and positive classes (negative fixed at 0) maximising macro-F1 on (P, y).

    The 3-star class is rare and sits between the others, so a plain argmax under-predicts it.
    """
    from sklearn.metrics import f1_score

    grid = np.arange(-1.0, 2.01, 0.1) if grid is None else grid
    best, best_f1 = np.zeros(3), -1.0
    for b1 in grid:
        for b2 in np.arange(-1.0, 1.01, 0.1):
            bias = np.array([0.0, b1, b2])
            f1 = f1_score(y, decide(P, bias), average="macro")
            if f1 > best_f1 + 1e-9:
                best, best_f1 = bias, f1
    return best


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
