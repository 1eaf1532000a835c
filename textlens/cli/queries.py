"""`textlens themes`, `entities`, `figures` and `sentiment`: one table each from textlens.trends (shares with 95%
intervals, counts, stated figures), or the same rows as CSV/JSON."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import By, QueryCommand, query_inputs
from textlens.cli.output import describe, emit, fail


@app.command(cls=QueryCommand)
def themes(
    ctx: typer.Context,
    aspects: Annotated[bool, typer.Option("--aspects", help="Verbatim aspects instead of editorial themes.")] = False,
) -> None:
    """Each theme: documents carrying it, share (95% interval) and its most typical passage."""
    from textlens.cli.render import Col, tr
    from textlens.trends import theme_table

    corpus, filters, fmt = query_inputs(ctx)
    result = theme_table(corpus, "aspect" if aspects else "theme", filters)
    df = result.table
    if filters.limit:
        df = df.head(filters.limit)
    emit(df, fmt, [Col("theme", "aspect" if aspects else "theme", priority=0),
                    Col("label", "label", priority=2, max_width=34),
                    Col("docs", "docs", "num", priority=0), Col("share", "share", "pct", priority=0),
                    Col("ci_low", "low", "pct", priority=3, style="dim", group="ci"),
                    Col("ci_high", "high", "pct", priority=3, style="dim", group="ci"),
                    Col("top_passage", "top_passage", priority=4, wrap=False, min_width=20)],
          empty=tr("cli.themes.none"),
          notes=[tr("cli.themes.note", total=result.total, filters=describe(filters))])



@app.command(cls=QueryCommand)
def entities(
    ctx: typer.Context,
    by: Annotated[Optional[By], typer.Option("--by", help="Per period instead of overall.")] = None,
    top: Annotated[int, typer.Option("--top", help="Entities shown (per period with --by).")] = 20,
) -> None:
    """Most cited entities (vendors, institutions, studies...): documents and mentions."""
    from textlens.cli.render import Col, tr
    from textlens.trends import entity_table

    corpus, filters, fmt = query_inputs(ctx)
    df = entity_table(corpus, type=filters.type, by=by.value if by else None, top=filters.limit or top,
                      filters=filters)
    spec = [Col("entity", "entity", priority=0), Col("type", "type", priority=2, style="dim"),
            Col("docs", "docs", "num", priority=0), Col("mentions", "mentions", "num", priority=1)]
    if by:
        spec.insert(0, Col("period", f"period.{by.value}", "period", priority=0))
    else:
        spec += [Col("first_year", "first", "year", priority=1), Col("last_year", "last", "year", priority=1)]
    emit(df, fmt, spec, empty=tr("cli.entities.none", filters=describe(filters)))


@app.command(cls=QueryCommand)
def figures(
    ctx: typer.Context,
    about: Annotated[Optional[str], typer.Option("--about", help="Words the figure's subject must contain.")] = None,
) -> None:
    """Figures stated in the texts (statistics with what they measure and their source)."""
    from textlens.cli.render import Col, tr
    from textlens.trends import figures_table

    corpus, filters, fmt = query_inputs(ctx)
    df = figures_table(corpus, about=about, filters=filters)
    emit(df, fmt, [Col("year", "year", "year", priority=0), Col("value", "value", priority=0, style="bold"),
                    Col("about", "about", priority=0, max_width=40), Col("source", "source", priority=2, max_width=24),
                    Col("doc_id", "doc", "id", priority=1, style="dim")],
          empty=tr("cli.figures.none_about", about=repr(about)) if about else tr("cli.figures.none"))


@app.command(cls=QueryCommand)
def sentiment(
    ctx: typer.Context,
    by: Annotated[By, typer.Option("--by", help="Period.")] = By.year,
    drivers: Annotated[bool, typer.Option("--drivers", help="Which aspects drive negative reviews.")] = False,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Periods with fewer documents are marked sparse.")] = 5,
) -> None:
    """Share of negative/positive documents per period (95% intervals), overall or about --theme/--aspect."""
    from textlens.cli.render import Col, tr
    from textlens.trends import negative_drivers, sentiment_over_time

    corpus, filters, fmt = query_inputs(ctx)
    if drivers:
        drivers_result = negative_drivers(corpus, filters)
        emit(drivers_result.table, fmt, [Col("label", "aspect", priority=0), Col("neg_docs", "neg_docs", "num", priority=0),
                        Col("share_of_negatives", "share_of_negatives", "pct", priority=0),
                        Col("share_of_positives", "share_of_positives", "pct", priority=1),
                        Col("ratio", "ratio", "num", priority=1),
                        Col("aspect_negative", "aspect_negative", "num", priority=2)],
              empty=tr("cli.sentiment.no_drivers"),
              notes=[tr("cli.sentiment.drivers_note", negative=drivers_result.n_negative,
                        positive=drivers_result.n_positive)])
        return
    if filters.theme and filters.aspect:
        fail(tr("cli.error.theme_and_aspect"))
    series = sentiment_over_time(corpus, by=by.value, theme=filters.theme, aspect=filters.aspect, filters=filters,
                                 min_docs=min_docs)
    df = series.table
    if fmt == "table" and not df.empty:
        df = df.assign(period=df["period"].astype(str) + df["sparse"].map({True: "*", False: ""}))
    about = tr("cli.sentiment.about", subject=filters.theme or filters.aspect) if (filters.theme or filters.aspect) \
        else ""
    period = tr(f"cli.period.{by.value}")
    emit(df, fmt, [Col("period", f"period.{by.value}", "period", priority=0), Col("n", "docs", "num", priority=0),
                    Col("neg_share", "negative", "pct", priority=0, style="red"),
                    Col("neg_low", "neg_low", "pct", priority=3, style="dim", group="neg"),
                    Col("neg_high", "neg_high", "pct", priority=3, style="dim", group="neg"),
                    Col("pos_share", "positive", "pct", priority=0, style="green"),
                    Col("pos_low", "pos_low", "pct", priority=4, style="dim", group="pos"),
                    Col("pos_high", "pos_high", "pct", priority=4, style="dim", group="pos"),
                    Col("mixed", "mixed", "num", priority=2), Col("neutral", "neutral", "num", priority=2)],
          title=tr("cli.sentiment.title", about=about, period=period),
          empty=tr("cli.sentiment.none", about=about),
          notes=[tr("cli.sentiment.note", min_docs=min_docs),
                 tr("cli.note.undated", n=series.undated, period=period) if series.undated else ""])

