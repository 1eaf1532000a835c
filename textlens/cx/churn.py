"""A dedicated churn detector: does the author leave, threaten to leave, or fail to leave their insurer?

Why a second model for one intent: the general intent model reads the whole review, so "résiliation" weighs the same
whether the author cancels ("je résilie"), the insurer terminates them ("ils m'ont résilié", the commonest false
alarm), or a new customer cancels a *previous* insurer. Here a logistic regression reads only short windows of
context around leaving words (word 1-3-grams keep "m'ont résilié" apart from "j'ai résilié"), counts of cue groups
that name who leaves whom (`textlens/data/cx_churn_cues.toml`), and the general model's churn score (stacked: the
training rows carry its out-of-fold score, so the detector learns how far to trust it). Its decision threshold is
picked on out-of-fold scores inside `fit`: the one with the best precision among those whose recall reaches
`min_recall` (the issue's goal is recall first, so precision is what is left to win). With `groups` (the insurer
of each review), the folds keep each group whole. The 0.94 default is the target grouped CV chose
(scripts/train_cx_churn.py: the smallest one whose pooled outer recall reaches 0.92): at 0.87 CV said 0.885 and the
held-out reviews gave 0.817, so recall needs a margin, and precision pays for it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.cx.churn_cues import load_churn_cues
from textlens.sentiment.text import fold

_TOKEN = r"(?u)\b\w+\b"  # single letters kept: "j'ai" and "m'ont" are what tells who acts


class ChurnDetector(BaseEstimator):
    """Churn (threat or decision to leave) per text, from leaving-word contexts, cue groups and a base score.

    fit(texts, y, base_score, groups=None): `base_score` is the general model's churn probability of each text, out
    of fold for training texts; `groups` (e.g. the insurer) keeps each group inside one fold. Learnt: `vectorizer_`, `coef_`, `intercept_`, `threshold_`, and the out-of-fold recall and
    precision at that threshold (`cv_recall_`, `cv_precision_`).
    """

    def __init__(self, C: float = 1.0, window: int = 60, min_df: int = 2, min_recall: float = 0.94,
                 base_weight: float = 1.0, cue_scale: float = 1.0, folds: int = 5, random_state: int = 0, cues_path: str | None = None):
        self.C = C
        self.window = window
        self.min_df = min_df
        self.min_recall = min_recall
        self.base_weight = base_weight
        self.cue_scale = cue_scale
        self.folds = folds
        self.random_state = random_state
        self.cues_path = cues_path

    def _parts(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        cues = load_churn_cues(self.cues_path)
        folded = [fold(t) for t in texts]
        return [cues.windows(f, self.window) for f in folded], np.array([cues.counts(f) for f in folded],
                                                                         dtype=np.float64).reshape(len(texts), -1)

    def _matrix(self, vectorizer: Any, windows: list[str], dense: np.ndarray, base_score: np.ndarray) -> Any:
        import scipy.sparse as sp

        base = np.clip(np.asarray(base_score, dtype=np.float64), 1e-6, 1 - 1e-6)
        logit = (np.log(base / (1 - base)) * self.base_weight / 4.0)[:, None]  # ~[-3.5, 3.5]
        return sp.hstack([vectorizer.transform(windows), sp.csr_matrix(dense * self.cue_scale),
                          sp.csr_matrix(logit)], format="csr")

    def _fit_one(self, windows: list[str], dense: np.ndarray, base: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(token_pattern=_TOKEN, ngram_range=(1, 3), min_df=self.min_df, sublinear_tf=True)
        vectorizer.fit(windows)
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000)
        model.fit(self._matrix(vectorizer, windows, dense, base), y)
        return vectorizer, model

    def fit(self, texts: Sequence[str], y: Sequence[int], base_score: Sequence[float],
            groups: Sequence[str] | None = None) -> "ChurnDetector":
        y_arr = np.asarray(y, dtype=int)
        base = np.asarray(base_score, dtype=np.float64)
        if not (len(texts) == len(y_arr) == len(base)):
            raise ValueError(f"{len(texts)} texts, {len(y_arr)} labels and {len(base)} base scores: lengths differ")
        if y_arr.sum() < self.folds or (1 - y_arr).sum() < self.folds:
            raise ValueError(f"churn detector needs at least {self.folds} churn and {self.folds} other texts, "
                             f"got {int(y_arr.sum())} and {int((1 - y_arr).sum())}")
        windows, dense = self._parts(texts)
        oof = np.zeros(len(y_arr))
        for tr, te in stratified_folds(y_arr, groups, self.folds, self.random_state):
            vec, model = self._fit_one([windows[i] for i in tr], dense[tr], base[tr], y_arr[tr])
            oof[te] = model.predict_proba(self._matrix(vec, [windows[i] for i in te], dense[te], base[te]))[:, 1]
        self.threshold_, self.cv_recall_, self.cv_precision_ = recall_first_threshold(y_arr, oof, self.min_recall)
        self.oof_ = oof
        vec, model = self._fit_one(windows, dense, base, y_arr)
        self.vectorizer_ = vec
        self.coef_ = model.coef_.ravel().astype(np.float32)
        self.intercept_ = float(model.intercept_[0])
        return self

    def predict_proba(self, texts: Sequence[str], base_score: Sequence[float]) -> np.ndarray:
        """P(churn) of each text (1-d)."""
        if not len(texts):
            return np.zeros(0)
        windows, dense = self._parts(texts)
        z = np.asarray(self._matrix(self.vectorizer_, windows, dense, np.asarray(base_score)) @ self.coef_).ravel()
        return 1.0 / (1.0 + np.exp(-(z + self.intercept_)))


def stratified_folds(y: np.ndarray, groups: Sequence[str] | None, folds: int,
                     random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs stratified on `y`; with `groups`, no group is split between train and test."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if groups is None:
        return list(StratifiedKFold(folds, shuffle=True, random_state=random_state).split(y, y))
    if len(groups) != len(y):
        raise ValueError(f"{len(groups)} groups for {len(y)} labels: lengths differ")
    if len(set(groups)) < folds:
        raise ValueError(f"{len(set(groups))} groups cannot fill {folds} folds")
    return list(StratifiedGroupKFold(folds, shuffle=True, random_state=random_state).split(y, y, list(groups)))


def recall_first_threshold(y: np.ndarray, p: np.ndarray, min_recall: float) -> tuple[float, float, float]:
    """(threshold, recall, precision): among thresholds whose recall reaches `min_recall`, the most precise one
    (ties: the highest threshold). Falls back to the lowest score of a positive when no threshold reaches it."""
    y = np.asarray(y, dtype=int)
    positives = int(y.sum())
    best = (float(p[y == 1].min()) if positives else 0.5, 0.0, 0.0)
    best_key = (-1.0, -1.0)
    for t in np.unique(np.round(p, 5)):
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        recall = tp / positives if positives else 0.0
        if recall < min_recall:
            continue
        precision = tp / max(int(pred.sum()), 1)
        if (precision, t) > best_key:
            best_key = (precision, float(t))
            best = (float(t), recall, precision)
    return best
