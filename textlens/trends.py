"""How themes, aspects, topics, entities and sentiment develop over time, with uncertainty and evidence.

Every function reads the store (no models) and returns a pandas DataFrame, or a dataclass holding one (`table`)
with the figures needed to read it (`Prevalence`, `Trend`, `SentimentSeries`...), so the CLI, the report and
notebooks share one set of numbers. This module is the public face of the trends; the work is done by
one module per job, whose names it re-exports:
- `textlens.trends_stats`: Wilson intervals, Dunning's log-likelihood, the Mann-Kendall test;
- `textlens.trends_prevalence`: the documents that count, prevalence per period, trend summaries;
- `textlens.trends_evidence`: the passages behind a number, in one ranking order;
- `textlens.trends_tables`: the sentiment, drivers, entity, figure, theme, topic and association tables;
- `textlens.store.items`: the store reads of items per dimension and of periods (the only SQL).
The specific vocabulary of periods (`specific_terms`, `over_represented_terms`) is written below.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textlens.dynamics.terms import OVER_REPRESENTED_COLUMNS, over_represented_terms
from textlens.query import Filters
from textlens.store.items import DIMENSIONS, doc_items, passage_items, period_sql
from textlens.trends_evidence import EVIDENCE_COLUMNS, EvidenceIndex, evidence, rank_passages, trend_evidence
from textlens.trends_prevalence import (
    MIN_DOCS,
    PREVALENCE_COLUMNS,
    SUMMARY_COLUMNS,
    EligibleDocuments,
    Prevalence,
    TableResult,
    eligible_documents,
    item_labels,
    prevalence,
    records,
    top_items,
    trend_summary,
)
from textlens.trends_stats import Z95, log_likelihood, mann_kendall, wilson
from textlens.trends_tables import (
    ASSOCIATION_COLUMNS,
    DRIVER_COLUMNS,
    FIGURE_COLUMNS,
    SENTIMENT_COLUMNS,
    THEME_TABLE_COLUMNS,
    TOPIC_COLUMNS,
    Drivers,
    SentimentSeries,
    ThemeTable,
    TopicTable,
    associations,
    doc_polarities,
    entity_table,
    figures_table,
    negative_drivers,
    sentiment_over_time,
    theme_table,
    topic_table,
)

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

__all__ = [
    "ASSOCIATION_COLUMNS", "DIMENSIONS", "DRIVER_COLUMNS", "EVIDENCE_COLUMNS", "FIGURE_COLUMNS", "MIN_DOCS",
    "OVER_REPRESENTED_COLUMNS", "PREVALENCE_COLUMNS", "SENTIMENT_COLUMNS", "SPECIFIC_COLUMNS", "SUMMARY_COLUMNS",
    "THEME_TABLE_COLUMNS", "TOPIC_COLUMNS", "Z95", "Drivers", "EligibleDocuments", "EvidenceIndex", "Prevalence",
    "SentimentSeries", "TableResult", "ThemeTable", "TopicTable", "Trend", "associations", "doc_items",
    "doc_polarities", "eligible_documents", "entity_table", "evidence", "figures_table", "item_labels",
    "log_likelihood", "mann_kendall", "negative_drivers", "over_represented_terms", "passage_items", "period_sql",
    "prevalence", "rank_passages", "records", "sentiment_over_time", "specific_terms", "theme_table", "top_items",
    "topic_table", "trend", "trend_evidence", "trend_summary", "wilson",
]


# ---- a trend: prevalence, tests and flags, evidence -----------------------------------------------
@dataclass
class Trend:
    """How the items of a dimension develop: prevalence per period (`prevalence`), one row per item with its trend
    test and emerging/declining flag (`summary`, SUMMARY_COLUMNS) and, when asked, the passages behind the numbers
    (`evidence`: EVIDENCE_COLUMNS and item, each item's periods in order)."""

    prevalence: Prevalence
    summary: "pd.DataFrame"
    evidence: "pd.DataFrame | None" = None

    @property
    def empty(self) -> bool:
        return self.prevalence.empty

    def to_dict(self) -> dict[str, Any]:
        out = {"prevalence": self.prevalence.to_dict(), "summary": records(self.summary)}
        if self.evidence is not None:
            out["evidence"] = records(self.evidence)
        return out


def trend(corpus: "Corpus", dimension: str = "theme", by: str = "year", filters: Filters | None = None,
          unit: str = "document", items: Sequence[str] | None = None, top: int | None = None,
          min_docs: int = MIN_DOCS, evidence_per_period: int | None = None) -> Trend:
    """Prevalence, trend summary and (with `evidence_per_period`) evidence of a dimension's items.

    Without `items`, entities and topics (too many to show) are limited to the `top` carried by the most documents
    (`top_items`); themes and aspects are all shown. The evidence is the first `evidence_per_period` passages of
    each period, the ones the report shows for the same numbers.
    """
    filters = filters or Filters()
    if items is None and top is not None and dimension in ("entity", "topic"):
        items = top_items(corpus, dimension, top, filters)
    prev = prevalence(corpus, dimension, by=by, filters=filters, unit=unit, items=items, min_docs=min_docs)
    summary = trend_summary(prev)
    passages = None
    if evidence_per_period is not None and not prev.empty:
        index = EvidenceIndex(corpus, dimension, filters, by)  # tables read once for all items
        passages = trend_evidence(index, list(summary["item"]), evidence_per_period)
    return Trend(prev, summary, passages)


# ---- specific vocabulary per period ---------------------------------------------------------------
SPECIFIC_COLUMNS = ["period", "term", "llr", "p", "count", "expected", "docs", "sparse"]
_WORD = re.compile(r"\w+", re.UNICODE)


def specific_terms(corpus: "Corpus", by: str = "year", top: int = 15, filters: Filters | None = None,
                   min_count: int = 3, min_docs: int = MIN_DOCS) -> "pd.DataFrame":
    """Terms over-represented in each period against the rest of the corpus (Dunning log-likelihood).

    Words are grouped by French Snowball stem and shown in their most frequent form; stop words,
    numbers and words under 3 letters are not scored (they still count in the totals). Only
    positive specificities (observed > expected) are kept. p is the chi-square(1) tail of llr.
    """
    import pandas as pd

    filters = filters or Filters()
    docs = eligible_documents(corpus, None, by, filters).table
    terms = over_represented_terms(corpus, dict(zip(docs["doc_id"], docs["period"])), top=top, min_count=min_count)
    docs_per_period = docs.groupby("period").size()
    out = terms.rename(columns={"group": "period"})
    out["sparse"] = [bool(docs_per_period.get(p, 0) < min_docs) for p in out["period"]]
    return pd.DataFrame(out, columns=SPECIFIC_COLUMNS)


