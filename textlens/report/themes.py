"""The report's themes section: prevalence of editorial themes and of aspects per period, their trend summaries,
and the specific vocabulary of each period."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textlens.report.builders import MAX_FACETS, prevalence_table, records_of
from textlens.report.context import ReportContext
from textlens.report.model import Chart, Section, Series, Table
from textlens.report.words import period_name, period_text
from textlens.store import items as store_items

if TYPE_CHECKING:
    import pandas as pd


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
        series.append(Series(label, [period_text(p, ctx.lang) for p in rows["period"]], records_of(rows, "share"),
                             records_of(rows, "ci_low"), records_of(rows, "ci_high"), ev,
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


def themes_section(ctx: ReportContext) -> Section:
    from textlens import trends

    sec = Section("themes", ctx.t("report.themes.title"), ctx.t("report.themes.intro"))
    has_themes = store_items.has_items(ctx.corpus, "theme")
    has_aspects = store_items.has_items(ctx.corpus, "aspect")
    if has_themes:
        found = _dimension_trends(ctx, sec, "theme", "themes")
        if found is not None:
            prev, labels, summary = found
            moving = summary[summary["flag"].isin(["emerging", "declining"])]
            sec.extra["flags"] = [{"label": labels.get(r.item, r.item), "flag": r.flag,
                                   "peak": period_text(r.peak_period, ctx.lang),
                                   "p": r.mk_p} for r in moving.itertuples()]
            _note_sparse(ctx, prev)
    if has_aspects:
        _dimension_trends(ctx, sec, "aspect", "aspects")
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


def _dimension_trends(ctx: ReportContext, sec: Section, dimension: str, words: str
                      ) -> "tuple[pd.DataFrame, dict[str, str], pd.DataFrame] | None":
    """Add a dimension's prevalence chart, trend summary and prevalence table (words report.<words>.chart...) to
    `sec`; returns (prevalence, labels, summary), None when no dated document carries the dimension."""
    from textlens import trends
    from textlens.query import theme_labels

    prev = trends.prevalence(ctx.corpus, dimension, by=ctx.period(dimension), filters=ctx.filters).table
    if prev.empty:
        return None
    labels = theme_labels(ctx.corpus, dimension)
    summary = trends.trend_summary(prev)
    order = summary.sort_values("n", ascending=False)["item"].tolist()
    sec.charts.append(_prevalence_facets(ctx, f"chart_{dimension}_prevalence", ctx.t(f"report.{words}.chart"),
                                         dimension, prev, labels, order))
    sec.tables.append(_summary_table(ctx, f"{dimension}_trends", ctx.t(f"report.{words}.trends"), dimension, summary,
                                     labels))
    sec.tables.append(prevalence_table(ctx, f"{dimension}_prevalence", ctx.t(f"report.{words}.prevalence"), prev))
    return prev, labels, summary


def _note_sparse(ctx: ReportContext, prev: "pd.DataFrame") -> None:
    sparse = sorted({str(p) for p in prev.loc[prev["sparse"].astype(bool), "period"]})
    if sparse:
        ctx.warnings.append(ctx.t("report.warn.sparse", periods=", ".join(period_text(p, ctx.lang) for p in sparse)))
