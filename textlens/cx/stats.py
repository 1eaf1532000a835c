"""Emotions, effort and intents of the analysed reviews: shares with Wilson intervals, the emotional temperature per
period or segment, and the reviews behind a label with their evidence passage. DataFrames for the CLI, the report
and notebooks; the SQL lives in `textlens.store.cx`.

Emotional temperature (documented in README): each review's temperature is the mean, over its emotions, of
valence × intensity / 3 (valence +1 joy and gratitude, -1 anger, frustration, fear and sadness, 0 surprise), so it
lies in [-1, 1] and is 0 for a review without emotion; a period's or segment's temperature is 100 × the mean over its
reviews, with a normal 95% interval of that mean (from -100, every review strongly negative, to +100).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textlens.cx import EFFORT_LEVELS, EMOTIONS, INTENTS, VALENCE
from dataclasses import dataclass

from textlens.query import Filters, QueryError
from textlens.trends_prevalence import TableResult

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

KINDS = ("emotion", "intent", "effort")
Z95 = 1.959964


def reviews(corpus: "Corpus", filters: Filters | None = None, by: str | None = None) -> "pd.DataFrame":
    """The analysed reviews matching `filters`: doc_id, period (None when `by` is None), effort, metadata, and
    `temperature` (their emotions' valence × intensity / 3, averaged; 0 without emotion)."""
    import json

    from textlens.store import cx as store

    df = store.analysed_reviews(corpus, filters or Filters(), by)
    df["metadata"] = df["metadata"].map(lambda m: json.loads(m or "{}"))
    emo = store.doc_emotion_rows(corpus, df["doc_id"].tolist())
    temp = {}
    if not emo.empty:
        emo["t"] = emo["label"].map(VALENCE) * emo["intensity"] / 3.0
        temp = emo.groupby("doc_id")["t"].mean().to_dict()
    df["temperature"] = df["doc_id"].map(temp).fillna(0.0)
    return df


@dataclass
class LabelShares(TableResult):
    """Share of the `n` analysed reviews carrying each label of `kind` (`table`: label, reviews, share, low, high,
    intensity)."""

    kind: str
    n: int


@dataclass
class Temperature(TableResult):
    """Emotional temperature per group (`table`), grouped by period `by` or by metadata column `segment`; `undated`
    reviews had no group; groups under `min_docs` reviews are marked sparse."""

    by: str | None
    segment: str | None
    undated: int
    min_docs: int


@dataclass
class ReviewList(TableResult):
    """Reviews listed with their labels and evidence (`table`), strongest first, out of the `n` that matched."""

    n: int


def distribution(corpus: "Corpus", kind: str = "emotion", filters: Filters | None = None) -> LabelShares:
    """Share of analysed reviews carrying each label of `kind` (emotion, intent, effort), with Wilson 95% intervals;
    emotions also get their mean intensity."""
    import pandas as pd

    from textlens.store import cx as store
    from textlens.trends import wilson

    if kind not in KINDS:
        raise QueryError(f"unknown kind {kind!r}; choose {', '.join(KINDS)}")
    docs = reviews(corpus, filters)
    n = len(docs)
    ids = docs["doc_id"].tolist()
    if kind == "effort":
        counts = docs["effort_level"].value_counts()
        labels, k, intensity = list(EFFORT_LEVELS), [int(counts.get(x, 0)) for x in EFFORT_LEVELS], [None] * 3
    else:
        rows = store.doc_emotion_rows(corpus, ids) if kind == "emotion" else store.doc_intent_rows(corpus, ids)
        labels = list(EMOTIONS if kind == "emotion" else INTENTS)
        k = [int((rows["label"] == x).sum()) for x in labels]
        intensity = [float(rows.loc[rows["label"] == x, "intensity"].mean()) if kind == "emotion" and k[i] else None
                     for i, x in enumerate(labels)]
    low, high = wilson(k, [n] * len(labels))
    out = pd.DataFrame({"label": labels, "reviews": k, "share": [x / n if n else math.nan for x in k],
                        "low": low, "high": high, "intensity": intensity})
    return LabelShares(out, kind=kind, n=n)


def temperature(corpus: "Corpus", by: str | None = "year", segment: str | None = None,
                filters: Filters | None = None, min_docs: int = 5) -> Temperature:
    """Emotional temperature (see module doc) per period (`by`) or per metadata `segment` (e.g. insurer, product),
    with its 95% interval and the share of hard-effort and churn reviews (Wilson intervals)."""
    import pandas as pd

    from textlens.store import cx as store
    from textlens.trends import wilson

    docs = reviews(corpus, filters, by=None if segment else by)
    if segment:
        present = {k for m in docs["metadata"] for k in m}
        if docs.empty or segment not in present:
            raise QueryError(f"no review has a column {segment!r}; known columns: {', '.join(sorted(present)) or 'none'}")
        docs["group"] = docs["metadata"].map(lambda m: m.get(segment))
    else:
        docs["group"] = docs["period"]
    undated = int(docs["group"].isna().sum())
    docs = docs[docs["group"].notna()]
    churn = set(store.doc_intent_rows(corpus, docs["doc_id"].tolist()).query("label == 'churn'")["doc_id"])
    docs = docs.assign(churn=docs["doc_id"].isin(churn), hard=docs["effort_level"] == "hard")
    rows = []
    for group, g in docs.groupby("group", sort=True):
        n = len(g)
        mean = float(g["temperature"].mean())
        sd = float(g["temperature"].std(ddof=1)) if n > 1 else math.nan
        half = Z95 * sd / math.sqrt(n) if n > 1 else math.nan
        rows.append({"group": group, "n": n, "temperature": 100 * mean, "low": 100 * (mean - half),
                     "high": 100 * (mean + half), "hard": int(g["hard"].sum()), "churn": int(g["churn"].sum())})
    out = pd.DataFrame(rows, columns=["group", "n", "temperature", "low", "high", "hard", "churn"])
    if not out.empty:
        for col in ("hard", "churn"):
            lo, hi = wilson(out[col], out["n"])
            out[f"{col}_share"], out[f"{col}_low"], out[f"{col}_high"] = out[col] / out["n"], lo, hi
        out["sparse"] = out["n"] < min_docs
        if not segment and by == "year":
            out["group"] = out["group"].astype(int)
    return Temperature(out, by=by, segment=segment, undated=undated, min_docs=min_docs)


def labelled_reviews(corpus: "Corpus", filters: Filters | None = None, limit: int | None = 20) -> ReviewList:
    """The reviews matching `filters` (e.g. intent=churn), strongest first, with their labels and the passage that
    carries the filtered label (else the review's strongest emotion or intent): churn-risk lists with evidence."""
    import pandas as pd

    from textlens.store import cx as store
    from textlens.store.evidence import passage_texts

    filters = filters or Filters()
    docs = reviews(corpus, filters)
    ids = docs["doc_id"].tolist()
    emo = store.doc_emotion_rows(corpus, ids)
    intents = store.doc_intent_rows(corpus, ids)
    focus = (intents[intents["label"] == filters.intent] if filters.intent
             else emo[emo["label"] == filters.emotion] if filters.emotion
             else pd.concat([intents, emo[["doc_id", "label", "score", "passage_id"]]]))
    focus = focus.sort_values("score", ascending=False).drop_duplicates("doc_id")
    if limit:
        focus = focus.head(limit)
    info = store.documents_info(corpus, focus["doc_id"].tolist())
    texts = passage_texts(corpus, [int(p) for p in focus["passage_id"].dropna()])
    emo_of = emo.groupby("doc_id").apply(lambda g: [f"{r.label}:{r.intensity}" for r in g.itertuples()]).to_dict() \
        if not emo.empty else {}
    int_of = intents.groupby("doc_id")["label"].apply(list).to_dict() if not intents.empty else {}
    effort = dict(zip(docs["doc_id"], docs["effort_level"]))
    rows = []
    for r in focus.itertuples():
        d = info.get(r.doc_id, {})
        passage = texts.get(int(r.passage_id)) if r.passage_id == r.passage_id and r.passage_id is not None else None
        rows.append({"doc_id": r.doc_id, "date": d.get("date"), "score": float(r.score),
                     "emotions": emo_of.get(r.doc_id, []), "intents": int_of.get(r.doc_id, []),
                     "effort": effort.get(r.doc_id), "evidence": passage or (d.get("text") or "")[:300]})
    out = pd.DataFrame(rows, columns=["doc_id", "date", "score", "emotions", "intents", "effort", "evidence"])
    return ReviewList(out, n=len(docs))
