"""A supervised theme classifier for users who have labelled examples (text + theme labels).

With a few hundred labelled texts a trained model beats hand-made term lists, so textlens trains one
instead: one-vs-rest logistic regression on TF-IDF word and character n-grams of the accent-folded
text (robust to typos, fast, no model download), or on sentence embeddings (`features="embeddings"`),
better with few examples per theme. A scikit-learn estimator: parameters stored as given (`get_params`,
`clone`), checked in `fit`; `fit` / `predict` / `predict_proba`.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.errors import InputError
from textlens.vocab import fold

FEATURES = ("tfidf", "embeddings")


class ClassifierError(InputError):
    """Labelled data that cannot train a classifier; the message says what is wrong."""


def _fold(text: str) -> str:
    """The TF-IDF preprocessor; a named module function so saved classifiers keep loading."""
    return fold(text)


class ThemeClassifier(BaseEstimator):
    """Multi-label theme classifier. `name` becomes the taxonomy name of the rows it writes."""

    def __init__(self, features: str = "tfidf", C: float = 4.0, threshold: float = 0.5, name: str = "custom",
                 encoder: str | None = None, min_examples: int = 3):
        self.features = features
        self.C = C
        self.threshold = threshold
        self.name = name
        self.encoder = encoder
        self.min_examples = min_examples

    def _vectors(self, texts: Sequence[str], fit: bool = False) -> Any:
        if self.features == "embeddings":
            from textlens.embeddings import get_encoder

            return get_encoder(self.encoder).encode(list(texts), prompt="query")
        if fit:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.pipeline import FeatureUnion

            self.vectorizer_ = FeatureUnion([
                ("words", TfidfVectorizer(preprocessor=_fold, ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
                ("chars", TfidfVectorizer(preprocessor=_fold, analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                                          sublinear_tf=True, max_features=200_000)),
            ])
            return self.vectorizer_.fit_transform(list(texts))
        return self.vectorizer_.transform(list(texts))

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> "ThemeClassifier":
        """Train on texts and their label lists (a text may have several themes, or none)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer

        if self.features not in FEATURES:
            raise ClassifierError(f"features must be one of {FEATURES}, got {self.features!r}")
        texts, labels = list(texts), [list(lab) for lab in labels]
        if len(texts) != len(labels):
            raise ClassifierError(f"{len(texts)} texts but {len(labels)} label lists")
        bad = [i for i, t in enumerate(texts) if not isinstance(t, str) or not t.strip()]
        if bad:
            raise ClassifierError(f"empty or non-text examples at rows {bad[:10]}")
        self.binarizer_ = MultiLabelBinarizer()
        Y = self.binarizer_.fit_transform(labels)
        if Y.shape[1] == 0:
            raise ClassifierError("no labels at all: give each example its theme ids")
        counts = Y.sum(axis=0)
        rare = [c for c, n in zip(self.binarizer_.classes_, counts) if n < self.min_examples]
        if rare:
            raise ClassifierError(f"too few examples (< {self.min_examples}) for: {', '.join(rare)}")
        always = [c for c, n in zip(self.binarizer_.classes_, counts) if n == len(texts)]
        if always:
            raise ClassifierError(f"every example has {', '.join(always)}: add examples without it")
        X = self._vectors(texts, fit=True)
        self.model_ = OneVsRestClassifier(LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000))
        self.model_.fit(X, Y)
        self.classes_ = list(self.binarizer_.classes_)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, classes) probabilities, columns in `classes_` order."""
        if not hasattr(self, "model_"):
            raise ClassifierError("classifier not fitted: call fit() or ThemeClassifier.load(path)")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return np.asarray(self.model_.predict_proba(self._vectors(texts)))

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        proba = self.predict_proba(texts)
        return [[self.classes_[j] for j in np.flatnonzero(row >= self.threshold)] for row in proba]

    # ---- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)
        return path

    @staticmethod
    def load(path: str | Path) -> "ThemeClassifier":
        import joblib

        path = Path(path)
        if not path.exists():
            raise ClassifierError(f"{path}: no such classifier file (train one with ThemeClassifier.fit(...).save())")
        obj = joblib.load(path)
        if not isinstance(obj, ThemeClassifier):
            raise ClassifierError(f"{path}: not a textlens theme classifier")
        return obj

    @classmethod
    def from_table(cls, path: str | Path, text_col: str = "text", labels_col: str = "themes", sep: str = ";",
                   **params: Any) -> "ThemeClassifier":
        """Train from a CSV/TSV/XLSX/JSONL/Parquet table whose labels column holds ids separated by `sep`
        (or lists, in JSONL/Parquet). Rows with an empty label cell are examples of 'no theme'."""
        import pandas as pd

        path = Path(path)
        readers = {".csv": pd.read_csv, ".tsv": lambda p: pd.read_csv(p, sep="\t"), ".xlsx": pd.read_excel,
                   ".jsonl": lambda p: pd.read_json(p, lines=True), ".parquet": pd.read_parquet}
        if path.suffix.lower() not in readers:
            raise ClassifierError(f"{path}: unsupported table type {path.suffix!r}; use {', '.join(readers)}")
        df = readers[path.suffix.lower()](path)
        for col in (text_col, labels_col):
            if col not in df.columns:
                raise ClassifierError(f"{path}: no column {col!r} (columns: {', '.join(map(str, df.columns))})")

        def split(v: Any) -> list[str]:
            if isinstance(v, (list, tuple, np.ndarray)):
                return [str(x).strip() for x in v if str(x).strip()]
            if v is None or (isinstance(v, float) and np.isnan(v)):
                return []
            return [x.strip() for x in str(v).split(sep) if x.strip()]

        missing = df[text_col].isna() | (df[text_col].astype(str).str.strip() == "")
        if missing.any():
            rows = [int(i) + 2 for i in np.flatnonzero(missing.to_numpy())][:10]
            raise ClassifierError(f"{path}: empty text in rows {rows} (1-based, header = row 1)")
        return cls(**params).fit(df[text_col].astype(str).tolist(), [split(v) for v in df[labels_col]])
