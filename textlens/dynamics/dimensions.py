"""The item dimensions drivers and segment comparisons look at, as a registry a new analysis plugs into.

A dimension says where its rows come from: which documents carry which item (`doc_rows`), which passages
show it (`passage_rows`, the evidence), the items' readable labels, and optionally the polarity expressed
about each item in a document (`polar_rows`, used by the key-driver model: "claims handling, negative"
weighs differently from "claims handling, positive"). An analysis that adds items to documents (emotions,
intents...) registers its dimension once, e.g. in its own module:

    from textlens.dynamics.dimensions import ItemDimension, register_dimension
    register_dimension(ItemDimension("emotion", doc_rows=my_doc_rows, passage_rows=my_passage_rows))

and `textlens drivers` / `textlens compare` / the report show it wherever the store holds its rows.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

log = logging.getLogger(__name__)

RowSource = Callable[["Corpus"], "pd.DataFrame"]
DocRowSource = Callable[["Corpus", Sequence[str]], "pd.DataFrame"]
DocTuple = tuple[str, str, float]  # (doc_id, item, score)
PassageTuple = tuple[int, str, str, float]  # (passage_id, doc_id, item, score)


@dataclass(frozen=True)
class ItemDimension:
    """Where a dimension's items come from.

    doc_rows: DataFrame (doc_id, item, score), one row per document carrying the item.
    passage_rows: DataFrame (passage_id, doc_id, item, score), the passages showing the item (best score first).
    polar_rows: DataFrame (doc_id, item, polarity) when the analysis judges a polarity per item.
    labels: item id -> readable label.
    driver: whether the item may explain a score (a document's own sentiment label is an outcome, not a driver).
    passage_rows_of: `passage_rows` of the given documents only (evidence reads a few documents' rows instead of
        the whole table); without it the evidence filters `passage_rows`.
    doc_tuples, passage_tuples_of: the same rows as plain tuples, when the dimension can read them without
        pandas (`compare` then never imports it); without them the DataFrames are converted.
    """

    name: str
    doc_rows: RowSource
    passage_rows: RowSource | None = None
    polar_rows: RowSource | None = None
    labels: Callable[["Corpus"], dict[str, str]] | None = None
    driver: bool = True
    passage_rows_of: DocRowSource | None = None
    doc_tuples: Callable[["Corpus"], list[DocTuple]] | None = None
    passage_tuples_of: Callable[["Corpus", Sequence[str]], list[PassageTuple]] | None = None

    def doc_row_tuples(self, corpus: "Corpus") -> list[DocTuple]:
        """`doc_rows` as (doc_id, item as text, score) tuples."""
        if self.doc_tuples is not None:
            return self.doc_tuples(corpus)
        rows = self.doc_rows(corpus)
        return list(zip(rows["doc_id"].tolist(), rows["item"].astype(str).tolist(), rows["score"].tolist()))

    def passage_row_tuples_for(self, corpus: "Corpus", doc_ids: Sequence[str]) -> list[PassageTuple] | None:
        """`passage_rows_for` as (passage_id, doc_id, item as text, score) tuples; None without passage rows."""
        if self.passage_tuples_of is not None:
            return self.passage_tuples_of(corpus, doc_ids)
        rows = self.passage_rows_for(corpus, doc_ids)
        if rows is None:
            return None
        return list(zip(rows["passage_id"].tolist(), rows["doc_id"].tolist(), rows["item"].astype(str).tolist(),
                        rows["score"].tolist()))

    def passage_rows_for(self, corpus: "Corpus", doc_ids: Sequence[str]) -> "pd.DataFrame | None":
        """The passage rows of `doc_ids` (possibly more rows: callers filter), None without passage rows."""
        if self.passage_rows_of is not None:
            return self.passage_rows_of(corpus, doc_ids)
        return self.passage_rows(corpus) if self.passage_rows else None


_REGISTRY: dict[str, ItemDimension] = {}


def register_dimension(dimension: ItemDimension) -> None:
    """Add (or replace, logged) a dimension; the order of registration is the order of the outputs."""
    if dimension.name in _REGISTRY:
        log.info("item dimension %r replaced", dimension.name)
    _REGISTRY[dimension.name] = dimension


def unregister_dimension(name: str) -> None:
    """Remove a dimension (tests, or an analysis uninstalled at run time)."""
    _REGISTRY.pop(name, None)


def registered() -> list[ItemDimension]:
    return list(_REGISTRY.values())


def get_dimension(name: str) -> ItemDimension:
    from textlens.query import QueryError

    if name not in _REGISTRY:
        raise QueryError(f"unknown dimension {name!r}; choose {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def load_rows(corpus: "Corpus", names: list[str] | None = None, drivers_only: bool = False
              ) -> list[tuple[ItemDimension, "pd.DataFrame"]]:
    """The dimensions (all, or `names`) with rows in this store, each with its document rows (item as text):
    an analysis not run gives no dimension rather than an empty table."""
    chosen = [get_dimension(n) for n in names] if names else registered()
    out = []
    for dim in chosen:
        if drivers_only and not dim.driver:
            continue
        try:
            rows = dim.doc_rows(corpus)
        except Exception as exc:  # noqa: BLE001 - a dimension whose tables this store lacks is simply absent
            log.info("dimension %s unavailable: %s", dim.name, exc)
            continue
        if not rows.empty:
            # plain Python strings: pandas' Arrow strings make the set look-ups below (isin, loops) 10x slower
            rows = rows.assign(item=rows["item"].astype(str).astype(object), doc_id=rows["doc_id"].astype(object))
            out.append((dim, rows))
    return out


def load_row_tuples(corpus: "Corpus", names: list[str] | None = None) -> list[tuple[ItemDimension, list[DocTuple]]]:
    """`load_rows` as plain tuples (`ItemDimension.doc_row_tuples`): what `compare` counts, without pandas."""
    chosen = [get_dimension(n) for n in names] if names else registered()
    out = []
    for dim in chosen:
        try:
            rows = dim.doc_row_tuples(corpus)
        except Exception as exc:  # noqa: BLE001 - a dimension whose tables this store lacks is simply absent
            log.info("dimension %s unavailable: %s", dim.name, exc)
            continue
        if rows:
            out.append((dim, rows))
    return out


# ---- the built-in dimensions ------------------------------------------------------------------------
def _trend_rows(name: str, passages: bool = False) -> RowSource:
    def rows(corpus: "Corpus") -> "pd.DataFrame":
        from textlens.store import items

        return (items.passage_items if passages else items.doc_items)(corpus, name)

    return rows


def _trend_passage_rows_of(name: str) -> DocRowSource:
    def rows(corpus: "Corpus", doc_ids: Sequence[str]) -> "pd.DataFrame":
        from textlens.store.items import passage_items

        return passage_items(corpus, name, doc_ids=doc_ids)

    return rows


def _trend_tuples(name: str) -> Callable[["Corpus"], list[DocTuple]]:
    def rows(corpus: "Corpus") -> list[DocTuple]:
        from textlens.store.items import doc_item_rows

        return doc_item_rows(corpus, name)

    return rows


def _trend_passage_tuples_of(name: str) -> Callable[["Corpus", Sequence[str]], list[PassageTuple]]:
    def rows(corpus: "Corpus", doc_ids: Sequence[str]) -> list[PassageTuple]:
        from textlens.store.items import passage_item_rows

        return passage_item_rows(corpus, name, doc_ids)

    return rows


def _trend_labels(name: str) -> Callable[["Corpus"], dict[str, str]]:
    def labels(corpus: "Corpus") -> dict[str, str]:
        from textlens.query import theme_labels
        from textlens.store.items import topic_labels

        if name == "topic":
            return topic_labels(corpus)
        return theme_labels(corpus, name)

    return labels


def _aspect_polarities(corpus: "Corpus") -> "pd.DataFrame":
    from textlens.store.trends import aspect_polarities

    return aspect_polarities(corpus)


def _sentiment_docs(corpus: "Corpus") -> "pd.DataFrame":
    from textlens.store.drivers import document_sentiments

    return document_sentiments(corpus)


def _sentiment_passages(corpus: "Corpus") -> "pd.DataFrame":
    from textlens.store.drivers import passage_sentiments

    return passage_sentiments(corpus)


def _sentiment_passages_of(corpus: "Corpus", doc_ids: Sequence[str]) -> "pd.DataFrame":
    from textlens.store.drivers import passage_sentiments

    return passage_sentiments(corpus, doc_ids)


def _sentiment_doc_tuples(corpus: "Corpus") -> list[DocTuple]:
    from textlens.store.drivers import document_sentiment_rows

    return document_sentiment_rows(corpus)


def _sentiment_passage_tuples_of(corpus: "Corpus", doc_ids: Sequence[str]) -> list[PassageTuple]:
    from textlens.store.drivers import passage_sentiment_rows

    return passage_sentiment_rows(corpus, doc_ids)


for _name in ("theme", "aspect", "topic"):
    register_dimension(ItemDimension(_name, _trend_rows(_name), _trend_rows(_name, passages=True),
                                     _aspect_polarities if _name == "aspect" else None, _trend_labels(_name),
                                     passage_rows_of=_trend_passage_rows_of(_name), doc_tuples=_trend_tuples(_name),
                                     passage_tuples_of=_trend_passage_tuples_of(_name)))
register_dimension(ItemDimension("sentiment", _sentiment_docs, _sentiment_passages, driver=False,
                                 passage_rows_of=_sentiment_passages_of, doc_tuples=_sentiment_doc_tuples,
                                 passage_tuples_of=_sentiment_passage_tuples_of))
