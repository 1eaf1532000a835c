"""The tables built on the trends (the CLI's `themes`, `topics`, `entities`, `figures`, `sentiment` and
`trends --associations` back-ends, and the report's): sentiment over time and drivers of negative reviews,
most cited entities, stated figures, the taxonomy's themes with their best passages, discovered topics, and
associations between two dimensions, read from the store (no model). A table whose numbers need more to be read
right (the documents counted, the ones left out for want of a date, the topic model's quality) comes back as a
dataclass holding the DataFrame as `table` and those figures beside it."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textlens.query import Filters, QueryError, theme_labels
from textlens.store import evidence as store_evidence
from textlens.store import trends as store_trends
from textlens.store.items import check_dimension, doc_items, passage_items
from textlens.trends_evidence import rank_passages
from textlens.trends_prevalence import MIN_DOCS, TableResult, eligible_documents, item_labels
from textlens.trends_stats import wilson

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

_WORD = re.compile(r"\w+", re.UNICODE)


# ---- associations ---------------------------------------------------------------------------------
ASSOCIATION_COLUMNS = ["period", "item", "other", "other_type", "n", "n_item", "n_other", "total", "lift", "pmi"]


def associations(corpus: "Corpus", dimension: str = "theme", other: str = "entity", by: str | None = None,
                 filters: Filters | None = None, top: int = 30, items: Sequence[str] | None = None,
                 min_n: int = 2, with_years: bool = False) -> "pd.DataFrame":
    """Which `other` items go with each `dimension` item (documents carrying both), overall or per period.

    lift = P(both) / (P(item) P(other)) over the documents that can carry both dimensions, pmi =
    log2(lift). Pairs seen in fewer than `min_n` documents are dropped; `top` pairs per period are
    kept (most shared documents first, then highest lift). `items` restricts the `dimension` side
    without restricting the documents (so lifts stay meaningful); `filters.type` restricts the
    entity side. `with_years` adds `years`: the years of the documents carrying both ("when").
    """
    import numpy as np
    import pandas as pd

    check_dimension(dimension)
    check_dimension(other)
    if dimension == other:
        raise QueryError("associations need two different dimensions")
    filters = filters or Filters()
    exclude = ("type",) if "entity" in (dimension, other) else ()
    docs_a = eligible_documents(corpus, dimension, by, filters, exclude).table
    docs_b = eligible_documents(corpus, other, by, filters, exclude).table
    docs = docs_a[docs_a["doc_id"].isin(set(docs_b["doc_id"]))]
    etype = filters.type
    a = doc_items(corpus, dimension, etype if dimension == "entity" else None)[["doc_id", "item"]]
    b = doc_items(corpus, other, etype if other == "entity" else None)[["doc_id", "item"]].rename(
        columns={"item": "other"})
    keep = set(docs["doc_id"])
    a = a[a["doc_id"].isin(keep)].merge(docs[["doc_id", "period"]], on="doc_id")
    b = b[b["doc_id"].isin(keep)]
    total = docs.groupby("period").size().rename("total")
    n_item = a.groupby(["period", "item"]).size().rename("n_item")
    n_other = b.merge(docs[["doc_id", "period"]], on="doc_id").groupby(["period", "other"]).size().rename("n_other")
    if items is not None:
        a = a[a["item"].isin(set(map(str, items)))]
    both = a.merge(b, on="doc_id")
    pairs = both.groupby(["period", "item", "other"]).size().rename("n").reset_index()
    pairs = pairs[pairs["n"] >= min_n]
    if pairs.empty:
        out = pd.DataFrame(columns=ASSOCIATION_COLUMNS)
    else:
        pairs = pairs.join(n_item, on=["period", "item"]).join(n_other, on=["period", "other"]).join(total, on="period")
        pairs["lift"] = pairs["n"] * pairs["total"] / (pairs["n_item"] * pairs["n_other"])
        pairs["pmi"] = np.log2(pairs["lift"])
        types = item_labels(corpus, "entity", ["x"]) if other == "entity" else {}
        pairs["other_type"] = pairs["other"].map(lambda o: types.get(o, ""))
        pairs = pairs.sort_values(["period", "n", "lift", "item", "other"], ascending=[True, False, False, True, True])
        out = pairs.groupby("period", sort=True).head(top)[ASSOCIATION_COLUMNS].reset_index(drop=True)
        if with_years:
            years = both.merge(docs[["doc_id", "year"]], on="doc_id").dropna(subset=["year"])
            years = years.groupby(["period", "item", "other"])["year"].agg(lambda y: sorted({int(v) for v in y}))
            out["years"] = [years.get((p, i, o), []) for p, i, o in zip(out["period"], out["item"], out["other"])]
    if by is None:
        out = out.drop(columns=["period"])
    return out


# ---- sentiment ------------------------------------------------------------------------------------
SENTIMENT_COLUMNS = ["period", "n", "negative", "positive", "neutral", "mixed", "neg_share", "neg_low", "neg_high",
                     "pos_share", "pos_low", "pos_high", "sparse"]


def _combine_labels(labels: Sequence[str]) -> str:
    s = set(labels)
    if "mixed" in s or {"positive", "negative"} <= s:
        return "mixed"
    if "negative" in s:
        return "negative"
    if "positive" in s:
        return "positive"
    return "neutral"


def doc_polarities(corpus: "Corpus", filters: Filters | None = None, theme: str | None = None,
                   aspect: str | None = None, by: str = "year") -> "pd.DataFrame":
    """(doc_id, period, label) of the filtered documents: overall tone, or the polarity about a theme/aspect.
    (`sentiment_over_time` counts them per period.)

    Aspect: the polarity the analysis gave that aspect. Theme: the sentences carrying the theme,
    combined (positive and negative sentences give "mixed"); documents whose theme sentences have no
    sentence sentiment fall back to their overall tone.
    """
    return _polarities(corpus, filters, theme, aspect, by)[0]


def _polarities(corpus: "Corpus", filters: Filters | None, theme: str | None, aspect: str | None,
                by: str) -> "tuple[pd.DataFrame, int]":
    """`doc_polarities` and the number of documents left out for want of a period."""
    import pandas as pd

    if theme and aspect:
        raise QueryError("give either a theme or an aspect, not both")
    filters = filters or Filters()
    dimension = "aspect" if aspect else ("theme" if theme else None)
    eligible = eligible_documents(corpus, dimension, by, filters)
    docs = eligible.table
    keep = set(docs["doc_id"])
    if aspect:
        lab = store_trends.aspect_polarity_labels(corpus, aspect)
    else:
        lab = store_trends.document_sentiment_labels(corpus)
        if theme:
            sent = store_trends.theme_passage_sentiments(corpus, theme)
            by_doc = sent.groupby("doc_id")["label"].agg(lambda s: _combine_labels(list(s))).to_dict()
            items = doc_items(corpus, "theme")
            with_theme = set(items.loc[items["item"] == theme, "doc_id"])  # documents counted as carrying it
            overall = dict(zip(lab["doc_id"], lab["label"]))
            lab = pd.DataFrame([(d, by_doc.get(d, overall.get(d))) for d in sorted(with_theme)],
                               columns=["doc_id", "label"]).dropna()
    lab = lab[lab["doc_id"].isin(keep)].merge(docs[["doc_id", "period"]], on="doc_id")
    return lab, eligible.undated


@dataclass
class SentimentSeries(TableResult):
    """Sentiment per period (`table`, SENTIMENT_COLUMNS), overall or about a theme or an aspect, with the documents
    left out for want of a period (`undated`)."""

    by: str
    theme: str | None
    aspect: str | None
    undated: int


def sentiment_over_time(corpus: "Corpus", by: str = "year", theme: str | None = None, aspect: str | None = None,
                        filters: Filters | None = None, min_docs: int = MIN_DOCS) -> SentimentSeries:
    """Per period: documents per sentiment label and the negative/positive shares with Wilson 95% intervals."""
    import pandas as pd

    lab, undated = _polarities(corpus, filters, theme, aspect, by)
    if lab.empty:
        out = pd.DataFrame(columns=SENTIMENT_COLUMNS)
    else:
        counts = lab.groupby(["period", "label"]).size().unstack(fill_value=0)
        labels = list(SENTIMENT_COLUMNS[2:6])  # the four labels, in the table's column order
        for col in labels:
            if col not in counts:
                counts[col] = 0
        out = counts[labels].reset_index()
        out["n"] = out[labels].sum(axis=1)
        out["neg_share"] = out["negative"] / out["n"]
        out["neg_low"], out["neg_high"] = wilson(out["negative"], out["n"])
        out["pos_share"] = out["positive"] / out["n"]
        out["pos_low"], out["pos_high"] = wilson(out["positive"], out["n"])
        out["sparse"] = out["n"] < min_docs
        out = out[SENTIMENT_COLUMNS].sort_values("period").reset_index(drop=True)
    return SentimentSeries(out, by=by, theme=theme, aspect=aspect, undated=undated)


DRIVER_COLUMNS = ["aspect", "label", "neg_docs", "pos_docs", "share_of_negatives", "share_of_positives", "ratio",
                  "neg_low", "neg_high", "aspect_negative", "n_negative", "n_positive"]


@dataclass
class Drivers(TableResult):
    """Aspects against the tone of the reviews (`table`, DRIVER_COLUMNS), with the numbers of negative and positive
    reviews the shares are taken over (also there when no aspect is found)."""

    n_negative: int
    n_positive: int


def negative_drivers(corpus: "Corpus", filters: Filters | None = None) -> Drivers:
    """Which aspects drive negative reviews: share of negative vs positive documents mentioning each aspect.

    ratio = share_of_negatives / share_of_positives with add-0.5 smoothing (finite when an aspect never
    appears in positive reviews); aspect_negative counts documents where the aspect itself is judged
    negative. Sorted by share of negatives.
    """
    import pandas as pd

    filters = filters or Filters()
    base = set(eligible_documents(corpus, "aspect", None, filters).table["doc_id"])  # dated or not
    sent = store_trends.document_sentiment_labels(corpus)
    sent = sent[sent["doc_id"].isin(base)]
    neg = set(sent.loc[sent["label"] == "negative", "doc_id"])
    pos = set(sent.loc[sent["label"] == "positive", "doc_id"])
    if not neg and not pos:  # no document sentiment (yet): no driver can be told apart
        return Drivers(pd.DataFrame(columns=DRIVER_COLUMNS), n_negative=0, n_positive=0)
    items = doc_items(corpus, "aspect")
    items = items[items["doc_id"].isin(base)]
    polar = store_trends.aspect_polarities(corpus)
    labels = theme_labels(corpus, "aspect")
    rows = []
    for aspect, g in items.groupby("item"):
        ids = set(g["doc_id"])
        nn, pp = len(ids & neg), len(ids & pos)
        sn = nn / len(neg) if neg else math.nan
        sp = pp / len(pos) if pos else math.nan
        ratio = ((nn + 0.5) / (len(neg) + 1)) / ((pp + 0.5) / (len(pos) + 1)) if neg and pos else math.nan
        lo, hi = wilson(nn, len(neg))
        an = polar[(polar["item"] == aspect) & (polar["polarity"] == "negative") & polar["doc_id"].isin(base)]
        rows.append({"aspect": aspect, "label": labels.get(aspect, aspect), "neg_docs": nn, "pos_docs": pp,
                     "share_of_negatives": sn, "share_of_positives": sp, "ratio": ratio, "neg_low": float(lo),
                     "neg_high": float(hi), "aspect_negative": int(an["doc_id"].nunique()),
                     "n_negative": len(neg), "n_positive": len(pos)})
    out = pd.DataFrame(rows, columns=DRIVER_COLUMNS)
    if not out.empty:
        out = out.sort_values(["share_of_negatives", "ratio"], ascending=False).reset_index(drop=True)
    return Drivers(out, n_negative=len(neg), n_positive=len(pos))


# ---- entities, figures, themes, topics ------------------------------------------------------------
def entity_table(corpus: "Corpus", type: str | None = None, by: str | None = None, top: int = 20,
                 filters: Filters | None = None) -> "pd.DataFrame":
    """Most cited entities: documents and mentions per entity (and type), overall or per period.

    Columns: [period,] entity, type, docs, mentions, first_year, last_year.
    """
    import pandas as pd

    filters = filters or Filters()
    etype = type or filters.type
    docs = eligible_documents(corpus, None, by, filters, exclude=("type",)).table
    base = docs[["doc_id", "year", "period"]]
    m = store_trends.mention_rows(corpus, etype)
    m = m.merge(base, on="doc_id")
    cols = ["period", "entity", "type", "docs", "mentions", "first_year", "last_year"]
    if m.empty:
        out = pd.DataFrame(columns=cols)
    else:
        out = m.groupby(["period", "entity", "type"]).agg(
            docs=("doc_id", "nunique"), mentions=("doc_id", "size"), first_year=("year", "min"),
            last_year=("year", "max")).reset_index()
        out = out.sort_values(["period", "docs", "mentions", "entity"], ascending=[True, False, False, True])
        out = out.groupby("period", sort=True).head(top).reset_index(drop=True)[cols]
        out[["first_year", "last_year"]] = out[["first_year", "last_year"]].astype("Int64")
    if by is None:
        out = out.drop(columns=["period"])
    else:
        out = out.drop(columns=["first_year", "last_year"])
    return out


FIGURE_COLUMNS = ["doc_id", "year", "value", "about", "source", "sentence", "date", "number", "unit"]


def figures_table(corpus: "Corpus", about: str | None = None, filters: Filters | None = None) -> "pd.DataFrame":
    """Figures stated in the texts; `about` keeps those whose subject or sentence has all these words
    (accent- and case-insensitive, any inflection sharing the word's start)."""

    from textlens.analysis.segment import fold

    filters = filters or Filters()
    df = store_trends.figure_rows(corpus, filters)
    if about:
        words = [fold(w) for w in _WORD.findall(about)]
        if not words:
            raise QueryError(f"--about {about!r} has no words to look for")

        def hit(row: Any) -> bool:
            hay = _WORD.findall(fold(f"{row['about'] or ''} {row['sentence'] or ''} {row['source'] or ''}"))
            return all(any(h.startswith(w[: max(4, len(w) - 2)]) if len(w) > 4 else h == w for h in hay)
                       for w in words)

        df = df[df.apply(hit, axis=1)] if not df.empty else df
    if filters.limit:
        df = df.head(filters.limit)
    return df[FIGURE_COLUMNS].reset_index(drop=True)


THEME_TABLE_COLUMNS = ["theme", "label", "docs", "total", "share", "ci_low", "ci_high", "passages", "top_passage",
                       "top_doc", "top_passages"]


@dataclass
class ThemeTable(TableResult):
    """Each theme (or aspect) of the taxonomy (`table`, THEME_TABLE_COLUMNS) and the number of documents its shares
    are taken over (`total`, also there when the table is empty)."""

    dimension: str
    total: int


def theme_table(corpus: "Corpus", dimension: str = "theme", filters: Filters | None = None) -> ThemeTable:
    """Each theme (or aspect) of the taxonomy: documents carrying it, share with interval, best passage."""
    import pandas as pd

    filters = filters or Filters()
    keep = set(eligible_documents(corpus, dimension, None, filters).table["doc_id"])
    total = len(keep)
    items = doc_items(corpus, dimension)
    items = items[items["doc_id"].isin(keep)]
    ph = passage_items(corpus, dimension)
    ph = ph[ph["doc_id"].isin(keep)]
    ranked = rank_passages(ph).drop_duplicates(["item", "doc_id"])
    top3 = ranked.groupby("item", sort=False).head(3)  # best passages, from different documents
    best = top3.drop_duplicates("item").set_index("item")
    texts = store_evidence.passage_texts(corpus, top3["passage_id"].tolist()) if len(top3) else {}
    tops = {item: [{"doc_id": r.doc_id, "passage_id": int(r.passage_id), "text": texts.get(int(r.passage_id), ""),
                    "score": float(r.score)} for r in g.itertuples()] for item, g in top3.groupby("item")}
    labels = theme_labels(corpus, dimension)
    counts = items.groupby("item")["doc_id"].nunique()
    pcounts = ph.groupby("item")["passage_id"].nunique()
    rows = []
    for tid in list(dict.fromkeys([*labels, *counts.index])):
        n = int(counts.get(tid, 0))
        lo, hi = wilson(n, total)
        b = best.loc[tid] if tid in best.index else None
        rows.append({"theme": tid, "label": labels.get(tid, tid), "docs": n, "total": total,
                     "share": n / total if total else math.nan, "ci_low": float(lo), "ci_high": float(hi),
                     "passages": int(pcounts.get(tid, 0)),
                     "top_passage": texts.get(int(b["passage_id"]), "") if b is not None else "",
                     "top_doc": b["doc_id"] if b is not None else None, "top_passages": tops.get(tid, [])})
    out = pd.DataFrame(rows, columns=THEME_TABLE_COLUMNS).sort_values(["docs", "theme"], ascending=[False, True])
    return ThemeTable(out.reset_index(drop=True), dimension=dimension, total=total)


TOPIC_COLUMNS = ["id", "label", "terms", "size", "docs", "theme_id", "theme_score", "representatives"]


@dataclass
class TopicTable(TableResult):
    """Discovered topics (`table`, TOPIC_COLUMNS) and the quality metrics of the run that found them."""

    quality: dict[str, Any] = field(default_factory=dict)


def topic_table(corpus: "Corpus", filters: Filters | None = None, include_outliers: bool = False) -> TopicTable:
    """Discovered topics with their terms, size, mapped theme and representative passages, and the run's topic
    quality metrics (corpus_stats "topics"). The outlier pseudo-topic (-1) is left out unless asked for (its share
    is in the quality metrics)."""

    filters = filters or Filters()
    df = store_trends.topic_rows(corpus, include_outliers)
    docs = store_trends.topic_document_counts(corpus, filters)
    df["docs"] = df["id"].map(lambda i: int(docs.get(i, 0)))
    for col in ("terms", "representatives"):
        df[col] = df[col].map(_json_list)
    if filters.limit:
        df = df.head(filters.limit)
    return TopicTable(df[TOPIC_COLUMNS].reset_index(drop=True), corpus.stat("topics", {}) or {})


def _json_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    try:
        out = json.loads(value) if value else []
    except (TypeError, ValueError):
        return [value]
    return out if isinstance(out, list) else [out]
