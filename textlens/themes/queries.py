"""Read-only queries on stored themes for the CLI and reports (no model is loaded here).

    theme_table(corpus)                       # one row per theme: documents, share, mean score
    theme_table(corpus, by="year")            # the same per year
    theme_evidence(corpus, "offshoring", 5)   # best passages carrying a theme, with document and year
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

BY = ("year", "kind")


def known_themes(corpus: "Corpus", taxonomy: str | None = None) -> list[str]:
    sql = "SELECT DISTINCT theme_id FROM doc_themes" + (" WHERE taxonomy=?" if taxonomy else "") + " ORDER BY 1"
    return [r[0] for r in corpus.conn.execute(sql, (taxonomy,) if taxonomy else ())]


def theme_table(corpus: "Corpus", taxonomy: str | None = None, by: str | None = None,
                kind: str | None = None) -> "pd.DataFrame":
    """Documents carrying each theme (count, share of the documents of the group, mean score).

    `taxonomy`: "editorial", "aspects" or a user taxonomy name (None: all); `by`: "year" or "kind";
    `kind`: restrict to one document kind. Shares are over French documents analysed for themes.
    """
    import pandas as pd

    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {BY}, got {by!r}")
    where, params = ["d.language IS NULL OR d.language = 'fr'"], []
    if kind:
        where.append("d.kind = ?")
        params.append(kind)
    group = f"d.{by}" if by else "'all'"
    cond = " AND ".join(f"({w})" for w in where)
    totals = pd.read_sql_query(
        f"SELECT {group} AS grp, COUNT(*) AS documents FROM documents d"
        f" JOIN analysis_state s ON s.doc_id = d.id AND s.analyzer = 'themes' WHERE {cond} GROUP BY grp",
        corpus.conn, params=params)
    tax_cond = " AND t.taxonomy = ?" if taxonomy else ""
    counts = pd.read_sql_query(
        f"SELECT {group} AS grp, t.taxonomy, t.theme_id, COUNT(*) AS count, AVG(t.score) AS mean_score"
        f" FROM doc_themes t JOIN documents d ON d.id = t.doc_id WHERE {cond}{tax_cond}"
        " GROUP BY grp, t.taxonomy, t.theme_id", corpus.conn, params=params + ([taxonomy] if taxonomy else []))
    out = counts.merge(totals, on="grp", how="left")
    out["share"] = (out["count"] / out["documents"]).round(4)
    out["mean_score"] = out["mean_score"].round(4)
    out = out.rename(columns={"grp": by or "group"})
    if not by:
        out = out.drop(columns=["group"])
    return out.sort_values([c for c in (by, "count") if c], ascending=[True] * bool(by) + [False]).reset_index(
        drop=True)


def theme_evidence(corpus: "Corpus", theme_id: str, limit: int = 10, taxonomy: str | None = None,
                   year: int | None = None) -> "pd.DataFrame":
    """The passages that carry `theme_id`, best first: the evidence behind every theme count."""
    import pandas as pd

    params: list[object] = [theme_id]
    extra = ""
    if taxonomy:
        extra += " AND pt.taxonomy = ?"
        params.append(taxonomy)
    if year is not None:
        extra += " AND d.year = ?"
        params.append(year)
    params.append(limit)
    return pd.read_sql_query(
        "SELECT pt.doc_id, d.year, d.kind, pt.theme_id, pt.taxonomy, pt.score, p.text AS passage"
        " FROM passage_themes pt JOIN passages p ON p.id = pt.passage_id JOIN documents d ON d.id = pt.doc_id"
        f" WHERE pt.theme_id = ?{extra} ORDER BY pt.score DESC, pt.doc_id LIMIT ?", corpus.conn, params=params)
