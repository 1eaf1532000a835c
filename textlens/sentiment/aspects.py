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
from typing import TYPE_CHECKING, Protocol

import numpy as np

from textlens.sentiment.text import clauses

if TYPE_CHECKING:
    from textlens.sentiment.aspect_polarity import AspectPolarityModel


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


@dataclass
class AspectEvidence:
    """What the polarity of one aspect of one review is read from: its clauses and their star-class probabilities
    (`located` False: no mention found, the whole review stands in), and the rule's decision."""

    doc: int  # index in the `docs` given
    aspect: str
    units: list[str]
    located: bool
    unit_proba: np.ndarray  # (units, 3): negative, neutral, positive
    rule: AspectPolarity


def aspect_evidence(model: ClauseModel, docs: Sequence[tuple[str, dict[str, list[Span]], float]],
                    window: int = WINDOW_WORDS) -> list[AspectEvidence]:
    """Every aspect of every document with its clauses scored (all in one batch) and the rule's polarity.

    `docs`: (text, {aspect_id: spans of its mentions in text}, the document's own score). An aspect
    whose spans list is empty is judged on the whole text.
    """
    plan: list[tuple[int, str, list[str], bool]] = []
    for i, (text, by_aspect, _) in enumerate(docs):
        for aspect, spans in by_aspect.items():
            units = aspect_units(text, spans, window) if spans else []
            plan.append((i, aspect, units or [text], bool(units)))
    flat = [u for _, _, units, _ in plan for u in units]
    P = model.proba(flat)
    scores = P[:, 2] - P[:, 0]
    s = model.settings
    out: list[AspectEvidence] = []
    at = 0
    for i, aspect, units, located in plan:
        sc = scores[at : at + len(units)]
        rule = decide_aspect(sc, docs[i][2], units, s["clause_min"], s["aspect_min"])
        out.append(AspectEvidence(i, aspect, units, located, P[at : at + len(units)], rule))
        at += len(units)
    return out


def score_aspects(model: ClauseModel, docs: Sequence[tuple[str, dict[str, list[Span]], float]],
                  window: int = WINDOW_WORDS, polarity: "AspectPolarityModel | None" = None
                  ) -> list[dict[str, AspectPolarity]]:
    """Polarity of each aspect of each document (see `aspect_evidence` for `docs`): the learned `polarity` model's
    for the aspects it was trained on, the rule's for the others (a user's own aspects) or without a model."""
    evidence = aspect_evidence(model, docs, window)
    out: list[dict[str, AspectPolarity]] = [{} for _ in docs]
    for e in evidence:
        out[e.doc][e.aspect] = e.rule
    if polarity is not None:
        rows, known = polarity_rows(model, [text for text, _, _ in docs], evidence, polarity.aspects_)
        if rows is not None:
            for e, row in zip(known, polarity.predict_proba(rows)):
                label = polarity.classes_[int(row.argmax())]
                out[e.doc][e.aspect] = AspectPolarity(label, polarity.score_of(row), e.units)
    return out


def polarity_rows(model: ClauseModel, texts: Sequence[str], evidence: Sequence[AspectEvidence],
                  aspects: Sequence[str]) -> tuple[np.ndarray | None, list[AspectEvidence]]:
    """Features (`aspect_polarity.pair_features`) of the evidence whose aspect is among `aspects`, and that
    evidence; the whole reviews' probabilities come from `model` (memoised: the analysis scored them already)."""
    from textlens.sentiment.aspect_polarity import pair_features

    index = {a: k for k, a in enumerate(aspects)}
    known = [e for e in evidence if e.aspect in index]
    if not known:
        return None, []
    docs = sorted({e.doc for e in known})
    review = dict(zip(docs, model.proba([texts[i] for i in docs])))
    clause_min = model.settings["clause_min"]
    rows = [pair_features(e.unit_proba, e.located, review[e.doc], index[e.aspect], len(index), e.rule.polarity,
                          clause_min) for e in known]
    return np.stack(rows), known


def decide_aspect(scores: np.ndarray, doc_score: float, units: list[str], clause_min: float,
                  aspect_min: float) -> AspectPolarity:
    """Polarity from the scores of an aspect's clauses; see the module docstring."""
    if len(scores) > 1 and scores.max() >= clause_min and scores.min() <= -clause_min:
        return AspectPolarity("mixed", float(scores.mean()), units)
    score = float(scores.mean())
    if abs(score) < aspect_min:  # "le prix" alone says nothing: the review's verdict decides
        score = float(np.clip(0.5 * score + 0.5 * doc_score, -1.0, 1.0))
    return AspectPolarity("positive" if score >= 0 else "negative", score, units)
