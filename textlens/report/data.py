"""Assemble a report from the store: every number comes from textlens.trends / textlens.query.

Each section shows whatever analyses the store holds; a missing analysis gives a section that says
which one to run instead of a broken chart. Every chart point and table row that counts documents
gets an evidence id pointing to the passages behind it.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textlens import i18n
from textlens.errors import InputError
from textlens.report.context import Options, ReportContext, as_int, as_str
from textlens.report.model import Chart, ReportData, Section, Series, Table
from textlens.report.words import date_text, filters_text, period_name, period_text, type_name

if TYPE_CHECKING:
    import pandas as pd

    from textlens.query import Filters
    from textlens.store import Corpus

SENTIMENT_ORDER = ("negative", "mixed", "neutral", "positive")
# leaderboards: the actors of the field first, places last
TYPE_ORDER = ("VENDOR", "COMPANY", "RESEARCH_FIRM", "STUDY", "INSTITUTION", "LABEL", "MEDIA", "PERSON", "LOCATION")
# Facet and heatmap sizes keep the page readable; the XLSX/JSON tables hold every row.
MAX_FACETS = 12
MAX_HEATMAP_ROWS = 20
MAX_SKIPPED_SHOWN = 200
# topic quality figures shown next to the topics (the method section lists every stored figure)
TOPIC_QUALITY_KEYS = ("n_topics", "units", "npmi", "coherence", "diversity", "outlier_share", "agreement_ari",
                      "agreement_nmi", "encoder", "method")


def _records_of(df: "pd.DataFrame", col: str) -> list[Any]:
    return [None if (isinstance(v, float) and v != v) else v for v in df[col].tolist()]


# ---- sections ---------------------------------------------------------------------------------------
def _new_section(ctx: ReportContext, sid: str, needs: str, analysis: str) -> Section:
    """A section (words report.<sid>.title/intro) that says which analysis to run when the table it needs is empty."""
    sec = Section(sid, ctx.t(f"report.{sid}.title"), ctx.t(f"report.{sid}.intro"))
    if not ctx.has_rows(needs):
        sec.empty = ctx.t("report.empty.no_analysis", what=ctx.t(f"report.analysis.{analysis}"), analysis=analysis)
    return sec


def _overview(ctx: ReportContext) -> Section:
    import pandas as pd

    from textlens.info import corpus_info

    conn = ctx.corpus.conn
    where, params = ctx.filters.where_sql(alias="d")
    sec = Section("overview", ctx.t("report.overview.title"), ctx.t("report.overview.intro"))
    by_year_kind = pd.read_sql_query(
        f"SELECT d.year AS year, d.kind AS kind, COUNT(*) AS n FROM documents d WHERE {where}"
        " GROUP BY d.year, d.kind ORDER BY d.year, d.kind", conn, params=params)
    if by_year_kind.empty:
        sec.empty = (ctx.t("report.overview.no_match", filters=filters_text(ctx.filters.active(), ctx.lang))
                     if ctx.filters.active()
                     else ctx.t("report.overview.no_documents"))
        return sec
    by_year_kind["year"] = by_year_kind["year"].map(lambda y: "undated" if pd.isna(y) else str(int(y)))
    pivot = by_year_kind.pivot_table(index="year", columns="kind", values="n", aggfunc="sum", fill_value=0)
    pivot["total"] = pivot.sum(axis=1)
    pivot = pivot.reset_index()
    pivot["_order"] = pivot["year"].map(lambda y: 99999 if y == "undated" else int(y))
    pivot = pivot.sort_values("_order").drop(columns="_order")
    pivot.columns.name = None
    sec.tables.append(Table("documents_per_year", ctx.t("report.overview.per_year"), pivot,
                            ctx.t("report.overview.per_year_desc"),
                            formats={c: "int" for c in pivot.columns if c != "year"}))
    kinds = [c for c in pivot.columns if c not in ("year", "total")]
    years_shown = [period_text(y, ctx.lang) for y in pivot["year"]]
    sec.charts.append(Chart(
        "chart_documents", ctx.t("report.overview.chart"), "stacked",
        [Series(ctx.t(f"report.kinds.{k}"), years_shown, pivot[k].astype(int).tolist(),
                ev=[_document_evidence(ctx, y, k) if n else None for y, n in zip(pivot["year"], pivot[k])],
                hover=[ctx.t("report.overview.hover", period=y, n=ctx.num(n), kind=ctx.t(f"report.kind.{k}"),
                             kinds=ctx.t(f"report.kinds.{k}")) for y, n in zip(years_shown, pivot[k])],
                color_key=k) for k in kinds],
        x_title=ctx.t("report.by.year"), y_title=ctx.t("report.word.documents"),
        note=ctx.t("report.overview.chart_note")))
    sources = _sources(ctx, where, params)
    sec.tables.append(Table("sources", ctx.t("report.overview.sources"), sources,
                            ctx.t("report.overview.sources_desc"),
                            formats={"files": "int", "documents": "int"}, max_rows_html=50))
    langs = pd.read_sql_query(
        f"SELECT COALESCE(d.language, 'unknown') AS language, COUNT(*) AS documents FROM documents d"
        f" WHERE {where} GROUP BY 1 ORDER BY documents DESC", conn, params=params)
    sec.tables.append(Table("languages", ctx.t("report.overview.languages"), langs,
                            ctx.t("report.overview.languages_desc"), formats={"documents": "int"}, compact=True))
    dating = pd.read_sql_query(
        f"SELECT COALESCE(d.year_source, 'none') AS dated_by, COUNT(*) AS documents FROM documents d"
        f" WHERE {where} GROUP BY 1 ORDER BY documents DESC", conn, params=params)
    sec.tables.append(Table("dating", ctx.t("report.overview.dating"), dating, ctx.t("report.overview.dating_desc"),
                            formats={"documents": "int"}, compact=True))
    info = corpus_info(ctx.corpus.path, list_skipped=True)
    skipped = pd.DataFrame(info.get("skipped_inputs", []), columns=["source", "row", "reason"])
    sec.tables.append(Table("skipped_inputs", ctx.t("report.overview.skipped"), skipped,
                            ctx.t("report.overview.skipped_desc"),
                            formats={"row": "int"}, max_rows_html=MAX_SKIPPED_SHOWN, compact=len(skipped) <= 8))
    n_docs = int(pivot["total"].sum())
    non_fr = int(langs.loc[~langs["language"].isin(["fr"]), "documents"].sum())
    undated = int(pivot.loc[pivot["year"] == "undated", "total"].sum())
    sec.extra["counts"] = {"documents": n_docs, "duplicates": info.get("duplicates", 0), "non_french": non_fr,
                           "undated": undated, "skipped": int(info.get("skipped", 0)),
                           "sources": int(sources["files"].sum())}
    if info.get("skipped"):
        ctx.warnings.append(ctx.t("report.warn.skipped", n=ctx.num(info["skipped"])))
    if undated:
        ctx.warnings.append(ctx.t("report.warn.undated", n=ctx.num(undated)))
    if non_fr:
        ctx.warnings.append(ctx.t("report.warn.non_french", n=ctx.num(non_fr)))
    if info.get("duplicates"):
        ctx.warnings.append(ctx.t("report.warn.duplicates", n=ctx.num(info["duplicates"])))
    return sec


def _document_evidence(ctx: ReportContext, year: str, kind: str) -> int | None:
    """Examples of the documents counted in one bar of the corpus chart: title and first passage."""
    where, params = replace(ctx.filters, kind=kind).where_sql(alias="d")
    year_sql, year_params = ("d.year IS NULL", []) if year == "undated" else ("d.year = ?", [int(year)])
    rows = [dict(r) for r in ctx.corpus.conn.execute(
        "SELECT d.id AS doc_id, d.date, d.year, (SELECT p.id FROM passages p WHERE p.doc_id = d.id ORDER BY p.idx"
        " LIMIT 1) AS passage_id, (SELECT p.text FROM passages p WHERE p.doc_id = d.id ORDER BY p.idx LIMIT 1)"
        f" AS passage FROM documents d WHERE {where} AND {year_sql} ORDER BY d.date, d.id LIMIT ?",
        [*params, *year_params, ctx.options.evidence_limit])]
    for r in rows:
        r["date"] = r["date"] or as_str(r["year"])
    return ctx.add_evidence(("documents", year, kind), ctx.t(
        "report.overview.evidence", kind=ctx.t(f"report.kind.{kind}"), kinds=ctx.t(f"report.kinds.{kind}"),
        period=period_text(year, ctx.lang)), rows)


def _sources(ctx: ReportContext, where: str, params: list) -> "pd.DataFrame":
    """Documents per source: a table file on its own, whole-file documents grouped by their folder."""
    import pandas as pd

    df = pd.read_sql_query(
        f"SELECT d.source, d.row, d.kind, d.year FROM documents d WHERE {where}", ctx.corpus.conn, params=params)
    cols = ["source", "kind", "files", "documents", "first_year", "last_year"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    is_file = df["row"].isna()
    df["group"] = df["source"].where(~is_file, df["source"].map(lambda s: str(Path(s).parent) + "/"))
    out = df.groupby(["group", "kind"]).agg(files=("source", "nunique"), documents=("source", "size"),
                                            first_year=("year", "min"), last_year=("year", "max")).reset_index()
    out = out.rename(columns={"group": "source"}).sort_values(["documents", "source"], ascending=[False, True])
    return out[cols].reset_index(drop=True)


def _prevalence_facets(ctx: ReportContext, chart_id: str, title: str, dimension: str, prev: "pd.DataFrame",
                       labels: dict[str, str], order: list[str]) -> Chart:
    series = []
    for item in order[:MAX_FACETS]:
        rows = prev[prev["item"] == item].sort_values("period")
        label = labels.get(item, item)
        ev = [ctx.trend_evidence(dimension, item, label, p) if n > 0 else None
              for p, n in zip(rows["period"], rows["n"])]
        hover = [ctx.t("report.trend.hover", label=label, period=period_text(p, ctx.lang), n=ctx.num(n),
                       total=ctx.num(t), share=ctx.pct(s), low=ctx.pct(lo), high=ctx.pct(hi))
                 + (ctx.t("report.trend.hover_sparse") if sp else "")
                 for p, n, t, s, lo, hi, sp in zip(rows["period"], rows["n"], rows["total"], rows["share"],
                                                   rows["ci_low"], rows["ci_high"], rows["sparse"])]
        series.append(Series(label, [period_text(p, ctx.lang) for p in rows["period"]], _records_of(rows, "share"),
                             _records_of(rows, "ci_low"), _records_of(rows, "ci_high"), ev,
                             [bool(s) for s in rows["sparse"]], hover))
    note = ctx.t("report.trend.note")
    if len(order) > MAX_FACETS:
        note += " " + ctx.t("report.trend.note_more", shown=MAX_FACETS, total=len(order))
    return Chart(chart_id, title, "facets", series, x_title=period_name(ctx.period(dimension), ctx.lang),
                 y_title=ctx.t("report.word.share_of_documents"), percent=True, note=note)


def _summary_table(ctx: ReportContext, name: str, title: str, dimension: str, summary: "pd.DataFrame",
                   labels: dict[str, str]) -> Table:
    df = summary.copy()
    df["evidence_id"] = [ctx.trend_evidence(dimension, i, labels.get(i, i)) for i in df["item"]]
    return Table(name, title, df, ctx.t("report.trend.summary_desc"), evidence_col="evidence_id",
                 html_columns=["label", "n", "first_period", "peak_period", "peak_share", "last_period", "direction",
                               "flag", "mk_p"],
                 formats={"n": "int", "peak_share": "pct", "mk_tau": "float", "mk_p": "p", "slope": "float"})


def _themes(ctx: ReportContext) -> Section:
    from textlens import trends
    from textlens.query import theme_labels

    sec = Section("themes", ctx.t("report.themes.title"), ctx.t("report.themes.intro"))
    has_themes = ctx.has_rows("doc_themes", "taxonomy != 'aspects'")
    has_aspects = ctx.has_rows("doc_aspects") or ctx.has_rows("doc_themes", "taxonomy = 'aspects'")
    if has_themes:
        prev = trends.prevalence(ctx.corpus, "theme", by=ctx.period("theme"), filters=ctx.filters)
        if not prev.empty:
            labels = theme_labels(ctx.corpus, "theme")
            summary = trends.trend_summary(prev)
            order = summary.sort_values("n", ascending=False)["item"].tolist()
            sec.charts.append(_prevalence_facets(ctx, "chart_theme_prevalence", ctx.t("report.themes.chart"),
                                                 "theme", prev, labels, order))
            sec.tables.append(_summary_table(ctx, "theme_trends", ctx.t("report.themes.trends"), "theme", summary,
                                             labels))
            sec.tables.append(_prevalence_table(ctx, "theme_prevalence", ctx.t("report.themes.prevalence"), prev))
            moving = summary[summary["flag"].isin(["emerging", "declining"])]
            sec.extra["flags"] = [{"label": labels.get(r.item, r.item), "flag": r.flag,
                                   "peak": period_text(r.peak_period, ctx.lang),
                                   "p": r.mk_p} for r in moving.itertuples()]
            _note_sparse(ctx, prev)
    if has_aspects:
        prev = trends.prevalence(ctx.corpus, "aspect", by=ctx.period("aspect"), filters=ctx.filters)
        if not prev.empty:
            labels = theme_labels(ctx.corpus, "aspect")
            summary = trends.trend_summary(prev)
            order = summary.sort_values("n", ascending=False)["item"].tolist()
            sec.charts.append(_prevalence_facets(ctx, "chart_aspect_prevalence", ctx.t("report.aspects.chart"),
                                                 "aspect", prev, labels, order))
            sec.tables.append(_summary_table(ctx, "aspect_trends", ctx.t("report.aspects.trends"), "aspect", summary,
                                             labels))
            sec.tables.append(_prevalence_table(ctx, "aspect_prevalence", ctx.t("report.aspects.prevalence"), prev))
    if ctx.has_rows("passages"):
        terms = trends.specific_terms(ctx.corpus, by=ctx.period(None), top=12, filters=ctx.filters)
        if not terms.empty:
            compact = (terms.sort_values(["period", "llr"], ascending=[True, False]).groupby("period", sort=True)
                       ["term"].apply(lambda s: ", ".join(str(t) for t in s)).reset_index(name="terms"))
            compact["period"] = [period_text(p, ctx.lang) for p in compact["period"]]
            sec.extra["specific_terms"] = compact.to_dict("records")
            sec.tables.append(Table("specific_terms", ctx.t("report.terms.title"), terms, ctx.t("report.terms.desc"),
                                    formats={"llr": "float", "count": "int", "expected": "float"},
                                    max_rows_html=0))
    if not sec.charts and not sec.tables:
        sec.empty = (ctx.t("report.themes.none_dated") if has_themes or has_aspects else
                     ctx.t("report.empty.no_analysis", what=ctx.t("report.analysis.themes"), analysis="themes"))
    return sec


def _prevalence_table(ctx: ReportContext, name: str, title: str, prev: "pd.DataFrame") -> Table:
    return Table(name, title, prev, ctx.t("report.prevalence.desc"),
                 formats={"n": "int", "total": "int", "share": "pct", "ci_low": "pct", "ci_high": "pct"},
                 max_rows_html=0)


def _note_sparse(ctx: ReportContext, prev: "pd.DataFrame") -> None:
    sparse = sorted({str(p) for p in prev.loc[prev["sparse"].astype(bool), "period"]})
    if sparse:
        ctx.warnings.append(ctx.t("report.warn.sparse", periods=", ".join(period_text(p, ctx.lang) for p in sparse)))


def _topics(ctx: ReportContext) -> Section:
    import pandas as pd

    from textlens import trends

    sec = Section("topics", ctx.t("report.topics.title"), ctx.t("report.topics.intro"))
    if not ctx.has_rows("topics"):
        sec.empty = ctx.t("report.topics.empty")
        return sec
    from textlens.query import theme_labels

    topics = trends.topic_table(ctx.corpus, filters=ctx.filters)
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
    prev = trends.prevalence(ctx.corpus, "topic", by=ctx.period("topic"), filters=ctx.filters)
    if not prev.empty:
        order = (prev.groupby("item")["n"].sum().sort_values(ascending=False).index.tolist())[:MAX_HEATMAP_ROWS]
        sec.charts.append(_heatmap(ctx, "chart_topic_prevalence", ctx.t("report.topics.chart"), "topic", prev,
                                   order, {k: f"{k}: {v}" for k, v in labels.items()}))
        sec.tables.append(_prevalence_table(ctx, "topic_prevalence", ctx.t("report.topics.prevalence"), prev))
    quality = topics.attrs.get("quality")
    if isinstance(quality, dict) and quality:
        flat = _flat_scalars(quality)
        sec.extra["quality"] = {k: v for k, v in flat.items() if k.rsplit(".", 1)[-1] in TOPIC_QUALITY_KEYS}
    return sec


def _heatmap(ctx: ReportContext, chart_id: str, title: str, dimension: str, prev: "pd.DataFrame", order: list[str],
             labels: dict[str, str], counts: bool = False) -> Chart:
    """Items x periods; cells hold the share of documents (or their number with `counts`)."""
    periods = sorted({str(p) for p in prev["period"]})
    shown = {p: period_text(p, ctx.lang) for p in periods}
    z, ev2d, hover2d = [], [], []
    for item in order:
        rows = prev[prev["item"] == item]
        by_period = {str(r.period): r for r in rows.itertuples()}
        zr, er, hr = [], [], []
        label = labels.get(item, item)
        for p in periods:
            r = by_period.get(p)
            if r is None or not r.n:
                zr.append(0 if r is not None else None)
                er.append(None)
                hr.append(ctx.t("report.heatmap.hover_none", label=label, period=shown[p]))
                continue
            zr.append(int(r.n) if counts else float(r.share))
            er.append(ctx.trend_evidence(dimension, item, label, r.period))
            hr.append(ctx.t("report.heatmap.hover", label=label, period=shown[p], n=ctx.num(r.n),
                            total=ctx.num(r.total), share=ctx.pct(float(r.share))))
        z.append(zr)
        ev2d.append(er)
        hover2d.append(hr)
    return Chart(chart_id, title, "heatmap", x=[shown[p] for p in periods], y=[labels.get(i, i) for i in order],
                 z=z, ev2d=ev2d, hover2d=hover2d, x_title=period_name(ctx.period(dimension), ctx.lang),
                 percent=not counts, note=ctx.t("report.heatmap.note"),
                 height=max(260, 60 + 26 * len(order)))


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
        found = {r["id"]: r for r in ctx.corpus.select_in(
            "SELECT p.id, p.doc_id, p.text, d.date, d.year FROM passages p JOIN documents d ON d.id = p.doc_id"
            " WHERE p.id IN ({marks})", ids)}
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


def _entities(ctx: ReportContext) -> Section:
    from textlens import trends

    sec = _new_section(ctx, "entities", "mentions", "entities")
    if sec.empty:
        return sec
    overall = trends.entity_table(ctx.corpus, type=None, by=None, top=100000, filters=ctx.filters)
    if overall.empty:
        sec.empty = ctx.t("report.entities.none_selected")
        return sec
    boards = []
    present = overall.groupby("type")["docs"].sum().sort_values(ascending=False).index.tolist()
    types = [t for t in TYPE_ORDER if t in present] + [t for t in present if t not in TYPE_ORDER]
    for etype in types:
        top = overall[overall["type"] == etype].sort_values(["docs", "mentions"], ascending=False)
        top = top.head(ctx.options.top_entities)
        ev = [ctx.trend_evidence("entity", e, f"{e} ({type_name(etype, ctx.lang)})") for e in top["entity"]]
        boards.append(Chart(f"chart_entities_{len(boards)}", type_name(etype, ctx.lang, plural=True), "hbar",
                            [Series(ctx.t("report.word.documents"), top["entity"].tolist(),
                                    top["docs"].astype(int).tolist(), ev=ev,
                                    hover=[ctx.t("report.entities.hover", entity=e, docs=ctx.num(d),
                                                 mentions=ctx.num(m))
                                           for e, d, m in zip(top["entity"], top["docs"], top["mentions"])])],
                            x_title=ctx.t("report.word.documents"), height=70 + 26 * len(top)))
    sec.extra["boards"] = boards
    ranked = overall.sort_values(["docs", "mentions"], ascending=False).copy()
    top_names = ranked["entity"].head(MAX_HEATMAP_ROWS).tolist()
    # passages for the leaderboards and the timeline's entities (one store scan each); the XLSX/JSON
    # tables list every entity
    shown = set(top_names) | {e for b in boards for e in b.series[0].x}
    ranked["evidence_id"] = [ctx.trend_evidence("entity", e, f"{e} ({type_name(t, ctx.lang)})") if e in shown
                             else None
                             for e, t in zip(ranked["entity"], ranked["type"])]
    sec.tables.append(Table("entities", ctx.t("report.entities.table"), ranked, ctx.t("report.entities.desc"),
                            evidence_col="evidence_id", formats={"docs": "int", "mentions": "int"},
                            max_rows_html=100))
    prev = trends.prevalence(ctx.corpus, "entity", by=ctx.period("entity"), filters=ctx.filters, items=top_names)
    if not prev.empty:
        order = [e for e in top_names if e in set(prev["item"])]
        sec.charts.append(_heatmap(ctx, "chart_entity_timeline", ctx.t("report.entities.timeline"),
                                   "entity", prev, order, {}, counts=True))
        by_period = trends.entity_table(ctx.corpus, type=None, by=ctx.period("entity"), top=ctx.options.top_entities,
                                        filters=ctx.filters)
        sec.tables.append(Table("entities_per_period", ctx.t("report.entities.per_period"), by_period,
                                formats={"docs": "int", "mentions": "int"}, max_rows_html=0))
    if ctx.has_rows("doc_themes", "taxonomy != 'aspects'"):
        assoc = trends.associations(ctx.corpus, dimension="theme", other="entity", filters=ctx.filters, top=30)
        if not assoc.empty:
            from textlens.query import theme_labels

            labels = theme_labels(ctx.corpus, "theme")
            assoc = assoc.copy()
            assoc.insert(1, "label", [labels.get(i, i) for i in assoc["item"]])
            assoc["evidence_id"] = _pair_evidence(ctx, assoc, labels)
            sec.charts.append(_association_heatmap(ctx, assoc))
            sec.tables.append(Table("theme_entity", ctx.t("report.assoc.title"), assoc, ctx.t("report.assoc.desc"),
                                    evidence_col="evidence_id",
                                    html_columns=["label", "other", "other_type", "n", "lift"],
                                    formats={"n": "int", "lift": "float", "pmi": "float"}))
    return sec


def _pair_evidence(ctx: ReportContext, assoc: "pd.DataFrame", labels: dict[str, str]) -> list[int | None]:
    """Passages of each (theme, entity) pair: the theme's passages in documents that name the entity
    (one evidence query per theme rather than per pair)."""
    by = ctx.period("theme")
    index = ctx.evidence_index("theme", ctx.filters, by)
    names = sorted(set(assoc["other"]))
    docs_of: dict[str, set[str]] = {n: set() for n in names}
    for entity, doc_id in ctx.corpus.select_in(
            "SELECT DISTINCT entity, doc_id FROM mentions WHERE entity IN ({marks})", names):
        docs_of[entity].add(doc_id)
    out: dict[tuple[str, str], int | None] = {}
    for theme, pairs in assoc.groupby("item", sort=False):
        full = index.evidence(theme, limit=None)
        for other in pairs["other"]:
            rows = full[full["doc_id"].isin(docs_of[other])].head(ctx.options.evidence_limit)
            out[(theme, other)] = ctx.add_evidence(("pair", theme, other), f"{labels.get(theme, theme)} × {other}",
                                                   rows)
    return [out[(i, o)] for i, o in zip(assoc["item"], assoc["other"])]


def _association_heatmap(ctx: ReportContext, assoc: "pd.DataFrame") -> Chart:
    """Themes x entities: documents carrying both (the strongest pairs of the association table)."""
    themes = list(dict.fromkeys(assoc["label"]))
    ents = list(dict.fromkeys(assoc["other"]))[:MAX_HEATMAP_ROWS]
    cell = {(r.label, r.other): r for r in assoc.itertuples()}
    z, ev, hover = [], [], []
    for t in themes:
        row = [cell.get((t, e)) for e in ents]
        z.append([None if r is None else int(r.n) for r in row])
        ev.append([None if r is None else as_int(r.evidence_id) for r in row])
        hover.append([ctx.t("report.assoc.hover_none", theme=t, entity=e) if r is None else
                      ctx.t("report.assoc.hover", theme=t, entity=e, n=ctx.num(r.n), lift=ctx.num(r.lift, 2))
                      for e, r in zip(ents, row)])
    return Chart("chart_theme_entity", ctx.t("report.assoc.title"), "heatmap", x=ents, y=themes, z=z,
                 ev2d=ev, hover2d=hover, note=ctx.t("report.assoc.note"), height=max(240, 120 + 30 * len(themes)))


def _figures(ctx: ReportContext) -> Section:
    import pandas as pd

    from textlens import trends

    sec = Section("figures", ctx.t("report.figures.title"), ctx.t("report.figures.intro"))
    if not ctx.has_rows("figures") and not ctx.has_rows("studies"):
        sec.empty = ctx.t("report.figures.empty")
        return sec
    if ctx.has_rows("figures"):
        figs = trends.figures_table(ctx.corpus, about=None, filters=ctx.filters)
        if not figs.empty:
            sec.tables.append(Table("figures", ctx.t("report.figures.registry"), figs,
                                    ctx.t("report.figures.registry_desc"),
                                    html_columns=["year", "value", "about", "source", "sentence", "doc_id"],
                                    max_rows_html=500))
            per_year = figs.dropna(subset=["year"]).groupby("year")
            if len(per_year):
                years = [int(y) for y in per_year.groups]
                ev = [ctx.add_evidence(("figures", y), ctx.t("report.figures.evidence", year=y), [
                    {"doc_id": r.doc_id, "date": r.date, "passage": r.sentence or r.value}
                    for r in per_year.get_group(y).head(ctx.options.evidence_limit).itertuples()]) for y in years]
                sec.charts.append(Chart("chart_figures", ctx.t("report.figures.chart"), "stacked",
                                        [Series(ctx.t("report.word.figures"), [str(y) for y in years],
                                                [int(len(per_year.get_group(y))) for y in years], ev=ev,
                                                hover=[ctx.t("report.figures.hover", year=y,
                                                             n=ctx.num(len(per_year.get_group(y)))) for y in years])],
                                        x_title=ctx.t("report.by.year"), y_title=ctx.t("report.word.figures"),
                                        height=260, note=ctx.t("report.figures.chart_note")))
    if ctx.has_rows("studies"):
        where, params = ctx.filters.where_sql(alias="d")
        mentions = pd.read_sql_query(
            "SELECT s.name AS study, s.conducted_by, s.commissioned_by, s.year AS study_year, s.scope,"
            " d.year AS doc_year, s.doc_id, d.date, s.sentence FROM studies s JOIN documents d ON d.id = s.doc_id"
            f" WHERE {where} ORDER BY d.year, s.name, s.doc_id", ctx.corpus.conn, params=params)
        if not mentions.empty:
            rows = []
            keys = ["study", "conducted_by", "commissioned_by"]
            for key, g in mentions.fillna({k: "" for k in keys}).groupby(keys, sort=False):
                ev = ctx.add_evidence(("study",) + tuple(key), ctx.t("report.figures.study", name=key[0]), [
                    {"doc_id": r.doc_id, "date": r.date, "passage": r.sentence or r.study}
                    for r in g.head(ctx.options.evidence_limit).itertuples()])
                study_years = sorted({int(y) for y in g["study_year"].dropna()})
                rows.append({"study": key[0], "conducted_by": key[1] or None, "commissioned_by": key[2] or None,
                             "study_years": ", ".join(map(str, study_years)),
                             "scope": "; ".join(sorted({str(x) for x in g["scope"].dropna()})) or None,
                             "documents": int(g["doc_id"].nunique()), "first_cited": as_int(g["doc_year"].min()),
                             "last_cited": as_int(g["doc_year"].max()), "evidence_id": ev})
            studies = pd.DataFrame(rows).sort_values(["documents", "study"], ascending=[False, True])
            sec.tables.append(Table("studies", ctx.t("report.figures.studies"), studies,
                                    ctx.t("report.figures.studies_desc"), evidence_col="evidence_id",
                                    formats={"documents": "int", "first_cited": "year", "last_cited": "year"}))
            sec.tables.append(Table("study_mentions", ctx.t("report.figures.mentions"), mentions, max_rows_html=0))
    if not sec.tables:
        sec.empty = ctx.t("report.figures.none_selected")
    return sec


def _sentiment(ctx: ReportContext) -> Section:
    from textlens import trends
    from textlens.query import theme_labels

    sec = _new_section(ctx, "sentiment", "doc_sentiment", "sentiment")
    if sec.empty:
        return sec
    kinds = [ctx.filters.kind] if ctx.filters.kind else [
        r[0] for r in ctx.corpus.conn.execute(
            "SELECT d.kind, COUNT(*) FROM doc_sentiment s JOIN documents d ON d.id = s.doc_id GROUP BY d.kind"
            " ORDER BY 2 DESC")]
    frames = []
    for kind in kinds:
        f = replace(ctx.filters, kind=kind)
        by = ctx.period(None, kind)
        sot = trends.sentiment_over_time(ctx.corpus, by=by, filters=f)
        if sot.empty:
            continue
        sot = sot.copy()
        sot.insert(0, "kind", kind)
        frames.append(sot)
        series = []
        for label in SENTIMENT_ORDER:
            if label not in sot:
                continue
            shares = [(v / n if n else None) for v, n in zip(sot[label], sot["n"])]
            ev = [_sentiment_evidence(ctx, f, label, p, by) if v else None
                  for p, v in zip(sot["period"], sot[label])]
            word = ctx.t(f"report.sentiment.label.{label}")
            hover = [ctx.t("report.sentiment.hover", kinds=ctx.t(f"report.kinds.{kind}"),
                           period=period_text(p, ctx.lang), n=ctx.num(v), total=ctx.num(n), label=word)
                     for p, v, n in zip(sot["period"], sot[label], sot["n"])]
            series.append(Series(word, [period_text(p, ctx.lang) for p in sot["period"]], shares, ev=ev,
                                 hover=hover, color_key=label))
        sec.charts.append(Chart(f"chart_sentiment_{kind}", ctx.t("report.sentiment.chart", kinds=ctx.t(
            f"report.kinds.{kind}"), period=period_name(by, ctx.lang)), "stacked", series,
            x_title=period_name(by, ctx.lang), y_title=ctx.t("report.word.share_of_documents"), percent=True,
            note=ctx.t("report.sentiment.chart_note"), height=300))
    if frames:
        import pandas as pd

        sec.tables.append(Table("sentiment_over_time", ctx.t("report.sentiment.per_period"),
                                pd.concat(frames, ignore_index=True), ctx.t("report.sentiment.per_period_desc"),
                                formats={c: "pct" for c in ("neg_share", "neg_low", "neg_high", "pos_share",
                                                             "pos_low", "pos_high")} | {
                                    c: "int" for c in ("n", "negative", "positive", "neutral", "mixed")},
                                max_rows_html=0))
    for dimension in ("theme", "aspect"):
        title = ctx.t(f"report.sentiment.negative_per_{dimension}")
        labels = theme_labels(ctx.corpus, dimension)
        ids = _present_items(ctx, dimension)
        series, frames = [], []
        for item in ids[:MAX_FACETS]:
            kw = {"theme": item} if dimension == "theme" else {"aspect": item}
            sot = trends.sentiment_over_time(ctx.corpus, by=ctx.period(dimension), filters=ctx.filters, **kw)
            if sot.empty or not sot["n"].sum():
                continue
            sot = sot.copy()
            sot.insert(0, dimension, item)
            frames.append(sot)
            label = labels.get(item, item)
            neg_f = replace(ctx.filters, sentiment="negative")
            ev = [ctx.trend_evidence(dimension, item, label, p, filters=neg_f,
                                     extra=ctx.t("report.sentiment.label.negative")) if v else None
                  for p, v in zip(sot["period"], sot["negative"])]
            hover = [ctx.t("report.sentiment.hover_negative", label=label, period=period_text(p, ctx.lang),
                           n=ctx.num(v), total=ctx.num(n)) for p, v, n in
                     zip(sot["period"], sot["negative"], sot["n"])]
            series.append(Series(label, [period_text(p, ctx.lang) for p in sot["period"]],
                                 _records_of(sot, "neg_share"),
                                 _records_of(sot, "neg_low"), _records_of(sot, "neg_high"), ev,
                                 [bool(x) for x in sot["sparse"]], hover))
        if series:
            import pandas as pd

            sec.charts.append(Chart(f"chart_sentiment_{dimension}", title, "facets", series,
                                    x_title=period_name(ctx.period(dimension), ctx.lang),
                                    y_title=ctx.t("report.sentiment.negative_share"), percent=True,
                                    note=ctx.t(f"report.sentiment.negative_note_{dimension}")))
            sec.tables.append(Table(f"sentiment_per_{dimension}", ctx.t(f"report.sentiment.per_{dimension}"),
                                    pd.concat(frames, ignore_index=True),
                                    formats={c: "pct" for c in ("neg_share", "neg_low", "neg_high", "pos_share",
                                                                 "pos_low", "pos_high")},
                                    max_rows_html=0))
    drivers = trends.negative_drivers(ctx.corpus, filters=ctx.filters)
    if not drivers.empty:
        labels = theme_labels(ctx.corpus, "aspect")
        drivers = drivers.copy()
        neg_f = replace(ctx.filters, sentiment="negative")
        drivers["evidence_id"] = [ctx.trend_evidence("aspect", a, labels.get(a, a), filters=neg_f,
                                                     extra=ctx.t("report.sentiment.label.negative"))
                                  for a in drivers["aspect"]]
        sec.tables.append(Table("negative_drivers", ctx.t("report.drivers.title"), drivers,
                                ctx.t("report.drivers.desc"), evidence_col="evidence_id",
                                html_columns=["label", "neg_docs", "pos_docs", "share_of_negatives",
                                              "share_of_positives", "ratio", "aspect_negative"],
                                formats={"neg_docs": "int", "pos_docs": "int", "share_of_negatives": "pct",
                                         "share_of_positives": "pct", "ratio": "float"}))
        d = drivers.sort_values("share_of_negatives")
        sec.charts.append(Chart("chart_drivers", ctx.t("report.drivers.title"), "hbar", [
            Series(ctx.t("report.drivers.negatives"), d["label"].tolist(), _records_of(d, "share_of_negatives"),
                   ev=d["evidence_id"].tolist(), color_key="negative"),
            Series(ctx.t("report.drivers.positives"), d["label"].tolist(), _records_of(d, "share_of_positives"),
                   color_key="positive")],
            x_title=ctx.t("report.drivers.axis"), percent=True,
            height=max(220, 60 + 34 * len(d)), note=ctx.t("report.drivers.note")))
    return sec


def _present_items(ctx: ReportContext, dimension: str) -> list[str]:
    where, params = ctx.filters.where_sql(alias="d")
    if dimension == "theme":
        sql = ("SELECT t.theme_id, COUNT(*) FROM doc_themes t JOIN documents d ON d.id = t.doc_id"
               f" WHERE t.taxonomy != 'aspects' AND {where} GROUP BY t.theme_id ORDER BY 2 DESC, 1")
    else:
        sql = ("SELECT a.aspect_id, COUNT(*) FROM doc_aspects a JOIN documents d ON d.id = a.doc_id"
               f" WHERE {where} GROUP BY a.aspect_id ORDER BY 2 DESC, 1")
    return [r[0] for r in ctx.corpus.conn.execute(sql, params)]


def _sentiment_evidence(ctx: ReportContext, filters: "Filters", label: str, period: Any, by: str) -> int | None:
    """Passages of documents with this overall tone in this period, most typical passage first."""
    key = ("sentiment", label, str(period), repr(filters), by)
    if key in ctx._ev_index:
        return ctx._ev_index[key]
    where, params = replace(filters, sentiment=label).where_sql(alias="d")
    period_sql, period_params = _period_clause(by, period)
    order = "ps.score ASC" if label == "negative" else "ps.score DESC" if label == "positive" else "ABS(ps.score)"
    rows = [dict(r) for r in ctx.corpus.conn.execute(
        "SELECT p.doc_id, d.date, d.year, p.id AS passage_id, p.text AS passage, ps.score FROM passages p"
        " JOIN documents d ON d.id = p.doc_id LEFT JOIN passage_sentiment ps ON ps.passage_id = p.id"
        f" WHERE {where} AND {period_sql} AND (ps.label = ? OR ps.label IS NULL)"
        f" ORDER BY (ps.label IS NULL), {order}, p.doc_id, p.idx LIMIT 60",
        [*params, *period_params, label])]
    picked, seen = [], set()
    for r in rows:  # one passage per document, so the examples are varied
        if r["doc_id"] in seen:
            continue
        seen.add(r["doc_id"])
        r["date"] = r["date"] or as_str(r["year"])
        picked.append(r)
        if len(picked) >= ctx.options.evidence_limit:
            break
    title = ctx.t(f"report.sentiment.label.{label}") + f" — {period_text(period, ctx.lang)}"
    return ctx.add_evidence(key, title + (f" ({ctx.t(f'report.kinds.{filters.kind}')})" if filters.kind else ""),
                            picked)


def _period_clause(by: str, period: Any) -> tuple[str, list]:
    """SQL condition selecting the documents of one period, as textlens.trends defines periods."""
    from textlens.trends import period_sql

    return f"CAST({period_sql(by, 'd')} AS TEXT) = ?", [str(period)]


def _flat_scalars(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat_scalars(v, key + "."))
        elif isinstance(v, (int, float, str, bool)) or v is None:
            out[key] = v
    return out


_METRIC_LINE = re.compile(r"(accuracy|f1|precision|recall|macro|micro|coherence|npmi|diversity|outlier)", re.I)


def model_cards(root: Path | None = None) -> list[dict[str, Any]]:
    """Model cards under models/*/MODEL_CARD.md: name, title and the lines that state evaluation figures."""
    if root is None:
        from textlens.resources import models_dir

        root = models_dir()
    cards = []
    for path in sorted(root.glob("*/MODEL_CARD.md")) if root.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        title = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), path.parent.name)
        lines = [ln.strip().strip("|").strip() for ln in text.splitlines()
                 if _METRIC_LINE.search(ln) and not ln.lstrip().startswith("#") and set(ln.strip()) - set("|-: ")]
        cards.append({"model": path.parent.name, "title": title, "metrics": lines[:12]})
    return cards


def _taxonomy_table(ctx: ReportContext) -> "pd.DataFrame":
    """Label and description of every theme/aspect present in the store (built-in taxonomies)."""
    import pandas as pd

    rows = []
    present = {r[0]: r[1] for r in ctx.corpus.conn.execute(
        "SELECT theme_id, taxonomy FROM doc_themes UNION SELECT aspect_id, 'aspects' FROM doc_aspects")}
    try:
        from textlens.themes.taxonomy import load_taxonomy
    except ImportError:
        load_taxonomy = None
    known: dict[str, tuple[str, str, str]] = {}
    for name in ("editorial", "aspects"):
        if load_taxonomy is None:
            break
        try:
            tax = load_taxonomy(name)
        except Exception as exc:  # noqa: BLE001 - a broken taxonomy file is a warning here, not a failed report
            ctx.warnings.append(ctx.t("report.warn.taxonomy", name=name, error=exc))
            continue
        for t in tax.themes:
            known[t.id] = (name, t.label, t.description)
    for tid, taxonomy in sorted(present.items(), key=lambda kv: (kv[1], kv[0])):
        name, label, description = known.get(tid, (taxonomy, tid, ""))
        rows.append({"taxonomy": name, "id": tid, "label": label, "description": description})
    return pd.DataFrame(rows, columns=["taxonomy", "id", "label", "description"])


def _highlights(ctx: ReportContext, report_sections: list[Section]) -> list[str]:
    """A few plain sentences an analyst would put on top of the report, read from the tables."""
    out: list[str] = []
    tables = {t.name: t.df for s in report_sections for t in s.tables}
    trends_df = tables.get("theme_trends")
    if trends_df is not None and not trends_df.empty:
        top = trends_df.sort_values("n", ascending=False).iloc[0]
        out.append(ctx.t("report.highlight.top_theme", label=top["label"], n=ctx.num(top["n"]),
                         peak=period_text(top["peak_period"], ctx.lang)))
        for flag in ("emerging", "declining"):
            items = trends_df.loc[trends_df["flag"] == flag, "label"].tolist()
            if items:
                out.append(ctx.t(f"report.highlight.{flag}", items=", ".join(map(str, items[:5]))))
    ents = tables.get("entities")
    if ents is not None and not ents.empty:
        parts = []
        for etype in ("VENDOR", "RESEARCH_FIRM", "INSTITUTION", "STUDY"):
            sub = ents[ents["type"] == etype]
            if len(sub):
                parts.append(ctx.t("report.highlight.cited_one", entity=sub.iloc[0]["entity"],
                                   type=type_name(etype, ctx.lang), n=ctx.num(sub.iloc[0]["docs"])))
        if parts:
            out.append(ctx.t("report.highlight.cited", items=ctx.t("report.list_sep").join(parts)))
    drivers = tables.get("negative_drivers")
    if drivers is not None and not drivers.empty:
        d = drivers.iloc[0]
        if d["share_of_negatives"] == d["share_of_negatives"]:
            pos = d["share_of_positives"]
            out.append(ctx.t("report.highlight.driver", label=d["label"], share=ctx.pct(d["share_of_negatives"]))
                       + (ctx.t("report.highlight.driver_pos", share=ctx.pct(pos)) if pos == pos else "."))
    figs = tables.get("figures")
    if figs is not None and len(figs):
        out.append(ctx.t("report.highlight.figures", n=ctx.num(len(figs))))
    return out


def _method(ctx: ReportContext, sections: list[Section]) -> Section:
    import pandas as pd

    conn = ctx.corpus.conn
    sec = Section("method", ctx.t("report.method.title"), ctx.t("report.method.intro"))
    from textlens.report.pii_section import privacy_lines

    sec.extra["privacy"] = privacy_lines(conn, ctx.lang)
    analyses = pd.read_sql_query(
        "SELECT analyzer AS analysis, COUNT(*) AS documents, COUNT(DISTINCT key) AS versions,"
        " datetime(MAX(at), 'unixepoch') AS last_run_utc FROM analysis_state GROUP BY analyzer ORDER BY analyzer",
        conn)
    sec.tables.append(Table("analyses", ctx.t("report.method.analyses"), analyses,
                            ctx.t("report.method.analyses_desc"),
                            formats={"documents": "int", "versions": "int"}))
    for r in analyses.itertuples():
        if r.versions > 1:
            ctx.warnings.append(ctx.t("report.warn.versions", analysis=r.analysis, n=ctx.num(r.versions)))
    embed = pd.read_sql_query("SELECT model, dim AS dimensions, COUNT(*) AS cached_vectors FROM embeddings"
                              " GROUP BY model, dim ORDER BY model", conn)
    if not embed.empty:
        sec.tables.append(Table("embedding_models", ctx.t("report.method.embeddings"), embed,
                                formats={"dimensions": "int", "cached_vectors": "int"}))
    taxonomies = _taxonomy_table(ctx)
    if not taxonomies.empty:
        sec.tables.append(Table("taxonomies", ctx.t("report.method.taxonomies"), taxonomies,
                                ctx.t("report.method.taxonomies_desc"), max_rows_html=60))
    cards = model_cards()
    if cards:
        sec.tables.append(Table("model_cards", ctx.t("report.method.model_cards"), pd.DataFrame(
            [{"model": c["model"], "title": c["title"], "evaluation": " · ".join(c["metrics"])} for c in cards])))
    stats = []
    for name, value, at in conn.execute("SELECT name, value, at FROM corpus_stats ORDER BY name"):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = value
        flat = _flat_scalars(decoded) if isinstance(decoded, dict) else {"value": decoded}
        for k, v in flat.items():
            stats.append({"statistic": name, "key": k, "value": v})
    if stats:
        sec.tables.append(Table("corpus_stats", ctx.t("report.method.stats"), pd.DataFrame(stats),
                                ctx.t("report.method.stats_desc"), max_rows_html=200))
        for s in stats:
            if s["statistic"] == "topics" and s["key"].endswith("outlier_share") and isinstance(s["value"],
                                                                                                (int, float)):
                if 0.2 < float(s["value"]) <= 1:
                    ctx.warnings.append(ctx.t("report.warn.outliers", share=ctx.pct(float(s["value"]))))
    for s in sections:
        if s.empty:
            ctx.warnings.append(ctx.t("report.warn.empty_section", title=s.title, reason=s.empty))
    return sec


# ---- entry point ------------------------------------------------------------------------------------
def report_lang(corpus: "Corpus", asked: str | None = None) -> str:
    """The language asked for, else the corpus's: French unless most documents are in English."""
    if asked is not None:
        if asked not in i18n.LANGS:
            raise InputError(i18n.t("report.error.lang", asked=asked, choices=", ".join(i18n.LANGS)))
        return asked
    from textlens.report.lang_store import document_language_counts

    return i18n.corpus_lang(document_language_counts(corpus))


def assemble(corpus: "Corpus", filters: "Filters | None" = None, options: Options | None = None) -> ReportData:
    """Build every section of the report for the documents selected by `filters`."""
    from textlens import __version__
    from textlens.query import Filters

    filters = filters or Filters()
    options = options or Options()
    ctx = ReportContext(corpus, filters, options, lang=report_lang(corpus, options.lang))
    sections = [_overview(ctx)]
    if sections[0].empty is None:
        from textlens.report import drivers

        from textlens.report.dynamics import dynamics_sections
        from textlens.report.topic_map import topic_map_section

        sections += [_themes(ctx), _topics(ctx), topic_map_section(ctx), _entities(ctx), _figures(ctx),
                     _sentiment(ctx)]
        if ctx.has_rows("doc_effort"):  # customer-experience analyses of verbatims (textlens/cx/report.py)
            from textlens.cx.report import section as cx_section

            sections.append(cx_section(ctx))
        sections += drivers.sections(ctx)  # score drivers, segment comparison (when the documents allow them)
        sections += dynamics_sections(ctx)  # signals, topic lineage, press vs customers
    sections.append(_method(ctx, sections))
    _fill_passage_context(ctx)
    counts = sections[0].extra.get("counts", {})
    years = [int(y) for (y,) in corpus.conn.execute(
        f"SELECT DISTINCT d.year FROM documents d WHERE {filters.where_sql(alias='d')[0]} AND d.year IS NOT NULL"
        " ORDER BY 1", filters.where_sql(alias="d")[1])]
    # kpi keys stay machine words (JSON keys); the page shows them as report.kpi.<key>
    kpis = [("documents", ctx.num(counts.get("documents", 0))),
            ("years", f"{years[0]}–{years[-1]}" if years else "—"),
            ("sources", ctx.num(counts.get("sources", 0))),
            ("passages", ctx.num(_count_passages(ctx))),
            ("entities", ctx.num(_count(ctx, "SELECT COUNT(DISTINCT m.entity) FROM mentions m JOIN documents d ON "
                                             "d.id = m.doc_id WHERE {where}"))),
            ("topics", ctx.num(corpus.count("topics")))]
    sections[0].extra["highlights"] = _highlights(ctx, sections)
    spans = [ctx.period_labels.get(k, k) for k, v in sorted(ctx.periods.items()) if v.endswith("y") and v != "year"]
    if spans:
        ctx.warnings.append(ctx.t("report.warn.spans", items=", ".join(spans)))
    generated = time.strftime("%Y-%m-%d %H:%M")
    if options.by != "auto":
        by_text = ctx.t("report.meta.by_one", period=period_name(options.by, ctx.lang))
    elif ctx.periods:
        by_text = ctx.t("report.meta.by_many", items=", ".join(
            ctx.t("report.meta.by_item", what=ctx.period_labels.get(k, k), period=period_name(v, ctx.lang))
            for k, v in ctx.periods.items()))
    else:
        by_text = ctx.t("report.meta.by_one", period=period_name("year", ctx.lang))
    meta = {"title": options.title or ctx.t("report.title"), "store": str(corpus.path), "generated": generated,
            "generated_text": date_text(generated, ctx.lang),
            "filters": filters.describe(), "filters_active": filters.active(),
            "filters_text": filters_text(filters.active(), ctx.lang),
            "by": by_text, "periods": dict(ctx.periods), "lang": ctx.lang,
            "textlens_version": __version__}
    return ReportData(meta, kpis, sections, ctx.evidence, list(dict.fromkeys(ctx.warnings)))


def _count(ctx: ReportContext, sql: str) -> int:
    where, params = ctx.filters.where_sql(alias="d")
    return int(ctx.corpus.conn.execute(sql.format(where=where), params).fetchone()[0])


def _count_passages(ctx: ReportContext) -> int:
    return _count(ctx, "SELECT COUNT(*) FROM passages p JOIN documents d ON d.id = p.doc_id WHERE {where}")


def _fill_passage_context(ctx: ReportContext) -> None:
    """Add each evidence passage's document title and source (evidence queries return ids only)."""
    ids = sorted({p["doc_id"] for e in ctx.evidence for p in e.passages if p.get("doc_id")})
    info: dict[str, Any] = {}
    for r in ctx.corpus.select_in("SELECT id, title, source, date, year, kind FROM documents WHERE id IN ({marks})", ids):
        info[r["id"]] = r
    for e in ctx.evidence:
        for p in e.passages:
            r = info.get(p.get("doc_id"))
            if r is None:
                continue
            p["title"] = p.get("title") or r["title"]
            p["source"] = p.get("source") or r["source"]
            p["date"] = p.get("date") or r["date"] or as_str(r["year"])
            p["kind"] = r["kind"]
