"""How themes, aspects, topics, entities and sentiment develop over time, with uncertainty and evidence.

Every function reads the store (no models) and returns a pandas DataFrame, so the CLI, the report
and notebooks share one set of numbers. Conventions:
- A *period* is a year (int), a quarter ("2020-Q2") or a month ("2020-04") of `documents.date`/`year`;
  documents without one are not counted and their number is in `df.attrs["undated"]`.
- The denominator of a share is the set of documents (or sentences) that could carry the item: the
  filtered documents of the kinds that ever carry that dimension (editorial themes are not diluted by
  verbatims) and that its analysis has processed. `df.attrs["denominator"]` says so in words.
- Shares come with Wilson 95% intervals; a period with fewer than `min_docs` documents is `sparse`:
  shown, but not used for peaks and trend tests when enough other periods exist.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from textlens.query import Filters, QueryError, theme_labels

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from textlens.store import Corpus

DIMENSIONS = ("theme", "aspect", "topic", "entity")
MIN_DOCS = 5  # a period with fewer documents is marked sparse
Z95 = NormalDist().inv_cdf(0.975)

# item rows of each dimension, per document and per passage (sentence): (doc_id, item, score)
_DOC_ITEMS = {
    "theme": "SELECT doc_id, theme_id AS item, score FROM doc_themes WHERE taxonomy != 'aspects'",
    "aspect": ("SELECT doc_id, aspect_id AS item, score FROM doc_aspects UNION ALL "
               "SELECT doc_id, theme_id AS item, score FROM doc_themes WHERE taxonomy = 'aspects'"),
    "topic": "SELECT doc_id, CAST(topic_id AS TEXT) AS item, score FROM doc_topics WHERE topic_id >= 0",
    "entity": "SELECT doc_id, entity AS item, COUNT(*) AS score FROM mentions {type_where} GROUP BY doc_id, entity",
}
_PASSAGE_ITEMS = {
    "theme": "SELECT passage_id, doc_id, theme_id AS item, score FROM passage_themes WHERE taxonomy != 'aspects'",
    "aspect": "SELECT passage_id, doc_id, theme_id AS item, score FROM passage_themes WHERE taxonomy = 'aspects'",
    "topic": ("SELECT passage_id, doc_id, CAST(topic_id AS TEXT) AS item, score FROM passage_topics"
              " WHERE topic_id >= 0"),
    "entity": ("SELECT passage_id, doc_id, entity AS item, COUNT(*) AS score FROM mentions"
               " WHERE passage_id IS NOT NULL {type_and} GROUP BY passage_id, doc_id, entity"),
}
_ANALYZER = {"theme": "themes", "aspect": "themes", "entity": "entities", "topic": None}
# the customer-experience dimensions of verbatims, "emotion" and "intent" (textlens.cx; SQL in textlens/cx/store.py)
from textlens.store.cx import DOC_ITEMS as _CX_DOC_ITEMS, PASSAGE_ITEMS as _CX_PASSAGE_ITEMS  # noqa: E402

DIMENSIONS = (*DIMENSIONS, *_CX_DOC_ITEMS)
_DOC_ITEMS.update(_CX_DOC_ITEMS)
_PASSAGE_ITEMS.update(_CX_PASSAGE_ITEMS)
_ANALYZER.update({dim: "cx" for dim in _CX_DOC_ITEMS})


# ---- statistics -----------------------------------------------------------------------------------
def wilson(k: "np.ndarray | Sequence[float] | float", n: "np.ndarray | Sequence[float] | float",
           z: float = Z95) -> tuple["np.ndarray", "np.ndarray"]:
    """Wilson score interval for k successes in n trials (NaN where n == 0).

    Preferred to the normal approximation because shares here are often 0, 1 or based on a handful
    of documents; it never leaves [0, 1].
    """
    import numpy as np

    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    low = np.where(n > 0, np.where(k <= 0, 0.0, low), np.nan)  # exact bounds, not 1e-17 rounding noise
    high = np.where(n > 0, np.where(k >= n, 1.0, high), np.nan)
    return low, high


def log_likelihood(a: float, b: float, c: float, d: float) -> float:
    """Dunning's G2 for a term seen `a` times in a part of `a+c` tokens and `b` times in the rest (`b+d`)."""
    n = a + b + c + d
    g = 0.0
    for obs, row, col in ((a, a + c, a + b), (b, b + d, a + b), (c, a + c, c + d), (d, b + d, c + d)):
        if obs > 0:
            g += obs * math.log(obs * n / (row * col))
    return 2.0 * g


def mann_kendall(values: Sequence[float]) -> dict[str, float]:
    """Mann-Kendall trend test with tie correction and Sen's slope; NaN when the series is too short.

    The same statistic as `pymannkendall.original_test` (tests check they agree), computed here with
    numpy because importing pymannkendall loads scipy.stats, which alone would double the start-up
    time of `textlens trends`.
    """
    import numpy as np

    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n < 3:
        return {"tau": math.nan, "p": math.nan, "slope": math.nan}
    if np.all(x == x[0]):
        return {"tau": 0.0, "p": 1.0, "slope": 0.0}
    i, j = np.triu_indices(n, k=1)
    s = float(np.sign(x[j] - x[i]).sum())
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18.0
    z = (s - np.sign(s)) / math.sqrt(var) if s else 0.0
    return {"tau": s / (0.5 * n * (n - 1)), "p": math.erfc(abs(z) / math.sqrt(2)),
            "slope": float(np.median((x[j] - x[i]) / (j - i)))}


# ---- periods and eligible documents ---------------------------------------------------------------
def period_sql(by: str | None, alias: str = "d") -> str:
    """SQL expression of a document's period (None: one period "all", undated documents included)."""
    d = alias
    if by is None:
        return "'all'"
    if by == "year":
        return f"{d}.year"
    if by == "quarter":
        return (f"CASE WHEN length({d}.date) >= 7 THEN substr({d}.date, 1, 4) || '-Q' || "
                f"((CAST(substr({d}.date, 6, 2) AS INTEGER) + 2) / 3) END")
    if by == "month":
        return f"CASE WHEN length({d}.date) >= 7 THEN substr({d}.date, 1, 7) END"
    span = _year_span(by)
    if span:  # "5y": 2000-2004, 2005-2009 ... (sparse archives read better in spans of years)
        start = f"(({d}.year / {span}) * {span})"
        return f"CASE WHEN {d}.year IS NOT NULL THEN CAST({start} AS TEXT) || '-' || CAST({start} + {span - 1} AS TEXT) END"
    raise QueryError(f"unknown period {by!r}; choose year, quarter, month or N years as '5y'")


def _year_span(by: str) -> int | None:
    m = re.fullmatch(r"(\d{1,2})\s*(?:y|years?|ans?)", str(by).strip().lower())
    return int(m.group(1)) if m and 1 < int(m.group(1)) <= 50 else None


def _check_dimension(dimension: str) -> None:
    if dimension not in DIMENSIONS:
        raise QueryError(f"unknown dimension {dimension!r}; choose {', '.join(DIMENSIONS)}")


def _type_sql(dimension: str, etype: str | None) -> tuple[str, str, list]:
    if dimension == "entity" and etype:
        return "WHERE type = ?", "AND type = ?", [etype]
    return "", "", []


def doc_items(corpus: "Corpus", dimension: str, etype: str | None = None) -> "pd.DataFrame":
    """(doc_id, item, score) rows of a dimension, one per document and item."""
    import pandas as pd

    _check_dimension(dimension)
    where, _, params = _type_sql(dimension, etype)
    df = pd.read_sql_query(_DOC_ITEMS[dimension].format(type_where=where), corpus.conn, params=params)
    if dimension == "aspect" and not df.empty:
        df = df.sort_values("score", ascending=False).drop_duplicates(["doc_id", "item"])
    df["item"] = df["item"].astype(str)
    return df.reset_index(drop=True)


def passage_items(corpus: "Corpus", dimension: str, etype: str | None = None,
                  doc_ids: Sequence[str] | None = None) -> "pd.DataFrame":
    """(passage_id, doc_id, item, score) rows of a dimension; with `doc_ids`, only those documents' rows
    (evidence for a few documents reads a few rows, not the whole table)."""
    import pandas as pd

    _check_dimension(dimension)
    _, and_, params = _type_sql(dimension, etype)
    sql = _PASSAGE_ITEMS[dimension].format(type_and=and_)
    if doc_ids is None:
        df = pd.read_sql_query(sql, corpus.conn, params=params)
    else:
        rows = list(corpus.select_in(f"SELECT * FROM ({sql}) WHERE doc_id IN ({{marks}})", list(doc_ids), params))
        df = pd.DataFrame([tuple(r) for r in rows], columns=["passage_id", "doc_id", "item", "score"])
    df["item"] = df["item"].astype(str)
    return df


def eligible_documents(corpus: "Corpus", dimension: str | None, by: str | None = "year", filters: Filters | None = None,
                       exclude: Sequence[str] = ()) -> "pd.DataFrame":
    """Documents (doc_id, kind, year, date, period) that count in the denominator of a dimension.

    Kinds that never carry the dimension are left out, and so are documents in another language and
    documents the analysis has not processed yet (when the analysis records its state). `attrs["undated"]` counts the documents
    left out because they have no period.
    """
    import pandas as pd

    filters = filters or Filters()
    where, params = filters.where_sql(exclude=exclude)
    # documents flagged as another language are kept in the store but never analysed as French
    clauses = [where, "(d.language IS NULL OR d.language = 'fr')"]
    notes = []
    if dimension is not None:
        _check_dimension(dimension)
        etype = filters.type if dimension == "entity" else None
        tw, _, tparams = _type_sql(dimension, etype)
        clauses.append(f"d.kind IN (SELECT DISTINCT d2.kind FROM ({_DOC_ITEMS[dimension].format(type_where=tw)}) x"
                       " JOIN documents d2 ON d2.id = x.doc_id)")
        params = params + tparams
        analyzer = _ANALYZER[dimension]
        if analyzer and corpus.conn.execute(
                "SELECT 1 FROM analysis_state WHERE analyzer = ? LIMIT 1", (analyzer,)).fetchone():
            clauses.append("EXISTS (SELECT 1 FROM analysis_state a WHERE a.doc_id = d.id AND a.analyzer = ?)")
            params = params + [analyzer]
            notes.append(f"analysed by {analyzer}")
    sql = (f"SELECT d.id AS doc_id, d.kind, d.year, d.date, {period_sql(by)} AS period FROM documents d"
           f" WHERE {' AND '.join(clauses)} ORDER BY d.id")
    df = pd.read_sql_query(sql, corpus.conn, params=params)
    undated = int(df["period"].isna().sum())
    df = df[df["period"].notna()].reset_index(drop=True)
    if by == "year" and not df.empty:
        df["period"] = df["period"].astype(int)
    kinds = sorted(df["kind"].unique()) if not df.empty else []
    df.attrs["undated"] = undated
    df.attrs["denominator"] = (
        "French documents" + (f" of kind {', '.join(kinds)}" if kinds else "") + (" " + ", ".join(notes) if notes else "")
        + (f" matching {filters.describe()}" if filters.active() else "")
    )
    return df


def _labels(corpus: "Corpus", dimension: str, items: Sequence[str]) -> dict[str, str]:
    if dimension in ("theme", "aspect"):
        return theme_labels(corpus, dimension)
    if dimension == "topic":
        return {str(r[0]): r[1] for r in corpus.conn.execute("SELECT id, label FROM topics")}
    if dimension == "entity" and items:
        out: dict[str, Counter] = defaultdict(Counter)
        for ent, typ, n in corpus.conn.execute("SELECT entity, type, COUNT(*) FROM mentions GROUP BY entity, type"):
            out[ent][typ] += n
        return {e: c.most_common(1)[0][0] for e, c in out.items()}
    return {}


def _item_kinds(corpus: "Corpus", dimension: str) -> dict[str, set[str]]:
    """The document kinds each item of a dimension occurs in (over the whole store)."""
    out: dict[str, set[str]] = defaultdict(set)
    sql = (f"SELECT DISTINCT x.item, d.kind FROM ({_DOC_ITEMS[dimension].format(type_where='')}) x"
           " JOIN documents d ON d.id = x.doc_id")
    for item, kind in corpus.conn.execute(sql):
        out[str(item)].add(kind)
    return out


def _sparse(total: "pd.Series", min_docs: int) -> "pd.Series":
    return total < min_docs


# ---- prevalence and trends ------------------------------------------------------------------------
PREVALENCE_COLUMNS = ["period", "item", "label", "n", "total", "share", "ci_low", "ci_high", "sparse", "docs"]


def prevalence(corpus: "Corpus", dimension: str = "theme", by: str = "year", filters: Filters | None = None,
               unit: str = "document", items: Sequence[str] | None = None, min_docs: int = MIN_DOCS
               ) -> "pd.DataFrame":
    """Share of documents (or sentences) carrying each item per period, with Wilson 95% intervals.

    Columns: period, item, label, n, total, share, ci_low, ci_high, sparse (the period has fewer than
    `min_docs` documents), docs (documents in the period). Every period x item pair is present,
    zeros included, so series are complete.
    """
    import pandas as pd

    _check_dimension(dimension)
    if unit not in ("document", "sentence"):
        raise QueryError(f"unknown unit {unit!r}; choose document or sentence")
    filters = filters or Filters()
    exclude = ("type",) if dimension == "entity" else ()
    docs = eligible_documents(corpus, dimension, by, filters, exclude)
    etype = filters.type if dimension == "entity" else None
    docs_per_period = docs.groupby("period").size()
    if unit == "document":
        units = docs[["doc_id", "period", "kind"]]
        hits = doc_items(corpus, dimension, etype)
        hits = hits[hits["doc_id"].isin(set(docs["doc_id"]))].merge(docs[["doc_id", "period"]], on="doc_id")
        counts = hits.groupby(["period", "item"])["doc_id"].nunique()
    else:
        units = pd.read_sql_query("SELECT id AS passage_id, doc_id FROM passages", corpus.conn)
        units = units.merge(docs[["doc_id", "period", "kind"]], on="doc_id")
        hits = passage_items(corpus, dimension, etype)
        hits = hits[hits["passage_id"].isin(set(units["passage_id"]))].merge(
            units[["passage_id", "period"]], on="passage_id")
        counts = hits.groupby(["period", "item"])["passage_id"].nunique()
    totals = units.groupby("period").size()
    # Topics are discovered per group of kinds (articles apart from verbatims): a topic's share is
    # taken over the documents of the kinds it was found in, not diluted by the other group.
    kind_totals = units.groupby(["period", "kind"]).size() if dimension == "topic" else None
    topic_kinds = _item_kinds(corpus, dimension) if dimension == "topic" else {}
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
        labels = _labels(corpus, dimension, all_items)
        out["label"] = out["item"].map(lambda i: labels.get(i, i))
        out = out[PREVALENCE_COLUMNS]
    denominator = ("sentences of " if unit == "sentence" else "") + docs.attrs["denominator"]
    if dimension == "topic":
        denominator += " (each topic over the kinds it was found in)"
    out.attrs.update(dimension=dimension, by=by, unit=unit, min_docs=min_docs, undated=docs.attrs["undated"],
                     denominator=denominator,
                     filters=filters.active())
    return out


SUMMARY_COLUMNS = ["item", "label", "n", "first_period", "last_period", "peak_period", "peak_share", "mk_tau", "mk_p",
                   "slope", "direction", "flag", "periods", "sparse_periods", "earlier_share", "recent_share",
                   "tested_on"]


def trend_summary(prevalence_df: "pd.DataFrame", alpha: float = 0.05, min_periods: int = 4) -> "pd.DataFrame":
    """One row per item: first/peak period, Mann-Kendall trend on the shares, emerging/declining flag.

    The test uses the non-sparse periods when there are at least `min_periods` of them, otherwise every
    period (`tested_on` says which). direction: rising/falling when p < alpha, else flat. flag:
    "emerging" when rising, or absent from the first two thirds of the periods, seen at least 3 times
    in the last third, and with a recent share above the upper 95% bound of its earlier absence
    (so one empty sparse period proves nothing); "declining" symmetrically.
    """
    import pandas as pd

    rows = []
    df = prevalence_df
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
    out.attrs.update(prevalence_df.attrs)
    return out.reset_index(drop=True)


# ---- evidence -------------------------------------------------------------------------------------
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
        self.docs = eligible_documents(corpus, dimension, by, filters, exclude)
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
        counted = self._counted.get(item, self._no_counted)
        if period is not None:
            counted = counted[meta.loc[counted["doc_id"], "period"].astype(str).to_numpy() == str(period)]
        hits = self._hits.get(item, self._no_hits)
        hits = hits[hits["doc_id"].isin(set(counted["doc_id"]))]
        hits = hits.sort_values(["score", "doc_id", "passage_id"], ascending=[False, True, True])
        hits = hits.groupby("doc_id", sort=False).head(2)
        missing = counted[~counted["doc_id"].isin(set(hits["doc_id"]))].sort_values("score", ascending=False)
        cap = per_period if per_period is not None else (None if period is None else limit)
        if cap is not None:
            hits = hits.groupby(meta.loc[hits["doc_id"], "period"].to_numpy(), sort=False).head(cap)
            missing = missing.groupby(meta.loc[missing["doc_id"], "period"].to_numpy(), sort=False).head(cap)
        elif limit is not None:
            hits, missing = hits.head(limit), missing.head(max(0, limit - len(hits)))
        texts = _passage_texts(self.corpus, hits["passage_id"].tolist())
        titles = _titles(self.corpus, list(dict.fromkeys([*hits["doc_id"], *missing["doc_id"]])))
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
        out.attrs.update(dimension=self.dimension, item=item, period=period,
                         documents=int(counted["doc_id"].nunique()))
        return out.reset_index(drop=True)

    def _document_texts(self, item: str, doc_ids: list[str]) -> dict[str, tuple[int | None, str]]:
        """Text standing in for documents counted without a passage: for aspects the evidence the
        analysis kept, else the document's first passage."""
        out: dict[str, tuple[int | None, str]] = {}
        if not doc_ids:
            return out
        if self.dimension == "aspect":
            sql = "SELECT doc_id, evidence FROM doc_aspects WHERE aspect_id = ? AND evidence IS NOT NULL AND doc_id IN ({marks})"
            out.update({r[0]: (None, r[1]) for r in self.corpus.select_in(sql, doc_ids, (item,)) if r[1]})
        rest = [d for d in doc_ids if d not in out]
        # SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum
        sql = "SELECT doc_id, id, text, MIN(idx) FROM passages WHERE doc_id IN ({marks}) GROUP BY doc_id"
        out.update({r[0]: (r[1], r[2]) for r in self.corpus.select_in(sql, rest)})
        return out


def _titles(corpus: "Corpus", doc_ids: Sequence[str]) -> dict[str, str | None]:
    return {r[0]: r[1] for r in corpus.select_in("SELECT id, title FROM documents WHERE id IN ({marks})", doc_ids)}


def _passage_texts(corpus: "Corpus", ids: Sequence[int]) -> dict[int, str]:
    sql = "SELECT id, text FROM passages WHERE id IN ({marks})"
    return {r[0]: r[1] for r in corpus.select_in(sql, [int(i) for i in ids])}


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


from textlens.dynamics.terms import over_represented_terms  # noqa: E402  (moved there; still importable from here)


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

    _check_dimension(dimension)
    _check_dimension(other)
    if dimension == other:
        raise QueryError("associations need two different dimensions")
    filters = filters or Filters()
    exclude = ("type",) if "entity" in (dimension, other) else ()
    docs_a = eligible_documents(corpus, dimension, by, filters, exclude)
    docs_b = eligible_documents(corpus, other, by, filters, exclude)
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
        types = _labels(corpus, "entity", ["x"]) if other == "entity" else {}
        pairs["other_type"] = pairs["other"].map(lambda o: types.get(o, ""))
        pairs = pairs.sort_values(["period", "n", "lift", "item", "other"], ascending=[True, False, False, True, True])
        out = pairs.groupby("period", sort=True).head(top)[ASSOCIATION_COLUMNS].reset_index(drop=True)
        if with_years:
            years = both.merge(docs[["doc_id", "year"]], on="doc_id").dropna(subset=["year"])
            years = years.groupby(["period", "item", "other"])["year"].agg(lambda y: sorted({int(v) for v in y}))
            out["years"] = [years.get((p, i, o), []) for p, i, o in zip(out["period"], out["item"], out["other"])]
    if by is None:
        out = out.drop(columns=["period"])
    out.attrs.update(dimension=dimension, other=other, by=by, documents=len(docs))
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

    Aspect: the polarity the analysis gave that aspect. Theme: the sentences carrying the theme,
    combined (positive and negative sentences give "mixed"); documents whose theme sentences have no
    sentence sentiment fall back to their overall tone.
    """
    import pandas as pd

    if theme and aspect:
        raise QueryError("give either a theme or an aspect, not both")
    filters = filters or Filters()
    dimension = "aspect" if aspect else ("theme" if theme else None)
    docs = eligible_documents(corpus, dimension, by, filters)
    keep = set(docs["doc_id"])
    if aspect:
        lab = pd.read_sql_query("SELECT doc_id, polarity AS label FROM doc_aspects WHERE aspect_id = ?"
                                " AND polarity IS NOT NULL", corpus.conn, params=[aspect])
    else:
        lab = pd.read_sql_query("SELECT doc_id, label FROM doc_sentiment", corpus.conn)
        if theme:
            sent = pd.read_sql_query(
                "SELECT pt.doc_id, ps.label FROM passage_themes pt JOIN passage_sentiment ps"
                " ON ps.passage_id = pt.passage_id WHERE pt.theme_id = ? AND pt.taxonomy != 'aspects'",
                corpus.conn, params=[theme])
            by_doc = sent.groupby("doc_id")["label"].agg(lambda s: _combine_labels(list(s))).to_dict()
            items = doc_items(corpus, "theme")
            with_theme = set(items.loc[items["item"] == theme, "doc_id"])  # documents counted as carrying it
            overall = dict(zip(lab["doc_id"], lab["label"]))
            lab = pd.DataFrame([(d, by_doc.get(d, overall.get(d))) for d in sorted(with_theme)],
                               columns=["doc_id", "label"]).dropna()
    lab = lab[lab["doc_id"].isin(keep)].merge(docs[["doc_id", "period"]], on="doc_id")
    lab.attrs["undated"] = docs.attrs["undated"]
    return lab


def sentiment_over_time(corpus: "Corpus", by: str = "year", theme: str | None = None, aspect: str | None = None,
                        filters: Filters | None = None, min_docs: int = MIN_DOCS) -> "pd.DataFrame":
    """Per period: documents per sentiment label and the negative/positive shares with Wilson 95% intervals."""
    import pandas as pd

    lab = doc_polarities(corpus, filters, theme, aspect, by)
    if lab.empty:
        out = pd.DataFrame(columns=SENTIMENT_COLUMNS)
    else:
        counts = lab.groupby(["period", "label"]).size().unstack(fill_value=0)
        for col in ("negative", "positive", "neutral", "mixed"):
            if col not in counts:
                counts[col] = 0
        out = counts[["negative", "positive", "neutral", "mixed"]].reset_index()
        out["n"] = out[["negative", "positive", "neutral", "mixed"]].sum(axis=1)
        out["neg_share"] = out["negative"] / out["n"]
        out["neg_low"], out["neg_high"] = wilson(out["negative"], out["n"])
        out["pos_share"] = out["positive"] / out["n"]
        out["pos_low"], out["pos_high"] = wilson(out["positive"], out["n"])
        out["sparse"] = out["n"] < min_docs
        out = out[SENTIMENT_COLUMNS].sort_values("period").reset_index(drop=True)
    out.attrs.update(by=by, theme=theme, aspect=aspect, undated=lab.attrs.get("undated", 0))
    return out


DRIVER_COLUMNS = ["aspect", "label", "neg_docs", "pos_docs", "share_of_negatives", "share_of_positives", "ratio",
                  "neg_low", "neg_high", "aspect_negative", "n_negative", "n_positive"]


def negative_drivers(corpus: "Corpus", filters: Filters | None = None) -> "pd.DataFrame":
    """Which aspects drive negative reviews: share of negative vs positive documents mentioning each aspect.

    ratio = share_of_negatives / share_of_positives with add-0.5 smoothing (finite when an aspect never
    appears in positive reviews); aspect_negative counts documents where the aspect itself is judged
    negative. Sorted by share of negatives.
    """
    import pandas as pd

    filters = filters or Filters()
    base = set(eligible_documents(corpus, "aspect", None, filters)["doc_id"])  # dated or not
    sent = pd.read_sql_query("SELECT doc_id, label FROM doc_sentiment", corpus.conn)
    sent = sent[sent["doc_id"].isin(base)]
    neg = set(sent.loc[sent["label"] == "negative", "doc_id"])
    pos = set(sent.loc[sent["label"] == "positive", "doc_id"])
    if not neg and not pos:  # no document sentiment (yet): no driver can be told apart
        out = pd.DataFrame(columns=DRIVER_COLUMNS)
        out.attrs.update(n_negative=0, n_positive=0)
        return out
    items = doc_items(corpus, "aspect")
    items = items[items["doc_id"].isin(base)]
    polar = pd.read_sql_query("SELECT doc_id, aspect_id AS item, polarity FROM doc_aspects", corpus.conn)
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
    out.attrs.update(n_negative=len(neg), n_positive=len(pos))
    return out


# ---- entities, figures, themes, topics ------------------------------------------------------------
def entity_table(corpus: "Corpus", type: str | None = None, by: str | None = None, top: int = 20,
                 filters: Filters | None = None) -> "pd.DataFrame":
    """Most cited entities: documents and mentions per entity (and type), overall or per period.

    Columns: [period,] entity, type, docs, mentions, first_year, last_year.
    """
    import pandas as pd

    filters = filters or Filters()
    etype = type or filters.type
    docs = eligible_documents(corpus, None, by, filters, exclude=("type",))
    base = docs[["doc_id", "year", "period"]]
    sql = "SELECT doc_id, entity, type FROM mentions" + (" WHERE type = ?" if etype else "")
    m = pd.read_sql_query(sql, corpus.conn, params=[etype] if etype else [])
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
    out.attrs.update(by=by, type=etype, undated=docs.attrs["undated"])
    return out


FIGURE_COLUMNS = ["doc_id", "year", "value", "about", "source", "sentence", "date", "number", "unit"]


def figures_table(corpus: "Corpus", about: str | None = None, filters: Filters | None = None) -> "pd.DataFrame":
    """Figures stated in the texts; `about` keeps those whose subject or sentence has all these words
    (accent- and case-insensitive, any inflection sharing the word's start)."""
    import pandas as pd

    from textlens.analysis.segment import fold

    filters = filters or Filters()
    where, params = filters.where_sql()
    df = pd.read_sql_query(
        "SELECT f.doc_id, d.year, f.value, f.about, f.source, f.sentence, d.date, f.number, f.unit"
        f" FROM figures f JOIN documents d ON d.id = f.doc_id WHERE {where} ORDER BY d.year, f.doc_id, f.id",
        corpus.conn, params=params)
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


def theme_table(corpus: "Corpus", dimension: str = "theme", filters: Filters | None = None) -> "pd.DataFrame":
    """Each theme (or aspect) of the taxonomy: documents carrying it, share with interval, best passage."""
    import pandas as pd

    filters = filters or Filters()
    keep = set(eligible_documents(corpus, dimension, None, filters)["doc_id"])
    total = len(keep)
    items = doc_items(corpus, dimension)
    items = items[items["doc_id"].isin(keep)]
    ph = passage_items(corpus, dimension)
    ph = ph[ph["doc_id"].isin(keep)]
    ranked = ph.sort_values(["score", "doc_id"], ascending=[False, True]).drop_duplicates(["item", "doc_id"])
    top3 = ranked.groupby("item", sort=False).head(3)  # best passages, from different documents
    best = top3.drop_duplicates("item").set_index("item")
    texts = _passage_texts(corpus, top3["passage_id"].tolist()) if len(top3) else {}
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
    out.attrs.update(dimension=dimension, total=total)
    return out.reset_index(drop=True)


TOPIC_COLUMNS = ["id", "label", "terms", "size", "docs", "theme_id", "theme_score", "representatives"]


def topic_table(corpus: "Corpus", filters: Filters | None = None, include_outliers: bool = False
                ) -> "pd.DataFrame":
    """Discovered topics with their terms, size, mapped theme and representative passages;
    `attrs["quality"]` holds the run's topic quality metrics (corpus_stats "topics"). The outlier
    pseudo-topic (-1) is left out unless asked for (its share is in the quality metrics)."""
    import pandas as pd

    filters = filters or Filters()
    df = pd.read_sql_query("SELECT id, label, terms, size, theme_id, theme_score, representatives FROM topics"
                           f"{'' if include_outliers else ' WHERE id >= 0'} ORDER BY size DESC, id", corpus.conn)
    where, params = filters.where_sql()
    docs = dict(corpus.conn.execute(
        f"SELECT dt.topic_id, COUNT(DISTINCT dt.doc_id) FROM doc_topics dt JOIN documents d ON d.id = dt.doc_id"
        f" WHERE {where} GROUP BY dt.topic_id", params).fetchall())
    df["docs"] = df["id"].map(lambda i: int(docs.get(i, 0)))
    for col in ("terms", "representatives"):
        df[col] = df[col].map(_json_list)
    df.attrs["quality"] = corpus.stat("topics", {}) or {}
    if filters.limit:
        df = df.head(filters.limit)
    return df[TOPIC_COLUMNS].reset_index(drop=True)


def _json_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    try:
        out = json.loads(value) if value else []
    except (TypeError, ValueError):
        return [value]
    return out if isinstance(out, list) else [out]
