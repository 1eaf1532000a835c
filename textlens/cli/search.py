"""`textlens search`: accent-insensitive full-text (or --semantic) search over the passages, shown as
keyword-in-context lines fitted to the terminal, or as CSV/JSON records (textlens.query.search_records)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from textlens.cli.app import app
from textlens.cli.options import QueryCommand, query_inputs
from textlens.cli.output import console, describe, fail, print_json


def short_source(path) -> str:
    return Path(str(path)).name if path else ""


@app.command(cls=QueryCommand)
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words (all must match, any inflection), "exact phrase", prefix*, '
                                              'a OR b, -excluded (put -- before a query starting with -).')],
    semantic: Annotated[bool, typer.Option("--semantic", help="Rank by meaning (sentence embeddings) instead.")] = False,
) -> None:
    """Find passages: accent-insensitive full-text search with a keyword-in-context view.

    Examples: `textlens search délocalisation --from 2004 --to 2013`, `textlens search '"service client" attente'`,
    `textlens search 'rembours* -sinistre' --kind verbatim`, `textlens search "attente au téléphone" --semantic`.
    """
    from textlens.cli.render import tr
    from textlens.query import QueryError, search_records

    corpus, filters, fmt = query_inputs(ctx)
    try:
        rows = search_records(corpus, query, filters, semantic=semantic)
    except QueryError:
        raise
    except Exception as exc:  # noqa: BLE001 - only --semantic loads a model, which may be missing or broken
        if not semantic:
            raise
        fail(tr("cli.error.semantic_unavailable", reason=str(exc)))
    if not rows:
        empty = tr("cli.search.none", query=repr(query)) + (f" ({describe(filters)})" if filters.active() else "")
        console(stderr=True).print(empty, style="yellow", highlight=False, markup=False)
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        import csv

        from textlens.query import SEARCH_COLUMNS

        writer = csv.DictWriter(sys.stdout, fieldnames=SEARCH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    elif rows:
        print_concordance(rows)
        console(stderr=True).print(tr("cli.search.count_semantic" if semantic else "cli.search.count",
                                       n=len(rows)), style="dim", highlight=False, markup=False)


#: narrowest context on each side of a match before the date column gives way
KWIC_MIN_SIDE = 10


def print_concordance(rows: list[dict]) -> None:
    """Keyword-in-context lines: matches aligned in one column; only the contexts are cut to the terminal width.

    Document ids, dates and scores are shown whole (an id is what `textlens show` needs); when the terminal is too
    narrow for them and readable contexts, the score gives way first, then the date shrinks to its year, then goes,
    and a note names what was left out.
    """
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from textlens.cli.render import current_view, format_value, note, tr, wider_console

    view = current_view()
    con = console()
    dates = [format_value(r["date"], "date", view.lang) for r in rows]
    scores = [format_value(round(float(r["score"]), 2), "num", view.lang) for r in rows]
    headers = {k: tr(f"cli.col.{k}") for k in ("doc", "date", "match", "source", "score")}
    doc_w = max([cell_len(headers["doc"])] + [cell_len(str(r["doc_id"])) for r in rows])
    date_w = max([cell_len(headers["date"])] + [cell_len(d) for d in dates])
    match_w = max(cell_len(headers["match"]), min(24, max(cell_len(r["match"]) for r in rows)))
    score_w = max([cell_len(headers["score"])] + [cell_len(x) for x in scores])
    show = {"source": view.wide or con.width >= 140, "date": True, "score": True}
    optional_w = {"source": 24, "date": date_w, "score": score_w}

    def side_room() -> int:
        fixed = doc_w + match_w + sum(optional_w[k] for k, shown in show.items() if shown)
        gaps = 2 * (3 + sum(show.values()))
        return (con.width - fixed - gaps) // 2

    dropped = []
    for name in ("score", "year", "date"):  # what gives way first when the contexts would be unreadable
        if side_room() >= KWIC_MIN_SIDE or view.wide:
            break
        if name == "year":  # the year alone still places the passage in time
            dates = [format_value(r.get("year"), "year", view.lang) for r in rows]
            headers["date"] = tr("cli.col.year")
            optional_w["date"] = date_w = max([cell_len(headers["date"])] + [cell_len(d) for d in dates])
            continue
        show[name] = False
        dropped.append(headers[name])
    side = max(KWIC_MIN_SIDE, side_room())
    show_source, show_date = show["source"], show["date"]
    table = Table(show_edge=False, pad_edge=False, header_style="bold", box=None)
    table.add_column(headers["doc"], no_wrap=True, width=doc_w)
    if show_date:
        table.add_column(headers["date"], no_wrap=True, width=date_w)
    table.add_column("", justify="right", no_wrap=True, width=side, overflow="crop")
    table.add_column(headers["match"], style="bold yellow", no_wrap=True, width=match_w, overflow="ellipsis")
    table.add_column("", no_wrap=True, width=side, overflow="crop")
    if show_source:
        table.add_column(headers["source"], style="dim", no_wrap=True, max_width=24, overflow="ellipsis")
    if show["score"]:
        table.add_column(headers["score"], justify="right", style="dim", no_wrap=True, width=score_w)
    for r, date, score in zip(rows, dates, scores):
        left, right = r["left"], r["right"]
        left = ("…" + left[-(side - 1):]) if len(left) > side else left
        right = (right[: side - 1] + "…") if len(right) > side else right
        cells = [Text(str(r["doc_id"]))] + ([Text(date)] if show_date else []) + [Text(left), Text(r["match"]),
                                                                                   Text(right)]
        if show_source:
            cells.append(Text(short_source(r["source"])))
        table.add_row(*cells, *([Text(score)] if show["score"] else []))
    total = con.width - 2 * side_room() + 2 * side
    if view.wide and total > con.width:  # the reader asked for every column
        con = wider_console(con, total)
    con.print(table)
    if dropped:
        note(con, tr("cli.note.dropped_columns", columns=", ".join(dropped)))


