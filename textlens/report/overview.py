"""The report's corpus overview: documents per year and kind (with example documents per bar), sources,
languages, dating, skipped inputs, and the warnings they call for."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textlens.report.context import ReportContext, as_str
from textlens.report.model import Chart, Section, Series, Table
from textlens.report.words import filters_text, period_text
from textlens.store import evidence as store_evidence
from textlens.store import report as store_report

if TYPE_CHECKING:
    import pandas as pd


MAX_SKIPPED_SHOWN = 200


def overview_section(ctx: ReportContext) -> Section:
    import pandas as pd

    from textlens.info import corpus_info

    sec = Section("overview", ctx.t("report.overview.title"), ctx.t("report.overview.intro"))
    by_year_kind = store_report.documents_per_year_kind(ctx.corpus, ctx.filters)
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
    sources = _sources(ctx)
    sec.tables.append(Table("sources", ctx.t("report.overview.sources"), sources,
                            ctx.t("report.overview.sources_desc"),
                            formats={"files": "int", "documents": "int"}, max_rows_html=50))
    langs = store_report.documents_per_language(ctx.corpus, ctx.filters)
    sec.tables.append(Table("languages", ctx.t("report.overview.languages"), langs,
                            ctx.t("report.overview.languages_desc"), formats={"documents": "int"}, compact=True))
    dating = store_report.documents_per_dating(ctx.corpus, ctx.filters)
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
    rows = store_evidence.document_examples(ctx.corpus, replace(ctx.filters, kind=kind),
                                            None if year == "undated" else int(year), ctx.options.evidence_limit)
    for r in rows:
        r["date"] = r["date"] or as_str(r["year"])
    return ctx.add_evidence(("documents", year, kind), ctx.t(
        "report.overview.evidence", kind=ctx.t(f"report.kind.{kind}"), kinds=ctx.t(f"report.kinds.{kind}"),
        period=period_text(year, ctx.lang)), rows)


def _sources(ctx: ReportContext) -> "pd.DataFrame":
    """Documents per source: a table file on its own, whole-file documents grouped by their folder."""
    import pandas as pd

    df = store_report.document_sources(ctx.corpus, ctx.filters)
    cols = ["source", "kind", "files", "documents", "first_year", "last_year"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    is_file = df["row"].isna()
    df["group"] = df["source"].where(~is_file, df["source"].map(lambda s: str(Path(s).parent) + "/"))
    out = df.groupby(["group", "kind"]).agg(files=("source", "nunique"), documents=("source", "size"),
                                            first_year=("year", "min"), last_year=("year", "max")).reset_index()
    out = out.rename(columns={"group": "source"}).sort_values(["documents", "source"], ascending=[False, True])
    return out[cols].reset_index(drop=True)
