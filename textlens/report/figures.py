"""The report's figures section: the registry of figures stated in the texts and the studies they cite."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textlens.report.context import ReportContext, as_int
from textlens.report.model import Chart, Section, Series, Table
from textlens.store import trends as store_trends

if TYPE_CHECKING:
    pass


def figures_section(ctx: ReportContext) -> Section:
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
        mentions = store_trends.study_mentions(ctx.corpus, ctx.filters)
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
