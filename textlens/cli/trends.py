"""`textlens trends`: how themes, aspects, topics or entities rise and fall over the periods (textlens.trends), as a
summary table and a period x item matrix fitted to the terminal, with the passages behind each number on request."""
from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import By, Dimension, QueryCommand, query_inputs
from textlens.cli.output import console, describe, emit, print_json

if TYPE_CHECKING:
    from textlens.trends import Prevalence


class Unit(str, Enum):
    document = "document"
    sentence = "sentence"


def trend_notes(prev: "Prevalence", lang: str | None = None) -> list[str]:
    """The notes under a trend table; JSON keeps them in English (`lang="en"`), tables in the reader's language."""
    from textlens.cli.render import current_view
    from textlens.i18n import t

    lang = lang or current_view().lang
    if lang == "en":
        notes = [f"share of {prev.denominator}; 95% Wilson intervals; "
                 f"* = sparse period (< {prev.min_docs} documents: shown, not over-interpreted)"]
    else:  # the library words its denominator in English: say what it counts in the reader's words
        notes = [t("cli.trends.note_sentences" if prev.unit == "sentence" else "cli.trends.note", lang,
                   min_docs=prev.min_docs)]
    if prev.undated:
        notes.append(t("cli.note.undated", lang, n=prev.undated, period=t(f"cli.period.{prev.by}", lang)))
    return notes


@app.command(cls=QueryCommand)
def trends(
    ctx: typer.Context,
    items: Annotated[Optional[list[str]], typer.Argument(help="Themes (or aspects/topics/entities) to follow; "
                                                               "default: all.")] = None,
    by: Annotated[By, typer.Option("--by", help="Period.")] = By.year,
    dimension: Annotated[Dimension, typer.Option("--dimension", "-d", help="What to follow.")] = Dimension.theme,
    unit: Annotated[Unit, typer.Option("--unit", help="Share of documents or of sentences.")] = Unit.document,
    evidence: Annotated[bool, typer.Option("--evidence", help="List the passages behind each number.")] = False,
    terms: Annotated[bool, typer.Option("--terms", help="Over-represented terms per period (log-likelihood).")
                     ] = False,
    associations: Annotated[bool, typer.Option("--associations", help="Which entities go with each item, when.")
                            ] = False,
    top: Annotated[int, typer.Option("--top", help="Items (entities, topics) or terms shown.")] = 10,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Periods with fewer documents are marked sparse.")] = 5,
) -> None:
    """How themes, aspects, topics or entities rise and fall over the periods, with trend tests.

    Examples: `textlens trends offshoring technology_automation --by 5y --evidence`,
    `textlens trends -d aspect --kind verbatim --by quarter`, `textlens trends --terms`,
    `textlens trends offshoring --associations --type VENDOR`.
    """
    from textlens import trends as tr
    from textlens.cli.render import Col
    from textlens.cli.render import tr as _t
    from textlens.query import resolve_items

    corpus, filters, fmt = query_inputs(ctx)
    dim = dimension.value
    chosen = resolve_items(corpus, dim, items) if items else None
    if terms:
        df = tr.specific_terms(corpus, by=by.value, top=top, filters=filters, min_docs=min_docs)
        if fmt == "table" and not df.empty:
            from textlens.cli.render import current_view
            from textlens.i18n import fmt_number

            llr = df["llr"].map(lambda g: fmt_number(g, current_view().lang, 1))
            df = (df.assign(term=df["term"] + " (" + llr + ")")
                  .groupby(["period", "sparse"], sort=True)["term"].agg(list).reset_index())
            df["period"] = df["period"].astype(str) + df["sparse"].map({True: "*", False: ""})
        emit(df, fmt, [Col("period", f"period.{by.value}", "period", priority=0),
                        Col("term", "terms_llr", priority=0)],
              empty=_t("cli.trends.no_terms"), notes=[_t("cli.trends.terms_note")])
        return
    if associations:
        df = tr.associations(corpus, dim, "entity", by=None, filters=filters, top=top * 3, items=chosen,
                             min_n=2, with_years=True)
        emit(df, fmt, [Col("item", f"dim.{dim}", priority=0), Col("other", "entity", priority=0),
                        Col("other_type", "type", priority=3, style="dim"), Col("n", "docs", "num", priority=0),
                        Col("lift", "lift", "num", priority=1), Col("years", "years", priority=2)],
              title=_t("cli.trends.associations_title", dimension=_t(f"cli.col.dim.{dim}")),
              empty=_t("cli.trends.no_pairs"), notes=[_t("cli.trends.lift_note")])
        return
    result = tr.trend(corpus, dim, by=by.value, filters=filters, unit=unit.value, items=chosen, top=top,
                      min_docs=min_docs, evidence_per_period=(filters.limit or 3) if evidence else None)
    prev, summary, ev = result.prevalence, result.summary, result.evidence
    if fmt == "json":
        payload = {"prevalence": tr.records(prev.table), "summary": tr.records(summary),
                   "notes": trend_notes(prev, "en")}
        if ev is not None:
            payload["evidence"] = tr.records(ev)
        print_json(payload)
        return
    if fmt == "csv":
        emit(ev if ev is not None else prev.table, "csv", [])
        return
    if prev.empty:
        emit(prev.table, fmt, [], empty=_t("cli.trends.none", dimension=_t(f"cli.col.dim.{dim}"),
                                            filters=describe(filters)))
        return
    print_prevalence(prev, summary)
    if ev is not None:
        print_evidence(ev, by.value)
    from textlens.cli.render import note

    for text in trend_notes(prev):
        note(console(), text)


def print_prevalence(result: "Prevalence", summary) -> None:
    """Summary (first/peak period, trend test, flag) and a period x item matrix of shares.

    The matrix puts the periods across when they fit the terminal; otherwise periods go down and items across,
    headed by their number in the summary table (and a legend), so that a dozen themes fit 80 columns.
    """
    from textlens.cli.render import COLUMN_GAP, WORD_MAX, Col, current_view, format_value, note, render_table, tr

    con = console()
    lang = current_view().lang
    prev = result.table
    if result.dimension == "entity":  # an entity's "label" is its type: show the name with it
        prev = prev.assign(label=prev["item"] + " (" + prev["label"].fillna("?") + ")")
        summary = summary.assign(label=summary["item"].map(dict(zip(prev["item"], prev["label"]))))
    sparse = dict(zip(prev["period"], prev["sparse"]))
    periods = sorted(prev["period"].unique())
    names = {p: f"{p}{'*' if sparse[p] else ''}" for p in periods}
    period_w = max(max(len(n) for n in names.values()), 3)
    label_w = max([len(tr("cli.col.documents"))] + [min(len(w), WORD_MAX) for x in prev["label"] for w in str(x).split()])
    across = label_w + len(periods) * (period_w + COLUMN_GAP) <= con.width or current_view().wide
    rows = [{**r, "number": i, "label": r["label"] if r["label"] != r["item"] else r["item"],
             "peak": f"{r['peak_period']}{'*' if sparse.get(r['peak_period']) else ''}"
                     if r["peak_period"] is not None else None,
             "trend": tr(f"cli.trend.{r['direction']}") if r["direction"] else "",
             "flag": tr(f"cli.flag.{r['flag']}") if r["flag"] else ""}
            for i, r in enumerate(summary.to_dict("records"), start=1)]
    render_table(rows, ([] if across else [Col("number", "#", "int", priority=0, raw_header=True)]) + [
        Col("label", "item", priority=0), Col("n", "docs", "num", priority=0),
        Col("first_period", "first", "period", priority=2), Col("peak", "peak", "period", priority=0),
        Col("peak_share", "peak_share", "pct", priority=0), Col("trend", "trend", priority=3),
        Col("mk_p", "mk_p", "p", priority=1), Col("flag", "flag", priority=1, style="bold")],
        con, title=tr("cli.trends.summary_title"))
    docs = dict(zip(prev["period"], prev["docs"]))
    items = list(summary["item"])
    labels = dict(zip(prev["item"], prev["label"]))
    shares = prev.set_index(["period", "item"])

    def share(p, item) -> str:
        n, value = shares.at[(p, item), "n"], shares.at[(p, item), "share"]
        return "·" if n == 0 else format_value(round(100 * value), "num", lang)

    title = tr("cli.trends.matrix_title")
    if across:
        spec = [Col("label", "", raw_header=True, priority=0)] + [
            Col(names[p], names[p], "whole", priority=0, raw_header=True, justify="right") for p in periods]
        rows = [{"label": tr("cli.col.documents"), **{names[p]: format_value(docs[p], "num", lang) for p in periods}}]
        rows += [{"label": str(labels[item]), **{names[p]: share(p, item) for p in periods}} for item in items]
        render_table(rows, spec, con, title=title)
        return
    spec = [Col("period", f"period.{result.by}", "period", priority=0),
            Col("docs", "docs", "num", priority=0)] + [
        Col(item, str(i), "whole", priority=i, raw_header=True, justify="right") for i, item in enumerate(items, 1)]
    rows = [{"period": names[p], "docs": docs[p], **{item: share(p, item) for item in items}} for p in periods]
    left_out = set(render_table(rows, spec, con, title=title))
    note(con, "; ".join(f"{i} = {labels[item]}" for i, item in enumerate(items, 1) if str(i) not in left_out))


def print_evidence(ev, by: str) -> None:
    from textlens.cli.render import Col, render_table, tr

    if ev.empty:
        return
    render_table(ev.to_dict("records"), [Col("item", "item", priority=0), Col("period", f"period.{by}", "period",
                                                                             priority=0),
                                         Col("doc_id", "doc", "id", priority=0), Col("passage", "passage", priority=0,
                                                                                     min_width=20)],
                 console(), title=tr("cli.trends.evidence_title"))

