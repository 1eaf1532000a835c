"""`textlens signals`, `textlens divergence` and the `topics --lineage` view (textlens.dynamics).

Registered by textlens/cli.py; like every query command they read the store only and print a table, CSV or
JSON. Table headers and notes go through textlens.i18n (`--lang fr|en`, French by default).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import By, Dimension, QueryCommand, query_inputs
from textlens.cli.output import console, emit
from textlens.cli.render import current_view, format_value


def _records(df: Any) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records", force_ascii=False)) if not df.empty else []


def _cell(value: Any) -> Any:
    """Corpus text as rich Text, so "[...]" in it is never read as markup."""
    from rich.text import Text

    return Text(format_value(value, "text", current_view().lang))


def _print_passages(ev: Any, key_cols: list[str], lang: str) -> None:
    """Passages under a table, one row each: the keys that say which number they support, then the text."""
    from rich.table import Table

    from textlens.i18n import t

    if ev.empty:
        return
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col in key_cols:
        table.add_column(col, no_wrap=True)
    table.add_column("doc", no_wrap=True)
    table.add_column(t("signals.passage", lang), ratio=1)
    for r in ev.to_dict("records"):
        table.add_row(*[_cell(r.get(c)) for c in key_cols], _cell(r.get("doc_id")), _cell(r.get("passage")))
    console().print(table)


@app.command(cls=QueryCommand)
def signals(
    ctx: typer.Context,
    items: Annotated[Optional[list[str]], typer.Argument(help="Items to follow (default: all).")] = None,
    by: Annotated[By, typer.Option("--by", help="Period.")] = By.year,
    dimension: Annotated[Dimension, typer.Option("--dimension", "-d", help="What to follow.")] = Dimension.theme,
    lookback: Annotated[int, typer.Option("--lookback", min=1, help="Earlier periods compared with each period.")] = 4,
    alpha: Annotated[float, typer.Option("--alpha", min=0.0001, max=0.5, help="Largest q-value of a signal.")] = 0.05,
    low_quantile: Annotated[float, typer.Option("--low-quantile", min=0.01, max=0.99,
                                                help="Below this quantile of past shares an item is 'low'.")] = 0.5,
    min_n: Annotated[int, typer.Option("--min-n", min=1, help="Fewest documents of a signal in its period.")] = 3,
    every: Annotated[bool, typer.Option("--all", help="Every period x item with its status, not only alerts.")
                     ] = False,
    evidence: Annotated[bool, typer.Option("--evidence", help="The passages behind each alert.")] = False,
    validate: Annotated[bool, typer.Option("--validate", help="Does a flag at t anticipate a rise at t+1?")
                        ] = False,
) -> None:
    """Weak and strong signals per period (no look-ahead): which items start rising, with the test used.

    Examples: `textlens signals -d aspect --by quarter --evidence`, `textlens signals --by 5y --all`,
    `textlens signals -d topic --by month --validate --format json`.
    """
    corpus, filters, fmt = query_inputs(ctx)
    from textlens.dynamics import signals as sg
    from textlens.i18n import t
    from textlens.query import resolve_items

    lg = current_view().lang
    dim = dimension.value
    chosen = resolve_items(corpus, dim, items) if items else None
    rule = sg.SignalRule(lookback=lookback, alpha=alpha, low_quantile=low_quantile, min_n=min_n,
                         min_history=min(2, lookback))
    result = sg.signals(corpus, dim, by.value, filters, chosen, rule)
    df = result.table
    shown = df if every else sg.alerts(df)
    if filters.limit:
        shown = shown.head(filters.limit)
    ev = sg.alert_evidence(corpus, shown, dim, by.value, filters) if evidence else None
    check = sg.anticipation(df) if validate else None
    note = t("signals.rule", lg, lookback=rule.lookback, min_history=rule.min_history, alpha=rule.alpha,
             min_n=rule.min_n, quantile=rule.low_quantile)
    if fmt == "json":
        payload: dict[str, Any] = {"signals": _records(shown), "rule": result.rule, "test": result.test,
                                   "denominator": result.denominator, "note": note}
        if ev is not None:
            payload["evidence"] = _records(ev)
        if check is not None:
            payload["validation"] = {"pairs": check.pairs, "outcomes": check.description,
                                     "rates": _records(check.frame())}
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        emit(shown, "csv", [])
        return
    status_word = {s: t(f"signals.status.{s}", lg) for s in sg.STATUSES}
    view = shown.assign(status=shown["status"].map(status_word),
                        docs=[f"{n}/{tot}" for n, tot in zip(shown["n"], shown["total"])],
                        interval=[_interval(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"])])
    emit(view, "table", [
        ("period", t("period", lg), "text", {"no_wrap": True}),
        ("label", t("signals.item", lg), "text", {"max_width": 34}),
        ("status", t("signals.status", lg), "text", {"style": "bold"}),
        ("docs", t("signals.docs", lg), "text", {"justify": "right"}),
        ("share", t("signals.share", lg), "pct", {"justify": "right"}),
        ("interval", t("signals.interval", lg), "text", {"style": "dim"}),
        ("lookback_share", t("signals.lookback", lg), "pct", {"justify": "right"}),
        ("growth", t("signals.growth", lg), "num", {"justify": "right"}),
        ("q_value", t("signals.q", lg), "p", {"justify": "right"})],
        title=t("signals.alerts", lg), empty=t("signals.none", lg), notes=[note])
    if ev is not None:
        _print_passages(ev, ["item", "period"], lg)
    if check is not None:
        rates = check.frame()
        emit(rates, "table", [
            ("outcome", t("signals.outcome", lg), "text", {}), ("flags", t("signals.flags", lg), "text", {}),
            ("flagged", t("signals.flagged", lg), "num", {"justify": "right"}),
            ("precision", t("signals.precision", lg), "pct", {"justify": "right"}),
            ("base_rate", t("signals.base_rate", lg), "pct", {"justify": "right"}),
            ("ratio", t("signals.ratio", lg), "num", {"justify": "right"}),
            ("p_value", t("signals.p", lg), "p", {"justify": "right"})],
            title=t("signals.validation", lg),
            notes=[f"{k}: {t(f'signals.outcome.{k}', lg)}" for k in check.description] + [f"(item, t): {check.pairs}"])


def _interval(low: float, high: float) -> str:
    if low != low or high != high:
        return ""
    return f"{100 * low:.0f}–{100 * high:.0f}%"


def print_lineage(corpus: Any, filters: Any, fmt: str, by: str, lang: str | None = None) -> None:
    """`textlens topics --lineage`: topics per period, then the events linking them."""
    lang = lang or current_view().lang
    from textlens.dynamics.lineage import DEFAULT_THRESHOLD, topic_lineage
    from textlens.i18n import t

    group = "verbatim" if filters.kind == "verbatim" else "press"
    lin = topic_lineage(corpus, by=by, group=group, filters=filters)
    topics, links, events = lin.topics_frame(), lin.links_frame(), lin.events_frame()
    note = t("lineage.rule", lang, threshold=DEFAULT_THRESHOLD)
    if fmt == "json":
        reps = {tp.key: tp.representatives for tp in lin.topics}
        print(json.dumps({"periods": lin.periods, "topics": [{**r, "representatives": reps[r["key"]]}
                                                             for r in _records(topics)],
                          "links": _records(links), "events": _records(events), "threshold": lin.threshold,
                          "skipped_periods": lin.skipped, "rule": note}, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        emit(links, "csv", [])
        return
    shown = topics.assign(terms=topics["terms"].map(lambda ts: ", ".join(ts[:6])))
    emit(shown, "table", [("period", t("period", lang), "text", {"no_wrap": True}),
                           ("topic", "id", "num", {"justify": "right"}),
                           ("label", t("lineage.label", lang), "text", {"max_width": 34}),
                           ("size", t("lineage.size", lang), "num", {"justify": "right"}),
                           ("share", t("share", lang), "pct", {"justify": "right"}),
                           ("terms", t("lineage.terms", lang), "text", {"max_width": 50})],
          title=t("lineage.topics", lang), empty=t("lineage.none", lang),
          notes=[f"{p}: {why}" for p, why in lin.skipped.items()])
    view = events.assign(event=events["event"].map(lambda e: t(f"lineage.event.{e}", lang)),
                         topics=events["topics"].map(" → ".join),
                         labels=[" → ".join(f"{k.split('#')[0]} {label}" for k, label in zip(ks, ls))
                                 for ks, ls in zip(events["topics"], events["labels"])],
                         similarity=events["similarity"].map(lambda s: ", ".join(f"{x:.2f}" for x in s)))
    emit(view, "table", [("period", t("period", lang), "text", {"no_wrap": True}),
                          ("event", t("lineage.event", lang), "text", {"style": "bold"}),
                          ("labels", t("lineage.topics_col", lang), "text", {"ratio": 1}),
                          ("similarity", t("lineage.similarity", lang), "text", {})],
          title=t("lineage.title", lang), empty=t("lineage.none", lang), notes=[note])


@app.command(cls=QueryCommand)
def divergence(
    ctx: typer.Context,
    by: Annotated[By, typer.Option("--by", help="Period.")] = By.year,
    evidence: Annotated[bool, typer.Option("--evidence", help="Passages from both sides behind the largest gaps.")
                        ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Largest significant gaps listed with --evidence.")] = 5,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", help="Shared-subject TOML (themes <-> aspects); "
                                                                      "default: the built-in one.")] = None,
) -> None:
    """Press vs customers: per period, the share of articles and of verbatims on each shared subject, the gap
    and its test.

    Example: `textlens divergence --by 2y --evidence`.
    """
    corpus, filters, fmt = query_inputs(ctx)
    from textlens.dynamics import divergence as dv
    from textlens.i18n import t
    from textlens.query import QueryError

    lg = current_view().lang
    try:
        subjects = dv.load_subjects(mapping)
    except dv.MappingError as exc:
        raise QueryError(str(exc)) from exc
    result = dv.divergence(corpus, by.value, filters, subjects, lg)
    df = result.table
    gaps = dv.largest_gaps(df, top)
    ev = dv.gap_evidence(corpus, gaps, by.value, filters, subjects) if evidence else None
    notes = [t("divergence.rule", lg)]
    for periods, side in ((result.press_only_periods, "divergence.press"),
                          (result.customer_only_periods, "divergence.customers")):
        if periods:
            notes.append(t("divergence.only", lg, side=t(side, lg), periods=", ".join(periods)))
    if fmt == "json":
        payload: dict[str, Any] = {"divergence": _records(df), "largest_gaps": _records(gaps), "test": result.test,
                                   "subjects": result.subjects, "notes": notes}
        if ev is not None:
            payload["evidence"] = _records(ev)
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        emit(df, "csv", [])
        return
    view = df.assign(press=[f"{n}/{tot} {_interval(lo, hi)}" for n, tot, lo, hi in
                            zip(df["press_n"], df["press_total"], df["press_low"], df["press_high"])],
                     customers=[f"{n}/{tot} {_interval(lo, hi)}" for n, tot, lo, hi in
                                zip(df["customer_n"], df["customer_total"], df["customer_low"], df["customer_high"])],
                     leans=df["leans"].map(lambda s: t(f"divergence.{s}", lg) if s else ""))
    emit(view, "table", [("period", t("period", lg), "text", {"no_wrap": True}),
                          ("label", t("divergence.subject", lg), "text", {"max_width": 34}),
                          ("press_share", t("divergence.press", lg), "pct", {"justify": "right"}),
                          ("press", t("divergence.counts", lg), "text", {"style": "dim"}),
                          ("customer_share", t("divergence.customers", lg), "pct", {"justify": "right"}),
                          ("customers", t("divergence.counts", lg), "text", {"style": "dim"}),
                          ("gap", t("divergence.difference", lg), "num", {"justify": "right"}),
                          ("q_value", "q", "p", {"justify": "right"}),
                          ("leans", "+", "text", {"style": "bold"})],
          title=t("divergence.title", lg), empty=t("divergence.none", lg), notes=notes)
    if ev is not None:
        _print_passages(ev, ["subject", "period", "side"], lg)
