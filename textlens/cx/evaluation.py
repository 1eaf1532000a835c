"""The figures of issue #18, computed one way for cross-validation, held-out evaluation and baselines.

- emotions: macro-F1 over the seven classes (multi-label, per review), and intensity within one step of the
  annotation on the emotions both the annotation and the prediction carry (plus exact agreement);
- effort: accuracy on the three levels (hard / neutral / easy);
- intents: micro-F1 over the six classes, churn recall (and precision);
Each function takes gold and predicted `CxLabels`-like values, so any system (ours, a baseline, an export
read back) is scored by the same code.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textlens.cx import EMOTIONS, INTENTS, effort_level


@dataclass
class Outcome:
    """A system's output for one review, in the annotation's terms."""

    emotions: dict[str, int]  # label -> intensity
    effort_level: str  # hard / neutral / easy
    intents: set[str]


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def scores(gold: Sequence[Outcome], pred: Sequence[Outcome]) -> dict[str, float]:
    """Every goal figure of the issue for `pred` against `gold` (same order)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold rows but {len(pred)} predictions")
    out: dict[str, float] = {"n": float(len(gold))}
    per_class = {}
    for lab in EMOTIONS:
        tp = sum(lab in g.emotions and lab in p.emotions for g, p in zip(gold, pred))
        fp = sum(lab not in g.emotions and lab in p.emotions for g, p in zip(gold, pred))
        fn = sum(lab in g.emotions and lab not in p.emotions for g, p in zip(gold, pred))
        per_class[lab] = f1(tp, fp, fn)
        out[f"emotion_f1.{lab}"] = per_class[lab]
        out[f"emotion_support.{lab}"] = float(sum(lab in g.emotions for g in gold))
    present = [lab for lab in EMOTIONS if out[f"emotion_support.{lab}"] > 0]
    out["emotion_macro_f1"] = sum(per_class[lab] for lab in present) / max(len(present), 1)
    both = [(g.emotions[lab], p.emotions[lab]) for g, p in zip(gold, pred) for lab in g.emotions if lab in p.emotions]
    out["intensity_pairs"] = float(len(both))
    out["intensity_within_one"] = sum(abs(a - b) <= 1 for a, b in both) / len(both) if both else 0.0
    out["intensity_exact"] = sum(a == b for a, b in both) / len(both) if both else 0.0
    out["effort_accuracy"] = sum(g.effort_level == p.effort_level for g, p in zip(gold, pred)) / max(len(gold), 1)
    tp = fp = fn = 0
    for lab in INTENTS:
        a = sum(lab in g.intents and lab in p.intents for g, p in zip(gold, pred))
        b = sum(lab not in g.intents and lab in p.intents for g, p in zip(gold, pred))
        c = sum(lab in g.intents and lab not in p.intents for g, p in zip(gold, pred))
        out[f"intent_f1.{lab}"] = f1(a, b, c)
        out[f"intent_support.{lab}"] = float(a + c)
        tp, fp, fn = tp + a, fp + b, fn + c
    out["intent_micro_f1"] = f1(tp, fp, fn)
    churn = [(("churn" in g.intents), ("churn" in p.intents)) for g, p in zip(gold, pred)]
    pos = sum(g for g, _ in churn)
    out["churn_recall"] = sum(g and p for g, p in churn) / pos if pos else 0.0
    said = sum(p for _, p in churn)
    out["churn_precision"] = sum(g and p for g, p in churn) / said if said else 0.0
    return out


def gold_outcome(labels: object) -> Outcome:
    """An annotation (`CxLabels`) as an `Outcome`."""
    return Outcome(dict(labels.emotions), effort_level(labels.effort), set(labels.intents))  # type: ignore[attr-defined]


def export_outcome(record: dict) -> Outcome:
    """A `textlens export` record (keys `emotions`, `effort`, `intents`) as an `Outcome`."""
    return Outcome({e["label"]: int(e["intensity"]) for e in record.get("emotions") or []},
                   (record.get("effort") or {}).get("level") or "neutral",
                   {i["label"] for i in record.get("intents") or []})


def tfidf_baseline(train_texts: Sequence[str], train_labels: Sequence[object],
                   test_texts: Sequence[str]) -> list[Outcome]:
    """The plain baseline every figure is printed beside: TF-IDF word 1-2 + char_wb 2-5 grams, one-vs-rest logistic
    regression per emotion and intent (scikit-learn defaults, threshold 0.5), multinomial for the effort level, and
    the training part's most frequent intensity for every predicted emotion."""
    from collections import Counter

    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)
    X = sp.hstack([words.fit_transform(train_texts), chars.fit_transform(train_texts)]).tocsr()
    Xt = sp.hstack([words.transform(test_texts), chars.transform(test_texts)]).tocsr()

    def one_vs_rest(has: list[bool]) -> np.ndarray:
        y = np.array(has, dtype=int)
        if y.min() == y.max():
            return np.full(len(test_texts), bool(y[0]))
        return LogisticRegression(max_iter=2000).fit(X, y).predict_proba(Xt)[:, 1] >= 0.5

    emo = {e: one_vs_rest([e in y.emotions for y in train_labels]) for e in EMOTIONS}  # type: ignore[attr-defined]
    intent = {i: one_vs_rest([i in y.intents for y in train_labels]) for i in INTENTS}  # type: ignore[attr-defined]
    effort = LogisticRegression(max_iter=2000).fit(
        X, [effort_level(y.effort) for y in train_labels]).predict(Xt)  # type: ignore[attr-defined]
    majority = Counter(i for y in train_labels for i in y.emotions.values()).most_common(1)[0][0]  # type: ignore[attr-defined]
    return [Outcome({e: majority for e in EMOTIONS if emo[e][k]}, str(effort[k]),
                    {i for i in INTENTS if intent[i][k]}) for k in range(len(test_texts))]


GOALS = {"emotion_macro_f1": 0.60, "intensity_within_one": 0.80, "effort_accuracy": 0.75, "intent_micro_f1": 0.75,
         "churn_recall": 0.85}
