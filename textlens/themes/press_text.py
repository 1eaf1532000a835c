"""The words of a press text, as a second opinion for the learned press themes (themes/press_model.py).

The press theme model decides from what the taxonomy scorer and e5 see in the passages; a plain bag of words and
word pairs over the whole text catches wording the prototypes miss (a sector's jargon, a named programme), and
averaging the two raised the inner cross-validated micro-F1 on training folds (scripts/train_press_themes.py).
The vocabulary is not stored: words are hashed (scikit-learn's `HashingVectorizer`, murmurhash, stable across
versions), only the hashed columns seen in at least `min_df` training texts are kept, and their coefficients are
stored as float16, so the shipped model stays well under a megabyte and holds no word of the training texts.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

N_FEATURES = 2 ** 20


def hashed_counts(texts: Sequence[str], ngram_max: int) -> Any:
    """Word and word-n-gram counts of `texts`, hashed to `N_FEATURES` columns (a scipy CSR matrix)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(ngram_range=(1, ngram_max), n_features=N_FEATURES, alternate_sign=False,
                                   norm=None, lowercase=True)
    return vectorizer.transform(list(texts)).tocsr()


class HashedTextThemes(BaseEstimator):
    """One logistic regression per theme over sublinear TF-IDF of hashed words and word pairs: a scikit-learn
    estimator (parameters as given, checked in `fit`; learnt state `columns_` (hashed columns kept), `idf_`,
    `coef_` (themes x columns, float16), `intercept_`)."""

    def __init__(self, C: float = 10.0, ngram_max: int = 2, min_df: int = 2):
        self.C = C
        self.ngram_max = ngram_max
        self.min_df = min_df

    def fit(self, texts: Sequence[str], Y: np.ndarray, sample_weight: np.ndarray | None = None
            ) -> "HashedTextThemes":
        from sklearn.linear_model import LogisticRegression

        Y = np.asarray(Y, dtype=int)
        if Y.ndim != 2 or len(Y) != len(texts):
            raise ValueError(f"{len(texts)} texts and labels {Y.shape} do not match")
        if not self.C > 0 or self.ngram_max < 1 or self.min_df < 1:
            raise ValueError(f"C > 0, ngram_max >= 1 and min_df >= 1 expected, got {self.C!r}, {self.ngram_max!r}, "
                             f"{self.min_df!r}")
        counts = hashed_counts(texts, self.ngram_max)
        df = np.bincount(counts.indices, minlength=N_FEATURES)
        self.columns_ = np.flatnonzero(df >= self.min_df).astype(np.int32)
        self.idf_ = (np.log((1 + len(texts)) / (1 + df[self.columns_])) + 1).astype(np.float32)
        z = self._tfidf(counts)
        coefs, intercepts = np.zeros((Y.shape[1], len(self.columns_)), dtype=np.float32), []
        for j in range(Y.shape[1]):
            y = Y[:, j]
            if not 0 < y.sum() < len(y):  # nothing to learn: this part stays silent on the theme
                intercepts.append(-30.0)
                continue
            clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000, solver="liblinear")
            clf.fit(z, y, sample_weight=sample_weight)
            coefs[j] = clf.coef_[0]
            intercepts.append(float(clf.intercept_[0]))
        self.coef_ = coefs.astype(np.float16)  # what is stored is what scores, in training as at run time
        self.intercept_ = np.asarray(intercepts)
        return self

    def _tfidf(self, counts: Any) -> Any:
        """Sublinear term frequency times idf on the kept columns, each row L2-normalised (TfidfTransformer's
        `sublinear_tf=True` with smoothed idf, written out so scoring needs no fitted transformer)."""
        from scipy.sparse import csr_matrix
        from sklearn.preprocessing import normalize

        # each hashed column's place among the kept ones (a sorted search: slicing 2^20 columns costs more)
        place = np.minimum(np.searchsorted(self.columns_, counts.indices), len(self.columns_) - 1)
        known = self.columns_[place] == counts.indices
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[known]
        values = (1.0 + np.log(counts.data[known].astype(np.float64))) * self.idf_[place[known]]
        kept = csr_matrix((values, (rows, place[known])), shape=(counts.shape[0], len(self.columns_)))
        return normalize(kept)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of each theme for each text (texts x themes)."""
        if not hasattr(self, "coef_"):
            raise ValueError("HashedTextThemes is not fitted")
        weights: np.ndarray | None = getattr(self, "_weights", None)
        if weights is None or weights.shape[::-1] != self.coef_.shape:
            weights = self._weights = np.ascontiguousarray(self.coef_.T, dtype=np.float32)  # once, not per call
        z = self._tfidf(hashed_counts(texts, self.ngram_max))
        logits = np.asarray(z @ weights) + self.intercept_
        return 1 / (1 + np.exp(-np.clip(logits, -30, 30)))

    # ---- storage: base64 of little-endian arrays inside the press model's JSON ---------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"C": self.C, "ngram_max": self.ngram_max, "min_df": self.min_df, "n_features": N_FEATURES,
                "columns": _pack(self.columns_.astype("<i4")), "idf": _pack(self.idf_.astype("<f4")),
                "coef": _pack(self.coef_.astype("<f2")), "coef_shape": list(self.coef_.shape),
                "intercept": self.intercept_.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "HashedTextThemes":
        from textlens.errors import ModelError

        if data.get("n_features") != N_FEATURES:
            raise ModelError(f"press text model hashed to {data.get('n_features')} columns, this textlens hashes to "
                             f"{N_FEATURES}; retrain with scripts/train_press_themes.py")
        model = cls(C=data["C"], ngram_max=data["ngram_max"], min_df=data["min_df"])
        model.columns_ = _unpack(data["columns"], "<i4")
        model.idf_ = _unpack(data["idf"], "<f4")
        model.coef_ = _unpack(data["coef"], "<f2").reshape(data["coef_shape"])
        model.intercept_ = np.asarray(data["intercept"], dtype=np.float64)
        return model


def _pack(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _unpack(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()
