"""`textlens` command line: a thin layer over the library (textlens.pipeline, .export, .query, .report).

Heavy libraries are imported inside the commands that need them, so queries start fast.
"""
from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="textlens",
    help="Analyse French customer-relations texts: themes, sentiment, entities and how topics develop over the years.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOption = Annotated[Path, typer.Option("--db", help="Corpus store (SQLite file).", envvar="TEXTLENS_DB")]


class Kind(str, Enum):
    auto = "auto"
    editorial = "editorial"
    article = "article"
    verbatim = "verbatim"


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


class SentimentTier(str, Enum):
    fast = "fast"
    accurate = "accurate"


def _console(stderr: bool = False):
    from rich.console import Console

    # Piped output (scripts, CI logs) must not be hard-wrapped in the middle of file names and reasons.
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, soft_wrap=not stream.isatty())


def _fail(message: str, code: int = 1) -> None:
    _console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _ingest_options(kind: Kind, text_col, id_col, date_col, title_col, strict: bool):
    from textlens.ingest import IngestOptions

    return IngestOptions(kind=kind.value, text_col=text_col, id_col=id_col, date_col=date_col, title_col=title_col,
                         strict=strict)


class _Progress:
    """rich progress bars keyed by pipeline stage."""

    def __init__(self, enabled: bool):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=_console(stderr=True), disable=not enabled,
                                 transient=False)
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)


def _print_summary(summary, db: Path) -> None:
    from rich.markup import escape

    con = _console(stderr=True)
    con.print(
        f"[bold]{db}[/]: {summary.stored} new, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.skipped} skipped, {summary.warnings} warnings ({summary.seconds:.1f} s)", highlight=False)
    for line in summary.skipped_examples:
        con.print("  [yellow]skipped[/] " + escape(line), highlight=False)
    if summary.skipped > len(summary.skipped_examples):
        con.print(f"  ... and {summary.skipped - len(summary.skipped_examples)} more: `textlens info --db {db}`",
                  highlight=False)
    if summary.analysed:
        con.print("  analysed: " + ", ".join(f"{k} {v}" for k, v in summary.analysed.items()), highlight=False)
    if summary.unavailable:
        con.print("  not available in this install: " + ", ".join(summary.unavailable), highlight=False)


TextCol = Annotated[Optional[str], typer.Option("--text-col", help="Column holding the text (tables).")]
IdCol = Annotated[Optional[str], typer.Option("--id-col", help="Column holding a stable id (tables).")]
DateCol = Annotated[Optional[str], typer.Option("--date-col", help="Column holding the date (tables).")]
TitleCol = Annotated[Optional[str], typer.Option("--title-col", help="Column holding a title (tables).")]
KindOpt = Annotated[Kind, typer.Option("--kind", help="Kind of documents; auto guesses from length and layout.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit non-zero if any input is skipped.")]


@app.command()
def run(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .csv .tsv .xlsx .jsonl .parquet).")],
    db: DbOption = Path("textlens.db"),
    kind: KindOpt = Kind.auto,
    text_col: TextCol = None,
    id_col: IdCol = None,
    date_col: DateCol = None,
    title_col: TitleCol = None,
    strict: StrictOpt = False,
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Run only these analyses.")] = None,
    taxonomy: Annotated[Optional[Path], typer.Option("--taxonomy", help="Your own theme taxonomy (TOML/YAML).")] = None,
    no_topics: Annotated[bool, typer.Option("--no-topics", help="Skip unsupervised topic discovery.")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Stop instead of waiting when another run writes.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", min=1, help="Analysis processes on this machine (default: all cores, fewer for small jobs).")] = None,
    dask: Annotated[Optional[str], typer.Option(
        "--dask", metavar="ADDRESS", help="Analyse on a Dask cluster, e.g. tcp://scheduler:8786.")] = None,
    dask_dir: Annotated[Optional[Path], typer.Option(
        "--dask-dir", help="Folder shared by the Dask workers and this machine for result partitions.")] = None,
    sentiment_model: Annotated[SentimentTier, typer.Option(
        "--sentiment-model", help="Whole-review sentiment: fast n-gram model, or accurate (fine-tuned e5, "
        "much slower; needs models/sentiment_ft and torch).")] = SentimentTier.fast,
) -> None:
    """Ingest PATHS and run every analysis (entities, themes, sentiment, topics) into the store."""
    from textlens.locking import StoreBusy
    from textlens.parallel import WorkerError
    from textlens.pipeline import run as run_pipeline
    from textlens.store import StoreError

    _check_paths(paths)
    options = _ingest_options(kind, text_col, id_col, date_col, title_col, strict)
    analyzer_options: dict[str, dict[str, str]] = {"themes": {"taxonomy": str(taxonomy)}} if taxonomy else {}
    if sentiment_model is SentimentTier.accurate and (not only or "sentiment" in only):
        from textlens.sentiment.finetuned import unavailable_reason

        reason = unavailable_reason()
        if reason:
            _fail(f"--sentiment-model accurate: {reason}")
        analyzer_options["sentiment"] = {"model": sentiment_model.value}
    try:
        with _Progress(enabled=not quiet and sys.stderr.isatty()) as progress:
            summary = run_pipeline(paths, db, options, analyses=only, progress=progress, wait=not no_wait,
                                   topics=not no_topics, analyzer_options=analyzer_options or None, workers=workers,
                                   dask=dask, dask_dir=dask_dir)
    except (StoreBusy, StoreError, WorkerError) as exc:
        _fail(str(exc))
    _print_summary(summary, db)
    _exit_status(summary, strict)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to read.")],
    db: DbOption = Path("textlens.db"),
    kind: KindOpt = Kind.auto,
    text_col: TextCol = None,
    id_col: IdCol = None,
    date_col: DateCol = None,
    title_col: TitleCol = None,
    strict: StrictOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Read, clean, date and store documents without analysing them."""
    import time

    from textlens.locking import RunLock, StoreBusy
    from textlens.pipeline import RunSummary
    from textlens.pipeline import ingest as ingest_docs
    from textlens.store import Corpus, StoreError

    _check_paths(paths)
    options = _ingest_options(kind, text_col, id_col, date_col, title_col, strict)
    start = time.perf_counter()
    try:
        with RunLock(db), Corpus.open(db) as corpus, _Progress(not quiet and sys.stderr.isatty()) as progress:
            run_id = corpus.start_run({"command": "ingest", "paths": [str(p) for p in paths]})
            summary = ingest_docs(corpus, paths, options, run_id, progress=progress, summary=RunSummary(run_id))
            corpus.finish_run(run_id)
    except (StoreBusy, StoreError) as exc:
        _fail(str(exc))
    summary.seconds = time.perf_counter() - start
    _print_summary(summary, db)
    _exit_status(summary, strict)


def _check_paths(paths: list[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}")


def _exit_status(summary, strict: bool) -> None:
    if summary.ingested == 0:
        _fail("nothing could be ingested" + (f" ({summary.skipped} inputs skipped)" if summary.skipped else ""), 2)
    if strict and summary.skipped:
        _fail(f"{summary.skipped} inputs skipped (--strict)", 3)


@app.command()
def export(
    db: DbOption = Path("textlens.db"),
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.jsonl,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")] = Path("textlens_export.jsonl"),
    with_text: Annotated[bool, typer.Option("--with-text", help="Include the cleaned text.")] = False,
) -> None:
    """Export one record per document (the documented export contract)."""
    from textlens.export import export as do_export
    from textlens.store import StoreError

    try:
        n = do_export(db, format.value, out, include_text=with_text)
    except StoreError as exc:
        _fail(str(exc))
    _console(stderr=True).print(f"wrote {n} documents to {out}", highlight=False)


@app.command()
def info(
    db: DbOption = Path("textlens.db"),
    skipped: Annotated[bool, typer.Option("--skipped", help="List every skipped input with its reason.")] = False,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Counts per kind, year and language, analyses done, and skipped inputs."""
    from textlens.info import corpus_info
    from textlens.store import StoreError

    try:
        data = corpus_info(db, list_skipped=skipped)
    except StoreError as exc:
        _fail(str(exc))
    if format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from textlens.info import render_info

    render_info(data, _console())


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id.")],
    db: DbOption = Path("textlens.db"),
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Everything known about one document."""
    from textlens.store import Corpus, StoreError

    try:
        corpus = Corpus.open(db, readonly=True)
    except StoreError as exc:
        _fail(str(exc))
    doc = corpus.document(doc_id)
    if doc is None:
        close = [r[0] for r in corpus.conn.execute(
            "SELECT id FROM documents WHERE id LIKE ? ORDER BY id LIMIT 5", (f"%{doc_id}%",))]
        _fail(f"no document {doc_id!r}" + (f"; did you mean: {', '.join(close)}" if close else ""))
    from textlens.export import _records

    rec = next(_records(corpus, [doc], include_text=True))
    if format == "json":
        print(json.dumps(rec, ensure_ascii=False, indent=2))
        return
    from textlens.info import render_document

    render_document(rec, _console())


# ==== queries: search, trends, themes, topics, entities, figures, sentiment (textlens.query / .trends) ====
# Every query command reads the store only (no torch/spaCy unless --semantic), shares the same filters
# (injected by `_query_command`) and prints a rich table, CSV or JSON on stdout.


class OutFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class By(str, Enum):
    year = "year"
    quarter = "quarter"
    month = "month"
    y2 = "2y"
    y3 = "3y"
    y5 = "5y"
    y10 = "10y"


class Dimension(str, Enum):
    theme = "theme"
    aspect = "aspect"
    topic = "topic"
    entity = "entity"


class Unit(str, Enum):
    document = "document"
    sentence = "sentence"


_FILTER_OPTIONS = {
    "year": (Annotated[Optional[int], typer.Option("--year", help="Only documents of this year.",
                                                  rich_help_panel="Filters")], None),
    "year_from": (Annotated[Optional[int], typer.Option("--from", help="From this year (inclusive).",
                                                       rich_help_panel="Filters")], None),
    "year_to": (Annotated[Optional[int], typer.Option("--to", help="Up to this year (inclusive).",
                                                     rich_help_panel="Filters")], None),
    "kind": (Annotated[Optional[str], typer.Option("--kind", help="editorial, article or verbatim.",
                                                  rich_help_panel="Filters")], None),
    "theme": (Annotated[Optional[str], typer.Option("--theme", help="Documents carrying this theme (id or label).",
                                                   rich_help_panel="Filters")], None),
    "aspect": (Annotated[Optional[str], typer.Option("--aspect", help="Verbatims mentioning this aspect.",
                                                    rich_help_panel="Filters")], None),
    "entity": (Annotated[Optional[str], typer.Option("--entity", help="Documents naming this entity (any alias).",
                                                    rich_help_panel="Filters")], None),
    "type": (Annotated[Optional[str], typer.Option("--type", help="Entity type (VENDOR, INSTITUTION, ...).",
                                                  rich_help_panel="Filters")], None),
    "sentiment": (Annotated[Optional[str], typer.Option("--sentiment", help="positive, negative, neutral, mixed.",
                                                       rich_help_panel="Filters")], None),
    "source": (Annotated[Optional[str], typer.Option("--source", help="Source file, URL or source field contains.",
                                                    rich_help_panel="Filters")], None),
    "limit": (Annotated[Optional[int], typer.Option("--limit", help="At most this many rows.",
                                                   rich_help_panel="Filters")], None),
    "output_format": (Annotated[OutFormat, typer.Option("--format", help="table, csv or json (on stdout).")],
                      OutFormat.table),
}


def _query_command(func=None, *, register=None):
    """Register `func` as a query command with the shared filter options; it receives `filters` and `fmt`.
    `register`: how to register the wrapped command instead of `app.command` (e.g. as a sub-app's callback).

    Opening the store, checking filter values (unknown theme/entity -> close matches) and turning
    QueryError/StoreError into a clear message are done here once for every command.
    """
    import functools
    import inspect

    if func is None:
        return functools.partial(_query_command, register=register)
    sig = inspect.signature(func, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name not in ("corpus", "filters", "fmt")]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=ann, default=default)
             for name, (ann, default) in _FILTER_OPTIONS.items()]

    @functools.wraps(func)
    def wrapper(**kwargs):
        from textlens.query import Filters, QueryError, resolve_filters
        from textlens.store import Corpus, StoreError

        fmt = kwargs.pop("output_format")
        values = {name: kwargs.pop(name) for name in list(_FILTER_OPTIONS) if name in kwargs}
        db = kwargs.get("db", Path("textlens.db"))
        try:
            corpus = Corpus.open(db, readonly=True)
        except StoreError as exc:
            _fail(str(exc))
        try:
            filters = resolve_filters(corpus, Filters(**values))
            kwargs.pop("db", None)
            return func(corpus=corpus, filters=filters, fmt=fmt.value, **kwargs)
        except (QueryError, StoreError) as exc:
            _fail(str(exc))
        finally:
            corpus.close()

    params = [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=p.annotation, default=p.default)
              for p in own] + extra
    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must see the new signature, not the original function's
    return (register or app.command(name=func.__name__.rstrip("_")))(wrapper)


def _cell(value, kind: str = "text"):
    """One table cell; corpus text is passed as rich Text so "[...]" in it is never read as markup."""
    import math

    from rich.text import Text

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Text("")
    if kind == "pct":
        return Text(f"{100 * value:.0f}%")
    if kind == "num":
        if isinstance(value, float) and not value.is_integer():
            return Text(f"{value:.3g}")
        return Text(str(int(value)) if isinstance(value, float) else str(value))
    if kind == "p":
        return Text("<0.001" if value < 0.001 else f"{value:.3f}")
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    return Text(str(value))


def _emit(df, fmt: str, spec: list[tuple], title: str | None = None, empty: str = "no results",
          notes: list[str] | None = None) -> None:
    """Print `df`: rich table of the `spec` columns (column, header, kind, column options), CSV or JSON."""
    notes = [n for n in (notes or []) if n]
    if df.empty:
        _console(stderr=True).print(f"[yellow]{empty}[/]", highlight=False)
    if fmt == "json":
        print(df.to_json(orient="records", force_ascii=False, indent=2) if not df.empty else "[]")
        return
    if fmt == "csv":
        flat = df.copy()
        for col in flat.columns:
            if flat[col].map(lambda v: isinstance(v, (list, tuple))).any():
                flat[col] = flat[col].map(_csv_list)
        flat.to_csv(sys.stdout, index=False)
        return
    if df.empty:
        return
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False, header_style="bold")
    for col, header, _kind, opts in spec:
        table.add_column(header, **opts)
    for row in df.to_dict("records"):
        table.add_row(*[_cell(row.get(col), kind) for col, _h, kind, _o in spec])
    con = _console()
    con.print(table)
    for note in notes:
        con.print(note, style="dim", highlight=False, markup=False)


def _csv_list(value):
    """A list cell in CSV: "a; b" for plain values, JSON when it holds records."""
    if not isinstance(value, (list, tuple)):
        return value
    if any(isinstance(v, (dict, list, tuple)) for v in value):
        return json.dumps(value, ensure_ascii=False)
    return "; ".join(map(str, value))


def _short_source(path) -> str:
    return Path(str(path)).name if path else ""


@_query_command
def search(
    corpus, filters, fmt,
    query: Annotated[str, typer.Argument(help='Words (all must match, any inflection), "exact phrase", prefix*, '
                                              'a OR b, -excluded (put -- before a query starting with -).')],
    db: DbOption = Path("textlens.db"),
    semantic: Annotated[bool, typer.Option("--semantic", help="Rank by meaning (sentence embeddings) instead.")] = False,
) -> None:
    """Find passages: accent-insensitive full-text search with a keyword-in-context view.

    Examples: `textlens search délocalisation --from 2004 --to 2013`, `textlens search '"service client" attente'`,
    `textlens search 'rembours* -sinistre' --kind verbatim`, `textlens search "attente au téléphone" --semantic`.
    """
    from rich.text import Text

    from textlens.query import QueryError, search_records

    try:
        rows = search_records(corpus, query, filters, semantic=semantic)
    except QueryError:
        raise
    except Exception as exc:  # noqa: BLE001 - only --semantic loads a model, which may be missing or broken
        if not semantic:
            raise
        _fail(f"semantic search unavailable: {exc}")
    if not rows:
        empty = f"no passage matches {query!r}" + (f" ({filters.describe()})" if filters.active() else "")
        _console(stderr=True).print(f"[yellow]{empty}[/]", highlight=False)
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        from textlens.query import SEARCH_COLUMNS

        writer = csv.DictWriter(sys.stdout, fieldnames=SEARCH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    elif rows:
        _print_concordance(rows)
        _console(stderr=True).print(f"{len(rows)} passages" + (" (ranked by meaning)" if semantic else ""),
                                    style="dim", highlight=False)


def _print_concordance(rows: list[dict]) -> None:
    """Keyword-in-context lines: matches aligned in one column, contexts cut to the terminal width."""
    from rich.table import Table
    from rich.text import Text

    con = _console()
    doc_w = min(22, max(len(str(r["doc_id"])) for r in rows))
    match_w = min(24, max(len(r["match"]) for r in rows))
    show_source = con.width >= 140
    fixed = doc_w + 10 + match_w + 6 + (26 if show_source else 0) + 12
    side = max(12, (con.width - fixed) // 2)
    table = Table(show_edge=False, pad_edge=False, header_style="bold", box=None)
    table.add_column("doc", no_wrap=True, max_width=doc_w, overflow="ellipsis")
    table.add_column("date", no_wrap=True, width=10, overflow="crop")
    table.add_column("", justify="right", no_wrap=True, width=side, overflow="crop")
    table.add_column("match", style="bold yellow", no_wrap=True, max_width=match_w, overflow="ellipsis")
    table.add_column("", no_wrap=True, width=side, overflow="crop")
    if show_source:
        table.add_column("source", style="dim", no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column("score", justify="right", style="dim")
    for r in rows:
        left, right = r["left"], r["right"]
        left = ("…" + left[-(side - 1):]) if len(left) > side else left
        right = (right[: side - 1] + "…") if len(right) > side else right
        cells = [_cell(r["doc_id"]), _cell(r["date"]), Text(left), Text(r["match"]), Text(right)]
        if show_source:
            cells.append(_cell(_short_source(r["source"])))
        table.add_row(*cells, Text(f"{r['score']:.2f}"))
    con.print(table)


def _trend_notes(attrs: dict) -> list[str]:
    notes = [f"share of {attrs.get('denominator', 'documents')}; 95% Wilson intervals; "
             f"* = sparse period (< {attrs.get('min_docs')} documents: shown, not over-interpreted)"]
    if attrs.get("undated"):
        notes.append(f"{attrs['undated']} documents without a {attrs.get('by', 'period')} are not counted")
    return notes


@_query_command
def trends(
    corpus, filters, fmt,
    items: Annotated[Optional[list[str]], typer.Argument(help="Themes (or aspects/topics/entities) to follow; "
                                                               "default: all.")] = None,
    db: DbOption = Path("textlens.db"),
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
    from textlens.query import resolve_items

    dim = dimension.value
    chosen = resolve_items(corpus, dim, items) if items else None
    if terms:
        df = tr.specific_terms(corpus, by=by.value, top=top, filters=filters, min_docs=min_docs)
        if fmt == "table" and not df.empty:
            df = (df.assign(term=df["term"] + " (" + df["llr"].round(1).astype(str) + ")")
                  .groupby(["period", "sparse"], sort=True)["term"].agg(list).reset_index())
            df["period"] = df["period"].astype(str) + df["sparse"].map({True: "*", False: ""})
        _emit(df, fmt, [("period", by.value, "text", {"no_wrap": True}),
                        ("term", "over-represented terms (log-likelihood)", "text", {})],
              empty="no over-represented terms (too few documents or words?)",
              notes=["* = sparse period; terms of the period vs the rest of the corpus, G2 > 3.84 is p < 0.05"])
        return
    if associations:
        df = tr.associations(corpus, dim, "entity", by=None, filters=filters, top=top * 3, items=chosen,
                             min_n=2, with_years=True)
        _emit(df, fmt, [("item", dim, "text", {}), ("other", "entity", "text", {}),
                        ("other_type", "type", "text", {"style": "dim"}), ("n", "docs", "num", {"justify": "right"}),
                        ("lift", "lift", "num", {"justify": "right"}), ("years", "years", "text", {})],
              title=f"{dim} x entity (documents carrying both)",
              empty="no pair seen in at least 2 documents",
              notes=["lift > 1: the entity is cited more often with this item than in general"])
        return
    if chosen is None and dim in ("entity", "topic"):
        base = tr.doc_items(corpus, dim, filters.type if dim == "entity" else None)
        chosen = base.groupby("item")["doc_id"].nunique().sort_values(ascending=False).head(top).index.tolist()
    prev = tr.prevalence(corpus, dim, by=by.value, filters=filters, unit=unit.value, items=chosen, min_docs=min_docs)
    summary = tr.trend_summary(prev)
    ev = None
    if evidence and not prev.empty:
        import pandas as pd

        parts = []
        index = tr.EvidenceIndex(corpus, dim, filters, by.value)  # tables read once for all items
        for item in summary["item"]:  # the evidence of each item, then the best passages of each period
            e = index.evidence(item, limit=None)
            e = e.sort_values(["period", "score"], ascending=[True, False], kind="stable")
            parts.append(e.groupby("period", sort=True).head(filters.limit or 3).assign(item=item))
        ev = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if fmt == "json":
        import json as _json

        payload = {"prevalence": _json.loads(prev.to_json(orient="records", force_ascii=False)),
                   "summary": _json.loads(summary.to_json(orient="records", force_ascii=False)),
                   "notes": _trend_notes(prev.attrs)}
        if ev is not None:
            payload["evidence"] = _json.loads(ev.to_json(orient="records", force_ascii=False))
        print(_json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        _emit(ev if ev is not None else prev, "csv", [])
        return
    if prev.empty:
        _emit(prev, fmt, [], empty=f"no {dim} found in the selected documents ({filters.describe()})")
        return
    _print_prevalence(prev, summary)
    if ev is not None:
        _print_evidence(ev, by.value)
    for note in _trend_notes(prev.attrs):
        _console().print(note, style="dim", highlight=False, markup=False)


def _print_prevalence(prev, summary) -> None:
    """Summary (first/peak period, trend test, flag) and a period x item matrix of shares."""
    from rich.table import Table
    from rich.text import Text

    con = _console()
    sparse = dict(zip(prev["period"], prev["sparse"]))
    t = Table(title="trend per item", title_justify="left", show_edge=False, pad_edge=False, header_style="bold")
    for h, opts in (("item", {"max_width": 30, "no_wrap": True, "overflow": "ellipsis"}), ("docs", {"justify": "right"}),
                    ("first", {}), ("peak", {}),
                    ("peak share", {"justify": "right"}), ("trend", {}), ("MK p", {"justify": "right"}),
                    ("flag", {"style": "bold"})):
        t.add_column(h, **opts)
    arrows = {"rising": "↗ rising", "falling": "↘ falling", "flat": "→ flat"}
    for r in summary.to_dict("records"):
        t.add_row(_cell(r["label"] if r["label"] != r["item"] else r["item"]), _cell(r["n"], "num"),
                  _cell(r["first_period"]),
                  _cell(f"{r['peak_period']}{'*' if sparse.get(r['peak_period']) else ''}"
                        if r["peak_period"] is not None else None),
                  _cell(r["peak_share"], "pct"),
                  _cell(arrows.get(r["direction"], r["direction"])), _cell(r["mk_p"], "p"), _cell(r["flag"]))
    con.print(t)
    periods = sorted(prev["period"].unique())
    sparse = dict(zip(prev["period"], prev["sparse"]))
    docs = dict(zip(prev["period"], prev["docs"]))
    items = list(summary["item"])
    shares = prev.set_index(["period", "item"])

    def cell(p, item) -> Text:
        n, share = shares.at[(p, item), "n"], shares.at[(p, item), "share"]
        return Text("·" if n == 0 else f"{100 * share:.0f}", style="dim" if sparse[p] else "")

    m = Table(title="share per period (%)", title_justify="left", show_edge=False, pad_edge=False,
              header_style="bold", box=None, padding=(0, 1))
    label_w = min(28, max(len(str(x)) for x in prev["label"]))
    if label_w + 1 + len(periods) * (len(str(periods[-1])) + 2) <= con.width:  # periods across
        m.add_column("", max_width=label_w, overflow="ellipsis", no_wrap=True)
        for p in periods:
            m.add_column(f"{p}{'*' if sparse[p] else ''}", justify="right")
        m.add_row(Text("documents", style="italic"), *[Text(str(docs[p]), style="italic") for p in periods])
        labels = dict(zip(prev["item"], prev["label"]))
        for item in items:
            m.add_row(Text(str(labels[item])), *[cell(p, item) for p in periods])
    else:  # periods down, items across (headed by their ids)
        m.add_column("", no_wrap=True, min_width=len(str(periods[-1])) + 1)
        m.add_column("docs", justify="right", style="italic", min_width=4)
        for item in items:
            m.add_column(str(item)[:10], justify="right", no_wrap=True, overflow="crop")
        for p in periods:
            m.add_row(Text(f"{p}{'*' if sparse[p] else ''}"), Text(str(docs[p])), *[cell(p, item) for item in items])
    con.print(m)


def _print_evidence(ev, by: str) -> None:
    from rich.table import Table
    from rich.text import Text

    if ev.empty:
        return
    t = Table(title="evidence (passages behind each number)", title_justify="left", show_edge=False,
              pad_edge=False, header_style="bold", show_lines=False)
    for h, opts in (("item", {"no_wrap": True}), (by, {"no_wrap": True}), ("doc", {"no_wrap": True}),
                    ("passage", {"ratio": 1})):
        t.add_column(h, **opts)
    for r in ev.to_dict("records"):
        t.add_row(_cell(r["item"]), _cell(r["period"]), _cell(r["doc_id"]), _cell(r["passage"]))
    _console().print(t)


@_query_command
def themes(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    aspects: Annotated[bool, typer.Option("--aspects", help="Verbatim aspects instead of editorial themes.")] = False,
) -> None:
    """Each theme: documents carrying it, share (95% interval) and its most typical passage."""
    from textlens.trends import theme_table

    df = theme_table(corpus, "aspect" if aspects else "theme", filters)
    if filters.limit:
        df = df.head(filters.limit)
    wide = _console().width >= 140
    _emit(df, fmt, [("theme", "id", "text", {"no_wrap": True}),
                    *([("label", "label", "text", {"max_width": 34, "no_wrap": True})] if wide else []),
                    ("docs", "docs", "num", {"justify": "right"}), ("share", "share", "pct", {"justify": "right"}),
                    ("ci_low", "low", "pct", {"justify": "right", "style": "dim"}),
                    ("ci_high", "high", "pct", {"justify": "right", "style": "dim"}),
                    ("top_passage", "top passage", "text", {"ratio": 1, "no_wrap": True, "overflow": "ellipsis"})],
          empty="no themes in the store yet (run `textlens run`)",
          notes=[f"out of {df.attrs.get('total', 0)} documents ({filters.describe()})"])


from textlens.cli_topics import as_listing, topics_app  # noqa: E402  (rename/merge sub-commands)

app.add_typer(topics_app, name="topics")


@_query_command(register=as_listing)
def topics(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
) -> None:
    """Discovered topics: label, top terms, size, nearest theme and the run's quality metrics."""
    from textlens.trends import topic_table

    df = topic_table(corpus, filters)
    quality = df.attrs.get("quality") or {}
    if fmt == "json":
        import json as _json

        print(_json.dumps({"topics": _json.loads(df.to_json(orient="records", force_ascii=False)),
                           "quality": quality}, ensure_ascii=False, indent=2, default=str))
        return
    shown = df.assign(terms=df["terms"].map(lambda t: ", ".join(str(x[0] if isinstance(x, (list, tuple)) else x)
                                                                for x in t[:8])),
                      example=df["representatives"].map(lambda r: (r[0].get("text") if r and isinstance(r[0], dict)
                                                                   else (r[0] if r else "")) or ""))
    shown_keys = ("status", "n_topics", "units", "outlier_share", "npmi", "diversity", "agreement_ari",
                  "agreement_nmi", "encoder", "seconds", "reason")
    summary = ", ".join(f"{k} {quality[k]:.3g}" if isinstance(quality[k], float) else f"{k} {quality[k]}"
                        for k in shown_keys if quality.get(k) is not None)
    _emit(shown if fmt == "table" else df, fmt,
          [("id", "id", "num", {"justify": "right", "min_width": 3}),
           ("label", "label", "text", {"max_width": 30, "min_width": 12}),
           ("terms", "terms", "text", {"min_width": 20, "max_width": 40}), ("size", "size", "num", {"justify": "right"}),
           ("docs", "docs", "num", {"justify": "right"}), ("theme_id", "theme", "text", {}),
           *([("example", "representative passage", "text",
                {"max_width": max(30, _console().width - 110), "no_wrap": True, "overflow": "ellipsis"})]
             if _console().width >= 140 else [])],
          empty="no topics in the store (topic discovery runs at the end of `textlens run`)",
          notes=[f"quality: {summary}" if summary else ""])


@_query_command
def entities(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    by: Annotated[Optional[By], typer.Option("--by", help="Per period instead of overall.")] = None,
    top: Annotated[int, typer.Option("--top", help="Entities shown (per period with --by).")] = 20,
) -> None:
    """Most cited entities (vendors, institutions, studies...): documents and mentions."""
    from textlens.trends import entity_table

    df = entity_table(corpus, type=filters.type, by=by.value if by else None, top=filters.limit or top,
                      filters=filters)
    spec = [("entity", "entity", "text", {}), ("type", "type", "text", {"style": "dim"}),
            ("docs", "docs", "num", {"justify": "right"}), ("mentions", "mentions", "num", {"justify": "right"})]
    if by:
        spec.insert(0, ("period", by.value, "text", {"no_wrap": True}))
    else:
        spec += [("first_year", "first", "num", {}), ("last_year", "last", "num", {})]
    _emit(df, fmt, spec, empty=f"no entities found ({filters.describe()})")


@_query_command
def figures(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    about: Annotated[Optional[str], typer.Option("--about", help="Words the figure's subject must contain.")] = None,
) -> None:
    """Figures stated in the texts (statistics with what they measure and their source)."""
    from textlens.trends import figures_table

    df = figures_table(corpus, about=about, filters=filters)
    _emit(df, fmt, [("year", "year", "num", {}), ("value", "value", "text", {"no_wrap": True, "style": "bold"}),
                    ("about", "about", "text", {"max_width": 40}), ("source", "source", "text", {"max_width": 24}),
                    ("doc_id", "doc", "text", {"style": "dim", "max_width": 22})],
          empty="no figures found" + (f" about {about!r}" if about else ""))


@_query_command
def sentiment(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    by: Annotated[By, typer.Option("--by", help="Period.")] = By.year,
    drivers: Annotated[bool, typer.Option("--drivers", help="Which aspects drive negative reviews.")] = False,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Periods with fewer documents are marked sparse.")] = 5,
) -> None:
    """Share of negative/positive documents per period (95% intervals), overall or about --theme/--aspect."""
    from textlens.trends import negative_drivers, sentiment_over_time

    if drivers:
        df = negative_drivers(corpus, filters)
        _emit(df, fmt, [("label", "aspect", "text", {}), ("neg_docs", "neg docs", "num", {"justify": "right"}),
                        ("share_of_negatives", "% of negatives", "pct", {"justify": "right"}),
                        ("share_of_positives", "% of positives", "pct", {"justify": "right"}),
                        ("ratio", "ratio", "num", {"justify": "right"}),
                        ("aspect_negative", "judged negative", "num", {"justify": "right"})],
              empty="no aspects with document sentiment in the selected documents",
              notes=[f"{df.attrs.get('n_negative', 0)} negative and {df.attrs.get('n_positive', 0)} positive documents"])
        return
    if filters.theme and filters.aspect:
        _fail("give either --theme or --aspect, not both")
    df = sentiment_over_time(corpus, by=by.value, theme=filters.theme, aspect=filters.aspect, filters=filters,
                             min_docs=min_docs)
    if fmt == "table" and not df.empty:
        df = df.assign(period=df["period"].astype(str) + df["sparse"].map({True: "*", False: ""}))
    about = f" about {filters.theme or filters.aspect}" if (filters.theme or filters.aspect) else ""
    _emit(df, fmt, [("period", by.value, "text", {"no_wrap": True}), ("n", "docs", "num", {"justify": "right"}),
                    ("neg_share", "negative", "pct", {"justify": "right", "style": "red"}),
                    ("neg_low", "low", "pct", {"justify": "right", "style": "dim"}),
                    ("neg_high", "high", "pct", {"justify": "right", "style": "dim"}),
                    ("pos_share", "positive", "pct", {"justify": "right", "style": "green"}),
                    ("pos_low", "low", "pct", {"justify": "right", "style": "dim"}),
                    ("pos_high", "high", "pct", {"justify": "right", "style": "dim"}),
                    ("mixed", "mixed", "num", {"justify": "right"}), ("neutral", "neutral", "num", {"justify": "right"})],
          title=f"sentiment{about} per {by.value}", empty=f"no sentiment{about} in the selected documents",
          notes=[f"* = fewer than {min_docs} documents; 95% Wilson intervals",
                 f"{df.attrs.get('undated')} documents without a {by.value} are not counted"
                 if df.attrs.get("undated") else ""])


# ==== end of queries ====


# ==== report (owned by the report helper: textlens/report/) ====
class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    xlsx = "xlsx"
    json = "json"


_F = _FILTER_OPTIONS  # the query commands' filter options, shared as is


@app.command()
def report(
    db: DbOption = Path("textlens.db"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.html, .md, .xlsx or .json).")] = Path(
        "textlens_report.html"),
    format: Annotated[Optional[ReportFormat], typer.Option(
        "--format", "-f", help="html, md, xlsx or json (default: from --out's suffix, else html).")] = None,
    by: Annotated[Optional[By], typer.Option(
        "--by", help="Period of the trends (default: years, or spans of years where documents are few).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Report title.")] = None,
    evidence: Annotated[int, typer.Option("--evidence", min=1, max=20, help="Passages per chart value.")] = 3,
    year: _F["year"][0] = None,
    year_from: _F["year_from"][0] = None,
    year_to: _F["year_to"][0] = None,
    kind: _F["kind"][0] = None,
    theme: _F["theme"][0] = None,
    aspect: _F["aspect"][0] = None,
    entity: _F["entity"][0] = None,
    type: _F["type"][0] = None,
    sentiment: _F["sentiment"][0] = None,
    source: _F["source"][0] = None,
    limit: _F["limit"][0] = None,
) -> None:
    """Write a report: self-contained HTML (charts, evidence), Markdown + PNG, XLSX or JSON."""
    from textlens.query import Filters, QueryError
    from textlens.report import Options, build_report, guess_format
    from textlens.store import StoreError

    filters = Filters(year=year, year_from=year_from, year_to=year_to, kind=kind, theme=theme, aspect=aspect,
                      entity=entity, type=type, sentiment=sentiment, source=source, limit=limit)
    options = Options(by=by.value if by else "auto", evidence_limit=evidence, title=title or "textlens report")
    try:
        fmt = guess_format(out, format.value if format else None)
        path = build_report(db, out, fmt, filters, options)
    except (QueryError, StoreError, ValueError, OSError) as exc:
        _fail(str(exc))
    _console(stderr=True).print(f"wrote {fmt} report to {path}", highlight=False)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
