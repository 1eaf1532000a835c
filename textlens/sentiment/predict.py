"""Labels and scores from the committed model: reviews, sentences, article tone, aspect polarity.

The classifier gives (negative, neutral, positive) probabilities; everything a user sees is decided
here, with settings stored in the artifact next to the estimator:
- score = P(positive) - P(negative), in [-1, 1];
- a review is `mixed` when its clauses clearly disagree (one clause at or above +clause_min, another at
  or below -clause_min) and the whole is not decisively one-sided; a 3-star-like review without such a
  split is `neutral`;
- article sentences are a different domain (factual prose, not reviews): below `article_band` in
  absolute score they are `neutral`;
- an aspect's polarity comes from the clauses that mention it, not from the whole review.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from textlens.errors import ModelError as ModelError  # raised here, caught as textlens.sentiment.predict.ModelError
from textlens.sentiment.labels import CLASSES, decide

if TYPE_CHECKING:
    from textlens.sentiment.aspects import AspectPolarity
    from textlens.sentiment.model import SentimentClassifier

MODEL_ENV = "TEXTLENS_SENTIMENT_MODEL"
MODEL_FILE = "sentiment.pkl.gz"
REVIEW, ARTICLE = "review", "article"
MEMO_MAX = 100_000  # texts whose star probabilities `SentimentModel.memo` keeps (~25 MB at most)

DEFAULT_SETTINGS: dict[str, float] = {
    "clause_min": 0.4,  # |clause score| for a clause to count as clearly positive/negative
    "mixed_max": 0.5,  # a review with disagreeing clauses is mixed unless |score| >= this
    "article_center": 0.0,  # the review model's score of a plain factual sentence (press prose is not neutral at 0)
    "article_band": 0.6,  # article sentences with |score - article_center| below this are neutral
    "tone_polar_share": 0.2,  # an article is neutral in tone when fewer of its sentences are polar
    "tone_mixed_ratio": 0.5,  # ...and mixed when the minority polarity reaches this ratio of the majority
    "aspect_min": 0.15,  # |aspect score| below this falls back to the passage, then the review score
}


@dataclass
class Prediction:
    """Sentiment of one text: a label of positive/negative/neutral/mixed and a score in [-1, 1]."""

    label: str
    score: float
    proba: tuple[float, float, float]  # negative, neutral, positive

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 4)}


@dataclass
class SentimentModel:
    """The committed artifact: a fitted `SentimentClassifier`, its decision settings and model-card facts."""

    estimator: SentimentClassifier
    settings: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    meta: dict[str, Any] = field(default_factory=dict)
    # Star probabilities of recently scored texts/clauses: the analyzer scores a review, its passages,
    # then its aspects' clauses, which overlap. A cache only (results do not depend on it); not saved.
    memo: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    # ---- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the artifact as a gzipped pickle (hashed features: only numpy arrays, no vocabulary)."""
        import gzip
        import pickle

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wb", compresslevel=6) as fh:
            pickle.dump({"estimator": self.estimator, "settings": self.settings, "meta": self.meta}, fh, protocol=5)
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SentimentModel":
        """Load `path`, else $TEXTLENS_SENTIMENT_MODEL, else the model committed under models/sentiment/."""
        import gzip
        import pickle
        import warnings

        path = Path(path or os.environ.get(MODEL_ENV) or default_model_path())
        if not path.is_file():
            raise ModelError(f"sentiment model not found at {path} (train it with scripts/train_sentiment.py "
                             f"or point {MODEL_ENV} to a model file)")
        try:
            with warnings.catch_warnings():  # a newer scikit-learn warns on unpickling; the check below decides
                warnings.simplefilter("ignore")
                with open(path, "rb") as raw:
                    gzipped = raw.read(2) == b"\x1f\x8b"
                if gzipped:
                    with gzip.open(path, "rb") as fh:
                        data = pickle.load(fh)
                else:  # a joblib file (models saved before the switch)
                    import joblib

                    data = joblib.load(path)
            model = cls(data["estimator"], {**DEFAULT_SETTINGS, **data.get("settings", {})}, data.get("meta", {}))
            model.estimator.predict_proba(["test"])
        except Exception as exc:  # corrupted file, incompatible library versions...
            raise ModelError(f"cannot use sentiment model {path}: {type(exc).__name__}: {exc}") from exc
        return model

    def fingerprint(self) -> str:
        return json.dumps([self.meta.get("trained_at"), self.meta.get("sha1"), self.settings], sort_keys=True)

    # ---- probabilities ------------------------------------------------------------------------
    def detail(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """(n, 3) probabilities and per-text clause scores; each distinct text is vectorised once."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, 3)), []
        uniq = list(dict.fromkeys(texts))
        if len(self.memo) > MEMO_MAX:
            self.memo.clear()
        P, cs = self.estimator.predict_detail(uniq, memo=self.memo)
        pos = {t: i for i, t in enumerate(uniq)}
        idx = [pos[t] for t in texts]
        return P[idx], [cs[i] for i in idx]

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of negative, neutral, positive."""
        return self.detail(texts)[0]

    # ---- labels -------------------------------------------------------------------------------
    def predict(self, texts: Sequence[str], domain: str = REVIEW) -> list[Prediction]:
        """Label and score of each text. `domain`: "review" (verbatims) or "article" (press sentences)."""
        if domain not in (REVIEW, ARTICLE):
            raise ValueError(f"domain must be {REVIEW!r} or {ARTICLE!r}, not {domain!r}")
        P, clause_scores = self.detail(texts)
        ks = decide(P, self.estimator.bias_).tolist() if len(P) else []
        return [self.label(p, cs, domain, k) for p, cs, k in zip(P.tolist(), clause_scores, ks)]

    def label(self, p: Sequence[float], clause_scores: np.ndarray, domain: str, k: int | None = None) -> Prediction:
        """The prediction for (negative, neutral, positive) probabilities `p` and the text's clause
        scores (mixed when they clearly disagree). `k`: the class index after offsets, when the caller
        decided it (a whole batch at once, or another model's offsets); by default this model's."""
        s = self.settings
        score = float(p[2] - p[0])
        split = is_split(clause_scores, s["clause_min"])
        if domain == ARTICLE:
            label = article_label(score - s["article_center"], split, s["mixed_max"], s["article_band"])
        else:
            if k is None:
                k = int(decide(np.asarray(p)[None, :], self.estimator.bias_)[0])
            label = review_label(k, score, split, s["mixed_max"])
        return Prediction(label, score, (float(p[0]), float(p[1]), float(p[2])))

    def aspects(self, text: str, mentions: dict[str, list[tuple[int, int]]],
                doc_score: float | None = None) -> dict[str, "AspectPolarity"]:
        """Polarity per aspect of one review; `mentions`: {aspect_id: [(start, end) of its mentions]}."""
        from textlens.sentiment.aspects import score_aspects

        if doc_score is None:
            doc_score = self.predict([text])[0].score
        return score_aspects(self, [(text, mentions, doc_score)])[0]

    def tone(self, sentences: Sequence[Prediction]) -> Prediction:
        """An article's overall tone from its sentence predictions."""
        s = self.settings
        if not sentences:
            return Prediction("neutral", 0.0, (0.0, 1.0, 0.0))
        pos = sum(p.label == "positive" for p in sentences) + 0.5 * sum(p.label == "mixed" for p in sentences)
        neg = sum(p.label == "negative" for p in sentences) + 0.5 * sum(p.label == "mixed" for p in sentences)
        n = len(sentences)
        score = float(np.mean([p.score for p in sentences]))
        proba = tuple(float(np.mean([p.proba[i] for p in sentences])) for i in range(3))
        if (pos + neg) / n < s["tone_polar_share"]:
            label = "neutral"
        elif min(pos, neg) >= s["tone_mixed_ratio"] * max(pos, neg):
            label = "mixed"
        else:
            label = "positive" if pos > neg else "negative"
        return Prediction(label, score, proba)  # type: ignore[arg-type]


def is_split(clause_scores: np.ndarray, clause_min: float) -> bool:
    """Do the clauses clearly disagree (one at or above +clause_min, another at or below -clause_min)?"""
    return len(clause_scores) > 1 and clause_scores.max() >= clause_min and clause_scores.min() <= -clause_min


def review_label(k: int, score: float, split: bool, mixed_max: float) -> str:
    """Label of a review from its class index `k` (after offsets), score and clause disagreement."""
    if split and (k == 1 or abs(score) < mixed_max):
        return "mixed"
    return CLASSES[k]


def article_label(score: float, split: bool, mixed_max: float, band: float) -> str:
    """Label of a press sentence from its centred score: neutral inside the band, mixed when its clauses disagree."""
    if split and abs(score) < mixed_max:
        return "mixed"
    if abs(score) < band:
        return "neutral"
    return "positive" if score > 0 else "negative"


def default_model_path() -> Path:
    """The shipped models/sentiment/sentiment.pkl.gz (textlens.resources: checkout or wheel)."""
    from textlens.resources import model_path

    return model_path("sentiment", MODEL_FILE)
