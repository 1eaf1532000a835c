"""Learned editorial themes for articles and editorials, on top of the taxonomy.

The taxonomy's terms, descriptions and examples stay the prior (and the way a user adds a theme with no
examples), but on real unseen press texts they reach only ~0.66 micro-F1: lists tuned on a few texts do not
carry over. Where labelled documents exist, this model decides instead: one logistic regression per theme over
what the taxonomy scorer already computes for each passage (lexical evidence, similarity to the theme
prototypes, the combined score: each pooled over the document's passages) and the document's mean e5 passage
embedding, with a decision threshold per theme chosen by cross-validation. Trained by
`scripts/train_press_themes.py` on annotated real press texts; stored as plain arrays (JSON, no pickle), so
scoring is numpy arithmetic.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.errors import ModelError

log = logging.getLogger(__name__)

FEATURES_VERSION = 1


def doc_features(parts: dict[str, np.ndarray | None], doc_support: float, dim: int = 384) -> np.ndarray:
    """One document's feature vector from its passages' `ThemeScorer.parts` (see module doc); similarity and
    embedding count as zeros without an encoder."""
    from textlens.themes.scoring import doc_scores

    lex, score = parts["lex"], parts["score"]
    sim = parts["sim"] if parts["sim"] is not None else np.zeros_like(lex)
    emb = parts["emb"] if parts["emb"] is not None else np.zeros((len(lex), dim), dtype=np.float32)
    if not len(lex):
        width = 6 * lex.shape[1] + emb.shape[1]
        return np.zeros(width, dtype=np.float32)
    loglex = np.log1p(lex)
    top2 = np.sort(sim, axis=0)[-2:].mean(axis=0)
    mean_emb = emb.mean(axis=0) if emb.shape[1] else emb[:0].sum(axis=0)
    if mean_emb.size:
        mean_emb = mean_emb / (np.linalg.norm(mean_emb) + 1e-9)
    return np.concatenate([
        loglex.max(axis=0), np.log1p(lex.sum(axis=0)), sim.max(axis=0), top2,
        score.max(axis=0), doc_scores(score, doc_support), mean_emb,
    ]).astype(np.float32)


class PressThemeModel(BaseEstimator):
    """Per-theme logistic regressions over `doc_features`, a scikit-learn estimator: parameters as given, learnt
    state with a trailing underscore (`classes_`, `mean_`, `scale_`, `coef_`, `intercept_`, `thresholds_`, and
    `meta_`: where the training data came from), `fit` validates."""

    def __init__(self, C: float = 1.0, cv: int = 5, random_state: int = 0):
        self.C = C
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: np.ndarray, Y: np.ndarray, classes: Sequence[str],
            sample_weight: np.ndarray | None = None) -> "PressThemeModel":
        """`sample_weight` lets extra texts labelled by another hand count less than the target set's."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import KFold

        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=int)
        if X.ndim != 2 or Y.shape != (len(X), len(classes)):
            raise ValueError(f"X {X.shape} and Y {Y.shape} do not match {len(classes)} classes")
        if len(X) < 2 * self.cv:
            raise ValueError(f"{len(X)} labelled documents: too few for {self.cv}-fold thresholds")
        weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight.shape != (len(X),) or (weight < 0).any():
            raise ValueError(f"sample_weight {weight.shape}: one weight >= 0 per document ({len(X)})")
        self.classes_ = list(classes)
        self.meta_: dict[str, Any] = {}
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        Z = (X - self.mean_) / self.scale_
        coefs, intercepts, thresholds = [], [], []
        folds = KFold(self.cv, shuffle=True, random_state=self.random_state)
        for j, name in enumerate(self.classes_):
            y = Y[:, j]
            if y.sum() < 2 or y.sum() == len(y):
                log.warning("theme %s has %d positive examples of %d: left to the taxonomy", name, y.sum(), len(y))
                coefs.append(np.zeros(X.shape[1]))
                intercepts.append(-30.0)
                thresholds.append(1.0)
                continue
            clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000)
            proba = np.zeros(len(y))
            for tr, te in folds.split(Z):
                if 0 < y[tr].sum() < len(tr):  # a split holding all of a rare theme's examples scores them 0
                    proba[te] = clf.fit(Z[tr], y[tr], sample_weight=weight[tr]).predict_proba(Z[te])[:, 1]
            thresholds.append(best_threshold(proba, y, weight))
            clf.fit(Z, y, sample_weight=weight)
            coefs.append(clf.coef_[0])
            intercepts.append(float(clf.intercept_[0]))
        self.coef_ = np.asarray(coefs)
        self.intercept_ = np.asarray(intercepts)
        self.thresholds_ = np.asarray(thresholds)
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("PressThemeModel is not fitted")
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        return 1 / (1 + np.exp(-np.clip(Z @ self.coef_.T + self.intercept_, -30, 30)))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_proba(X) >= self.thresholds_

    # ---- storage (plain JSON: no pickle, no scikit-learn needed to score) ---------------------------
    def save(self, path: str | Path) -> None:
        data = {"features_version": FEATURES_VERSION, "C": self.C, "cv": self.cv, "classes": self.classes_,
                "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "coef": np.round(self.coef_, 6).tolist(), "intercept": self.intercept_.tolist(),
                "thresholds": self.thresholds_.tolist(), "meta": self.meta_}
        Path(path).write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "PressThemeModel":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("features_version") != FEATURES_VERSION:
            raise ModelError(f"{path}: features version {data.get('features_version')}, this textlens reads "
                             f"{FEATURES_VERSION}; retrain with scripts/train_press_themes.py")
        model = cls(C=data["C"], cv=data["cv"])
        model.classes_ = list(data["classes"])
        model.mean_, model.scale_ = np.asarray(data["mean"]), np.asarray(data["scale"])
        model.coef_, model.intercept_ = np.asarray(data["coef"]), np.asarray(data["intercept"])
        model.thresholds_ = np.asarray(data["thresholds"])
        model.meta_ = dict(data.get("meta", {}))
        return model


def best_threshold(proba: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> float:
    """The probability cut with the best F1 on out-of-fold predictions (ties: the higher cut), each document
    counted with its `weight`: texts weighed down in training weigh as little in setting the cut."""
    w = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=np.float64)
    positives = float(w[y == 1].sum())
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.1, 0.91, 0.05), 2):
        pred = proba >= t
        tp = float(w[pred & (y == 1)].sum())
        f1 = 2 * tp / (w[pred].sum() + positives) if w[pred].sum() + positives else 0.0
        if f1 >= best_f1:
            best, best_f1 = float(t), f1
    return best


