"""The author's stance of an article or editorial: positive, negative, mixed or neutral.

Averaging per-sentence sentiment is not a stance: on real press texts it agreed with annotators 21% of the time,
below the majority class (36%), because reporting a strike or a bad barometer in neutral words is not a negative
stance, and a promotional piece full of neutral facts is positive. What carries the stance is what the text is
about and how it frames it, which the document's mean e5 passage embedding captures: a multinomial logistic
regression on it, trained by `scripts/train_press_tone.py` on annotated real press texts, decides. The embeddings
are those the theme analysis already computed (read back from the store's cache). Stored as plain arrays (JSON).
`TEXTLENS_PRESS_TONE` points to another model file, or "off" for the sentence average.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from sklearn.base import BaseEstimator

from textlens.sentiment.stance_files import MODEL_ENV, model_path, shipped_model_path
from textlens.vocab import SENTIMENT_LABELS

__all__ = ["LABELS", "MODEL_ENV", "PressStanceModel", "load_stance", "mean_embedding", "model_path",
           "shipped_model_path"]

LABELS = SENTIMENT_LABELS  # an author's stance takes the labels of sentiment


def mean_embedding(vectors: np.ndarray) -> np.ndarray:
    """The document vector: the normalised mean of its passage embeddings (zeros when it has none)."""
    if not len(vectors):
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 0, dtype=np.float64)
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    return mean / (np.linalg.norm(mean) + 1e-9)


class PressStanceModel(BaseEstimator):
    """Multinomial logistic regression over `mean_embedding`: a scikit-learn estimator (C stored as given, checked in
    `fit`; learnt state `classes_`, `mean_`, `scale_`, `coef_`, `intercept_`, `meta_`)."""

    def __init__(self, C: float = 0.05):
        self.C = C

    def fit(self, X: np.ndarray, y: list[str]) -> "PressStanceModel":
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) != len(y):
            raise ValueError(f"X {X.shape} and {len(y)} labels do not match")
        if not self.C > 0:
            raise ValueError(f"C must be positive, got {self.C!r}")
        unknown = set(y) - set(LABELS)
        if unknown:
            raise ValueError(f"unknown stance labels {sorted(unknown)}: use {LABELS}")
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000)
        clf.fit((X - self.mean_) / self.scale_, y)
        self.classes_ = [str(c) for c in clf.classes_]
        self.coef_, self.intercept_ = clf.coef_, clf.intercept_
        self.meta_ = getattr(self, "meta_", {})
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if getattr(self, "coef_", None) is None:
            raise ValueError("PressStanceModel is not fitted")
        z = ((np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_) @ self.coef_.T + self.intercept_
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> list[str]:
        return [self.classes_[k] for k in self.predict_proba(X).argmax(axis=1)]

    def save(self, path: str | Path) -> None:
        data = {"C": self.C, "classes": self.classes_, "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "coef": np.round(self.coef_, 6).tolist(), "intercept": self.intercept_.tolist(), "meta": self.meta_}
        Path(path).write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "PressStanceModel":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        model = cls(C=data["C"])
        model.classes_ = list(data["classes"])
        model.mean_, model.scale_ = np.asarray(data["mean"]), np.asarray(data["scale"])
        model.coef_, model.intercept_ = np.asarray(data["coef"]), np.asarray(data["intercept"])
        model.meta_ = dict(data.get("meta", {}))
        return model


@functools.lru_cache(maxsize=4)
def load_stance(path: str) -> PressStanceModel:
    return PressStanceModel.load(path)
