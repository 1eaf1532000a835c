"""`textlens drivers` and `textlens compare`: the CLI over textlens.dynamics (it only renders).

Registered on the main app by one import line in textlens/cli.py; both are query commands (shared
filters, --format table|csv|json, read the store only).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import QueryCommand, query_inputs
from textlens.cli.output import console, emit
from textlens.cli.render import current_view

if TYPE_CHECKING:
    from textlens.dynamics.impact import DriverTable
    from textlens.dynamics.segments import SegmentComparison

class DriversPart(str, Enum):
    """Which table `drivers --format csv` writes."""

    impact = "impact"
    model = "model"


DimensionsOpt = Annotated[Optional[list[str]], typer.Option(
    "--dimension", "-d", help="Only these item dimensions (aspect, theme, topic, sentiment, or a registered one).")]


def _table(title: str, columns: list[tuple[str, dict]]):
    """A borderless table (these are wide: every number comes with its interval); the first column, a label,
    gets whatever width the numbers leave."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, header_style="bold",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    columns = [(header, {**opts, "min_width": max(opts.get("min_width", 0), len(header))} if k else opts)
               for k, (header, opts) in enumerate(columns)]
    fixed = sum(opts["min_width"] + 2 for _, opts in columns[1:])  # each column is padded on both sides
    for k, (header, opts) in enumerate(columns):
        if k == 0 and "max_width" in opts:
            opts = {**opts, "max_width": max(14, min(opts["max_width"], console().width - fixed - 2)),
                    "min_width": max(14, min(opts["max_width"], console().width - fixed - 2))}
        table.add_column(header, **opts)
    return table


def _json_out(payload: dict[str, Any]) -> None:
    print(json.dumps(_finite(payload), ensure_ascii=False, indent=2, allow_nan=False))


def _finite(value: Any) -> Any:
    """JSON-safe: NaN/inf (an untested small item) as null, numpy scalars as numbers, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value


def _filters_key(filters: Any) -> str:
    """The filters as part of a query-cache key (`--limit` only cuts what is printed)."""
    from dataclasses import replace

    return repr(replace(filters, limit=None))


def _flat(df):
    """Evidence lists as JSON text, for CSV."""
    return df.assign(evidence=df["evidence"].map(lambda e: json.dumps(e, ensure_ascii=False))) \
        if "evidence" in df else df


@app.command(cls=QueryCommand)
def drivers(
    ctx: typer.Context,
    score: Annotated[Optional[str], typer.Option(
        "--score", help="Numeric metadata column to explain (default: rating, note, stars, nps, csat...).")] = None,
    dimension: DimensionsOpt = None,
    min_docs: Annotated[int, typer.Option("--min-docs", min=2, help="Items in fewer scored documents are "
                                          "flagged and left out of the model.")] = 10,
    boot: Annotated[int, typer.Option("--boot", min=100, max=20000, help="Bootstrap replicates.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed (same seed, same intervals).")] = 0,
    part: Annotated[DriversPart, typer.Option("--part", help="csv output: impact or model.")] = DriversPart.impact,
    evidence: Annotated[bool, typer.Option("--evidence", help="List the passages behind each impact.")] = False,
    no_model: Annotated[bool, typer.Option("--no-model", help="Impacts only, without the key-driver model (no "
                                           "ridge fit, bootstrap refits or cross-validation).")] = False,
) -> None:
    """Impact of each aspect, theme or topic on the mean rating (or --score), and the key-driver model.

    Examples: `textlens drivers`, `textlens drivers --score nps -d aspect --evidence`,
    `textlens drivers --source assurance --format json`.
    """
    corpus, filters, fmt = query_inputs(ctx)
    from textlens.dynamics.impact import drivers as compute
    from textlens.dynamics.query_cache import cached

    table = cached(corpus.path, "drivers", {
        "score": score, "filters": _filters_key(filters), "dimensions": tuple(dimension or ()), "boot": boot,
        "seed": seed, "min_docs": min_docs, "model": not no_model},
        lambda: compute(corpus, score=score, filters=filters, dimensions=dimension, n_boot=boot, seed=seed,
                        min_docs=min_docs, model=not no_model))
    if fmt == "json":
        _json_out(table.to_dict())
        return
    if fmt == "csv":
        rows = table.impacts_frame() if part is DriversPart.impact else table.coefficients_frame()
        emit(_flat(rows.head(filters.limit) if filters.limit else rows), "csv", [])
        return
    _print_drivers(table, current_view().lang, evidence, min_docs, filters.limit)


def _print_drivers(table: "DriverTable", lang: str, with_evidence: bool, min_docs: int, limit: int | None) -> None:
    """One impact table per dimension (worst effect first), the model's coefficients, then the passages."""
    from rich.text import Text

    from textlens.i18n import fmt_number as num
    from textlens.i18n import fmt_pct as pct
    from textlens.i18n import t

    con = console()
    con.print(t("dyn.score_line", lang, score=table.score, mean=num(table.mean_score, lang, 2),
                low=num(table.mean_low, lang, 2), high=num(table.mean_high, lang, 2),
                n=num(table.n_docs, lang)), highlight=False, markup=False)
    left = table.left_out.describe(table.score)
    if left:
        con.print(t("dyn.left_out", lang, what=left), style="yellow", highlight=False, markup=False)
    if not table.impacts:
        con.print(t("dyn.no_items", lang), style="yellow", highlight=False, markup=False)
        return
    right = {"justify": "right", "no_wrap": True}
    wide = con.width >= 100  # an 80-column terminal keeps the item readable by leaving the counts out
    for dimension in dict.fromkeys(i.dimension for i in table.impacts):
        out = _table(t("dyn.impacts_title", lang, score=table.score, dimension=dimension), [
            (t("dyn.item", lang), {"max_width": 40, "no_wrap": True, "overflow": "ellipsis"}),
            *([(t("dyn.docs", lang), {**right, "min_width": 5})] if wide else []),
            (t("dyn.impact", lang), {**right, "min_width": 5}),
            (t("dyn.ci", lang), {**right, "style": "dim", "min_width": 11}), (t("dyn.effect", lang), right),
            (t("dyn.ci", lang), {**right, "style": "dim", "min_width": 11}), (t("dyn.q", lang), right)])
        for i in [i for i in table.impacts if i.dimension == dimension][: limit or None]:
            color = "red" if i.significant and i.impact < 0 else "green" if i.significant else ""
            label = i.label + (f" ({t('dyn.small', lang)})" if i.small else "")
            out.add_row(Text(label), *([Text(num(i.docs, lang))] if wide else []),
                        Text(num(i.impact, lang, 2), style=color), Text(_interval(i.ci_low, i.ci_high, lang, 2)),
                        Text(num(i.effect_on_mean, lang, 2), style=color),
                        Text(_interval(i.effect_low, i.effect_high, lang, 2)), Text(_p(i.q_value, lang)))
        con.print(out)
    con.print(t("dyn.impact_note", lang, boot=table.n_boot, seed=table.seed), style="dim", highlight=False,
              markup=False)
    if table.coefficients:
        model = _table(t("dyn.model_title", lang), [
            (t("dyn.feature", lang), {"max_width": 44, "no_wrap": True, "overflow": "ellipsis"}),
            (t("dyn.docs", lang), {**right, "min_width": 5}), (t("dyn.coef", lang), {**right, "min_width": 5}),
            (t("dyn.ci", lang), {**right, "style": "dim", "min_width": 11}),
            (t("dyn.same_sign", lang), {**right, "min_width": 5})])
        for c in table.coefficients[: limit or None]:
            color = "" if not c.stable else "red" if c.coef < 0 else "green"
            model.add_row(Text(_feature_label(c, lang)), Text(num(c.docs, lang)),
                          Text(num(c.coef, lang, 2), style=color), Text(_interval(c.ci_low, c.ci_high, lang, 2)),
                          Text(pct(c.same_sign, lang)))
        con.print(model)
        m = table.model
        if m.get("folds"):
            con.print(t("dyn.model_note", lang, folds=m["folds"], r2=num(m["r2"], lang, 3),
                        r2_std=num(m["r2_std"], lang, 3), baseline=num(m["baseline_r2"], lang, 3),
                        alpha=num(m["alpha"], lang, 1), n_features=m["n_features"], min_docs=min_docs),
                      style="dim", highlight=False, markup=False)
    if with_evidence:
        ev = _table(t("dyn.evidence_title", lang), [
            (t("dyn.item", lang), {"no_wrap": True, "max_width": 28}), (t("dyn.value", lang), right),
            (t("dyn.doc", lang), {"no_wrap": True}), (t("dyn.passage", lang), {"ratio": 1})])
        for i in table.impacts:
            for e in i.evidence:
                ev.add_row(Text(i.label), Text(num(e["value"], lang, 1)), Text(str(e["doc_id"])),
                           Text(e["passage"] or ""))
        con.print(ev)


def _feature_label(c: Any, lang: str) -> str:
    from textlens.i18n import t

    polarity = f" ({t('dyn.polarity.' + c.polarity, lang)})" if c.polarity else ""
    return f"{c.label}{polarity}"


def _interval(low: float, high: float, lang: str, digits: int) -> str:
    from textlens.i18n import fmt_number

    return f"{fmt_number(low, lang, digits)}…{fmt_number(high, lang, digits)}"  # narrow: tables are wide


def _p(value: float, lang: str) -> str:
    from textlens.i18n import fmt_number

    if value != value:
        return ""
    return "<0,001" if value < 0.001 and lang == "fr" else "<0.001" if value < 0.001 else fmt_number(value, lang, 3)


@app.command(cls=QueryCommand)
def compare(
    ctx: typer.Context,
    segments: Annotated[Optional[list[str]], typer.Argument(
        help="Segment A, and optionally B (default: every segment against the others).")] = None,
    by: Annotated[str, typer.Option("--by", help="Metadata column holding the segments (insurer, product, "
                                    "channel...; also source, kind, year).")] = "",
    dimension: DimensionsOpt = None,
    min_docs: Annotated[int, typer.Option("--min-docs", min=2, help="Smaller segments are listed, not tested.")
                        ] = 30,
    score: Annotated[Optional[str], typer.Option("--score", help="Numeric column whose mean is compared "
                                                 "(default: auto-detected rating...).")] = None,
    terms: Annotated[int, typer.Option("--terms", min=0, help="Over-represented words per segment (0: none).")] = 8,
    show_all: Annotated[bool, typer.Option("--all", help="Every item, not only significant differences.")] = False,
    evidence: Annotated[bool, typer.Option("--evidence", help="List the passages behind each difference.")] = False,
) -> None:
    """How segments differ (one insurer vs another, or each vs the rest): shares with tests, scores, words.

    Examples: `textlens compare --by insurer`, `textlens compare --by insurer MAIF`,
    `textlens compare --by product auto habitation --all`, `textlens compare --by channel --format csv`.
    """
    corpus, filters, fmt = query_inputs(ctx)
    from textlens.dynamics.query_cache import cached
    from textlens.dynamics.segments import compare as compute
    from textlens.query import QueryError

    if not by:
        raise QueryError("give the column that holds the segments: --by COLUMN (e.g. --by insurer)")
    if segments and len(segments) > 2:
        raise QueryError(f"give at most two segments (A and B), got {len(segments)}")
    a, b = (list(segments or []) + [None, None])[:2]
    result = cached(corpus.path, "compare", {
        "by": by, "a": a, "b": b, "filters": _filters_key(filters), "dimensions": tuple(dimension or ()),
        "min_docs": min_docs, "score": score, "terms": terms},
        lambda: compute(corpus, by, a, b, filters=filters, dimensions=dimension, min_docs=min_docs, score=score,
                        terms=terms))
    if fmt == "json":
        _json_out(result.to_dict())
        return
    if fmt == "csv":
        emit(_flat(result.frame("differences")), "csv", [])
        return
    _print_comparison(result, current_view().lang, show_all, evidence, filters.limit)


def _print_comparison(result: "SegmentComparison", lang: str, show_all: bool, with_evidence: bool,
                      limit: int | None) -> None:
    from rich.text import Text

    from textlens.i18n import fmt_number as num
    from textlens.i18n import t

    con = console()
    right = {"justify": "right", "no_wrap": True}
    seg = _table(t("dyn.segments_title", lang, column=result.column), [
        (t("dyn.segment", lang), {"max_width": 40}), (t("dyn.docs", lang), right), (t("dyn.tested", lang), {})])
    involved = {result.a, result.b} - {None}
    small = [s for s in result.segments if not s.tested and (not involved or s.name in involved)]
    shown = [s for s in result.segments if (s.name in involved if involved else s.tested)] or result.segments[:10]
    for s in shown:
        seg.add_row(Text(s.name), Text(num(s.docs, lang)), Text(t("dyn.yes" if s.tested else "dyn.no", lang)))
    con.print(seg)
    if small:
        names = ", ".join(f"{s.name} ({s.docs})" for s in small[:12]) + (" ..." if len(small) > 12 else "")
        con.print(t("dyn.small_segments", lang, n=len(small), min_docs=result.min_docs, names=names), style="dim",
                  highlight=False, markup=False)
    if result.left_out.missing:
        con.print(t("dyn.unsegmented", lang, n=result.left_out.missing, column=result.column), style="dim",
                  highlight=False, markup=False)
    alpha = num(result.alpha, lang, 2)
    rows = [d for d in result.differences if show_all or d.significant][: limit or None]
    if rows:
        _print_differences(con, rows, result, lang, show_all)
    else:
        con.print(t("dyn.no_differences", lang, alpha=alpha), style="yellow", highlight=False, markup=False)
    con.print(t("dyn.compare_note", lang), style="dim", highlight=False, markup=False)
    if result.scores:
        scores = sorted(result.scores, key=lambda s: s.difference)
        colors = ["" if not s.significant else "red" if s.difference < 0 else "green" for s in scores]
        _line_table(con, lang, t("dyn.scores_title", lang, score=scores[0].score), t("dyn.segment", lang),
                    [s.segment if s.versus == "rest" else f"{s.segment} / {s.versus}" for s in scores], [
                        LineColumn(t("dyn.docs", lang), [num(s.n_segment, lang) for s in scores], drop=2),
                        LineColumn(t("dyn.mean_segment", lang), [num(s.mean_segment, lang, 2) for s in scores]),
                        LineColumn(t("dyn.mean_other", lang), [num(s.mean_other, lang, 2) for s in scores]),
                        LineColumn(t("dyn.difference", lang), [num(s.difference, lang, 2) for s in scores],
                                   styles=colors),
                        LineColumn(t("dyn.ci", lang), [_interval(s.diff_low, s.diff_high, lang, 2) for s in scores],
                                   drop=1),
                        LineColumn(t("dyn.q", lang), [_p(s.q_value, lang) for s in scores])], item_min=16)
    if result.terms:
        tt = _table(t("dyn.terms_title", lang, alpha=alpha), [
            (t("dyn.segment", lang), {"max_width": 30}), (t("dyn.term", lang), {"ratio": 1})])
        by_segment: dict[str, list[str]] = {}
        for term in result.terms:
            by_segment.setdefault(term.segment, []).append(f"{term.term} ({num(term.llr, lang, 1)})")
        for name, words in by_segment.items():
            tt.add_row(Text(name), Text(", ".join(words)))
        con.print(tt)
    if with_evidence:
        ev = _table(t("dyn.passages", lang), [
            (t("dyn.segment", lang), {"no_wrap": True, "max_width": 20}),
            (t("dyn.item", lang), {"no_wrap": True, "max_width": 28}), (t("dyn.doc", lang), {"no_wrap": True}),
            (t("dyn.passage", lang), {"ratio": 1})])
        for d in rows:
            for e in d.evidence:
                ev.add_row(Text(d.segment), Text(d.label), Text(str(e["doc_id"])), Text(e["passage"] or ""))
        con.print(ev)


def _print_differences(con: Any, rows: list[Any], result: "SegmentComparison", lang: str, show_all: bool) -> None:
    """Every pair's differences in one table, under a heading line per pair (one table of 700 rows for
    `compare --by insurer`, where there were 40-odd tables, one per segment)."""
    from textlens.i18n import fmt_number as num
    from textlens.i18n import fmt_pct as pct
    from textlens.i18n import t

    pairs = list(dict.fromkeys((d.segment, d.versus) for d in rows))
    to_rest = all(v == "rest" for _, v in pairs)
    alpha = num(result.alpha, lang, 2)
    heads = [t("compare.share_segment", lang), t("dyn.share_other", lang) if to_rest else t("compare.share_versus", lang)]
    if len(pairs) == 1:  # A against B (or the rest): the title names them, so do the headers when they are short
        segment, versus = pairs[0]
        title = t("dyn.differences_all_title" if show_all else "dyn.differences_title", lang, segment=segment,
                  versus=t("dyn.rest", lang) if versus == "rest" else versus, alpha=alpha)
        heads = [name if len(name) <= SHORT_NAME else head for name, head in zip((segment, versus), heads)]
        heads[1] = heads[1] if versus != "rest" else t("dyn.share_other", lang)
    else:
        versus = t("dyn.rest", lang) if to_rest else ", ".join(dict.fromkeys(v for _, v in pairs))
        title = t("compare.differences_all_title" if show_all else "compare.differences_title", lang, alpha=alpha,
                  versus=versus)
    _line_table(con, lang, title, t("dyn.item", lang), [f"{d.dimension} · {d.label}" for d in rows], [
        LineColumn(heads[0], [pct(d.share_segment, lang) for d in rows]),
        LineColumn(heads[1], [pct(d.share_other, lang) for d in rows]),
        LineColumn(t("dyn.difference", lang), [_points(d.difference, lang) for d in rows],
                   styles=["bold" if d.significant else "" for d in rows]),  # --all shows the others too
        LineColumn(t("dyn.ci", lang), [_interval(100 * d.diff_low, 100 * d.diff_high, lang, 1) for d in rows],
                   drop=3),
        LineColumn(t("dyn.ratio", lang), [num(d.ratio, lang, 2) for d in rows], drop=1),
        LineColumn("h", [num(d.cohen_h, lang, 2) for d in rows], drop=2),
        LineColumn(t("dyn.q", lang), [_p(d.q_value, lang) for d in rows])],
        sections=[_pair_heading((d.segment, d.versus), lang) for d in rows] if len(pairs) > 1 else None,
        item_min=28)


SHORT_NAME = 12  # a segment name this short heads its column (A against B)


@dataclass
class LineColumn:
    """A right-aligned column of `_line_table`: its header, its cells (already written), an optional style per
    cell, and `drop`: left out first (1), second (2)... when the terminal is too narrow (None: always shown)."""

    header: str
    cells: list[str]
    drop: int | None = None
    styles: list[str] | None = None


def _line_table(con: Any, lang: str, title: str, item_header: str, items: list[str], columns: list[LineColumn],
                sections: list[str] | None = None, item_min: int = 20) -> None:
    """A table of a label column and number columns, written as lines of text fitted to the terminal width.

    Not a rich Table: drawing the 40-odd tables of `compare --by insurer` (700 rows) cell by cell took a fifth of
    the command's 2-second budget, these lines a hundredth of it. Numbers are never shortened (issue #22): columns
    are left out in their `drop` order until the label keeps `item_min` characters (`--wide`: none is left out),
    and only the label is shortened, with an ellipsis. `sections`: per row, a heading written (bold) above the
    row when it changes; the rows under headings are indented."""
    from rich.cells import cell_len, set_cell_size
    from rich.text import Text

    from textlens.cli.render import current_view
    from textlens.i18n import t

    gap, indent = 2, "  " if sections else ""
    widths = [max(cell_len(c.header), *map(cell_len, c.cells)) for c in columns]
    natural = max(cell_len(item_header), *(cell_len(indent + x) for x in items),
                  *(cell_len(x) for x in dict.fromkeys(sections or [])))
    kept = list(range(len(columns)))
    wide = current_view().wide

    def room() -> int:
        return con.width - sum(widths[k] + gap for k in kept)

    for k in sorted((k for k, c in enumerate(columns) if c.drop), key=lambda k: columns[k].drop):
        if wide or room() >= min(item_min, natural):
            break
        kept.remove(k)
    item_width = natural if wide else max(min(natural, room()), 12)

    def first(text: str) -> str:
        if cell_len(text) > item_width:
            text = set_cell_size(text, item_width - 1) + "…"
        return set_cell_size(text, item_width)

    def cell(k: int, value: str) -> str:
        return " " * (gap + widths[k] - cell_len(value)) + value

    con.print(title, style="bold", highlight=False, markup=False)  # prose: wrapped by the terminal like the notes
    out = Text()
    header = first(item_header) + "".join(cell(k, columns[k].header) for k in kept)
    out.append(header + "\n", style="bold")
    out.append("─" * cell_len(header) + "\n")
    shown = None
    for i, item in enumerate(items):
        if sections and sections[i] != shown:
            shown = sections[i]
            out.append(first(shown).rstrip() + "\n", style="bold")
        out.append(first(indent + item))
        for k in kept:
            styles = columns[k].styles
            out.append(cell(k, columns[k].cells[i]), style=(styles[i] or None) if styles else None)
        out.append("\n")
    con.print(out, end="", highlight=False, markup=False, soft_wrap=True)
    left_out = [columns[k].header for k in range(len(columns)) if k not in kept]
    if left_out:
        con.print(t("cli.note.dropped_columns", lang, columns=", ".join(left_out)), style="dim", highlight=False,
                  markup=False)


def _pair_heading(pair: tuple[str, str], lang: str) -> str:
    """The line above a pair's rows: the segment alone when compared with the rest (the title says so)."""
    from textlens.i18n import t

    segment, versus = pair
    return segment if versus == "rest" else t("compare.pair", lang, segment=segment, versus=versus)


def _points(share_difference: float, lang: str) -> str:
    from textlens.i18n import fmt_number

    sign = "+" if share_difference > 0 else ""
    return f"{sign}{fmt_number(100 * share_difference, lang, 1)}"
