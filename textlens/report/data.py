"""Assemble a report from the store: the sections in order, the headline figures, the highlights, and the
documents' titles and sources on every evidence passage. Each section is built by its own module
(textlens.report.overview, .themes, .topics, .entities, .figures, .sentiment, .method and the hooks below);
every number comes from textlens.trends / textlens.query.

Each section shows whatever analyses the store holds; a missing analysis gives a section that says
which one to run instead of a broken chart. Every chart point and table row that counts documents
gets an evidence id pointing to the passages behind it.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textlens import i18n
from textlens.errors import InputError
from textlens.report.context import Options, ReportContext, as_str
from textlens.report.entities import entities_section
from textlens.report.figures import figures_section
from textlens.report.method import method_section
from textlens.report.model import ReportData, Section
from textlens.report.overview import overview_section
from textlens.report.sentiment import sentiment_section
from textlens.report.themes import themes_section
from textlens.report.topics import topics_section
from textlens.report.words import date_text, filters_text, period_name, period_text, type_name
from textlens.store import evidence as store_evidence
from textlens.store import report as store_report
from textlens.store.lookups import language_counts

if TYPE_CHECKING:
    from textlens.query import Filters
    from textlens.store import Corpus


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


def report_lang(corpus: "Corpus", asked: str | None = None) -> str:
    """The language asked for, else the corpus's: French unless most documents are in English."""
    if asked is not None:
        if asked not in i18n.LANGS:
            raise InputError(i18n.t("report.error.lang", asked=asked, choices=", ".join(i18n.LANGS)))
        return asked
    return i18n.corpus_lang(language_counts(corpus.conn, sample=None))


def assemble(corpus: "Corpus", filters: "Filters | None" = None, options: Options | None = None) -> ReportData:
    """Build every section of the report for the documents selected by `filters`."""
    from textlens import __version__
    from textlens.query import Filters

    filters = filters or Filters()
    options = options or Options()
    ctx = ReportContext(corpus, filters, options, lang=report_lang(corpus, options.lang))
    sections = [overview_section(ctx)]
    if sections[0].empty is None:
        from textlens.report import drivers
        from textlens.report.dynamics import dynamics_sections
        from textlens.report.topic_map import topic_map_section

        sections += [themes_section(ctx), topics_section(ctx), topic_map_section(ctx), entities_section(ctx),
                     figures_section(ctx), sentiment_section(ctx)]
        if ctx.has_rows("doc_effort"):  # customer-experience analyses of verbatims (textlens/cx/report.py)
            from textlens.cx.report import section as cx_section

            sections.append(cx_section(ctx))
        sections += drivers.sections(ctx)  # score drivers, segment comparison (when the documents allow them)
        sections += dynamics_sections(ctx)  # signals, topic lineage, press vs customers
    sections.append(method_section(ctx, sections))
    _fill_passage_context(ctx)
    counts = sections[0].extra.get("counts", {})
    years = store_report.document_years(corpus, filters)
    # kpi keys stay machine words (JSON keys); the page shows them as report.kpi.<key>
    kpis = [("documents", ctx.num(counts.get("documents", 0))),
            ("years", f"{years[0]}–{years[-1]}" if years else "—"),
            ("sources", ctx.num(counts.get("sources", 0))),
            ("passages", ctx.num(store_report.count_passages(corpus, filters))),
            ("entities", ctx.num(store_report.count_entities(corpus, filters))),
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


def _fill_passage_context(ctx: ReportContext) -> None:
    """Add each evidence passage's document title and source (evidence queries return ids only)."""
    ids = sorted({p["doc_id"] for e in ctx.evidence for p in e.passages if p.get("doc_id")})
    info = store_evidence.document_headers(ctx.corpus, ids)
    for e in ctx.evidence:
        for p in e.passages:
            r = info.get(p.get("doc_id"))
            if r is None:
                continue
            p["title"] = p.get("title") or r["title"]
            p["source"] = p.get("source") or r["source"]
            p["date"] = p.get("date") or r["date"] or as_str(r["year"])
            p["kind"] = r["kind"]
