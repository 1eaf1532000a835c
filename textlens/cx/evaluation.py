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


GOALS = {"emotion_macro_f1": 0.60, "intensity_within_one": 0.80, "effort_accuracy": 0.75, "intent_micro_f1": 0.75,
         "churn_recall": 0.85}
