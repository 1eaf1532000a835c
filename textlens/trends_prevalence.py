"""Prevalence over time: the documents that count for a dimension, the share of them carrying each item per
period with Wilson 95% intervals, and one trend summary per item (Mann-Kendall, emerging/declining flags).

A *period* is a year (int), a quarter ("2020-Q2"), a month ("2020-04") or a span of years ("2000-2004") of
`documents.date`/`year`; documents without one are not counted and their number is `Prevalence.undated`.
The denominator of a share is the set of documents (or sentences) that could carry the item: the filtered
documents of the kinds that ever carry that dimension and that its analysis has processed
(`Prevalence.denominator` says so in words). A period with fewer than `min_docs` documents is `sparse`: shown,
but not used for peaks and trend tests when enough other periods exist.

Results are dataclasses (`EligibleDocuments`, `Prevalence`): the table and what it was computed over travel
together, for the CLI, the report and Python users alike (a DataFrame's attributes side channel does not survive most operations).
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from textlens.query import Filters, QueryError, theme_labels
from textlens.store import items as store_items
from textlens.store.entities import mention_name_counts
from textlens.store.items import DIMENSIONS, check_dimension, doc_items, passage_items
from textlens.trends_stats import mann_kendall, wilson

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

__all__ = ["DIMENSIONS", "MIN_DOCS", "PREVALENCE_COLUMNS", "SUMMARY_COLUMNS", "EligibleDocuments", "Prevalence",
           "TableResult", "eligible_documents", "item_labels", "prevalence", "records", "top_items", "trend_summary"]

MIN_DOCS = 5  # a period with fewer documents is marked sparse


def records(df: "pd.DataFrame") -> list[dict[str, Any]]:
    """A frame as JSON-ready records (dates and numpy numbers as pandas writes them): the `to_dict` of every result."""
    return json.loads(df.to_json(orient="records", force_ascii=False))


@dataclass
class TableResult:
    """A table (`table`, a DataFrame) with the figures needed to read it right beside it: the shape of the trends'
    results, so the CLI, the report and Python users get the same typed fields (nothing hidden in the DataFrame's attributes)."""

    table: "pd.DataFrame"

    @property
    def empty(self) -> bool:
        return self.table.empty

    def frame(self) -> "pd.DataFrame":
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain values and the table as JSON-ready records under "rows"."""
        return {**{f.name: getattr(self, f.name) for f in fields(self) if f.name != "table"},
                "rows": records(self.table)}


@dataclass
class EligibleDocuments(TableResult):
    """The documents that count in a dimension's denominator, with what was left out and why.

    `table`: doc_id, kind, year, date, period (dated documents only); `undated`: documents left out because they
    have no period; `denominator`: what is counted, in (English) words, for the notes under a table."""

    undated: int
    denominator: str


def eligible_documents(corpus: "Corpus", dimension: str | None, by: str | None = "year", filters: Filters | None = None,
                       exclude: Sequence[str] = ()) -> EligibleDocuments:
    """Documents (doc_id, kind, year, date, period) that count in the denominator of a dimension.

    Kinds that never carry the dimension are left out, and so are documents in another language and
    documents the analysis has not processed yet (when the analysis records its state). `undated` counts the
    documents left out because they have no period.
    """
    filters = filters or Filters()
    df, notes = store_items.eligible_document_rows(corpus, dimension, by, filters, exclude)
    undated = int(df["period"].isna().sum())
    df = df[df["period"].notna()].reset_index(drop=True)
    if by == "year" and not df.empty:
        df["period"] = df["period"].astype(int)
    kinds = sorted(df["kind"].unique()) if not df.empty else []
    denominator = (
        "French documents" + (f" of kind {', '.join(kinds)}" if kinds else "") + (" " + ", ".join(notes) if notes else "")
        + (f" matching {filters.describe()}" if filters.active() else "")
    )
    return EligibleDocuments(df, undated, denominator)


def top_items(corpus: "Corpus", dimension: str, top: int, filters: Filters | None = None) -> list[str]:
    """The `top` items carried by the most documents (all documents, entities of `filters.type`): the items a trend
    follows by default where there are too many to show (entities, topics), chosen alike by the CLI and Python users."""
    filters = filters or Filters()
    base = doc_items(corpus, dimension, filters.type if dimension == "entity" else None)
    return base.groupby("item")["doc_id"].nunique().sort_values(ascending=False).head(top).index.tolist()


def item_labels(corpus: "Corpus", dimension: str, items: Sequence[str]) -> dict[str, str]:
    """Readable labels of a dimension's items: taxonomy labels, topic labels, an entity's most frequent type."""
    if dimension in ("theme", "aspect"):
        return theme_labels(corpus, dimension)
    if dimension == "topic":
        return store_items.topic_labels(corpus)
    if dimension == "entity" and items:
        out: dict[str, Counter] = defaultdict(Counter)
        for row in mention_name_counts(corpus.conn):
            out[row.entity][row.type] += row.mentions
        return {e: c.most_common(1)[0][0] for e, c in out.items()}
    return {}


def _sparse(total: "pd.Series", min_docs: int) -> "pd.Series":
    return total < min_docs


# ---- prevalence and trends ------------------------------------------------------------------------
PREVALENCE_COLUMNS = ["period", "item", "label", "n", "total", "share", "ci_low", "ci_high", "sparse", "docs"]


@dataclass
class Prevalence(TableResult):
    """The share of documents (or sentences) carrying each item per period (`table`, PREVALENCE_COLUMNS), with
    what it was computed over: the dimension, period (`by`), unit, sparse threshold, the documents left out for
    want of a date, the denominator in words, and the filters that narrowed the documents."""

    dimension: str
    by: str
    unit: str
    min_docs: int
    undated: int
    denominator: str
    filters: dict[str, Any]  # the filters set (name: value), {} for the whole corpus


def prevalence(corpus: "Corpus", dimension: str = "theme", by: str = "year", filters: Filters | None = None,
               unit: str = "document", items: Sequence[str] | None = None, min_docs: int = MIN_DOCS
               ) -> Prevalence:
    """Share of documents (or sentences) carrying each item per period, with Wilson 95% intervals.

    Table columns: period, item, label, n, total, share, ci_low, ci_high, sparse (the period has fewer than
    `min_docs` documents), docs (documents in the period). Every period x item pair is present,
    zeros included, so series are complete.
    """
    import pandas as pd

    check_dimension(dimension)
    if unit not in ("document", "sentence"):
        raise QueryError(f"unknown unit {unit!r}; choose document or sentence")
    filters = filters or Filters()
    exclude = ("type",) if dimension == "entity" else ()
    eligible = eligible_documents(corpus, dimension, by, filters, exclude)
    docs = eligible.table
    etype = filters.type if dimension == "entity" else None
    docs_per_period = docs.groupby("period").size()
    if unit == "document":
        units = docs[["doc_id", "period", "kind"]]
        hits = doc_items(corpus, dimension, etype)
        hits = hits[hits["doc_id"].isin(set(docs["doc_id"]))].merge(docs[["doc_id", "period"]], on="doc_id")
        counts = hits.groupby(["period", "item"])["doc_id"].nunique()
    else:
        units = store_items.passage_documents(corpus)
        units = units.merge(docs[["doc_id", "period", "kind"]], on="doc_id")
        hits = passage_items(corpus, dimension, etype)
        hits = hits[hits["passage_id"].isin(set(units["passage_id"]))].merge(
            units[["passage_id", "period"]], on="passage_id")
        counts = hits.groupby(["period", "item"])["passage_id"].nunique()
    totals = units.groupby("period").size()
    # Topics are discovered per group of kinds (articles apart from verbatims): a topic's share is
    # taken over the documents of the kinds it was found in, not diluted by the other group.
    kind_totals = units.groupby(["period", "kind"]).size() if dimension == "topic" else None
    topic_kinds = store_items.item_kinds(corpus, dimension) if dimension == "topic" else {}
    all_items = list(items) if items is not None else sorted(hits["item"].unique(), key=str)
    periods = sorted(docs_per_period.index)
    if not periods or not all_items:
        out = pd.DataFrame(columns=PREVALENCE_COLUMNS)
    else:
        grid = pd.MultiIndex.from_product([periods, all_items], names=["period", "item"])
        out = counts.reindex(grid, fill_value=0).rename("n").reset_index()
        if kind_totals is not None:
            out["total"] = [sum(int(kind_totals.get((p, k), 0)) for k in topic_kinds.get(i, ()))
                            for p, i in zip(out["period"], out["item"])]
            out = out[out["total"] > 0]  # periods without any document of the topic's kinds
        else:
            out["total"] = out["period"].map(totals).fillna(0).astype(int)
        out["docs"] = out["period"].map(docs_per_period).fillna(0).astype(int)
        out["n"] = out["n"].astype(int)
        out["share"] = out["n"] / out["total"].where(out["total"] > 0)
        out["ci_low"], out["ci_high"] = wilson(out["n"], out["total"])
        out["sparse"] = _sparse(out["docs"], min_docs)
        labels = item_labels(corpus, dimension, all_items)
        out["label"] = out["item"].map(lambda i: labels.get(i, i))
        out = out[PREVALENCE_COLUMNS]
    denominator = ("sentences of " if unit == "sentence" else "") + eligible.denominator
    if dimension == "topic":
        denominator += " (each topic over the kinds it was found in)"
    return Prevalence(out, dimension=dimension, by=by, unit=unit, min_docs=min_docs, undated=eligible.undated,
                      denominator=denominator, filters=filters.active())


SUMMARY_COLUMNS = ["item", "label", "n", "first_period", "last_period", "peak_period", "peak_share", "mk_tau", "mk_p",
                   "slope", "direction", "flag", "periods", "sparse_periods", "earlier_share", "recent_share",
                   "tested_on"]


def trend_summary(prevalence_df: "Prevalence | pd.DataFrame", alpha: float = 0.05, min_periods: int = 4
                  ) -> "pd.DataFrame":
    """One row per item: first/peak period, Mann-Kendall trend on the shares, emerging/declining flag.

    The test uses the non-sparse periods when there are at least `min_periods` of them, otherwise every
    period (`tested_on` says which). direction: rising/falling when p < alpha, else flat. flag:
    "emerging" when rising, or absent from the first two thirds of the periods, seen at least 3 times
    in the last third, and with a recent share above the upper 95% bound of its earlier absence
    (so one empty sparse period proves nothing); "declining" symmetrically.
    """
    import pandas as pd

    rows = []
    df = prevalence_df.table if isinstance(prevalence_df, Prevalence) else prevalence_df
    if df.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    for item, g in df.groupby("item", sort=False):
        g = g.sort_values("period")
        g = g[g["total"] > 0]
        dense = g[~g["sparse"].astype(bool)]
        tested = dense if len(dense) >= min_periods else g
        tested_on = "all periods" if tested is g else "non-sparse periods"
        mk = mann_kendall(tested["share"].to_numpy())
        seen = g[g["n"] > 0]
        peak_from = dense if len(dense) and dense["n"].sum() > 0 else g
        peak = peak_from.loc[peak_from["share"].idxmax()] if peak_from["n"].sum() > 0 else None
        k = len(g)
        cut = k - max(1, k // 3)
        earlier, recent = g.iloc[:cut], g.iloc[cut:]
        e_share = earlier["n"].sum() / earlier["total"].sum() if earlier["total"].sum() else math.nan
        r_share = recent["n"].sum() / recent["total"].sum() if recent["total"].sum() else math.nan
        direction = "flat"
        if not math.isnan(mk["p"]) and mk["p"] < alpha:
            direction = "rising" if mk["tau"] > 0 else "falling"
        flag = ""
        e_n, e_tot, r_n, r_tot = earlier["n"].sum(), earlier["total"].sum(), recent["n"].sum(), recent["total"].sum()
        if direction == "rising" or (k >= min_periods and e_n == 0 and r_n >= 3
                                     and float(wilson(0, e_tot)[1]) < r_share):
            flag = "emerging"
        elif direction == "falling" or (k >= min_periods and r_n == 0 and e_n >= 3
                                        and float(wilson(0, r_tot)[1]) < e_share):
            flag = "declining"
        rows.append({
            "item": item, "label": g["label"].iloc[0] if "label" in g else item, "n": int(g["n"].sum()),
            "first_period": seen["period"].iloc[0] if len(seen) else None,
            "last_period": seen["period"].iloc[-1] if len(seen) else None,
            "peak_period": peak["period"] if peak is not None else None,
            "peak_share": float(peak["share"]) if peak is not None else math.nan,
            "mk_tau": mk["tau"], "mk_p": mk["p"], "slope": mk["slope"], "direction": direction, "flag": flag,
            "periods": k, "sparse_periods": int(g["sparse"].astype(bool).sum()),
            "earlier_share": e_share, "recent_share": r_share, "tested_on": tested_on,
        })
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS).sort_values(["n", "item"], ascending=[False, True])
    return out.reset_index(drop=True)

