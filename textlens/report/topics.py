"""The report's topics section: discovered topics with their terms, representative passages, prevalence
heatmap and quality figures."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textlens.report.builders import MAX_HEATMAP_ROWS, flat_scalars, heatmap, prevalence_table
from textlens.report.context import ReportContext, as_int, as_str
from textlens.report.model import Section, Table
from textlens.store import evidence as store_evidence

if TYPE_CHECKING:
    pass



# topic quality figures shown next to the topics (the method section lists every stored figure)
TOPIC_QUALITY_KEYS = ("n_topics", "units", "npmi", "coherence", "diversity", "outlier_share", "agreement_ari",
                      "agreement_nmi", "encoder", "method")


def topics_section(ctx: ReportContext) -> Section:
    import pandas as pd

    from textlens import trends

    sec = Section("topics", ctx.t("report.topics.title"), ctx.t("report.topics.intro"))
    if not ctx.has_rows("topics"):
        sec.empty = ctx.t("report.topics.empty")
        return sec
    from textlens.query import theme_labels

    topics_result = trends.topic_table(ctx.corpus, filters=ctx.filters)
    topics = topics_result.table
    theme_names = {**theme_labels(ctx.corpus, "aspect"), **theme_labels(ctx.corpus, "theme")}
    labels = {str(r.id): str(r.label) for r in topics.itertuples()}
    rows, cards = [], []
    for r in topics.itertuples():
        terms = [_term_name(t) for t in (r.terms if isinstance(r.terms, list) else [r.terms])]
        reps = _representatives(ctx, r.representatives)
        ev = ctx.add_evidence(("topic_rep", r.id), ctx.t("report.topics.evidence", id=r.id, label=r.label), reps)
        rows.append({"topic": int(r.id), "label": r.label, "size": int(r.size), "docs": int(r.docs),
                     "theme": r.theme_id, "top_terms": ", ".join(terms[:10]), "evidence_id": ev})
        theme = r.theme_id if isinstance(r.theme_id, str) and r.theme_id else None
        cards.append({"id": int(r.id), "label": r.label, "size": int(r.size), "docs": int(r.docs),
                      "theme": theme_names.get(theme, theme) if theme else None, "terms": terms[:10],
                      "evidence_id": ev})
    sec.tables.append(Table("topics", ctx.t("report.topics.table"), pd.DataFrame(rows), ctx.t("report.topics.desc"),
                            evidence_col="evidence_id", formats={"size": "int", "docs": "int"}))
    sec.extra["cards"] = cards
    prev = trends.prevalence(ctx.corpus, "topic", by=ctx.period("topic"), filters=ctx.filters).table
    if not prev.empty:
        order = (prev.groupby("item")["n"].sum().sort_values(ascending=False).index.tolist())[:MAX_HEATMAP_ROWS]
        sec.charts.append(heatmap(ctx, "chart_topic_prevalence", ctx.t("report.topics.chart"), "topic", prev,
                                   order, {k: f"{k}: {v}" for k, v in labels.items()}))
        sec.tables.append(prevalence_table(ctx, "topic_prevalence", ctx.t("report.topics.prevalence"), prev))
    quality = topics_result.quality
    if isinstance(quality, dict) and quality:
        flat = flat_scalars(quality)
        sec.extra["quality"] = {k: v for k, v in flat.items() if k.rsplit(".", 1)[-1] in TOPIC_QUALITY_KEYS}
    return sec


def _term_name(term: Any) -> str:
    """A topic term as stored: "word", ["word", weight] or {"term": "word", ...}."""
    if isinstance(term, (list, tuple)) and term:
        return str(term[0])
    if isinstance(term, dict):
        return str(term.get("term") or term.get("word") or term.get("text") or "")
    return str(term)


def _representatives(ctx: ReportContext, value: Any) -> list[dict[str, Any]]:
    """Representative passages of a topic, whether stored as passage ids, texts or records."""
    items = value if isinstance(value, list) else [] if value is None else [value]
    ids = [int(i) for i in items if isinstance(i, int) or (isinstance(i, str) and i.isdigit())]
    out: list[dict[str, Any]] = []
    if ids:
        found = store_evidence.passages_with_dates(ctx.corpus, ids)
        for i in ids:
            r = found.get(i)
            if r is not None:
                out.append({"doc_id": r["doc_id"], "date": r["date"] or as_str(r["year"]), "passage_id": i,
                            "passage": r["text"]})
    for i in items:
        if isinstance(i, dict):
            out.append({"doc_id": i.get("doc_id"), "date": as_str(i.get("date") or i.get("year")),
                        "passage_id": as_int(i.get("passage_id") or i.get("id")),
                        "passage": i.get("passage") or i.get("text") or ""})
        elif isinstance(i, str) and not i.isdigit():
            out.append({"doc_id": None, "date": None, "passage_id": None, "passage": i})
    return out
