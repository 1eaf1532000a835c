"""Report sections of the drivers and segment-comparison feature (textlens.dynamics).

Two sections hooked into `report.data.assemble`: "score drivers" (impact of each item on the mean score, the
key-driver model) and "segment comparison" on the column `Options.compare_by` names, or, with "auto", the
first low-cardinality metadata column (2 to 12 values covering most documents: product, channel, sector...).
Every bar opens the passages behind it, like the other charts. A store without a numeric score, or without a
segment column, gets no such section (a press archive has neither: an empty section would only be noise).
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from textlens.i18n import fmt_number, t
from textlens.report.model import Chart, Section, Series, Table

if TYPE_CHECKING:
    from textlens.report.context import ReportContext

log = logging.getLogger(__name__)

CHART_ITEMS = 16  # bars per chart; the tables hold every row


def _lang(ctx: "ReportContext") -> str:
    return ctx.lang  # the report's language, as resolved once for every section


def sections(ctx: "ReportContext") -> list[Section]:
    """The drivers section when the documents have a score, the comparison when a segment column is known."""
    return [sec for sec in (drivers_section(ctx), compare_section(ctx)) if sec is not None]


def _evidence_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"doc_id": r["doc_id"], "passage_id": r.get("passage_id"), "passage": r.get("passage"),
             "score": r.get("value") if isinstance(r.get("value"), (int, float)) else None} for r in rows]


def drivers_section(ctx: "ReportContext") -> Section | None:
    from textlens.dynamics.impact import drivers
    from textlens.query import QueryError

    lang = _lang(ctx)
    try:
        table = drivers(ctx.corpus, filters=ctx.filters)
    except QueryError as exc:
        log.info("no drivers section: %s", exc)
        return None
    sec = Section("drivers", t("dyn.report.drivers_title", lang),
                  t("dyn.report.drivers_intro", lang, score=table.score))
    sec.notes.append(t("dyn.score_line", lang, score=table.score, mean=fmt_number(table.mean_score, lang, 2),
                       low=fmt_number(table.mean_low, lang, 2), high=fmt_number(table.mean_high, lang, 2),
                       n=fmt_number(table.n_docs, lang)))
    if table.left_out.missing or table.left_out.invalid:
        ctx.warnings.append(t("dyn.left_out", lang, what=table.left_out.describe(table.score)))
    impacts = table.impacts_frame()
    if impacts.empty:
        sec.empty = t("dyn.no_items", lang)
        return sec
    impacts["evidence_id"] = [
        ctx.add_evidence(("drivers", i.dimension, i.item, table.score), f"{i.label} ({i.dimension})",
                         _evidence_rows(i.evidence)) for i in table.impacts]
    shown = impacts[impacts["significant"]].copy()
    shown = shown.reindex(shown["effect_on_mean"].abs().sort_values(ascending=False).index).head(CHART_ITEMS)
    shown = shown.sort_values("effect_on_mean")
    if not shown.empty:
        sec.charts.append(Chart("chart_drivers_impact", t("dyn.report.impact_chart", lang), "hbar", [
            Series(t("dyn.series.effect", lang), [f"{lab} ({dim})" for lab, dim in zip(shown["label"],
                                                                                        shown["dimension"])],
                   shown["effect_on_mean"].round(4).tolist(), shown["effect_low"].round(4).tolist(),
                   shown["effect_high"].round(4).tolist(), shown["evidence_id"].tolist(),
                   hover=[f"{lab}: {fmt_number(e, lang, 3)} [{fmt_number(lo, lang, 3)}; {fmt_number(hi, lang, 3)}]"
                          f" — {fmt_number(n, lang)} docs" for lab, e, lo, hi, n in
                          zip(shown["label"], shown["effect_on_mean"], shown["effect_low"], shown["effect_high"],
                              shown["docs"])])],
            x_title=t("dyn.report.impact_axis", lang), height=max(240, 60 + 30 * len(shown)),
            note=t("dyn.report.impact_note", lang)))
    sec.tables.append(Table("drivers_impact", t("dyn.report.impact_chart", lang), impacts.drop(columns=["evidence"]),
                            t("dyn.impact_note", lang, boot=table.n_boot, seed=table.seed),
                            evidence_col="evidence_id",
                            html_columns=["dimension", "label", "docs", "share", "mean_with", "mean_without", "impact",
                                          "ci_low", "ci_high", "effect_on_mean", "effect_low", "effect_high",
                                          "q_value"],
                            formats={"docs": "int", "share": "pct", "q_value": "p", "p_value": "p",
                                     **{c: "float" for c in ("mean_with", "mean_without", "impact", "ci_low",
                                                             "ci_high", "effect_on_mean", "effect_low",
                                                             "effect_high")}}))
    coefs = table.coefficients_frame()
    if not coefs.empty:
        stable = coefs[coefs["stable"]].copy()
        stable = stable.reindex(stable["coef"].abs().sort_values(ascending=False).index).head(CHART_ITEMS)
        stable = stable.sort_values("coef")
        names = [f"{lab} ({t('dyn.polarity.' + pol, lang)})" if isinstance(pol, str) else f"{lab} ({dim})"
                 for lab, pol, dim in zip(stable["label"], stable["polarity"], stable["dimension"])]
        evidence_of = dict(zip(zip(impacts["dimension"], impacts["item"]), impacts["evidence_id"]))
        ev = [evidence_of.get((dim, item)) for dim, item in zip(stable["dimension"], stable["item"])]
        if names:
            sec.charts.append(Chart("chart_drivers_model", t("dyn.report.model_chart", lang), "hbar", [
                Series(t("dyn.series.coef", lang), names, stable["coef"].round(4).tolist(),
                       stable["ci_low"].round(4).tolist(), stable["ci_high"].round(4).tolist(), ev)],
                x_title=t("dyn.report.model_axis", lang), height=max(240, 60 + 30 * len(names)),
                note=_model_note(table, lang)))
        sec.tables.append(Table("drivers_model", t("dyn.model_title", lang), coefs, _model_note(table, lang),
                                html_columns=["dimension", "label", "polarity", "docs", "coef", "ci_low", "ci_high",
                                              "same_sign"],
                                formats={"docs": "int", "same_sign": "pct",
                                         **{c: "float" for c in ("coef", "ci_low", "ci_high")}}))
    return sec


def _model_note(table: Any, lang: str) -> str:
    m = table.model
    if not m.get("folds"):
        return ""
    return t("dyn.model_note", lang, folds=m["folds"], r2=fmt_number(m["r2"], lang, 3),
             r2_std=fmt_number(m["r2_std"], lang, 3), baseline=fmt_number(m["baseline_r2"], lang, 3),
             alpha=fmt_number(m["alpha"], lang, 1), n_features=m["n_features"], min_docs=10)


def compare_section(ctx: "ReportContext") -> Section | None:
    """The comparison on `Options.compare_by`; with "auto" the best segment column (none: no section)."""
    from textlens.dynamics.columns import segment_columns
    from textlens.dynamics.segments import compare

    lang = _lang(ctx)
    column = getattr(ctx.options, "compare_by", "auto")
    if column == "auto":
        candidates = segment_columns(ctx.corpus, ctx.filters)
        column = candidates[0][0] if candidates else None
    if not column:
        return None
    result = compare(ctx.corpus, column, filters=ctx.filters)
    sec = Section("segments", t("dyn.report.compare_title", lang, column=result.column),
                  t("dyn.report.compare_intro", lang, column=result.column))
    diffs = result.frame("differences")
    if not diffs.empty:
        diffs["evidence_id"] = [
            ctx.add_evidence(("segment", result.column, d.segment, d.versus, d.dimension, d.item),
                             f"{d.segment} — {d.label} ({d.dimension})", _evidence_rows(d.evidence))
            for d in result.differences]
        significant = diffs[diffs["significant"]].copy()
        top = significant.reindex(significant["cohen_h"].abs().sort_values(ascending=False).index).head(CHART_ITEMS)
        top = top.sort_values("difference")
        if not top.empty:
            sec.charts.append(Chart("chart_segments", t("dyn.report.compare_chart", lang), "hbar", [
                Series(t("dyn.series.difference", lang),
                       [f"{s} · {lab}" for s, lab in zip(top["segment"], top["label"])],
                       top["difference"].round(4).tolist(), top["diff_low"].round(4).tolist(),
                       top["diff_high"].round(4).tolist(), top["evidence_id"].tolist(),
                       hover=[f"{s} · {lab}: {fmt_number(100 * a, lang, 0)} % / {fmt_number(100 * b, lang, 0)} %"
                              for s, lab, a, b in zip(top["segment"], top["label"], top["share_segment"],
                                                      top["share_other"])])],
                x_title=t("dyn.report.compare_axis", lang), percent=True, height=max(240, 60 + 30 * len(top)),
                note=t("dyn.report.compare_note", lang)))
        columns = ["segment", "versus", "dimension", "label", "share_segment", "share_other", "difference",
                   "diff_low", "diff_high", "ratio", "cohen_h", "q_value"]
        formats = {"share_segment": "pct", "share_other": "pct", "difference": "pct", "diff_low": "pct",
                   "diff_high": "pct", "ratio": "float", "cohen_h": "float", "q_value": "p", "p_value": "p",
                   "k_segment": "int", "n_segment": "int", "k_other": "int", "n_other": "int"}
        sec.tables.append(Table("segment_differences_significant",
                                t("dyn.report.significant_table", lang, alpha=fmt_number(result.alpha, lang, 2)),
                                significant.drop(columns=["evidence"]), t("dyn.compare_note", lang),
                                evidence_col="evidence_id", html_columns=columns, formats=formats))
        # every item of every segment: in the data formats (XLSX/JSON) only, the page shows the significant ones
        sec.tables.append(Table("segment_differences", t("dyn.report.differences_table", lang),
                                diffs.drop(columns=["evidence"]), t("dyn.compare_note", lang),
                                evidence_col="evidence_id", formats=formats, max_rows_html=0))
    segs = result.frame("segments")
    sec.tables.append(Table("segments", t("dyn.segments_title", lang, column=result.column), segs,
                            formats={"docs": "int"}, compact=True))
    scores = result.frame("scores")
    if not scores.empty:
        scores["evidence_id"] = [ctx.add_evidence(("segment-score", result.column, s.segment, s.versus),
                                                  f"{s.segment} — {s.score}", _evidence_rows(s.evidence))
                                 for s in result.scores]
        sec.tables.append(Table("segment_scores", t("dyn.scores_title", lang, score=result.scores[0].score),
                                scores.drop(columns=["evidence"]), evidence_col="evidence_id",
                                html_columns=["segment", "versus", "n_segment", "mean_segment", "mean_other",
                                              "difference", "diff_low", "diff_high", "q_value"],
                                formats={"q_value": "p", "p_value": "p", "n_segment": "int", "n_other": "int",
                                         **{c: "float" for c in ("mean_segment", "mean_other", "difference",
                                                                 "diff_low", "diff_high")}}))
    terms = result.frame("terms")
    if not terms.empty:
        terms["evidence_id"] = [ctx.add_evidence(("segment-term", result.column, x.segment, x.term),
                                                 f"{x.segment} — {x.term}", x.evidence) for x in result.terms]
        sec.tables.append(Table("segment_terms", t("dyn.terms_title", lang, alpha=fmt_number(result.alpha, lang, 2)),
                                terms.drop(columns=["evidence"]), evidence_col="evidence_id",
                                html_columns=["segment", "versus", "term", "llr", "count", "expected", "docs"],
                                formats={"llr": "float", "p_value": "p", "count": "int", "docs": "int",
                                         "expected": "float"}))
    return sec
