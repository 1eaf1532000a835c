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

from textlens.cli.errors import TextlensGroup
from textlens.cli.pii import KeepPiiOpt, MaskArticlesOpt, MaskPiiOpt

app = typer.Typer(
    name="textlens",
    help="Analyse French customer-relations texts: themes, sentiment, entities and how topics develop over the years.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=TextlensGroup,  # catches every TextlensError once: a message and an exit code, no traceback
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


class Lang(str, Enum):
    fr = "fr"
    en = "en"


LangOption = Annotated[Optional[Lang], typer.Option(
    "--lang", envvar="TEXTLENS_LANG", help="Language of messages and table headers (default: the corpus's).")]


def _console(stderr: bool = False):
    from rich.console import Console

    # Piped output (scripts, CI logs) must not be hard-wrapped in the middle of file names and reasons.
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, soft_wrap=not stream.isatty())


def _fail(message: str, code: int = 1) -> None:
    """Print `message` as an error (plain text: names and queries in it are never read as markup) and exit."""
    from rich.text import Text

    from textlens.cli.render import tr

    _console(stderr=True).print(Text.assemble((tr("cli.error"), "bold red"), " ", message), highlight=False)
    raise typer.Exit(code)


def _use_lang(lang: Lang | None, db: Path | None = None) -> str:
    """The language of this command: --lang/$TEXTLENS_LANG, else the store's documents' (French by default)."""
    from textlens.cli.render import View, current_view, set_view
    from textlens.i18n import DEFAULT_LANG

    if lang is not None:
        chosen = lang.value
    else:
        from textlens.cli.data import store_language_counts
        from textlens.i18n import corpus_lang

        chosen = corpus_lang(store_language_counts(db)) if db is not None else DEFAULT_LANG
    set_view(View(lang=chosen, wide=current_view().wide))
    return chosen


def _ingest_options(kind: Kind, text_col, id_col, date_col, title_col, strict: bool, **pii: bool):
    from textlens.ingest import IngestOptions

    return IngestOptions(kind=kind.value, text_col=text_col, id_col=id_col, date_col=date_col, title_col=title_col,
                         strict=strict, **pii)


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


def _print_summary(summary, db: Path, keep_pii: bool = False) -> None:
    from rich.markup import escape

    from textlens.cli.render import current_view, tr
    from textlens.i18n import catalog, fmt_number
    from textlens.cli.pii import print_masking

    con = _console(stderr=True)
    lang = current_view().lang
    con.print(f"[bold]{escape(str(db))}[/]" + escape(tr(
        "cli.summary.counts", new=summary.stored, updated=summary.updated, unchanged=summary.unchanged,
        skipped=summary.skipped, warnings=summary.warnings, seconds=fmt_number(summary.seconds, lang, 1))),
        highlight=False)
    for line in summary.skipped_examples:
        con.print(f"  [yellow]{escape(tr('cli.summary.skipped'))}[/] " + escape(line), highlight=False)
    if summary.skipped > len(summary.skipped_examples):
        con.print("  " + escape(tr("cli.summary.more_skipped", n=summary.skipped - len(summary.skipped_examples),
                                   db=str(db))), highlight=False)
    print_masking(summary, con, keep_pii)
    if summary.analysed:
        con.print("  " + escape(tr("cli.summary.analysed", analyses=", ".join(
            f"{tr('cli.analysis.' + k) if 'cli.analysis.' + k in catalog(lang) else k} {v}"
            for k, v in summary.analysed.items()))), highlight=False)
    if summary.unavailable:
        con.print("  " + escape(tr("cli.summary.unavailable", analyses=", ".join(summary.unavailable))),
                  highlight=False)


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
    lang: LangOption = None,
    mask_pii: MaskPiiOpt = True,
    mask_articles: MaskArticlesOpt = False,
    keep_pii: KeepPiiOpt = False,
) -> None:
    """Ingest PATHS and run every analysis (entities, themes, sentiment, topics) into the store."""
    from textlens.locking import StoreBusy
    from textlens.parallel import WorkerError
    from textlens.pipeline import run as run_pipeline
    from textlens.store import StoreError

    _use_lang(lang)
    _check_paths(paths)
    options = _ingest_options(kind, text_col, id_col, date_col, title_col, strict, mask_pii=mask_pii,
                              mask_articles=mask_articles, keep_pii=keep_pii)
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
    _use_lang(lang, db)
    _print_summary(summary, db, keep_pii)
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
    lang: LangOption = None,
    mask_pii: MaskPiiOpt = True,
    mask_articles: MaskArticlesOpt = False,
    keep_pii: KeepPiiOpt = False,
) -> None:
    """Read, clean, date and store documents without analysing them."""
    import time

    from textlens.locking import RunLock, StoreBusy
    from textlens.run_summary import RunSummary
    from textlens.pipeline import ingest as ingest_docs
    from textlens.store import Corpus, StoreError

    _use_lang(lang)
    _check_paths(paths)
    options = _ingest_options(kind, text_col, id_col, date_col, title_col, strict, mask_pii=mask_pii,
                              mask_articles=mask_articles, keep_pii=keep_pii)
    start = time.perf_counter()
    try:
        with RunLock(db), Corpus.open(db) as corpus, _Progress(not quiet and sys.stderr.isatty()) as progress:
            run_id = corpus.start_run({"command": "ingest", "paths": [str(p) for p in paths]})
            summary = ingest_docs(corpus, paths, options, run_id, progress=progress, summary=RunSummary(run_id))
            corpus.finish_run(run_id)
    except (StoreBusy, StoreError) as exc:
        _fail(str(exc))
    summary.seconds = time.perf_counter() - start
    _use_lang(lang, db)
    _print_summary(summary, db, keep_pii)
    _exit_status(summary, strict)


def _check_paths(paths: list[Path]) -> None:
    from textlens.cli.render import tr

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(tr("cli.error.no_such_path", paths=", ".join(missing)))


def _exit_status(summary, strict: bool) -> None:
    from textlens.cli.render import tr

    if summary.ingested == 0:
        _fail(tr("cli.error.nothing_ingested") + (" " + tr("cli.error.inputs_skipped", n=summary.skipped)
                                                  if summary.skipped else ""), 2)
    if strict and summary.skipped:
        _fail(tr("cli.error.strict_skipped", n=summary.skipped), 3)


@app.command()
def export(
    db: DbOption = Path("textlens.db"),
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.jsonl,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file; - for standard output.")] = Path(
        "textlens_export.jsonl"),
    with_text: Annotated[bool, typer.Option("--with-text", help="Include the cleaned text.")] = False,
    lang: LangOption = None,
) -> None:
    """Export one record per document (the documented export contract)."""
    from textlens.cli.render import tr
    from textlens.export import export as do_export
    from textlens.store import StoreError

    _use_lang(lang, db)
    target = out
    if str(out) == "-":
        if format is ExportFormat.parquet and sys.stdout.isatty():
            _fail(tr("cli.error.parquet_tty"))
        target = sys.stdout.buffer if format is ExportFormat.parquet else sys.stdout
    try:
        n = do_export(db, format.value, target, include_text=with_text)
    except StoreError as exc:
        _fail(str(exc))
    if target is not out:
        sys.stdout.flush()
    where = tr("cli.stdout") if target is not out else str(out)
    _console(stderr=True).print(tr("cli.export.wrote", n=n, out=where), highlight=False, markup=False)


@app.command()
def info(
    db: DbOption = Path("textlens.db"),
    skipped: Annotated[bool, typer.Option("--skipped", help="List every skipped input with its reason.")] = False,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    lang: LangOption = None,
) -> None:
    """Counts per kind, year and language, analyses done, and skipped inputs."""
    from textlens.info import corpus_info
    from textlens.store import StoreError

    lang_code = _use_lang(lang, db)
    try:
        data = corpus_info(db, list_skipped=skipped)
    except StoreError as exc:
        _fail(str(exc))
    if format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    from textlens.info import render_info

    render_info(data, _console(), lang_code)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id.")],
    db: DbOption = Path("textlens.db"),
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    lang: LangOption = None,
) -> None:
    """Everything known about one document."""
    from textlens.cli.render import tr
    from textlens.store import Corpus, StoreError

    lang_code = _use_lang(lang, db)
    try:
        corpus = Corpus.open(db, readonly=True)
    except StoreError as exc:
        _fail(str(exc))
    doc = corpus.document(doc_id)
    if doc is None:
        close = [r[0] for r in corpus.conn.execute(
            "SELECT id FROM documents WHERE id LIKE ? ORDER BY id LIMIT 5", (f"%{doc_id}%",))]
        _fail(tr("cli.error.no_document", id=repr(doc_id)) + (tr("cli.error.did_you_mean", names=", ".join(close))
                                                              if close else ""))
    from textlens.export import _records

    rec = next(_records(corpus, [doc], include_text=True))
    if format == "json":
        print(json.dumps(rec, ensure_ascii=False, indent=2))
        return
    from textlens.info import render_document

    render_document(rec, _console(), lang_code)


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
    emotion = "emotion"  # verbatims (textlens.cx)
    intent = "intent"


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
    "emotion": (Annotated[Optional[str], typer.Option("--emotion", help="Verbatims expressing this emotion (joy, anger...).",
                                                     rich_help_panel="Filters")], None),
    "intent": (Annotated[Optional[str], typer.Option("--intent", help="Verbatims with this intent (churn, complaint...).",
                                                    rich_help_panel="Filters")], None),
    "output_format": (Annotated[OutFormat, typer.Option("--format", help="table, csv or json (on stdout).")],
                      OutFormat.table),
    "lang": (LangOption, None),
    "wide": (Annotated[bool, typer.Option("--wide", help="Every column, however wide the terminal.")], False),
}
_VIEW_OPTIONS = ("output_format", "lang", "wide")  # how to show the answer, not which documents: not filters


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
        from textlens.cli.data import language_counts
        from textlens.cli.render import View, reset_view, set_view
        from textlens.i18n import DEFAULT_LANG, corpus_lang
        from textlens.query import Filters, QueryError, resolve_filters
        from textlens.store import Corpus, StoreError

        fmt, lang, wide = (kwargs.pop(name) for name in _VIEW_OPTIONS)
        values = {name: kwargs.pop(name) for name in list(_FILTER_OPTIONS) if name in kwargs}
        db = kwargs.get("db", Path("textlens.db"))
        token = set_view(View(lang=lang.value if lang else DEFAULT_LANG, wide=wide))
        try:
            try:
                corpus = Corpus.open(db, readonly=True)
            except StoreError as exc:
                _fail(str(exc))
            if lang is None:
                set_view(View(lang=corpus_lang(language_counts(corpus.conn)), wide=wide))
            try:
                filters = resolve_filters(corpus, Filters(**values))
                kwargs.pop("db", None)
                return func(corpus=corpus, filters=filters, fmt=fmt.value, **kwargs)
            except (QueryError, StoreError) as exc:
                _fail(str(exc))
            except Exception as exc:  # a store written by an older textlens lacks the tables of newer analyses
                import sqlite3

                from pandas.errors import DatabaseError

                if isinstance(exc, (sqlite3.OperationalError, DatabaseError)) and "no such table" in str(exc):
                    _fail(tr_missing_table(str(exc), db))
                raise
            finally:
                corpus.close()
        finally:
            reset_view(token)

    params = [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=p.annotation, default=p.default)
              for p in own] + extra
    wrapper.__signature__ = sig.replace(parameters=params)
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must see the new signature, not the original function's
    return (register or app.command(name=func.__name__.rstrip("_")))(wrapper)


def tr_missing_table(message: str, db: Path) -> str:
    """The answer to a query on a store that predates an analysis: which table, and the command that adds it."""
    from textlens.cli.render import tr

    table = message.split("no such table:", 1)[-1].strip().split()[0] if "no such table:" in message else "?"
    return tr("cli.error.missing_table", table=table, db=str(db))


def _emit(df, fmt: str, spec: list, title: str | None = None, empty: str | None = None,
          notes: list[str] | None = None) -> None:
    """Print `df`: a table of the `spec` columns (cli_render.Col) fitted to the terminal, or all of it as CSV/JSON."""
    from textlens.cli.render import as_col, note, render_table, tr

    notes = [n for n in (notes or []) if n]
    if df.empty:
        _console(stderr=True).print(empty or tr("cli.no_results"), style="yellow", highlight=False, markup=False)
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
    con = _console()
    render_table(df.to_dict("records"), [as_col(c) for c in spec], con, title=title)
    for text in notes:
        note(con, text)


def _describe(filters) -> str:
    """The active filters in words, for notes and empty-state messages."""
    from textlens.cli.render import tr

    return ", ".join(f"{k}={v}" for k, v in filters.active().items()) or tr("cli.all_documents")


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
    from textlens.cli.render import tr
    from textlens.query import QueryError, search_records

    try:
        rows = search_records(corpus, query, filters, semantic=semantic)
    except QueryError:
        raise
    except Exception as exc:  # noqa: BLE001 - only --semantic loads a model, which may be missing or broken
        if not semantic:
            raise
        _fail(tr("cli.error.semantic_unavailable", reason=str(exc)))
    if not rows:
        empty = tr("cli.search.none", query=repr(query)) + (f" ({_describe(filters)})" if filters.active() else "")
        _console(stderr=True).print(empty, style="yellow", highlight=False, markup=False)
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
        _console(stderr=True).print(tr("cli.search.count_semantic" if semantic else "cli.search.count",
                                       n=len(rows)), style="dim", highlight=False, markup=False)


#: narrowest context on each side of a match before the date column gives way
KWIC_MIN_SIDE = 10


def _print_concordance(rows: list[dict]) -> None:
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
    con = _console()
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
            cells.append(Text(_short_source(r["source"])))
        table.add_row(*cells, *([Text(score)] if show["score"] else []))
    total = con.width - 2 * side_room() + 2 * side
    if view.wide and total > con.width:  # the reader asked for every column
        con = wider_console(con, total)
    con.print(table)
    if dropped:
        note(con, tr("cli.note.dropped_columns", columns=", ".join(dropped)))


def _trend_notes(attrs: dict, lang: str | None = None) -> list[str]:
    """The notes under a trend table; JSON keeps them in English (`lang="en"`), tables in the reader's language."""
    from textlens.cli.render import current_view
    from textlens.i18n import t

    lang = lang or current_view().lang
    if lang == "en":
        notes = [f"share of {attrs.get('denominator', 'documents')}; 95% Wilson intervals; "
                 f"* = sparse period (< {attrs.get('min_docs')} documents: shown, not over-interpreted)"]
    else:  # the library words its denominator in English: say what it counts in the reader's words
        notes = [t("cli.trends.note_sentences" if attrs.get("unit") == "sentence" else "cli.trends.note", lang,
                   min_docs=attrs.get("min_docs"))]
    if attrs.get("undated"):
        notes.append(t("cli.note.undated", lang, n=attrs["undated"],
                       period=t(f"cli.period.{attrs.get('by', 'year')}", lang)))
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
    from textlens.cli.render import Col
    from textlens.cli.render import tr as _t
    from textlens.query import resolve_items

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
        _emit(df, fmt, [Col("period", f"period.{by.value}", "period", priority=0),
                        Col("term", "terms_llr", priority=0)],
              empty=_t("cli.trends.no_terms"), notes=[_t("cli.trends.terms_note")])
        return
    if associations:
        df = tr.associations(corpus, dim, "entity", by=None, filters=filters, top=top * 3, items=chosen,
                             min_n=2, with_years=True)
        _emit(df, fmt, [Col("item", f"dim.{dim}", priority=0), Col("other", "entity", priority=0),
                        Col("other_type", "type", priority=3, style="dim"), Col("n", "docs", "num", priority=0),
                        Col("lift", "lift", "num", priority=1), Col("years", "years", priority=2)],
              title=_t("cli.trends.associations_title", dimension=_t(f"cli.col.dim.{dim}")),
              empty=_t("cli.trends.no_pairs"), notes=[_t("cli.trends.lift_note")])
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
                   "notes": _trend_notes(prev.attrs, "en")}
        if ev is not None:
            payload["evidence"] = _json.loads(ev.to_json(orient="records", force_ascii=False))
        print(_json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        _emit(ev if ev is not None else prev, "csv", [])
        return
    if prev.empty:
        _emit(prev, fmt, [], empty=_t("cli.trends.none", dimension=_t(f"cli.col.dim.{dim}"),
                                      filters=_describe(filters)))
        return
    _print_prevalence(prev, summary)
    if ev is not None:
        _print_evidence(ev, by.value)
    from textlens.cli.render import note

    for text in _trend_notes(prev.attrs):
        note(_console(), text)


def _print_prevalence(prev, summary) -> None:
    """Summary (first/peak period, trend test, flag) and a period x item matrix of shares.

    The matrix puts the periods across when they fit the terminal; otherwise periods go down and items across,
    headed by their number in the summary table (and a legend), so that a dozen themes fit 80 columns.
    """
    from textlens.cli.render import COLUMN_GAP, WORD_MAX, Col, current_view, format_value, note, render_table, tr

    con = _console()
    lang = current_view().lang
    if prev.attrs.get("dimension") == "entity":  # an entity's "label" is its type: show the name with it
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
    spec = [Col("period", f"period.{prev.attrs.get('by', 'year')}", "period", priority=0),
            Col("docs", "docs", "num", priority=0)] + [
        Col(item, str(i), "whole", priority=i, raw_header=True, justify="right") for i, item in enumerate(items, 1)]
    rows = [{"period": names[p], "docs": docs[p], **{item: share(p, item) for item in items}} for p in periods]
    left_out = set(render_table(rows, spec, con, title=title))
    note(con, "; ".join(f"{i} = {labels[item]}" for i, item in enumerate(items, 1) if str(i) not in left_out))


def _print_evidence(ev, by: str) -> None:
    from textlens.cli.render import Col, render_table, tr

    if ev.empty:
        return
    render_table(ev.to_dict("records"), [Col("item", "item", priority=0), Col("period", f"period.{by}", "period",
                                                                             priority=0),
                                         Col("doc_id", "doc", "id", priority=0), Col("passage", "passage", priority=0,
                                                                                     min_width=20)],
                 _console(), title=tr("cli.trends.evidence_title"))


@_query_command
def themes(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    aspects: Annotated[bool, typer.Option("--aspects", help="Verbatim aspects instead of editorial themes.")] = False,
) -> None:
    """Each theme: documents carrying it, share (95% interval) and its most typical passage."""
    from textlens.cli.render import Col, tr
    from textlens.trends import theme_table

    df = theme_table(corpus, "aspect" if aspects else "theme", filters)
    if filters.limit:
        df = df.head(filters.limit)
    _emit(df, fmt, [Col("theme", "aspect" if aspects else "theme", priority=0),
                    Col("label", "label", priority=2, max_width=34),
                    Col("docs", "docs", "num", priority=0), Col("share", "share", "pct", priority=0),
                    Col("ci_low", "low", "pct", priority=3, style="dim", group="ci"),
                    Col("ci_high", "high", "pct", priority=3, style="dim", group="ci"),
                    Col("top_passage", "top_passage", priority=4, wrap=False, min_width=20)],
          empty=tr("cli.themes.none"),
          notes=[tr("cli.themes.note", total=df.attrs.get("total", 0), filters=_describe(filters))])


from textlens.cli.topics import as_listing, topics_app  # noqa: E402  (rename/merge sub-commands)

app.add_typer(topics_app, name="topics")


@_query_command(register=as_listing)
def topics(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    lineage: Annotated[bool, typer.Option("--lineage", help="Topics fitted per period and how they continue, split, "
                                                            "merge, are born and die (press; --kind verbatim).")] = False,
    by: Annotated[Optional[By], typer.Option("--by", help="Period of --lineage (default 5y).")] = None,
) -> None:
    """Discovered topics: label, top terms, size, nearest theme and the run's quality metrics."""
    if lineage:
        from textlens.cli.dynamics import print_lineage

        return print_lineage(corpus, filters, fmt, by.value if by else "5y")
    from textlens.cli.render import Col, tr
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
    shown_keys = ("status", "n_topics", "units", "outlier_share", "diffuse_share", "npmi", "diversity", "agreement_ari",
                  "agreement_nmi", "encoder", "seconds", "reason")
    summary = ", ".join(f"{k} {quality[k]:.3g}" if isinstance(quality[k], float) else f"{k} {quality[k]}"
                        for k in shown_keys if quality.get(k) is not None)
    _emit(shown if fmt == "table" else df, fmt,
          [Col("id", "id", "num", priority=0), Col("label", "label", priority=0, max_width=30),
           Col("terms", "terms", priority=2, min_width=20, max_width=40), Col("size", "size", "num", priority=1),
           Col("docs", "docs", "num", priority=0), Col("theme_id", "theme", priority=3),
           Col("example", "example", priority=4, wrap=False, min_width=24, max_width=60)],
          empty=tr("cli.topics.none"), notes=[tr("cli.topics.quality", summary=summary) if summary else ""])


@_query_command
def entities(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    by: Annotated[Optional[By], typer.Option("--by", help="Per period instead of overall.")] = None,
    top: Annotated[int, typer.Option("--top", help="Entities shown (per period with --by).")] = 20,
) -> None:
    """Most cited entities (vendors, institutions, studies...): documents and mentions."""
    from textlens.cli.render import Col, tr
    from textlens.trends import entity_table

    df = entity_table(corpus, type=filters.type, by=by.value if by else None, top=filters.limit or top,
                      filters=filters)
    spec = [Col("entity", "entity", priority=0), Col("type", "type", priority=2, style="dim"),
            Col("docs", "docs", "num", priority=0), Col("mentions", "mentions", "num", priority=1)]
    if by:
        spec.insert(0, Col("period", f"period.{by.value}", "period", priority=0))
    else:
        spec += [Col("first_year", "first", "year", priority=1), Col("last_year", "last", "year", priority=1)]
    _emit(df, fmt, spec, empty=tr("cli.entities.none", filters=_describe(filters)))


@_query_command
def figures(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    about: Annotated[Optional[str], typer.Option("--about", help="Words the figure's subject must contain.")] = None,
) -> None:
    """Figures stated in the texts (statistics with what they measure and their source)."""
    from textlens.cli.render import Col, tr
    from textlens.trends import figures_table

    df = figures_table(corpus, about=about, filters=filters)
    _emit(df, fmt, [Col("year", "year", "year", priority=0), Col("value", "value", priority=0, style="bold"),
                    Col("about", "about", priority=0, max_width=40), Col("source", "source", priority=2, max_width=24),
                    Col("doc_id", "doc", "id", priority=1, style="dim")],
          empty=tr("cli.figures.none_about", about=repr(about)) if about else tr("cli.figures.none"))


@_query_command
def sentiment(
    corpus, filters, fmt,
    db: DbOption = Path("textlens.db"),
    by: Annotated[By, typer.Option("--by", help="Period.")] = By.year,
    drivers: Annotated[bool, typer.Option("--drivers", help="Which aspects drive negative reviews.")] = False,
    min_docs: Annotated[int, typer.Option("--min-docs", help="Periods with fewer documents are marked sparse.")] = 5,
) -> None:
    """Share of negative/positive documents per period (95% intervals), overall or about --theme/--aspect."""
    from textlens.cli.render import Col, tr
    from textlens.trends import negative_drivers, sentiment_over_time

    if drivers:
        df = negative_drivers(corpus, filters)
        _emit(df, fmt, [Col("label", "aspect", priority=0), Col("neg_docs", "neg_docs", "num", priority=0),
                        Col("share_of_negatives", "share_of_negatives", "pct", priority=0),
                        Col("share_of_positives", "share_of_positives", "pct", priority=1),
                        Col("ratio", "ratio", "num", priority=1),
                        Col("aspect_negative", "aspect_negative", "num", priority=2)],
              empty=tr("cli.sentiment.no_drivers"),
              notes=[tr("cli.sentiment.drivers_note", negative=df.attrs.get("n_negative", 0),
                        positive=df.attrs.get("n_positive", 0))])
        return
    if filters.theme and filters.aspect:
        _fail(tr("cli.error.theme_and_aspect"))
    df = sentiment_over_time(corpus, by=by.value, theme=filters.theme, aspect=filters.aspect, filters=filters,
                             min_docs=min_docs)
    if fmt == "table" and not df.empty:
        df = df.assign(period=df["period"].astype(str) + df["sparse"].map({True: "*", False: ""}))
    about = tr("cli.sentiment.about", subject=filters.theme or filters.aspect) if (filters.theme or filters.aspect) \
        else ""
    period = tr(f"cli.period.{by.value}")
    _emit(df, fmt, [Col("period", f"period.{by.value}", "period", priority=0), Col("n", "docs", "num", priority=0),
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
                 tr("cli.note.undated", n=df.attrs.get("undated"), period=period) if df.attrs.get("undated") else ""])


# ==== end of queries ====


# ==== report (owned by the report helper: textlens/report/) ====
class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    xlsx = "xlsx"
    json = "json"


class ReportLang(str, Enum):
    fr = "fr"
    en = "en"


_F = _FILTER_OPTIONS  # the query commands' filter options, shared as is


@app.command()
def report(
    db: DbOption = Path("textlens.db"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.html, .md, .xlsx or .json); - for standard "
                                      "output (html, md without charts, json).")] = Path("textlens_report.html"),
    format: Annotated[Optional[ReportFormat], typer.Option(
        "--format", "-f", help="html, md, xlsx or json (default: from --out's suffix, else html).")] = None,
    by: Annotated[Optional[By], typer.Option(
        "--by", help="Period of the trends (default: years, or spans of years where documents are few).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Report title.")] = None,
    evidence: Annotated[int, typer.Option("--evidence", min=1, max=20, help="Passages per chart value.")] = 3,
    lang: Annotated[Optional[ReportLang], typer.Option(
        "--lang", help="Language of the report: fr or en (default: the corpus's, French unless mostly English).")
    ] = None,
    compare_by: Annotated[str, typer.Option("--compare-by", help="Metadata column of the segment comparison "
                                            "(auto: the first with 2-12 values; none: no comparison).")] = "auto",
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
    options = Options(by=by.value if by else "auto", evidence_limit=evidence, title=title,
                      lang=lang.value if lang else None,
                      compare_by=None if compare_by.lower() == "none" else compare_by)
    try:
        fmt = guess_format(out, format.value if format else None)
        path = build_report(db, out, fmt, filters, options)
    except (QueryError, StoreError, ValueError, OSError) as exc:
        _fail(str(exc))
    from textlens.cli.report import report_written

    report_written(fmt, path, options.lang, db)


import textlens.cli.dynamics  # noqa: E402,F401  (registers signals, divergence)


import textlens.cli.drivers  # noqa: E402,F401  (registers `drivers` and `compare`)


import textlens.cli.cx  # noqa: E402,F401 - registers `emotions` and `churn` (customer-experience analyses)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
