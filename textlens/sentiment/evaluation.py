"""Measures shared by the training and evaluation scripts and the tests.

- review metrics on star-rated reviews: binary accuracy on 1-2 vs 4-5 stars (sign of the score) and
  3-class macro-F1 (negative / neutral-or-mixed / positive against 1-2 / 3 / 4-5 stars);
- the French lexicon baselines textblob-fr and vaderSentiment-fr, scored the same way;
- aspect polarity accuracy against gold files of `{"id", "aspects": [{"id", "polarity"}]}`.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from textlens.errors import InputError
from textlens.sentiment.labels import star_classes

if TYPE_CHECKING:
    from textlens.sentiment.predict import SentimentModel

LABEL_CLASS = {"negative": 0, "neutral": 1, "mixed": 1, "positive": 2}


def review_metrics(scores: Sequence[float], labels: Sequence[str] | None, stars: Sequence[int]) -> dict[str, float]:
    """binary_accuracy (score > 0 means positive) and, when labels are given, macro_f1 over 3 classes."""
    from sklearn.metrics import f1_score

    scores, stars = np.asarray(scores, dtype=float), np.asarray(stars, dtype=int)
    polar = stars != 3
    out = {"n": int(len(stars)), "n_binary": int(polar.sum()),
           "binary_accuracy": float(np.mean((scores[polar] > 0) == (stars[polar] >= 4)))}
    if labels is not None:
        unknown = set(labels) - set(LABEL_CLASS)
        if unknown:
            raise ValueError(f"unknown sentiment labels {sorted(unknown)}")
        pred = np.array([LABEL_CLASS[x] for x in labels])
        out["macro_f1"] = float(f1_score(star_classes(stars), pred, average="macro"))
    return out


def read_reviews(path: str | Path, columns: Sequence[str] = ("text",)) -> Any:
    """A reviews CSV as a DataFrame (texts as str, empty for missing; ids as str); a clear error names the
    file when it or a needed column is missing."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found (the reviews live in ../shared/data/verbatims_assurance)")
    df = pd.read_csv(path)
    missing = set(columns) - set(df.columns)
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    df["text"] = df["text"].fillna("").astype(str)
    if "id" in df.columns:
        df["id"] = df["id"].astype(str)
    return df


VALIDATION_SHARE = 5  # one review of train.csv in 5 goes to the validation part


def in_validation(review_id: str) -> bool:
    """Fixed split of train.csv for every training choice (issue 17): a review always lands in the same
    part whatever the row order, by a hash of its id."""
    import hashlib

    return int(hashlib.sha1(str(review_id).encode("utf-8")).hexdigest()[:8], 16) % VALIDATION_SHARE == 0


def class_f1(stars: Sequence[int], labels: Sequence[str]) -> list[float]:
    """F1 of the negative, neutral (3 stars; `mixed` counts here) and positive classes."""
    from sklearn.metrics import f1_score

    pred = [LABEL_CLASS[x] for x in labels]
    return [float(v) for v in f1_score(star_classes(stars), pred, labels=[0, 1, 2], average=None, zero_division=0)]


def tfidf_lr_metrics(train_texts: Sequence[str], train_stars: Sequence[int], texts: Sequence[str],
                     stars: Sequence[int]) -> dict[str, Any]:
    """The plain baseline of issue 17: TF-IDF word 1-2 + char_wb 2-5 n-grams, logistic regression on the
    three classes (score = P(positive) - P(negative)), trained on `train_texts`. Its class offsets are tuned
    for macro-F1 on 3-fold out-of-fold probabilities of the training texts, as textlens tunes its own (a plain
    argmax almost never says neutral); both decisions are returned. The margin over it is the figure that
    carries over from one sample of reviews to another."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_union

    from textlens.sentiment.labels import CLASSES, decide, tune_bias

    vectors = make_union(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True))
    X, y = vectors.fit_transform(list(train_texts)), star_classes(train_stars)
    lr = LogisticRegression(C=10.0, max_iter=2000)
    oof = cross_val_predict(lr, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0), method="predict_proba")
    bias = tune_bias(oof, y)
    P = lr.fit(X, y).predict_proba(vectors.transform(list(texts)))
    labels = [CLASSES[k] for k in decide(P, bias)]
    out: dict[str, Any] = review_metrics(P[:, 2] - P[:, 0], labels, stars)
    out["class_f1"] = class_f1(stars, labels)
    out["bias"] = bias.tolist()
    argmax = [CLASSES[k] for k in P.argmax(axis=1)]
    out["argmax"] = {"macro_f1": review_metrics(P[:, 2] - P[:, 0], argmax, stars)["macro_f1"],
                     "class_f1": class_f1(stars, argmax)}
    return out


def model_metrics(model: "SentimentModel", texts: Sequence[str], stars: Sequence[int]) -> dict[str, float]:
    preds = model.predict(texts)
    return review_metrics([p.score for p in preds], [p.label for p in preds], stars)


def label_from_score(score: float, neutral: float) -> str:
    return "neutral" if abs(score) <= neutral else ("positive" if score > 0 else "negative")


def textblob_scores(texts: Iterable[str]) -> list[float]:
    """textblob-fr polarity in [-1, 1] (PatternAnalyzer)."""
    from textblob import Blobber
    from textblob_fr import PatternAnalyzer, PatternTagger

    blob = Blobber(pos_tagger=PatternTagger(), analyzer=PatternAnalyzer())
    return [float(blob(t).sentiment[0]) for t in texts]


def vader_scores(texts: Iterable[str]) -> list[float]:
    """vaderSentiment-fr compound score in [-1, 1]."""
    from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    return [float(sia.polarity_scores(t)["compound"]) for t in texts]


BASELINES: dict[str, tuple[Callable[[Iterable[str]], list[float]], float]] = {
    # name -> (scorer, neutral band used by the library's own convention)
    "textblob-fr": (textblob_scores, 0.0),
    "vaderSentiment-fr": (vader_scores, 0.05),
}


def baseline_metrics(name: str, texts: Sequence[str], stars: Sequence[int]) -> dict[str, float]:
    """Metrics of a lexicon baseline, plus the correlation of its score with the stars (its direction)."""
    scorer, band = BASELINES[name]
    scores = scorer(texts)
    out = review_metrics(scores, [label_from_score(s, band) for s in scores], stars)
    out["spearman_with_stars"] = float(_spearman(scores, stars))
    return out


def _spearman(a: Sequence[float], b: Sequence[int]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def read_gold(path: str | Path) -> dict[str, dict[str, Any]]:
    """{id: record} of a JSONL gold file; a clear error names the bad line."""
    from textlens.jsonl import json_lines

    out = {}
    for i, rec in json_lines(path, bad="not a gold record"):
        try:
            out[str(rec["id"])] = rec
        except KeyError as exc:
            raise InputError(f"{path}:{i}: not a gold record ({exc})") from exc
    return out


def aspect_polarity_accuracy(model: "SentimentModel", texts: dict[str, str], gold: dict[str, dict[str, Any]],
                             taxonomy: str = "aspects") -> dict[str, Any]:
    """Accuracy of the polarity given to each gold aspect (aspects taken as given, located by the taxonomy's
    terms, whole text when none is found). Returns accuracy, n, per-polarity accuracy and a confusion dict."""
    from textlens.sentiment.aspects import score_aspects
    from textlens.themes.lexicon import LexicalMatcher
    from textlens.themes.taxonomy import load_taxonomy

    matcher = LexicalMatcher(load_taxonomy(taxonomy))
    ids = [i for i in gold if i in texts and gold[i].get("aspects")]
    doc_scores = {p: pr.score for p, pr in zip(ids, model.predict([texts[i] for i in ids]))}
    jobs = []
    for i in ids:
        hits = matcher.find(texts[i])
        spans = {a["id"]: [(h.start, h.end) for h in hits.get(a["id"], [])] for a in gold[i]["aspects"]}
        jobs.append((texts[i], spans, doc_scores[i]))
    results = score_aspects(model, jobs)
    confusion: dict[str, dict[str, int]] = {}
    right = total = 0
    for i, res in zip(ids, results):
        for a in gold[i]["aspects"]:
            pred = res[a["id"]].polarity
            confusion.setdefault(a["polarity"], {}).setdefault(pred, 0)
            confusion[a["polarity"]][pred] += 1
            right += pred == a["polarity"]
            total += 1
    per = {g: round(c.get(g, 0) / sum(c.values()), 4) for g, c in confusion.items()}
    return {"accuracy": right / total if total else float("nan"), "n": total, "docs": len(ids),
            "per_polarity": per, "confusion": confusion}


def demo_articles(demo: str | Path) -> list[tuple[str, str]]:
    """(text, gold tone) of the articles of a demo corpus folder with gold_articles_*.jsonl files."""
    demo = Path(demo)
    out = []
    for gold in sorted(demo.glob("gold_articles_*.jsonl")):
        for line in gold.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            path = demo / "articles" / rec["file"]
            if path.is_file() and rec.get("tone"):
                out.append((path.read_text(encoding="utf-8"), rec["tone"]))
    return out
