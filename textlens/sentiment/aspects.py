"""Aspect-based sentiment: the polarity a customer expresses about each aspect, from the clauses naming it.

"Prix correct mais impossible de les joindre" is a negative review, yet positive about price and
negative about reachability. The themes analysis says *which* aspects a review mentions (and the
taxonomy's terms say *where*); here each aspect gets the clauses around its mentions, those clauses
are scored by the sentiment model, and their scores decide the aspect's polarity:
- positive / negative: the clauses agree (mean score sign);
- mixed: one clause clearly positive and another clearly negative about the same aspect;
- weak or no evidence in the clauses: fall back to the review's own score.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from textlens.sentiment.text import clauses


class ClauseModel(Protocol):
    """What aspect scoring needs of a sentiment model (`textlens.sentiment.predict.SentimentModel` is one): typed
    structurally, so this module does not import the model that calls it."""

    settings: dict[str, float]

    def proba(self, texts: Sequence[str]) -> np.ndarray: ...

Span = tuple[int, int]
WINDOW_WORDS = 10  # a long clause (verbatims often have no punctuation) is cut to this many words around the mention
_WORD = re.compile(r"\S+")


@dataclass
class AspectPolarity:
    polarity: str  # positive | negative | mixed
    score: float  # mean score of the aspect's clauses in [-1, 1] (or the fallback score)
    evidence: list[str]  # the clauses the polarity was read from


def aspect_units(text: str, spans: Sequence[Span], window: int = WINDOW_WORDS) -> list[str]:
    """The pieces of `text` that talk about an aspect mentioned at `spans`: each clause containing a
    mention, cut to `window` words either side of the mention when the clause is longer."""
    units: list[str] = []
    seen: set[Span] = set()
    cl = clauses(text) or [(0, len(text))]
    for a, b in spans:
        for ca, cb in cl:
            if ca < max(b, a + 1) and a < cb:
                piece = _around(text, ca, cb, a, b, window)
                if piece not in seen:
                    seen.add(piece)
                    units.append(text[piece[0] : piece[1]])
    return units


def _around(text: str, ca: int, cb: int, a: int, b: int, window: int) -> Span:
    if len(text[ca:cb].split()) <= 2 * window + 1:  # the common case, without locating every word
        return ca, cb
    words = [(m.start() + ca, m.end() + ca) for m in _WORD.finditer(text[ca:cb])]
    if len(words) <= 2 * window + 1:
        return ca, cb
    first = next((i for i, (s, e) in enumerate(words) if e > a), 0)
    last = max((i for i, (s, e) in enumerate(words) if s < b), default=first)
    lo, hi = max(0, first - window), min(len(words) - 1, last + window)
    return words[lo][0], words[hi][1]


def score_aspects(model: ClauseModel, docs: Sequence[tuple[str, dict[str, list[Span]], float]],
                  window: int = WINDOW_WORDS) -> list[dict[str, AspectPolarity]]:
    """Polarity of each aspect of each document, all clauses scored in one batch.

    `docs`: (text, {aspect_id: spans of its mentions in text}, the document's own score). An aspect
    whose spans list is empty is judged on the whole text.
    """
    plan: list[tuple[int, str, list[str]]] = []
    for i, (text, by_aspect, _) in enumerate(docs):
        for aspect, spans in by_aspect.items():
            units = aspect_units(text, spans, window) if spans else []
            plan.append((i, aspect, units or [text]))
    flat = [u for _, _, units in plan for u in units]
    P = model.proba(flat)
    scores = P[:, 2] - P[:, 0]
    s = model.settings
    out: list[dict[str, AspectPolarity]] = [{} for _ in docs]
    at = 0
    for i, aspect, units in plan:
        sc = scores[at : at + len(units)]
        at += len(units)
        out[i][aspect] = decide_aspect(sc, docs[i][2], units, s["clause_min"], s["aspect_min"])
    return out


def decide_aspect(scores: np.ndarray, doc_score: float, units: list[str], clause_min: float,
                  aspect_min: float) -> AspectPolarity:
    """Polarity from the scores of an aspect's clauses; see the module docstring."""
    if len(scores) > 1 and scores.max() >= clause_min and scores.min() <= -clause_min:
        return AspectPolarity("mixed", float(scores.mean()), units)
    score = float(scores.mean())
    if abs(score) < aspect_min:  # "le prix" alone says nothing: the review's verdict decides
        score = float(np.clip(0.5 * score + 0.5 * doc_score, -1.0, 1.0))
    return AspectPolarity("positive" if score >= 0 else "negative", score, units)
