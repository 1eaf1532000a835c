"""Learned aspect polarity: the customer's verdict on one aspect, from the clauses around its mentions.

Why: the rule of `aspects.decide_aspect` (mean clause score, review score when the clauses say little) got 0.880 of
the dev aspects right; it cannot weigh, say, a positive review's one complaint about price. This model is a
multinomial logistic regression (negative / positive / mixed) over what that rule already computes: the n-gram
sentiment model's probabilities of the aspect's clauses (mean, lowest, highest), of the whole review, whether the
clauses disagree, the rule's own decision, and which aspect it is (alone and times the review and clause scores:
"cher" weighs differently for price). Trained by `scripts/train_aspect_polarity.py` on the (aspect, polarity)
pairs of the train part of our annotated reviews; stored as plain JSON. Aspects it was not trained on (a user's
own) keep the rule.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.errors import ModelError

FEATURES_VERSION = 1
POLARITIES = ("negative", "positive", "mixed")


def pair_features(unit_proba: np.ndarray, located: bool, review_proba: np.ndarray, aspect: int, n_aspects: int,
                  rule: str, clause_min: float) -> np.ndarray:
    """Features of one (review, aspect) pair: `unit_proba` (clauses, 3) star-class probabilities of the aspect's
    clauses (the whole review when `located` is False), `review_proba` (3,), `aspect` the index among the model's
    aspects, `rule` the polarity `decide_aspect` gave."""
    scores = unit_proba[:, 2] - unit_proba[:, 0]
    review_score = float(review_proba[2] - review_proba[0])
    onehot = np.eye(n_aspects)[aspect]
    disagree = float(scores.max() >= clause_min and scores.min() <= -clause_min)
    return np.concatenate([
        unit_proba.mean(axis=0), unit_proba.min(axis=0), unit_proba.max(axis=0),
        [scores.mean(), scores.min(), scores.max(), float(len(scores)), float(located), disagree],
        review_proba, [review_score], onehot, onehot * review_score, onehot * scores.mean(),
        [float(rule == p) for p in ("positive", "negative", "mixed")],
    ])


class AspectPolarityModel(BaseEstimator):
    """Multinomial logistic regression over `pair_features`, a scikit-learn estimator (parameters as given, `fit`
    validates, learnt state ends in `_`); scoring needs numpy only."""

    def __init__(self, C: float = 0.03):
        self.C = C

    def fit(self, X: np.ndarray, y: Sequence[str], aspects: Sequence[str]) -> "AspectPolarityModel":
        """`X`: pair_features rows; `y`: their polarities; `aspects`: the aspect ids, in one-hot order."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        labels = list(y)
        if X.ndim != 2 or len(labels) != len(X):
            raise ValueError(f"X {X.shape} and {len(labels)} polarities do not match")
        unknown = sorted(set(labels) - set(POLARITIES))
        if unknown:
            raise ValueError(f"unknown polarities {unknown}; expected {POLARITIES}")
        if len(set(labels)) < 2:
            raise ValueError("one polarity only: nothing to learn")
        self.aspects_ = list(aspects)
        self.meta_: dict[str, Any] = {}
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        clf = LogisticRegression(C=self.C, max_iter=3000).fit((X - self.mean_) / self.scale_, labels)
        self.classes_ = [str(c) for c in clf.classes_]
        coef, intercept = clf.coef_, clf.intercept_
        if len(self.classes_) == 2:  # binary: sklearn keeps one row; spell both out for the softmax
            coef, intercept = np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
        self.coef_, self.intercept_ = np.asarray(coef), np.asarray(intercept)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("AspectPolarityModel is not fitted")
        X = np.asarray(X, dtype=np.float64)
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        z = ((X - self.mean_) / self.scale_) @ self.coef_.T + self.intercept_
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> list[str]:
        return [self.classes_[k] for k in self.predict_proba(X).argmax(axis=1)]

    def score_of(self, proba_row: np.ndarray) -> float:
        """P(positive) - P(negative), the aspect's score in [-1, 1]."""
        by = dict(zip(self.classes_, proba_row))
        return float(by.get("positive", 0.0) - by.get("negative", 0.0))

    # ---- storage: plain JSON -----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        data = {"features_version": FEATURES_VERSION, "C": self.C, "aspects": self.aspects_, "classes": self.classes_,
                "mean": self.mean_.tolist(), "scale": self.scale_.tolist(), "coef": np.round(self.coef_, 6).tolist(),
                "intercept": self.intercept_.tolist(), "meta": self.meta_}
        Path(path).write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "AspectPolarityModel":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: not a textlens aspect polarity model ({exc})") from exc
        if data.get("features_version") != FEATURES_VERSION:
            raise ModelError(f"{path}: features version {data.get('features_version')}, this textlens reads "
                             f"{FEATURES_VERSION}; retrain with scripts/train_aspect_polarity.py")
        model = cls(C=data["C"])
        model.aspects_, model.classes_ = list(data["aspects"]), list(data["classes"])
        model.mean_, model.scale_ = np.asarray(data["mean"]), np.asarray(data["scale"])
        model.coef_, model.intercept_ = np.asarray(data["coef"]), np.asarray(data["intercept"])
        model.meta_ = dict(data.get("meta", {}))
        return model


def polarity_model_in_force() -> AspectPolarityModel | None:
    """The aspect polarity model in force (see `aspect_files.resolve_polarity_model`), loaded once per file."""
    from textlens.themes.aspect_files import resolve_polarity_model

    path = resolve_polarity_model()
    return None if path is None else _load(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> AspectPolarityModel:
    return AspectPolarityModel.load(path)
