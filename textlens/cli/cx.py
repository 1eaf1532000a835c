"""`textlens emotions` and `textlens churn`: the customer-experience analyses of verbatims (textlens.cx), read from
the store only (no model loaded). Registered by textlens/cli.py; numbers come from textlens.cx.stats."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import By, QueryCommand, query_inputs
from textlens.cli.output import emit, fail
from textlens.cli.render import current_view
from textlens.vocab import PERIODS


class CxKind(str, Enum):
    emotion = "emotion"
    intent = "intent"
    effort = "effort"


def _named(df, kind: str, lang: str):
    from textlens.i18n import t

    return df.assign(name=df["label"].map(lambda x: t(f"cx.{kind}.{x}", lang)))


@app.command(cls=QueryCommand)
def emotions(
    ctx: typer.Context,
    of: Annotated[CxKind, typer.Option("--of", help="What to count: emotion, intent or effort.")] = CxKind.emotion,
    by: Annotated[Optional[By], typer.Option("--by", help="Emotional temperature per period.")] = None,
    segment: Annotated[Optional[str], typer.Option(
        "--segment", help="Emotional temperature per value of this column (insurer, product...).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the reviews (strongest first) with their evidence "
                                                       "passage; with --emotion/--intent, those carrying it.")] = False,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Periods with fewer reviews are marked sparse.")] = 5,
) -> None:
    """Emotions (with intensity), customer effort and intents of verbatims: shares with 95% intervals, the emotional
    temperature per period (--by) or segment (--segment), or the reviews themselves (--list)."""
    corpus, filters, fmt = query_inputs(ctx)
    from textlens.cx import stats
    from textlens.i18n import fmt_number, t

    lg = current_view().lang
    if list_:
        return _list(corpus, filters, fmt, lg)
    if by or segment:
        if by and segment:
            fail("give either --by or --segment, not both")
        df = stats.temperature(corpus, by=by.value if by else None, segment=segment, filters=filters,
                               min_docs=min_docs).table
        if fmt == "table" and not df.empty:
            df = df.assign(group=df["group"].astype(str) + df["sparse"].map({True: "*", False: ""}))
        head = (t(f"cx.by.{by.value}", lg) if by.value in PERIODS else by.value) if by else segment
        title = t("cx.title.by_period", lg, by=head) if by else t("cx.title.by_segment", lg, segment=head)
        emit(df, fmt, [("group", head, "text", {"no_wrap": True}),
                        ("n", t("cx.col.reviews", lg), "num", {"justify": "right"}),
                        ("temperature", t("cx.col.temperature", lg), "num", {"justify": "right", "style": "bold"}),
                        ("low", t("cx.col.low", lg), "num", {"justify": "right", "style": "dim"}),
                        ("high", t("cx.col.high", lg), "num", {"justify": "right", "style": "dim"}),
                        ("hard_share", t("cx.effort.hard", lg), "pct", {"justify": "right"}),
                        ("churn_share", t("cx.intent.churn", lg), "pct", {"justify": "right", "style": "red"})],
              title=title, empty=t("cx.empty", lg),
              notes=[t("cx.note.temperature", lg), t("cx.note.sparse", lg, n=min_docs)])
        return
    shares = stats.distribution(corpus, of.value, filters)
    df, n = _named(shares.table, of.value, lg), shares.n
    if n == 0:
        df = df.iloc[0:0]
    spec = [("name", t(f"cx.{of.value}", lg), "text", {}), ("reviews", t("cx.col.reviews", lg), "num", {"justify": "right"}),
            ("share", t("cx.col.share", lg), "pct", {"justify": "right", "style": "bold"}),
            ("low", t("cx.col.low", lg), "pct", {"justify": "right", "style": "dim"}),
            ("high", t("cx.col.high", lg), "pct", {"justify": "right", "style": "dim"})]
    if of == CxKind.emotion:
        spec.append(("intensity", t("cx.col.intensity", lg), "num", {"justify": "right"}))
    emit(df, fmt, spec, title=t("cx.title.distribution", lg, what=t(f"cx.{of.value}", lg)), empty=t("cx.empty", lg),
          notes=[t("cx.note.wilson", lg, n=fmt_number(n, lg))])


def _list(corpus, filters, fmt: str, lang: str) -> None:
    from textlens.cx import stats
    from textlens.i18n import t

    df = stats.labelled_reviews(corpus, filters, limit=filters.limit or 20).table
    what = filters.intent or filters.emotion or t("cx.col.labels", lang)
    emit(df, fmt, [("date", t("cx.col.date", lang), "text", {"no_wrap": True}),
                    ("score", t("cx.col.score", lang), "num", {"justify": "right"}),
                    ("intents", t("cx.intent", lang), "text", {"max_width": 22}),
                    ("emotions", t("cx.emotion", lang), "text", {"max_width": 22}),
                    ("effort", t("cx.effort", lang), "text", {}),
                    ("evidence", t("cx.col.evidence", lang), "text", {"max_width": 70}),
                    ("doc_id", t("cx.col.review", lang), "text", {"style": "dim", "max_width": 22})],
          title=t("cx.title.list", lang, what=what), empty=t("cx.empty", lang))


@app.command(cls=QueryCommand)
def churn(
    ctx: typer.Context,
) -> None:
    """Churn-risk reviews (threat or decision to leave), most certain first, with the passage that shows it."""
    corpus, filters, fmt = query_inputs(ctx)
    from dataclasses import replace

    _list(corpus, replace(filters, intent="churn"), fmt, current_view().lang)
