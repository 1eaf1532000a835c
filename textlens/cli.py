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


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr)


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
    con = _console(stderr=True)
    con.print(
        f"[bold]{db}[/]: {summary.stored} new, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.skipped} skipped, {summary.warnings} warnings ({summary.seconds:.1f} s)", highlight=False)
    for line in summary.skipped_examples:
        con.print(f"  [yellow]skipped[/] {line}", highlight=False, markup=False)
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
) -> None:
    """Ingest PATHS and run every analysis (entities, themes, sentiment, topics) into the store."""
    from textlens.locking import StoreBusy
    from textlens.pipeline import run as run_pipeline
    from textlens.store import StoreError

    _check_paths(paths)
    options = _ingest_options(kind, text_col, id_col, date_col, title_col, strict)
    analyzer_options = {"themes": {"taxonomy": str(taxonomy)}} if taxonomy else None
    try:
        with _Progress(enabled=not quiet and sys.stderr.isatty()) as progress:
            summary = run_pipeline(paths, db, options, analyses=only, progress=progress, wait=not no_wait,
                                   topics=not no_topics, analyzer_options=analyzer_options)
    except (StoreBusy, StoreError) as exc:
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


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
