"""Learned editorial themes for articles and editorials, on top of the taxonomy.

The taxonomy's terms, descriptions and examples stay the prior (and the way a user adds a theme with no
examples), but on real unseen press texts they reach only ~0.66 micro-F1: lists tuned on a few texts do not
carry over. Where labelled documents exist, this model decides instead: one logistic regression per theme over
what the taxonomy scorer already computes for each passage (lexical evidence, similarity to the theme
prototypes, the combined score: each pooled over the document's passages) and the document's mean e5 passage
embedding, with a decision threshold per theme chosen by cross-validation. With `text_weight` > 0 its
probabilities are averaged with those of a bag of hashed words over the document's text (themes/press_text.py),
and the thresholds are cut on that average. Trained by `scripts/train_press_themes.py` on annotated real press
texts; stored as plain arrays (JSON, gzip-compressed when the file name ends in .gz; no pickle).
"""
from __future__ import annotations

import gzip
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
    state with a trailing underscore (`classes_`, `mean_`, `scale_`, `coef_`, `intercept_`, `thresholds_`,
    `text_model_`: the hashed-words part when `text_weight` > 0, else None, and `meta_`: where the training data
    came from), `fit` validates."""

    def __init__(self, C: float = 1.0, cv: int = 5, random_state: int = 0, text_weight: float = 0.0,
                 text_C: float = 10.0):
        self.C = C
        self.cv = cv
        self.random_state = random_state
        self.text_weight = text_weight
        self.text_C = text_C

    def fit(self, X: np.ndarray, Y: np.ndarray, classes: Sequence[str],
            sample_weight: np.ndarray | None = None, texts: Sequence[str] | None = None,
            cut_weight: np.ndarray | None = None) -> "PressThemeModel":
        """`sample_weight` lets extra texts labelled by another hand count less than the target set's; `texts`
        (the documents' cleaned text, one per row) are needed when `text_weight` > 0; `cut_weight` (default:
        `sample_weight`) is each document's weight when the thresholds are cut, apart from training: a hand that
        puts fewer themes per text may teach the words yet should not raise the cuts as much."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import KFold

        from textlens.themes.press_text import HashedTextThemes

        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=int)
        if X.ndim != 2 or Y.shape != (len(X), len(classes)):
            raise ValueError(f"X {X.shape} and Y {Y.shape} do not match {len(classes)} classes")
        if len(X) < 2 * self.cv:
            raise ValueError(f"{len(X)} labelled documents: too few for {self.cv}-fold thresholds")
        weight = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight.shape != (len(X),) or (weight < 0).any():
            raise ValueError(f"sample_weight {weight.shape}: one weight >= 0 per document ({len(X)})")
        cut = weight if cut_weight is None else np.asarray(cut_weight, dtype=np.float64)
        if cut.shape != (len(X),) or (cut < 0).any():
            raise ValueError(f"cut_weight {cut.shape}: one weight >= 0 per document ({len(X)})")
        if not 0.0 <= self.text_weight <= 1.0:
            raise ValueError(f"text_weight is a share in [0, 1], got {self.text_weight!r}")
        blend = self.text_weight > 0
        if blend and (texts is None or len(texts) != len(X)):
            raise ValueError(f"text_weight {self.text_weight}: one text per row needed, got "
                             f"{'none' if texts is None else len(texts)} for {len(X)} rows")
        self.classes_ = list(classes)
        self.meta_: dict[str, Any] = {}
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        Z = (X - self.mean_) / self.scale_
        coefs, intercepts, thresholds = [], [], []
        folds = KFold(self.cv, shuffle=True, random_state=self.random_state)
        text_oof = np.zeros(Y.shape)
        if blend:  # the words' out-of-fold probabilities, on the same splits as the thresholds' below
            assert texts is not None
            for tr, te in folds.split(Z):
                part = HashedTextThemes(C=self.text_C).fit([texts[i] for i in tr], Y[tr], sample_weight=weight[tr])
                text_oof[te] = part.predict_proba([texts[i] for i in te])
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
            if blend:
                proba = (1 - self.text_weight) * proba + self.text_weight * text_oof[:, j]
            thresholds.append(best_threshold(proba, y, cut))
            clf.fit(Z, y, sample_weight=weight)
            coefs.append(clf.coef_[0])
            intercepts.append(float(clf.intercept_[0]))
        self.coef_ = np.asarray(coefs)
        self.intercept_ = np.asarray(intercepts)
        self.thresholds_ = np.asarray(thresholds)
        self.text_model_ = (HashedTextThemes(C=self.text_C).fit(texts, Y, sample_weight=weight)
                            if blend and texts is not None else None)
        return self

    def predict_proba(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Probability of each theme per row; `texts` (one per row) are needed when the model has a words part."""
        if not hasattr(self, "coef_"):
            raise ValueError("PressThemeModel is not fitted")
        Z = (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_
        proba = 1 / (1 + np.exp(-np.clip(Z @ self.coef_.T + self.intercept_, -30, 30)))
        if self.text_model_ is None:
            return proba
        if texts is None or len(texts) != len(proba):
            raise ValueError("this press theme model also reads the documents' text: pass one text per row")
        return (1 - self.text_weight) * proba + self.text_weight * self.text_model_.predict_proba(texts)

    def predict(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        return self.predict_proba(X, texts) >= self.thresholds_

    # ---- storage (plain JSON, gzip when the name ends in .gz: no pickle) ------------------------------
    def save(self, path: str | Path) -> None:
        data = {"features_version": FEATURES_VERSION, "C": self.C, "cv": self.cv, "classes": self.classes_,
                "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "coef": np.round(self.coef_, 6).tolist(), "intercept": self.intercept_.tolist(),
                "thresholds": self.thresholds_.tolist(), "meta": self.meta_}
        if self.text_model_ is not None:
            data.update({"text_weight": self.text_weight, "text_C": self.text_C, "text": self.text_model_.to_dict()})
        raw = json.dumps(data).encode("utf-8")
        Path(path).write_bytes(gzip.compress(raw, mtime=0) if str(path).endswith(".gz") else raw)

    @classmethod
    def load(cls, path: str | Path) -> "PressThemeModel":
        raw = Path(path).read_bytes()
        data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        if data.get("features_version") != FEATURES_VERSION:
            raise ModelError(f"{path}: features version {data.get('features_version')}, this textlens reads "
                             f"{FEATURES_VERSION}; retrain with scripts/train_press_themes.py")
        model = cls(C=data["C"], cv=data["cv"], text_weight=data.get("text_weight", 0.0),
                    text_C=data.get("text_C", 10.0))
        model.classes_ = list(data["classes"])
        model.mean_, model.scale_ = np.asarray(data["mean"]), np.asarray(data["scale"])
        model.coef_, model.intercept_ = np.asarray(data["coef"]), np.asarray(data["intercept"])
        model.thresholds_ = np.asarray(data["thresholds"])
        model.meta_ = dict(data.get("meta", {}))
        model.text_model_ = None
        if "text" in data:
            from textlens.themes.press_text import HashedTextThemes

            model.text_model_ = HashedTextThemes.from_dict(data["text"])
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


