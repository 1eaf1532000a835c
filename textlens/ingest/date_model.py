"""The learned publication-date scorer: which header date, if any, is the date of the text itself.

The explicit rules of `dating` are precise but miss datelines written in forms they do not know ("Par 30 janvier
2002", "Etude / 22 septembre 2015", "[25/03/2009 19:11:46] PARIS (AFP)", "06/07/15" under a site menu). A logistic
regression over the candidates' features (`dating.date_candidates(every=True)`: cues, position, line shape, what
surrounds the date, how it ranks among the text's years) decides for the dates no rule accepts. It is trained by
`scripts/train_dating.py` on the annotated press texts (`year_explicit`) and stored as plain coefficients in
`textlens/data/date_model.json`, so ingestion needs no scikit-learn and a wheel carries it.
`TEXTLENS_DATE_MODEL` points to another file (the evaluation's per-fold models); `TEXTLENS_DATE_MODEL=off` keeps
the rules alone.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar


class ScoredCandidate(Protocol):
    """What the scorer reads of a candidate (`textlens.ingest.dating.DateCandidate`): typed structurally, so this
    module does not import the one that calls it."""

    offset: int
    features: dict[str, float]

    @property
    def date(self) -> Any: ...


Candidate = TypeVar("Candidate", bound=ScoredCandidate)

MODEL_ENV = "TEXTLENS_DATE_MODEL"


@dataclass(frozen=True)
class DateModel:
    """Standardised logistic regression over named candidate features, with its decision threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    meta: dict[str, Any]

    def probability(self, cand: ScoredCandidate) -> float:
        z = self.intercept + sum(c * (cand.features.get(f, 0.0) - m) / s
                                 for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def best(self, candidates: list[Candidate]) -> tuple[Candidate, float] | None:
        """The most probable publication date among `candidates` if it clears the threshold, else None."""
        scored = [(self.probability(c), -c.offset, -c.date.start, c) for c in candidates]
        if not scored:
            return None
        prob, _, _, cand = max(scored, key=lambda t: t[:3])
        return (cand, prob) if prob >= self.threshold else None

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "intercept": self.intercept, "threshold": self.threshold,
                "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DateModel":
        return cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]),
                   float(data["intercept"]), float(data["threshold"]), dict(data.get("meta", {})))


def date_model() -> DateModel | None:
    """The scorer in force (see module doc), None when switched off or not shipped."""
    from textlens.resources import json_model_in_force

    return json_model_in_force(DateModel.from_dict, MODEL_ENV, "date_model.json", "date model",
                               os.environ.get(MODEL_ENV, ""))[0]
