"""The report section of the customer-experience analyses: emotion and intent shares with their evidence passages,
the emotional temperature per period with its interval, customer effort, and the churn-risk reviews.

Built from `textlens.cx.stats` (the numbers `textlens emotions` prints) into the report's generic Section/Chart/
Table model, so every writer (HTML, Markdown, XLSX, JSON) shows it without template changes.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textlens.report.model import Chart, Section, Series, Table

if TYPE_CHECKING:
    import pandas as pd

CHURN_ROWS = 20  # churn-risk reviews listed in the report (the CLI lists them all)


def section(ctx: Any) -> Section:
    """The "cx" section for the report context `ctx` (textlens.report.context.ReportContext)."""
    from textlens.cx import stats
    from textlens.i18n import fmt_number, t

    lang = ctx.lang
    corpus, filters = ctx.corpus, ctx.filters
    emotions = stats.distribution(corpus, "emotion", filters)
    dist, n = emotions.table, emotions.n
    sec = Section("cx", t("cx.report.title", lang), t("cx.report.intro", lang, n=fmt_number(n, lang)))
    if not n:
        sec.empty = t("cx.empty", lang)
        return sec
    for kind in ("emotion", "intent"):
        df = dist if kind == "emotion" else stats.distribution(corpus, "intent", filters).table
        names = {x: t(f"cx.{kind}.{x}", lang) for x in df["label"]}  # display only: the data keep the ids
        df["evidence_id"] = [_label_evidence(ctx, kind, lab, names[lab]) if k else None
                             for lab, k in zip(df["label"], df["reviews"])]
        shown = df.sort_values("share").assign(name=lambda d: d["label"].map(names))
        sec.charts.append(Chart(f"chart_cx_{kind}", t("cx.title.distribution", lang, what=t(f"cx.{kind}", lang)),
                                "hbar", [Series(t("cx.col.share", lang), shown["name"].tolist(),
                                                _values(shown, "share"), _values(shown, "low"), _values(shown, "high"),
                                                shown["evidence_id"].tolist())],
                                percent=True, height=max(220, 60 + 34 * len(shown)),
                                note=t("cx.report.evidence", lang)))
        cols = ["label", "reviews", "share", "low", "high"] + (["intensity"] if kind == "emotion" else [])
        sec.tables.append(Table(f"cx_{kind}s", t("cx.title.distribution", lang, what=t(f"cx.{kind}", lang)), df,
                                t("cx.note.wilson", lang, n=fmt_number(n, lang)), evidence_col="evidence_id",
                                html_columns=cols, compact=True, words={"label": names},
                                formats={"reviews": "int", "share": "pct", "low": "pct", "high": "pct",
                                         "intensity": "float"}))
    effort = stats.distribution(corpus, "effort", filters).table
    sec.tables.append(Table("cx_effort", t("cx.title.distribution", lang, what=t("cx.effort", lang)), effort,
                            t("cx.note.wilson", lang, n=fmt_number(n, lang)), compact=True,
                            words={"label": {x: t(f"cx.effort.{x}", lang) for x in effort["label"]}},
                            html_columns=["label", "reviews", "share", "low", "high"],
                            formats={"reviews": "int", "share": "pct", "low": "pct", "high": "pct"}))
    by = ctx.period(None, "verbatim")
    temp = stats.temperature(corpus, by=by, filters=filters).table
    if not temp.empty:
        x = [str(p) for p in temp["group"]]
        sec.charts.append(Chart("chart_cx_temperature", t("cx.report.temperature", lang), "lines",
                                [Series(t("cx.col.temperature", lang), x, _values(temp, "temperature"),
                                        _values(temp, "low"), _values(temp, "high"),
                                        sparse=[bool(s) for s in temp["sparse"]])],
                                x_title=by, y_title=t("cx.col.temperature", lang), note=t("cx.note.temperature", lang)))
        sec.tables.append(Table("cx_temperature", t("cx.report.temperature", lang), temp,
                                t("cx.note.temperature", lang),
                                formats={"n": "int", "temperature": "float", "low": "float", "high": "float",
                                         "hard": "int", "churn": "int", "hard_share": "pct", "churn_share": "pct"},
                                html_columns=["group", "n", "temperature", "low", "high", "hard_share",
                                              "churn_share"]))
    churn = stats.labelled_reviews(corpus, replace(filters, intent="churn"), limit=CHURN_ROWS).table
    if not churn.empty:
        churn = churn.assign(emotions=churn["emotions"].map(", ".join), intents=churn["intents"].map(", ".join))
        sec.tables.append(Table("cx_churn", t("cx.report.churn", lang), churn, "",
                                html_columns=["date", "score", "intents", "emotions", "effort", "evidence"],
                                formats={"score": "float"}))
    return sec


def _values(df: "pd.DataFrame", col: str) -> list[Any]:
    return [None if (isinstance(v, float) and v != v) else float(v) for v in df[col].tolist()]


def _label_evidence(ctx: Any, kind: str, label: str, name: str) -> int | None:
    """The evidence id of the best passages carrying `label` (the reviews' evidence passages, strongest first)."""
    from textlens.cx import stats

    rows = stats.labelled_reviews(ctx.corpus, replace(ctx.filters, **{kind: label}),
                                  limit=ctx.options.evidence_limit).table
    passages = [{"doc_id": r["doc_id"], "date": r["date"], "passage": r["evidence"], "score": r["score"]}
                for r in rows.to_dict("records")]
    return ctx.add_evidence(("cx", kind, label, repr(ctx.filters)), name, passages)
