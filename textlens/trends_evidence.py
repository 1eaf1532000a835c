"""The passages behind a number: for an item (and a period), the sentences carrying it in the documents counted.

One ranking rule (`rank_passages`) orders the evidence everywhere it is shown (trends, the report, the CLI):
best score first, then document id and passage id, so ties always resolve the same way.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textlens.query import Filters
from textlens.store import evidence as store_evidence
from textlens.store.items import doc_items, passage_items
from textlens.trends_prevalence import eligible_documents

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

__all__ = ["EVIDENCE_COLUMNS", "EvidenceIndex", "evidence", "rank_passages", "trend_evidence"]

EVIDENCE_COLUMNS = ["doc_id", "date", "period", "passage_id", "passage", "score", "title", "level"]


def evidence(corpus: "Corpus", dimension: str, item: str, period: Any = None, filters: Filters | None = None,
             limit: int | None = 5, by: str = "year") -> "pd.DataFrame":
    """The passages behind a number: sentences carrying `item` in the documents counted for `period`.

    Passage-level rows come first (best score first, at most two per document so several documents
    show); documents counted only at document level add their strongest available text with
    level="document" (for aspects, the evidence the analysis kept). For many items, build one
    `EvidenceIndex` and ask it per item.
    """
    return EvidenceIndex(corpus, dimension, filters, by).evidence(item, period, limit)


class EvidenceIndex:
    """The documents, document items and passage items `evidence` reads, loaded once per dimension:
    a report shows evidence for every point of dozens of series, and each `evidence` call would
    otherwise rescan those tables."""

    def __init__(self, corpus: "Corpus", dimension: str, filters: Filters | None = None, by: str = "year"):
        self.corpus, self.dimension, self.by = corpus, dimension, by
        filters = filters or Filters()
        exclude = ("type",) if dimension == "entity" else ()
        self.docs = eligible_documents(corpus, dimension, by, filters, exclude).table
        self._meta = self.docs.set_index("doc_id")
        etype = filters.type if dimension == "entity" else None
        keep = set(self.docs["doc_id"])
        counted = doc_items(corpus, dimension, etype)
        counted = counted[counted["doc_id"].isin(keep)]
        self._counted = {str(k): g for k, g in counted.groupby("item", sort=False)}
        self._no_counted = counted.iloc[:0]
        hits = passage_items(corpus, dimension, etype)
        hits = hits[hits["doc_id"].isin(keep)]
        self._hits = {str(k): g for k, g in hits.groupby("item", sort=False)}
        self._no_hits = hits.iloc[:0]

    def evidence(self, item: str, period: Any = None, limit: int | None = 5,
                 per_period: int | None = None) -> "pd.DataFrame":
        """`evidence` of one item; `per_period` keeps only the first rows of each period (in the same
        order), enough for any `head()` of the whole or of one period up to that many rows."""
        import pandas as pd

        item = str(item)
        meta = self._meta
        counted = self._counted_in(item, period)
        hits = self._hits.get(item, self._no_hits)
        hits = hits[hits["doc_id"].isin(set(counted["doc_id"]))]
        hits = rank_passages(hits)
        hits = hits.groupby("doc_id", sort=False).head(2)
        missing = counted[~counted["doc_id"].isin(set(hits["doc_id"]))].sort_values("score", ascending=False)
        cap = per_period if per_period is not None else (None if period is None else limit)
        if cap is not None:
            hits = hits.groupby(meta.loc[hits["doc_id"], "period"].to_numpy(), sort=False).head(cap)
            missing = missing.groupby(meta.loc[missing["doc_id"], "period"].to_numpy(), sort=False).head(cap)
        elif limit is not None:
            hits, missing = hits.head(limit), missing.head(max(0, limit - len(hits)))
        texts = store_evidence.passage_texts(self.corpus, hits["passage_id"].tolist())
        titles = store_evidence.document_titles(self.corpus, list(dict.fromkeys([*hits["doc_id"], *missing["doc_id"]])))
        rows: list[dict[str, Any]] = []
        for r in hits.itertuples():
            rows.append({"doc_id": r.doc_id, "date": meta.at[r.doc_id, "date"], "period": meta.at[r.doc_id, "period"],
                         "passage_id": int(r.passage_id), "passage": texts.get(int(r.passage_id), ""),
                         "score": float(r.score), "title": titles.get(r.doc_id), "level": "passage"})
        stand_ins = self._document_texts(item, missing["doc_id"].tolist())
        for r in missing.itertuples():
            pid, text = stand_ins.get(r.doc_id, (None, ""))
            rows.append({"doc_id": r.doc_id, "date": meta.at[r.doc_id, "date"], "period": meta.at[r.doc_id, "period"],
                         "passage_id": pid, "passage": text, "score": float(r.score), "title": titles.get(r.doc_id),
                         "level": "document"})
        out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
        if per_period is not None:
            out = out.groupby(out["period"].astype(str), sort=False).head(per_period)
        if limit is not None:
            out = out.head(limit)
        return out.reset_index(drop=True)

    def documents(self, item: str, period: Any = None) -> int:
        """How many documents are counted as carrying `item` (in `period`): the number the evidence stands behind."""
        return int(self._counted_in(str(item), period)["doc_id"].nunique())

    def _counted_in(self, item: str, period: Any) -> "pd.DataFrame":
        counted = self._counted.get(item, self._no_counted)
        if period is not None:
            counted = counted[self._meta.loc[counted["doc_id"], "period"].astype(str).to_numpy() == str(period)]
        return counted

    def _document_texts(self, item: str, doc_ids: list[str]) -> dict[str, tuple[int | None, str]]:
        """Text standing in for documents counted without a passage: for aspects the evidence the
        analysis kept, else the document's first passage."""
        out: dict[str, tuple[int | None, str]] = {}
        if not doc_ids:
            return out
        if self.dimension == "aspect":
            out.update({d: (None, text) for d, text in
                        store_evidence.aspect_evidence_texts(self.corpus, item, doc_ids).items()})
        rest = [d for d in doc_ids if d not in out]
        out.update(store_evidence.first_passages(self.corpus, rest))
        return out


def rank_passages(hits: "pd.DataFrame") -> "pd.DataFrame":
    """Passage rows (passage_id, doc_id, score...) in evidence order: best score first, then document, passage."""
    return hits.sort_values(["score", "doc_id", "passage_id"], ascending=[False, True, True])


def trend_evidence(index: EvidenceIndex, items: Sequence[str], per_period: int = 3) -> "pd.DataFrame":
    """The passages behind every number of a trend: for each item (in the order given), the first `per_period`
    passages of each period in evidence order, periods one after the other, with an `item` column.

    The report shows the same passages for the same point (`EvidenceIndex.evidence(..., per_period=)` under both),
    so `trends --evidence` and the report cannot disagree."""
    import pandas as pd

    parts = [index.evidence(item, limit=None, per_period=per_period).sort_values("period", kind="stable")
             .assign(item=item) for item in items]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
