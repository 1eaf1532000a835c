"""How themes, aspects, topics, entities and sentiment develop over time, with uncertainty and evidence.

Every function reads the store (no models) and returns a pandas DataFrame, so the CLI, the report
and notebooks share one set of numbers. This module is the public face of the trends; the work is done by
one module per job, whose names it re-exports:
- `textlens.trends_stats`: Wilson intervals, Dunning's log-likelihood, the Mann-Kendall test;
- `textlens.trends_prevalence`: the documents that count, prevalence per period, trend summaries;
- `textlens.trends_evidence`: the passages behind a number, in one ranking order;
- `textlens.trends_tables`: the sentiment, drivers, entity, figure, theme, topic and association tables;
- `textlens.store.items`: the store reads of items per dimension and of periods (the only SQL).
The specific vocabulary of periods (`specific_terms`, `over_represented_terms`) is written below.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textlens.query import Filters, french_stop_words
from textlens.store.items import DIMENSIONS, doc_items, passage_items, period_sql
from textlens.trends_evidence import EVIDENCE_COLUMNS, EvidenceIndex, evidence, rank_passages
from textlens.trends_prevalence import (
    MIN_DOCS,
    PREVALENCE_COLUMNS,
    SUMMARY_COLUMNS,
    eligible_documents,
    item_labels,
    prevalence,
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
    "THEME_TABLE_COLUMNS", "TOPIC_COLUMNS", "Z95", "EvidenceIndex", "associations", "doc_items", "doc_polarities",
    "eligible_documents", "entity_table", "evidence", "figures_table", "item_labels", "log_likelihood",
    "mann_kendall", "negative_drivers", "over_represented_terms", "passage_items", "period_sql", "prevalence",
    "rank_passages", "sentiment_over_time", "specific_terms", "theme_table", "topic_table", "trend_summary",
    "wilson",
]


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
    docs = eligible_documents(corpus, None, by, filters)
    terms = over_represented_terms(corpus, dict(zip(docs["doc_id"], docs["period"])), top=top, min_count=min_count)
    docs_per_period = docs.groupby("period").size()
    out = terms.rename(columns={"group": "period"})
    out["sparse"] = [bool(docs_per_period.get(p, 0) < min_docs) for p in out["period"]]
    out = pd.DataFrame(out, columns=SPECIFIC_COLUMNS)
    out.attrs.update(by=by, undated=docs.attrs["undated"], tokens=terms.attrs["tokens"])
    return out


OVER_REPRESENTED_COLUMNS = ["group", "term", "llr", "p", "count", "expected", "docs", "passage_ids"]


def over_represented_terms(corpus: "Corpus", group_of: dict[str, Any], top: int = 15, min_count: int = 3,
                           groups: Sequence[Any] | None = None, examples: int = 3) -> "pd.DataFrame":
    """Terms over-represented in each group of documents against the other documents of `group_of`.

    `group_of` maps a document id to its group (a period, a segment); documents absent from it are not
    read at all, so two groups alone compare one with the other. `groups` limits the groups scored
    (the others still count as "the rest"). `passage_ids` holds up to `examples` passages using the
    term, as evidence. See `specific_terms` for the word rules.
    """
    import functools

    import pandas as pd

    from textlens.analysis.segment import fold

    stop = french_stop_words()

    @functools.lru_cache(maxsize=None)  # the same few thousand words again and again
    def scored_word(word: str) -> bool:
        return len(word) >= 3 and not word.isdigit() and fold(word) not in stop

    scored_groups = set(groups) if groups is not None else None
    # one pass collecting plain lists, counted once at the end (Counter over a list runs in C)
    stems_of: dict[Any, list[str]] = defaultdict(list)
    kept_forms: list[tuple[str, str]] = []  # (stem, word form)
    passage_stems: dict[Any, list[tuple[int, str, set[str]]]] = defaultdict(list)
    tokens: Counter = Counter()
    cur = corpus.conn.execute("SELECT id, doc_id, text, stems FROM passages ORDER BY doc_id, idx")
    for passage_id, doc_id, text, stem_str in cur:
        group = group_of.get(doc_id)
        if group is None:
            continue
        words = _WORD.findall(text.lower())
        stems_ = stem_str.split()
        if len(stems_) != len(words):
            stems_ = [fold(w) for w in words]
        tokens[group] += len(words)
        kept = [(s, w) for w, s in zip(words, stems_) if s not in stop and scored_word(w)]
        if kept:
            stems_of[group].extend(s for s, _ in kept)
            kept_forms.extend(kept)
            passage_stems[group].append((passage_id, doc_id, {s for s, _ in kept}))
    counts = {group: Counter(stems) for group, stems in stems_of.items()}
    forms: dict[str, Counter] = defaultdict(Counter)
    for (s, w), n in Counter(kept_forms).items():  # first-seen order kept: ties go to the first form seen
        forms[s][w] = n
    grand = sum(tokens.values())
    totals: Counter = Counter()
    for c in counts.values():
        totals.update(c)
    rows = []
    for group, c in counts.items():
        if scored_groups is not None and group not in scored_groups:
            continue
        size = tokens[group]
        rest = grand - size
        if rest <= 0:
            continue
        scored = []
        for s, a in c.items():
            if a < min_count:
                continue
            expected = totals[s] * size / grand
            if a <= expected:
                continue
            b = totals[s] - a
            g2 = log_likelihood(a, b, size - a, rest - b)
            scored.append((g2, s, a, expected))
        scored.sort(key=lambda t: (-t[0], t[1]))
        for g2, s, a, expected in scored[:top]:
            using = [(pid, doc_id) for pid, doc_id, stems_in in passage_stems[group] if s in stems_in]
            rows.append({"group": group, "term": forms[s].most_common(1)[0][0], "llr": round(g2, 3),
                         "p": math.erfc(math.sqrt(g2 / 2)), "count": a, "expected": round(expected, 2),
                         "docs": len({doc_id for _, doc_id in using}),
                         "passage_ids": [pid for pid, _ in using[:examples]]})
    out = pd.DataFrame(rows, columns=OVER_REPRESENTED_COLUMNS)
    if not out.empty:
        out = out.sort_values(["group", "llr"], ascending=[True, False]).reset_index(drop=True)
    out.attrs.update(tokens=grand)
    return out
