"""The learned key-figure scorer: which number expressions of a text are its key statistics.

An article states many numbers (dates, headcounts of a single shop, list items, prices of a magazine); the
annotation scheme keeps the statistics the text reports (shares, counts of jobs/sites/agents, amounts, growth).
A logistic regression over the candidates' features (`facts.figure_candidates`: how the number is written, its
unit, the word after and before it, its sentence's cues and entities, its place in the text) decides. It is
trained by `scripts/train_figures.py` on the annotated press texts (the archive labels and press_dev training
folds) and stored as plain named coefficients in `textlens/data/figure_model.json`, so extraction needs no
scikit-learn. `TEXTLENS_FIGURE_MODEL` points to another file (the evaluation's per-fold models);
`TEXTLENS_FIGURE_MODEL=off` keeps the rule alone (a number with a unit: %, money, a counted noun).
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

MODEL_ENV = "TEXTLENS_FIGURE_MODEL"


@dataclass
class FigureCandidate:
    """A number expression with what the key-figure scorer reads about it (made by `facts.figure_candidates`;
    declared here, beside the scorer that reads it, so the two modules do not import each other)."""

    start: int  # the value as shown: qualifier + number(s) + unit
    end: int
    number: float
    unit: str | None
    percent: bool
    sentence: tuple[int, int]
    features: dict[str, float] = field(default_factory=dict)

    def value(self, text: str) -> str:
        return re.sub(r"\s+", " ", text[self.start:self.end]).strip()


@dataclass(frozen=True)
class FigureModel:
    """Logistic regression over named (binary) candidate features, with its decision threshold."""

    coef: dict[str, float]
    intercept: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coef.get(name, 0.0) * v for name, v in features.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def keeps(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {"coef": dict(sorted(self.coef.items())), "intercept": self.intercept, "threshold": self.threshold,
                "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FigureModel":
        return cls({k: float(v) for k, v in data["coef"].items()}, float(data["intercept"]),
                   float(data["threshold"]), dict(data.get("meta", {})))


def _in_force() -> tuple[FigureModel | None, str]:
    from textlens.resources import json_model_in_force

    return json_model_in_force(FigureModel.from_dict, MODEL_ENV, "figure_model.json", "figure model",
                               os.environ.get(MODEL_ENV, ""))


def figure_model() -> FigureModel | None:
    """The scorer in force (see module doc), None when switched off or not shipped."""
    return _in_force()[0]


def fingerprint() -> str:
    """Identifies the scorer in force, so a store re-extracts figures when it changes."""
    return _in_force()[1]


def is_key_rule(candidate: FigureCandidate) -> bool:
    """Without a model: a number with a unit (percentage, proportion, money, points or a counted noun)."""
    return candidate.unit is not None
