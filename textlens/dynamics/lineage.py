"""Topic lineage: topics fitted on each period apart, matched from one period to the next.

Rule (documented in the README and shown under `textlens topics --lineage`):
- each period's units (press passages, or verbatims) get their own `TopicModel` fit, so a topic can be born,
  split or merge (one model over all periods could only grow and shrink its topics);
- every topic is represented by the centroid of its units' embeddings, in one space for all periods (unit
  vectors minus the mean of all units: e5 vectors share a large common direction that would make every pair
  look alike), and by its top terms;
- topic a of period t is linked to topic b of period t+1 when cos(a, b) >= `threshold` and b is a's best match
  or a is b's best match (so a vague topic does not link to everything);
- events: a topic with no link to the next period dies, one with none from the previous period is born;
  one linked to several next topics splits, several linked to one next topic merge; otherwise continuation.
  Each link carries its cosine and the Jaccard overlap of the two topics' top-10 terms.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from textlens.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from textlens.query import Filters
    from textlens.store import Corpus

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5
EVENTS = ("continuation", "split", "merge", "birth", "death")


@dataclass
class PeriodTopic:
    """One topic of one period's fit: its centroid (comparable across periods), terms and best units."""

    period: str
    topic: int
    label: str
    size: int
    share: float  # of the period's units
    terms: list[str]
    centroid: np.ndarray = field(repr=False)
    representatives: list[dict[str, Any]] = field(default_factory=list)  # doc_id, passage_id, text

    @property
    def key(self) -> str:
        return f"{self.period}#{self.topic}"


@dataclass
class Link:
    source: str  # PeriodTopic.key
    target: str
    similarity: float
    term_overlap: float
    event: str = "continuation"


@dataclass
class Lineage:
    """Topics per period, links between consecutive periods and the events they make."""

    periods: list[str]
    topics: list[PeriodTopic]
    links: list[Link]
    threshold: float
    events: list[dict[str, Any]] = field(default_factory=list)  # event, period, topics involved, scores
    skipped: dict[str, str] = field(default_factory=dict)  # period -> why it has no fit

    def topic(self, key: str) -> PeriodTopic:
        return next(t for t in self.topics if t.key == key)

    def topics_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([{"period": t.period, "topic": t.topic, "key": t.key, "label": t.label, "size": t.size,
                              "share": t.share, "terms": t.terms} for t in self.topics],
                            columns=["period", "topic", "key", "label", "size", "share", "terms"])

    def links_frame(self) -> "pd.DataFrame":
        import pandas as pd

        labels = {t.key: t.label for t in self.topics}
        return pd.DataFrame([{"source": k.source, "source_label": labels[k.source], "target": k.target,
                              "target_label": labels[k.target], "similarity": k.similarity,
                              "term_overlap": k.term_overlap, "event": k.event} for k in self.links],
                            columns=["source", "source_label", "target", "target_label", "similarity",
                                     "term_overlap", "event"])

    def events_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self.events, columns=["event", "period", "topics", "labels", "similarity"])


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def match_periods(topics: Sequence[PeriodTopic], periods: Sequence[str], threshold: float = DEFAULT_THRESHOLD
                  ) -> Lineage:
    """Links and events between consecutive periods, by the rule of this module."""
    if not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold {threshold} is not a cosine (-1..1)")
    by_period = {p: [t for t in topics if t.period == p] for p in periods}
    links: list[Link] = []
    events: list[dict[str, Any]] = []
    for before, after in zip(periods, periods[1:]):
        A, B = by_period[before], by_period[after]
        if not A or not B:
            continue
        S = np.stack([t.centroid for t in A]) @ np.stack([t.centroid for t in B]).T
        best_b, best_a = S.argmax(axis=1), S.argmax(axis=0)
        for i, a in enumerate(A):
            for j, b in enumerate(B):
                if S[i, j] >= threshold and (best_b[i] == j or best_a[j] == i):
                    links.append(Link(a.key, b.key, round(float(S[i, j]), 4), round(_jaccard(a.terms, b.terms), 4)))
    out_links: dict[str, list[Link]] = {}
    in_links: dict[str, list[Link]] = {}
    for k in links:
        out_links.setdefault(k.source, []).append(k)
        in_links.setdefault(k.target, []).append(k)
    for k in links:
        if len(out_links[k.source]) > 1:
            k.event = "split"
        elif len(in_links[k.target]) > 1:
            k.event = "merge"
    labels = {t.key: t.label for t in topics}
    for key, ks in out_links.items():
        if len(ks) > 1:
            events.append({"event": "split", "period": ks[0].target.split("#")[0], "topics": [key] + [k.target for k in ks],
                           "labels": [labels[key]] + [labels[k.target] for k in ks],
                           "similarity": [k.similarity for k in ks]})
    for key, ks in in_links.items():
        if len(ks) > 1:
            events.append({"event": "merge", "period": key.split("#")[0], "topics": [k.source for k in ks] + [key],
                           "labels": [labels[k.source] for k in ks] + [labels[key]],
                           "similarity": [k.similarity for k in ks]})
    for k in links:
        if k.event == "continuation":
            events.append({"event": "continuation", "period": k.target.split("#")[0], "topics": [k.source, k.target],
                           "labels": [labels[k.source], labels[k.target]], "similarity": [k.similarity]})
    present = [p for p in periods if by_period[p]]
    for t in topics:
        if t.period != present[0] and t.key not in in_links:
            events.append({"event": "birth", "period": t.period, "topics": [t.key], "labels": [t.label],
                           "similarity": []})
        if t.period != present[-1] and t.key not in out_links:
            events.append({"event": "death", "period": t.period, "topics": [t.key], "labels": [t.label],
                           "similarity": []})
    order = {p: i for i, p in enumerate(periods)}
    events.sort(key=lambda e: (order.get(e["period"], 0), EVENTS.index(e["event"]), e["topics"]))
    return Lineage(list(periods), list(topics), links, threshold, events)


def fit_period_topics(texts: Sequence[str], embeddings: np.ndarray, periods: Sequence[str],
                      units: Sequence[dict[str, Any]] | None = None, min_units: int = 30,
                      **params: Any) -> tuple[list[PeriodTopic], list[str], dict[str, str]]:
    """Fit one `TopicModel` per period and describe its topics in a space shared by all periods.

    Returns the topics, the periods in order and, for periods left without a fit, why. `units` (same order
    as texts) may carry doc_id / passage_ids for the representatives.
    """
    from textlens.topics.model import TopicModel

    X = np.asarray(embeddings, dtype=np.float32)
    if not (len(texts) == len(X) == len(periods)):
        raise ValueError(f"texts ({len(texts)}), embeddings ({len(X)}) and periods ({len(periods)}) differ")
    unit = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    shared = unit - unit.mean(axis=0)  # one centred space for every period's centroids
    per = np.asarray([str(p) for p in periods], dtype=object)
    order = sorted(set(per.tolist()))
    params = {"random_state": 42, "agreement_seeds": 0, **params}
    topics: list[PeriodTopic] = []
    skipped: dict[str, str] = {}
    for p in order:
        idx = np.flatnonzero(per == p)
        if idx.size < min_units:
            skipped[p] = f"{idx.size} units, fewer than {min_units}"
            continue
        model = TopicModel(**params).fit([texts[i] for i in idx], X[idx])
        for t, info in enumerate(model.topics_):
            members = idx[model.labels_ == t]
            c = shared[members].mean(axis=0)
            reps = []
            for r in info["representatives"][:3]:
                u = units[idx[r]] if units is not None else {}
                reps.append({"doc_id": u.get("doc_id"), "passage_id": (u.get("passage_ids") or [None])[0],
                             "text": texts[idx[r]]})
            topics.append(PeriodTopic(p, t, info["label"], int(info["size"]), info["size"] / idx.size,
                                      list(model.topic_words_[t][:10]), c / max(float(np.linalg.norm(c)), 1e-12),
                                      reps))
        log.info("lineage: period %s, %d units, %d topics", p, idx.size, model.n_topics_)
    return topics, order, skipped


def lineage_units(corpus: "Corpus", kinds: Sequence[str], unit: str, by: str, filters: "Filters | None" = None,
                  min_words: int = 6) -> list[dict[str, Any]]:
    """The units topic discovery uses (`topics.corpus.topic_units`) of the dated, selected documents of `kinds`,
    each with its period."""
    from textlens.topics.corpus import topic_units
    from textlens.trends import eligible_documents

    docs = eligible_documents(corpus, None, by, filters).table
    docs = docs[docs["kind"].isin(list(kinds))]
    period_of = dict(zip(docs["doc_id"], docs["period"].astype(str)))
    # sentence units, not the fit's paragraph chunks: each period is fitted on its own, and the demo's periods lost
    # every link with chunks (fewer units per period); not studied further (issue #22)
    units, _ = topic_units(corpus, [{"id": d, "year": None} for d in docs["doc_id"]], unit, min_words, chunks=False)
    return [{**u, "period": period_of[u["doc_id"]]} for u in units]


def topic_lineage(corpus: "Corpus", by: str = "5y", group: str = "press", threshold: float = DEFAULT_THRESHOLD,
                  filters: "Filters | None" = None, min_units: int = 30, encoder: Any = None, **params: Any
                  ) -> Lineage:
    """Lineage of the topics of one group of the store ("press": article/editorial passages, "verbatim":
    whole verbatims) across periods; embeddings come from the store's cache (as the topic fit left them)."""
    from textlens.embeddings import encode_cached, get_encoder
    from textlens.pipeline import TOPICS_ENCODER
    from textlens.topics.corpus import GROUPS, fit_groups

    if group not in GROUPS:
        raise InputError(f"unknown group {group!r}; choose {', '.join(GROUPS)}")
    kinds, unit, _ = GROUPS[group]
    units = lineage_units(corpus, kinds, unit, by, filters, min_words=6 if group == "press" else 3)
    if encoder is None:
        plan = fit_groups(set(kinds), None, TOPICS_ENCODER)
        encoder = plan[0][-1] if plan else None
    enc = encoder if encoder is not None and not isinstance(encoder, str) else get_encoder(encoder)
    texts = [u["text"] for u in units]
    if not texts:
        return Lineage([], [], [], threshold, skipped={"all": "no dated unit of this group"})
    X = encode_cached(corpus, texts, enc, prompt="query")
    topics, periods, skipped = fit_period_topics(texts, X, [u["period"] for u in units], units, min_units,
                                                 **params)
    out = match_periods(topics, periods, threshold)
    out.skipped = skipped
    return out
