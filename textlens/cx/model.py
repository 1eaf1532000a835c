"""The customer-experience classifier: emotions (+ intensity), customer effort and intents of a review.

Why this design: it must add little to a verbatim run (the budget is +30%), so it is linear models over one
shared featurisation: the hashed word/char n-grams of the sentiment model (`sentiment.features.HashedNgrams`)
plus dense explicit cues (`cx.cues`, word lists kept as data: intensifiers, capitals, "!!!", emojis, churn and
escalation words). Multi-label tasks are one-vs-rest logistic regressions whose per-class decision thresholds are
learnt by cross-validation inside `fit` (rare classes need thresholds far from 0.5). Intensity (1-3) is a small
multinomial model over the intensity cues and the emotion, fitted on the annotated (review, emotion) pairs.
All linear weights are stacked into one matrix at the end of `fit`, so predicting is one sparse product.
Churn is then decided by a dedicated detector (`cx.churn.ChurnDetector`) stacked on the general churn score: the
general model cannot tell "je résilie" from "ils m'ont résilié", which made most of its churn alarms false.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.cx import EFFORT_LEVELS, EMOTIONS, INTENSITIES, INTENTS

log = logging.getLogger(__name__)


@dataclass
class CxLabels:
    """The annotations of one review in model form (see docs/annotation/cx_scheme.md)."""

    emotions: dict[str, int] = field(default_factory=dict)  # label -> intensity 1..3
    effort: int = 0  # -2..+2
    intents: list[str] = field(default_factory=list)


@dataclass
class CxPrediction:
    """What the model says about one text; `proba` holds every class probability (for evidence passages)."""

    emotions: list[tuple[str, int, float]]  # (label, intensity 1..3, probability), most probable first
    effort_level: str  # hard / neutral / easy
    effort_score: float  # P(easy) - P(hard), in [-1, 1]: -1 surely hard, +1 surely easy
    intents: list[tuple[str, float]]  # (label, probability), most probable first
    proba: dict[str, float]  # "emotion.joy", "intent.churn", "effort.hard", ... -> probability


class CxClassifier(BaseEstimator):
    """Emotions, intensity, effort and intents of French reviews (scikit-learn style: params as given, learnt
    state in attributes ending in `_`).

    fit(texts, labels, background=..., groups=...): `background` texts (unannotated reviews of the training part)
    only widen the n-gram vocabulary and its IDF; they carry no label. `groups` (the insurer of each text) keeps
    each group inside one fold of the threshold cross-validations, so thresholds are chosen as for new insurers.
    """

    def __init__(self, C_emotion: float = 1.0, C_intent: float = 1.0, C_effort: float = 1.0, C_intensity: float = 1.0,
                 cue_weight: float = 0.5, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5),
                 word_min_df: int = 2, char_min_df: int = 3, n_bits: int = 20, threshold_folds: int = 5,
                 churn_min_recall: float = 0.94, balanced: bool = True, random_state: int = 0,
                 cues_path: str | None = None, churn_detector: bool = True, C_churn: float = 1.0):
        self.C_emotion = C_emotion
        self.C_intent = C_intent
        self.C_effort = C_effort
        self.C_intensity = C_intensity
        self.cue_weight = cue_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.n_bits = n_bits
        self.threshold_folds = threshold_folds
        self.churn_min_recall = churn_min_recall
        self.balanced = balanced
        self.random_state = random_state
        self.cues_path = cues_path
        self.churn_detector = churn_detector
        self.C_churn = C_churn

    # ---- storage --------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The weight matrix is stored in float16: half the model file (the models/ size budget), and linear
        scores move by less than 1e-3 (checked by tests/test_cx.py)."""
        state = dict(super().__getstate__())
        if isinstance(state.get("coef_"), np.ndarray):
            state["coef_"] = state["coef_"].astype(np.float16)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if isinstance(getattr(self, "coef_", None), np.ndarray):
            self.coef_ = self.coef_.astype(np.float32)

    # ---- features -------------------------------------------------------------------------------
    def _cues(self) -> Any:
        from textlens.cx.cues import load_cues

        return load_cues(self.cues_path)

    def _ngrams(self) -> Any:
        from textlens.sentiment.features import HashedNgrams

        return HashedNgrams(self.word_ngrams, self.char_ngrams, (1, 2), self.word_min_df, self.char_min_df,
                            n_bits=self.n_bits, flip=True)

    def features(self, texts: Sequence[str], cues: np.ndarray | None = None) -> Any:
        """The (n, n_features) sparse matrix the linear models read: n-gram TF-IDF, then weighted cues (`cues`:
        the texts' cue features when already computed, as `predict` does to reuse them for intensity)."""
        import scipy.sparse as sp

        dense = (self._cues().features(texts) if cues is None else cues) * self.cue_weight
        return sp.hstack([self.ngrams_.transform(texts), sp.csr_matrix(dense)], format="csr", dtype=np.float32)

    # ---- fitting --------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: Sequence[CxLabels], background: Sequence[str] = (),
            groups: Sequence[str] | None = None) -> "CxClassifier":
        texts = _check_texts(texts)
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} label rows")
        if len(texts) < 2 * self.threshold_folds:
            raise ValueError(f"need at least {2 * self.threshold_folds} annotated texts, got {len(texts)}")
        check_labels(labels)
        self.ngrams_ = self._ngrams().fit(list(texts) + list(background))
        X = self.features(texts)
        Y_emo = np.array([[lab in y.emotions for lab in EMOTIONS] for y in labels], dtype=int)
        Y_int = np.array([[lab in y.intents for lab in INTENTS] for y in labels], dtype=int)
        y_eff = np.array([EFFORT_LEVELS.index(_level(y.effort)) for y in labels])

        oof = self._oof(X, Y_emo, Y_int, y_eff, groups)
        self.thresholds_ = {}
        for j, lab in enumerate(EMOTIONS):
            self.thresholds_[f"emotion.{lab}"] = best_threshold(Y_emo[:, j], oof["emotion"][:, j])
        for j, lab in enumerate(INTENTS):
            min_recall = self.churn_min_recall if lab == "churn" else None
            self.thresholds_[f"intent.{lab}"] = best_threshold(Y_int[:, j], oof["intent"][:, j], min_recall)
        self.churn_ = None
        if self.churn_detector:
            from textlens.cx.churn import ChurnDetector

            j = INTENTS.index("churn")
            self.churn_ = ChurnDetector(C=self.C_churn, min_recall=self.churn_min_recall, folds=self.threshold_folds,
                                        random_state=self.random_state).fit(texts, Y_int[:, j], oof["intent"][:, j],
                                                                            groups)
            self.thresholds_["intent.churn"] = self.churn_.threshold_
            oof["churn_detector"] = self.churn_.oof_
            del self.churn_.oof_
        self.oof_ = oof  # out-of-fold probabilities of the training texts (model card, diagnostics)

        emo = [self._binary(X, Y_emo[:, j], self.C_emotion) for j in range(len(EMOTIONS))]
        intent = [self._binary(X, Y_int[:, j], self.C_intent) for j in range(len(INTENTS))]
        effort = self._effort(X, y_eff)
        self.classes_ = [f"emotion.{c}" for c in EMOTIONS] + [f"intent.{c}" for c in INTENTS]
        models = emo + intent + effort
        self.coef_ = np.hstack([m.coef_.T for m in models]).astype(np.float32)
        self.intercept_ = np.concatenate([m.intercept_ for m in models]).astype(np.float32)

        pairs = [(i, lab, inten) for i, y in enumerate(labels) for lab, inten in y.emotions.items()]
        self.intensity_ = self._intensity_model([texts[i] for i, _, _ in pairs], [lab for _, lab, _ in pairs],
                                                [inten for _, _, inten in pairs])
        return self

    def _binary(self, X: Any, y: np.ndarray, C: float) -> Any:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        if y.min() == y.max():  # a class never (or always) annotated: a constant model, said in the log
            log.warning("a class has %d positive of %d training texts: constant model", int(y.sum()), len(y))
            model = LogisticRegression()
            model.coef_ = np.zeros((1, X.shape[1]))
            model.intercept_ = np.array([20.0 if y[0] else -20.0])
            return model
        # the dual solver: far more features than annotated texts, 30-40x faster than the primal one here
        model = LogisticRegression(C=C, class_weight="balanced" if self.balanced else None, solver="liblinear",
                                   dual=True, max_iter=1000, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # rare classes at large C; CV judges the result
            return model.fit(X, y)

    def _effort(self, X: Any, y: np.ndarray) -> list[Any]:
        """One-vs-rest models of the three effort levels (liblinear: a multinomial fit is ~30x slower here)."""
        return [self._binary(X, (y == k).astype(int), self.C_effort) for k in range(len(EFFORT_LEVELS))]

    def _oof(self, X: Any, Y_emo: np.ndarray, Y_int: np.ndarray, y_eff: np.ndarray,
             groups: Sequence[str] | None = None) -> dict[str, np.ndarray]:
        """Out-of-fold probabilities of every task (the thresholds are chosen on them, never on fitted texts)."""
        from sklearn.model_selection import GroupKFold, KFold

        n = X.shape[0]
        out = {"emotion": np.zeros(Y_emo.shape), "intent": np.zeros(Y_int.shape), "effort": np.zeros((n, 3))}
        if groups is None:
            splits = KFold(self.threshold_folds, shuffle=True, random_state=self.random_state).split(np.arange(n))
        else:
            if len(groups) != n:
                raise ValueError(f"{len(groups)} groups for {n} texts: lengths differ")
            splits = GroupKFold(self.threshold_folds).split(np.arange(n), groups=list(groups))
        for tr, te in splits:
            for name, Y, C in (("emotion", Y_emo, self.C_emotion), ("intent", Y_int, self.C_intent)):
                for j in range(Y.shape[1]):
                    out[name][te, j] = _proba1(self._binary(X[tr], Y[tr, j], C), X[te])
            sig = np.column_stack([_proba1(m, X[te]) for m in self._effort(X[tr], y_eff[tr])])
            out["effort"][te] = sig / sig.sum(axis=1, keepdims=True)
        return out

    # ---- intensity ------------------------------------------------------------------------------
    def intensity_features(self, texts: Sequence[str], emotions: Sequence[str],
                           cues: np.ndarray | None = None) -> np.ndarray:
        """Per (text, emotion) pair: the intensity and shape cues, the cues of that emotion, and the emotion
        (`cues`: the pairs' cue feature rows when already computed)."""
        cue_set = self._cues()
        F = cue_set.features(texts) if cues is None else cues
        names = cue_set.names
        keep = [k for k, nm in enumerate(names) if nm.startswith(("intensity.", "shape."))]
        own = np.array([F[i, names.index(f"emotion.{e}")] for i, e in enumerate(emotions)], dtype=np.float32)
        onehot = np.array([[e == lab for lab in EMOTIONS] for e in emotions], dtype=np.float32)
        return np.hstack([F[:, keep], own[:, None], onehot]) if len(texts) else np.zeros((0, len(keep) + 8))

    def _intensity_model(self, texts: list[str], emotions: list[str], intensities: list[int]) -> Any:
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(intensities, dtype=int)
        if len(set(y)) < 2:
            log.warning("intensity: a single level annotated (%s); every emotion gets it", sorted(set(y)))
            return int(y[0]) if len(y) else 2
        return LogisticRegression(C=self.C_intensity, max_iter=2000).fit(
            self.intensity_features(texts, emotions), y)

    def predict_intensity(self, texts: Sequence[str], emotions: Sequence[str],
                          cues: np.ndarray | None = None) -> np.ndarray:
        """Intensity 1..3 of each (text, emotion) pair."""
        if not len(texts):
            return np.zeros(0, dtype=int)
        if isinstance(self.intensity_, int):
            return np.full(len(texts), self.intensity_)
        return self.intensity_.predict(self.intensity_features(texts, emotions, cues)).astype(int)

    # ---- prediction -----------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], cues: np.ndarray | None = None) -> np.ndarray:
        """(n, 7 emotions + 6 intents + 3 effort levels) probabilities, columns named by `proba_names`."""
        texts = _check_texts(texts)
        if not texts:
            return np.zeros((0, len(self.classes_) + 3))
        z = np.asarray(self.features(texts, cues) @ self.coef_) + self.intercept_
        k = len(self.classes_)
        sig = 1.0 / (1.0 + np.exp(-z))
        effort = sig[:, k:] / sig[:, k:].sum(axis=1, keepdims=True)  # one-vs-rest scores normalised, as sklearn does
        detector = getattr(self, "churn_", None)
        if detector is not None:
            j = self.classes_.index("intent.churn")
            sig[:, j] = detector.predict_proba(texts, sig[:, j])
        return np.hstack([sig[:, :k], effort])

    @property
    def proba_names(self) -> list[str]:
        return list(self.classes_) + [f"effort.{c}" for c in EFFORT_LEVELS]

    def predict(self, texts: Sequence[str]) -> list[CxPrediction]:
        """Labels of each text: emotions above their threshold (with intensity), effort level, intents."""
        texts = _check_texts(texts)
        cues = self._cues().features(texts)  # computed once: the linear models and the intensity model read them
        P = self.predict_proba(texts, cues)
        names = self.proba_names
        pairs = [(i, nm.split(".", 1)[1], P[i, j]) for i in range(len(P)) for j, nm in enumerate(names)
                 if nm.startswith("emotion.") and P[i, j] >= self.thresholds_[nm]]
        rows = [i for i, _, _ in pairs]
        inten = self.predict_intensity([texts[i] for i in rows], [lab for _, lab, _ in pairs], cues[rows])
        emotions: list[list[tuple[str, int, float]]] = [[] for _ in range(len(P))]
        for (i, lab, p), level in zip(pairs, inten):
            emotions[i].append((lab, int(level), float(p)))
        out = []
        for i, row in enumerate(P):
            proba = {nm: float(v) for nm, v in zip(names, row)}
            intents = sorted(((nm.split(".", 1)[1], proba[nm]) for nm in names
                              if nm.startswith("intent.") and proba[nm] >= self.thresholds_[nm]), key=lambda x: -x[1])
            eff = [proba[f"effort.{c}"] for c in EFFORT_LEVELS]
            out.append(CxPrediction(sorted(emotions[i], key=lambda x: -x[2]), EFFORT_LEVELS[int(np.argmax(eff))],
                                    float(eff[2] - eff[0]), intents, proba))
        return out


def best_threshold(y: np.ndarray, p: np.ndarray, min_recall: float | None = None) -> float:
    """The decision threshold maximising F1 on out-of-fold probabilities; with `min_recall`, the highest threshold
    whose recall still reaches it (the churn goal is recall first). 0.5 when the class has no positive."""
    y = np.asarray(y, dtype=int)
    if y.sum() == 0 or y.sum() == len(y):
        return 0.5
    candidates = np.unique(np.round(p, 4))
    best, best_t = -1.0, 0.5
    for t in candidates:
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        recall = tp / y.sum()
        if min_recall is not None:
            if recall >= min_recall:
                best_t = float(t)  # candidates ascend: keep the highest that still recalls enough
            continue
        f1 = 2 * tp / max(pred.sum() + y.sum(), 1)
        if f1 > best:
            best, best_t = f1, float(t)
    return best_t


def _proba1(model: Any, X: Any) -> np.ndarray:
    z = np.asarray(X @ model.coef_.T).ravel() + model.intercept_[0]
    return 1.0 / (1.0 + np.exp(-z))


def _level(effort: int) -> str:
    from textlens.cx import effort_level

    return effort_level(effort)


def _check_texts(texts: Sequence[str]) -> list[str]:
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"text {i} is {type(t).__name__}, not str")
    return texts


def check_labels(labels: Sequence[CxLabels]) -> None:
    for i, y in enumerate(labels):
        bad = [e for e in y.emotions if e not in EMOTIONS] + [x for x in y.intents if x not in INTENTS]
        if bad:
            raise ValueError(f"label row {i}: unknown labels {bad}")
        if any(v not in INTENSITIES for v in y.emotions.values()):
            raise ValueError(f"label row {i}: intensity must be 1, 2 or 3, got {y.emotions}")
        if y.effort not in (-2, -1, 0, 1, 2):
            raise ValueError(f"label row {i}: effort must be -2..2, got {y.effort}")


def labels_from_mapping(row: Mapping[str, Any]) -> CxLabels:
    """One `cx_labels.jsonl` record as `CxLabels` (keys of the shared scheme)."""
    emotions = {e["label"]: int(e["intensity"]) for e in row.get("emotions", [])}
    return CxLabels(emotions, int(row.get("effort", 0)), list(row.get("intents", [])))
