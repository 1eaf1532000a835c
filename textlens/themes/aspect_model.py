"""Learned verbatim aspects: the taxonomy's own zero-shot evidence and the review's words, per aspect.

Why: the aspect taxonomy alone (terms, descriptions, examples) reached 0.727 / 0.774 micro-F1 on held-out reviews,
and a model on the review's words alone about the same; they err on different reviews. This model blends, for each
aspect of the shipped taxonomy, a logistic regression over what the taxonomy scorer already computes (lexical
evidence, similarity to the aspect prototypes, combined score: each pooled over the review's passages, see
`press_model.doc_features`) with a logistic regression over the review's accent-folded word 1-2-grams (TF-IDF,
hashed: no word of the training reviews is stored), and decides with a threshold per aspect chosen on out-of-fold
predictions. Optionally (`stacker_C`) a second stage reads every aspect's two first-stage scores at once: aspects come
together (a claim story brings reachability and competence complaints, a quick subscription brings price and
responsiveness praise), which the per-aspect blend cannot use. Trained by `scripts/train_aspects.py` on the train
part of our annotated reviews; stored as gzipped JSON (no pickle).

The taxonomy stays editable: `BoundAspectModel` applies the model only to the aspects it was trained on whose
definition is unchanged in the taxonomy in force; a user's own aspects are decided by the taxonomy, as before.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.errors import ModelError
from textlens.vocab import fold

if TYPE_CHECKING:
    from textlens.store import Corpus
    from textlens.themes.scoring import ThemeScorer
    from textlens.themes.taxonomy import Taxonomy, Theme

log = logging.getLogger(__name__)

FEATURES_VERSION = 2  # 2: optional second stage (stacker); files of version 1 (no stacker) still load
READABLE_VERSIONS = (1, 2)
TAXONOMY_BLOCKS = 6  # doc_features' pooled blocks per aspect before the mean embedding


def taxonomy_features(parts: dict[str, np.ndarray | None], doc_support: float) -> np.ndarray:
    """One review's zero-shot evidence per aspect (six pooled blocks of `ThemeScorer.parts`, no embedding: on the
    train part the mean passage embedding made the model worse, 0.741 against 0.750 CV micro-F1)."""
    from textlens.themes.press_model import doc_features

    n_aspects = parts["lex"].shape[1] if parts["lex"] is not None else 0
    return doc_features({**parts, "emb": None}, doc_support)[: TAXONOMY_BLOCKS * n_aspects]


def theme_digest(theme: "Theme") -> str:
    """What an aspect's zero-shot evidence depends on: its terms, label, description and examples. A user who
    edits one of them gets that aspect decided by the taxonomy again."""
    return hashlib.sha1(repr(theme).encode("utf-8")).hexdigest()[:12]


HASH_FEATURES = 2**20  # word 1-2-grams hashed: the model stores no word of the (third-party) training reviews


def _hashed_counts(texts: Sequence[str]) -> Any:
    """(texts, HASH_FEATURES) sparse counts of the accent-folded word 1-2-grams."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(preprocessor=fold, ngram_range=(1, 2), n_features=HASH_FEATURES, alternate_sign=False,
                            norm=None, dtype=np.float64)
    return vec.transform(list(texts))


class HashedTfidf:
    """TF-IDF (sublinear tf, smooth idf, l2 rows) over the hashed n-grams seen in at least `min_df` training texts:
    TfidfVectorizer's weighting, with column numbers instead of a vocabulary."""

    def __init__(self, columns: np.ndarray, idf: np.ndarray):
        self.columns = columns
        self.idf = idf

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int) -> "HashedTfidf":
        counts = _hashed_counts(texts)
        df = np.bincount(counts.indices, minlength=HASH_FEATURES)
        columns = np.flatnonzero(df >= min_df)
        return cls(columns, np.log((1 + len(texts)) / (1 + df[columns])) + 1.0)

    def transform(self, texts: Sequence[str]) -> Any:
        from sklearn.preprocessing import normalize

        x = _hashed_counts(texts)[:, self.columns].tocsr()
        x.data = 1.0 + np.log(x.data)
        return normalize(x.multiply(self.idf).tocsr())


class AspectModel(BaseEstimator):
    """Per-aspect blend of two logistic regressions (zero-shot evidence, word n-grams), a scikit-learn estimator:
    parameters as given, `fit` validates, learnt state ends in `_` (`classes_`, `thresholds_`, `meta_`...).
    `stacker_C` (None: off) adds the second stage: per aspect, a logistic regression over the logits of all aspects'
    out-of-fold first-stage probabilities, with its own out-of-fold threshold."""

    def __init__(self, C_taxonomy: float = 0.05, C_words: float = 10.0, words_weight: float = 0.5,
                 min_df: int = 2, cv: int = 5, random_state: int = 0, stacker_C: float | None = None):
        self.C_taxonomy = C_taxonomy
        self.C_words = C_words
        self.words_weight = words_weight
        self.min_df = min_df
        self.cv = cv
        self.random_state = random_state
        self.stacker_C = stacker_C

    def fit(self, X: np.ndarray, texts: Sequence[str], Y: np.ndarray, classes: Sequence[str]) -> "AspectModel":
        """`X`: `taxonomy_features` of each review; `texts`: the reviews; `Y`: (reviews, aspects) 0/1."""
        from sklearn.model_selection import KFold

        from textlens.themes.press_model import best_threshold

        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=int)
        texts = list(texts)
        if X.ndim != 2 or Y.shape != (len(X), len(classes)) or len(texts) != len(X):
            raise ValueError(f"X {X.shape}, {len(texts)} texts and Y {Y.shape} do not match {len(classes)} aspects")
        if X.shape[1] != TAXONOMY_BLOCKS * len(classes):
            raise ValueError(f"X has {X.shape[1]} columns, expected {TAXONOMY_BLOCKS} per aspect (taxonomy_features)")
        if not 0.0 <= self.words_weight <= 1.0:
            raise ValueError(f"words_weight {self.words_weight} must be between 0 and 1")
        if len(X) < 2 * self.cv:
            raise ValueError(f"{len(X)} labelled reviews: too few for {self.cv}-fold thresholds")
        if self.stacker_C is not None and not self.stacker_C > 0:
            raise ValueError(f"stacker_C {self.stacker_C} must be positive (or None: no second stage)")
        self.classes_ = list(classes)
        self.meta_: dict[str, Any] = {}
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        Z = (X - self.mean_) / self.scale_
        folds = list(KFold(self.cv, shuffle=True, random_state=self.random_state).split(Z))
        fold_words = []
        for tr, te in folds:
            vec = HashedTfidf.fit([texts[i] for i in tr], self.min_df)
            fold_words.append((vec.transform([texts[i] for i in tr]), vec.transform([texts[i] for i in te])))
        vectorizer = HashedTfidf.fit(texts, self.min_df)
        W = vectorizer.transform(texts)
        self.columns_, self.idf_ = vectorizer.columns, vectorizer.idf
        tax_coef, tax_icpt, word_coef, word_icpt, thresholds = [], [], [], [], []
        oof_tax, oof_words = np.zeros(Y.shape), np.zeros(Y.shape)
        for j, name in enumerate(self.classes_):
            y = Y[:, j]
            if y.sum() < self.cv or y.sum() > len(y) - self.cv:
                raise ValueError(f"aspect {name}: {y.sum()} positive reviews of {len(y)}, too few to learn and to "
                                 f"set a threshold by {self.cv}-fold CV")
            for (tr, te), (w_tr, w_te) in zip(folds, fold_words):
                oof_tax[te, j] = self._lr(self.C_taxonomy).fit(Z[tr], y[tr]).predict_proba(Z[te])[:, 1]
                oof_words[te, j] = self._lr(self.C_words).fit(w_tr, y[tr]).predict_proba(w_te)[:, 1]
            thresholds.append(best_threshold(self._blend(oof_tax[:, j], oof_words[:, j]), y))
            tax = self._lr(self.C_taxonomy).fit(Z, y)
            words = self._lr(self.C_words).fit(W, y)
            tax_coef.append(tax.coef_[0])
            tax_icpt.append(float(tax.intercept_[0]))
            word_coef.append(words.coef_[0])
            word_icpt.append(float(words.intercept_[0]))
        self.taxonomy_coef_, self.taxonomy_intercept_ = np.asarray(tax_coef), np.asarray(tax_icpt)
        self.words_coef_, self.words_intercept_ = np.asarray(word_coef), np.asarray(word_icpt)
        self.thresholds_ = np.asarray(thresholds)
        self.stacker_coef_: np.ndarray | None = None
        self.stacker_intercept_: np.ndarray | None = None
        if self.stacker_C is not None:
            self.fit_second_stage(oof_tax, oof_words, Y)
        return self

    def fit_second_stage(self, taxonomy_proba: np.ndarray, words_proba: np.ndarray, Y: np.ndarray) -> None:
        """Second stage on out-of-fold first-stage probabilities (reviews, aspects) each; its thresholds come from
        its own out-of-fold predictions (other folds than the first stage's), and replace the blend's."""
        from sklearn.model_selection import KFold

        from textlens.themes.press_model import best_threshold

        if self.stacker_C is None:
            raise ValueError("fit_second_stage needs stacker_C")
        C = self.stacker_C
        F = stack_features(taxonomy_proba, words_proba)
        folds = list(KFold(self.cv, shuffle=True, random_state=self.random_state + 1).split(F))
        coef, icpt, thresholds = [], [], []
        for j in range(Y.shape[1]):
            y = Y[:, j]
            oof = np.zeros(len(y))
            for tr, te in folds:
                oof[te] = self._lr(C).fit(F[tr], y[tr]).predict_proba(F[te])[:, 1]
            thresholds.append(best_threshold(oof, y))
            stage = self._lr(C).fit(F, y)
            coef.append(stage.coef_[0])
            icpt.append(float(stage.intercept_[0]))
        self.stacker_coef_, self.stacker_intercept_ = np.asarray(coef), np.asarray(icpt)
        self.thresholds_ = np.asarray(thresholds)

    @staticmethod
    def _lr(C: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, class_weight="balanced", max_iter=3000)

    def _blend(self, taxonomy_proba: np.ndarray, words_proba: np.ndarray) -> np.ndarray:
        return (1.0 - self.words_weight) * taxonomy_proba + self.words_weight * words_proba

    def predict_proba(self, X: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """(reviews, aspects) probabilities, columns in `classes_` order."""
        if not hasattr(self, "thresholds_"):
            raise ValueError("AspectModel is not fitted")
        X = np.asarray(X, dtype=np.float64)
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        Z = (X - self.mean_) / self.scale_
        W = HashedTfidf(self.columns_, self.idf_).transform(list(texts))
        tax = _sigmoid(Z @ self.taxonomy_coef_.T + self.taxonomy_intercept_)
        words = _sigmoid(np.asarray(W @ self.words_coef_.T) + self.words_intercept_)
        return self.combine(tax, words)

    def combine(self, taxonomy_proba: np.ndarray, words_proba: np.ndarray) -> np.ndarray:
        """The first stage's two probabilities made one: the second stage when fitted, else the blend."""
        coef, intercept = getattr(self, "stacker_coef_", None), getattr(self, "stacker_intercept_", None)
        if coef is not None and intercept is not None:
            return _sigmoid(stack_features(taxonomy_proba, words_proba) @ coef.T + intercept)
        return self._blend(taxonomy_proba, words_proba)

    def predict(self, X: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba(X, texts) >= self.thresholds_

    # ---- storage (gzipped JSON: no pickle; float16-rounded word weights keep the file small) -------------------
    def save(self, path: str | Path) -> None:
        data = {"features_version": FEATURES_VERSION, "params": self.get_params(), "classes": self.classes_,
                "mean": self.mean_.tolist(), "scale": self.scale_.tolist(),
                "taxonomy_coef": np.round(self.taxonomy_coef_, 5).tolist(),
                "taxonomy_intercept": self.taxonomy_intercept_.tolist(),
                "columns": self.columns_.tolist(), "idf": self.idf_.astype(np.float16).astype(float).tolist(),
                "words_coef": self.words_coef_.astype(np.float16).astype(float).tolist(),
                "words_intercept": self.words_intercept_.tolist(), "thresholds": self.thresholds_.tolist(),
                "meta": self.meta_}
        coef, intercept = getattr(self, "stacker_coef_", None), getattr(self, "stacker_intercept_", None)
        if coef is not None and intercept is not None:
            data["stacker_coef"] = np.round(coef, 5).tolist()
            data["stacker_intercept"] = intercept.tolist()
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            json.dump(data, fh, separators=(",", ":"))

    @classmethod
    def load(cls, path: str | Path) -> "AspectModel":
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: not a textlens aspect model ({exc})") from exc
        if data.get("features_version") not in READABLE_VERSIONS:
            raise ModelError(f"{path}: features version {data.get('features_version')}, this textlens reads "
                             f"{', '.join(map(str, READABLE_VERSIONS))}; retrain with scripts/train_aspects.py")
        model = cls(**data["params"])
        model.classes_ = list(data["classes"])
        model.mean_, model.scale_ = np.asarray(data["mean"]), np.asarray(data["scale"])
        model.taxonomy_coef_ = np.asarray(data["taxonomy_coef"])
        model.taxonomy_intercept_ = np.asarray(data["taxonomy_intercept"])
        model.columns_, model.idf_ = np.asarray(data["columns"], dtype=np.int64), np.asarray(data["idf"])
        model.words_coef_ = np.asarray(data["words_coef"])
        model.words_intercept_ = np.asarray(data["words_intercept"])
        model.thresholds_ = np.asarray(data["thresholds"])
        stacked = "stacker_coef" in data
        model.stacker_coef_ = np.asarray(data["stacker_coef"]) if stacked else None
        model.stacker_intercept_ = np.asarray(data["stacker_intercept"]) if stacked else None
        model.meta_ = dict(data.get("meta", {}))
        return model


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def stack_features(taxonomy_proba: np.ndarray, words_proba: np.ndarray) -> np.ndarray:
    """The second stage's input: both first-stage probabilities of every aspect, as logits (clipped away from 0/1)."""
    both = np.clip(np.hstack([taxonomy_proba, words_proba]), 1e-4, 1 - 1e-4)
    return np.log(both / (1.0 - both))


class BoundAspectModel:
    """The learned model applied to the taxonomy in force: which of its aspects it decides (`columns`: the taxonomy
    index of each model class, -1 when the taxonomy lacks it or redefined it), and the scorer whose evidence it was
    trained on (the shipped taxonomy's, run on the same passages when a user's taxonomy is in force)."""

    def __init__(self, model: AspectModel, taxonomy: "Taxonomy", trained_scorer: "ThemeScorer | None"):
        self.model = model
        self.taxonomy = taxonomy
        self.trained_scorer = trained_scorer  # None: the scorer in force is the one trained on
        digests = model.meta_.get("aspects", {})
        by_id = {t.id: j for j, t in enumerate(taxonomy.themes)}
        self.columns = np.array([by_id[c] if c in by_id and theme_digest(taxonomy.themes[by_id[c]]) == digests.get(c)
                                 else -1 for c in model.classes_])

    @property
    def learned(self) -> bool:
        return bool((self.columns >= 0).any())

    def proba(self, texts: Sequence[str], passage_counts: Sequence[int], parts: dict[str, np.ndarray | None],
              passages: Sequence[str], store: "Corpus | None") -> np.ndarray:
        """(reviews, taxonomy aspects) probabilities of the learned aspects, NaN for the taxonomy's own."""
        if self.trained_scorer is not None:
            parts = self.trained_scorer.parts(passages, store)
            support = self.trained_scorer.taxonomy.scoring.doc_support
        else:
            support = self.taxonomy.scoring.doc_support
        X, at = [], 0
        for n in passage_counts:
            X.append(taxonomy_features({k: (v[at: at + n] if v is not None else None) for k, v in parts.items()},
                                       support))
            at += n
        proba = self.model.predict_proba(np.stack(X), texts) if X else np.zeros((0, len(self.model.classes_)))
        out = np.full((len(X), len(self.taxonomy)), np.nan)
        keep = self.columns >= 0
        out[:, self.columns[keep]] = proba[:, keep]
        return out

    def thresholds(self) -> np.ndarray:
        """Threshold per taxonomy aspect (NaN for the taxonomy's own)."""
        out = np.full(len(self.taxonomy), np.nan)
        keep = self.columns >= 0
        out[self.columns[keep]] = self.model.thresholds_[keep]
        return out


    def decide(self, doc: np.ndarray, proba: np.ndarray, rescale: Callable[[np.ndarray, np.ndarray], np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One review's document scores and chosen aspects: the model's for the aspects it decides (probabilities
        put on the taxonomy's scale by `rescale(proba, thresholds)`), the taxonomy's own for the others; with the
        learned aspects it dropped."""
        learned = ~np.isnan(proba)
        thresholds = self.thresholds()
        doc = doc.copy()
        doc[learned] = rescale(proba[learned], thresholds[learned])
        taxonomy_keeps = doc >= self.taxonomy.scoring.doc_threshold
        model_keeps = np.zeros(len(doc), dtype=bool)
        model_keeps[learned] = proba[learned] >= thresholds[learned]
        chosen = np.flatnonzero(np.where(learned, model_keeps, taxonomy_keeps))
        return doc, chosen, np.flatnonzero(learned & ~model_keeps)


def bind_aspect_model(path: Path, scorer: "ThemeScorer") -> BoundAspectModel | None:
    """The model at `path` bound to the scorer in force, or None when it can decide nothing there (none of its
    aspects unchanged, or another encoder than the one it was trained with: its evidence would mean other things)."""
    from textlens.themes.scoring import ThemeScorer
    from textlens.themes.taxonomy import load_taxonomy

    model = AspectModel.load(path)
    encoder_id = getattr(scorer.encoder, "model_id", None)
    if encoder_id != model.meta_.get("encoder"):
        log.info("aspect model %s left aside: trained with encoder %s, the run uses %s", path,
                 model.meta_.get("encoder"), encoder_id)
        return None
    trained_tax = load_taxonomy(model.meta_.get("taxonomy_name", "aspects"))
    same = scorer.taxonomy.sha1 == trained_tax.sha1
    bound = BoundAspectModel(model, scorer.taxonomy, None if same else ThemeScorer(trained_tax, scorer.encoder))
    return bound if bound.learned else None
