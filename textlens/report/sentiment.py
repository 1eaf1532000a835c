"""The report's sentiment section: tone per period and kind, negative share per theme and aspect, and the
aspects that drive negative reviews, each with its passages."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textlens.report.builders import MAX_FACETS, new_section, records_of
from textlens.report.context import ReportContext, as_str
from textlens.report.model import Chart, Section, Series, Table
from textlens.report.words import period_name, period_text
from textlens.store import evidence as store_evidence
from textlens.vocab import SENTIMENT_SCALE
from textlens.store import items as store_items
from textlens.store import trends as store_trends

if TYPE_CHECKING:
    from textlens.query import Filters

SENTIMENT_ORDER = SENTIMENT_SCALE


def sentiment_section(ctx: ReportContext) -> Section:
    from textlens import trends
    from textlens.query import theme_labels

    sec = new_section(ctx, "sentiment", "doc_sentiment", "sentiment")
    if sec.empty:
        return sec
    kinds = [ctx.filters.kind] if ctx.filters.kind else store_trends.sentiment_kinds(ctx.corpus)
    frames = []
    for kind in kinds:
        f = replace(ctx.filters, kind=kind)
        by = ctx.period(None, kind)
        sot = trends.sentiment_over_time(ctx.corpus, by=by, filters=f).table
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
        ids = store_items.present_items(ctx.corpus, dimension, ctx.filters)
        series, frames = [], []
        for item in ids[:MAX_FACETS]:
            kw = {"theme": item} if dimension == "theme" else {"aspect": item}
            sot = trends.sentiment_over_time(ctx.corpus, by=ctx.period(dimension), filters=ctx.filters, **kw).table
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
                                 records_of(sot, "neg_share"),
                                 records_of(sot, "neg_low"), records_of(sot, "neg_high"), ev,
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
    drivers = trends.negative_drivers(ctx.corpus, filters=ctx.filters).table
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
            Series(ctx.t("report.drivers.negatives"), d["label"].tolist(), records_of(d, "share_of_negatives"),
                   ev=d["evidence_id"].tolist(), color_key="negative"),
            Series(ctx.t("report.drivers.positives"), d["label"].tolist(), records_of(d, "share_of_positives"),
                   color_key="positive")],
            x_title=ctx.t("report.drivers.axis"), percent=True,
            height=max(220, 60 + 34 * len(d)), note=ctx.t("report.drivers.note")))
    return sec


def _sentiment_evidence(ctx: ReportContext, filters: "Filters", label: str, period: Any, by: str) -> int | None:
    """Passages of documents with this overall tone in this period, most typical passage first."""
    key = ("sentiment", label, str(period), repr(filters), by)
    if ctx.evidence_id(key) is not None:
        return ctx.evidence_id(key)
    rows = store_evidence.tone_passages(ctx.corpus, replace(filters, sentiment=label), label, by, period)
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
