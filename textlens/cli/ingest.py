"""`textlens run` and `textlens ingest`: the commands that write the store (textlens.pipeline), with progress bars on
a terminal and a summary of what was stored, skipped, masked and analysed on standard error."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperCommand

from textlens.cli.app import app
from textlens.cli.options import DEFAULT_DB, DbOption, LangOption, SharedOptions
from textlens.cli.output import console, fail, use_lang
from textlens.cli.pii import KeepPiiOpt, MaskArticlesOpt, MaskPiiOpt

if TYPE_CHECKING:
    from click import Context  # typer runs on its own copy of click: nothing to import at run time


class Kind(str, Enum):
    auto = "auto"
    editorial = "editorial"
    article = "article"
    verbatim = "verbatim"


class SentimentTier(str, Enum):
    fast = "fast"
    accurate = "accurate"


TextCol = Annotated[Optional[str], typer.Option("--text-col", help="Column holding the text (tables).")]
IdCol = Annotated[Optional[str], typer.Option("--id-col", help="Column holding a stable id (tables).")]
DateCol = Annotated[Optional[str], typer.Option("--date-col", help="Column holding the date (tables).")]
TitleCol = Annotated[Optional[str], typer.Option("--title-col", help="Column holding a title (tables).")]
KindOpt = Annotated[Kind, typer.Option("--kind", help="Kind of documents; auto guesses from length and layout.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit non-zero if any input is skipped.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]


def reading_options(db: DbOption = DEFAULT_DB, kind: KindOpt = Kind.auto, text_col: TextCol = None,
                    id_col: IdCol = None, date_col: DateCol = None, title_col: TitleCol = None,
                    strict: StrictOpt = False, quiet: QuietOpt = False, lang: LangOption = None,
                    mask_pii: MaskPiiOpt = True, mask_articles: MaskArticlesOpt = False,
                    keep_pii: KeepPiiOpt = False) -> None:
    """What `run` and `ingest` share: the store, how inputs are read and masked, and how the run is shown."""


@dataclass(frozen=True)
class Reading:
    """The shared options of a `ReadingCommand`, as the pipeline takes them."""

    db: Path
    options: Any  # textlens.ingest.IngestOptions
    strict: bool
    quiet: bool
    lang: Any  # Lang | None
    keep_pii: bool


READING_KEY = "textlens.reading"


class ReadingCommand(SharedOptions, TyperCommand):
    """`run` and `ingest`: the reading options above are added to the command and reach it as one `Reading`."""

    declarations = (reading_options,)

    def invoke(self, ctx: "Context") -> Any:
        from textlens.ingest import IngestOptions

        given = self.take(ctx, reading_options)
        ctx.meta[READING_KEY] = Reading(
            db=given["db"], strict=given["strict"], quiet=given["quiet"], lang=given["lang"],
            keep_pii=given["keep_pii"],
            options=IngestOptions(kind=given["kind"].value, text_col=given["text_col"], id_col=given["id_col"],
                                  date_col=given["date_col"], title_col=given["title_col"], strict=given["strict"],
                                  mask_pii=given["mask_pii"], mask_articles=given["mask_articles"],
                                  keep_pii=given["keep_pii"]))
        use_lang(given["lang"])
        return super().invoke(ctx)


def reading(ctx: "Context", paths: list[Path]) -> Reading:
    """The reading options of the running command, once its input paths are known to exist."""
    check_paths(paths)
    return ctx.meta[READING_KEY]


class Progress:
    """rich progress bars keyed by pipeline stage."""

    def __init__(self, enabled: bool):
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bars

        self.progress = Bars(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console(stderr=True), disable=not enabled, transient=False)
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


def print_summary(summary, db: Path, keep_pii: bool = False) -> None:
    from rich.markup import escape

    from textlens.cli.pii import print_masking
    from textlens.cli.render import current_view, tr
    from textlens.i18n import catalog, fmt_number

    con = console(stderr=True)
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


@app.command(cls=ReadingCommand)
def run(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt .md .html .csv .tsv .xlsx .jsonl .parquet).")],
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Run only these analyses.")] = None,
    taxonomy: Annotated[Optional[Path], typer.Option("--taxonomy", help="Your own theme taxonomy (TOML/YAML).")] = None,
    no_topics: Annotated[bool, typer.Option("--no-topics", help="Skip unsupervised topic discovery.")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Stop instead of waiting when another run writes.")] = False,
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

    given = reading(ctx, paths)
    analyzer_options: dict[str, dict[str, str]] = {"themes": {"taxonomy": str(taxonomy)}} if taxonomy else {}
    if sentiment_model is SentimentTier.accurate:  # the analyzer checks the model is there, before the store is opened
        analyzer_options["sentiment"] = {"model": sentiment_model.value}
    try:
        with Progress(enabled=not given.quiet and sys.stderr.isatty()) as progress:
            summary = run_pipeline(paths, given.db, given.options, analyses=only, progress=progress, wait=not no_wait,
                                   topics=not no_topics, analyzer_options=analyzer_options or None, workers=workers,
                                   dask=dask, dask_dir=dask_dir)
    except (StoreBusy, StoreError, WorkerError) as exc:
        fail(str(exc))
    report_run(summary, given)


@app.command(cls=ReadingCommand)
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to read.")],
) -> None:
    """Read, clean, date and store documents without analysing them."""
    import time

    from textlens.locking import RunLock, StoreBusy
    from textlens.pipeline import ingest as ingest_docs
    from textlens.run_summary import RunSummary
    from textlens.store import Corpus, StoreError

    given = reading(ctx, paths)
    start = time.perf_counter()
    try:
        with RunLock(given.db), Corpus.open(given.db) as corpus, \
                Progress(not given.quiet and sys.stderr.isatty()) as progress:
            run_id = corpus.start_run({"command": "ingest", "paths": [str(p) for p in paths]})
            summary = ingest_docs(corpus, paths, given.options, run_id, progress=progress,
                                  summary=RunSummary(run_id))
            corpus.finish_run(run_id)
    except (StoreBusy, StoreError) as exc:
        fail(str(exc))
    summary.seconds = time.perf_counter() - start
    report_run(summary, given)


def report_run(summary, given: Reading) -> None:
    """The summary in the store's language (now that it has documents), then the exit status it calls for."""
    use_lang(given.lang, given.db)
    print_summary(summary, given.db, given.keep_pii)
    exit_status(summary, given.strict)


def check_paths(paths: list[Path]) -> None:
    from textlens.cli.render import tr

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(tr("cli.error.no_such_path", paths=", ".join(missing)))


def exit_status(summary, strict: bool) -> None:
    from textlens.cli.render import tr

    if summary.ingested == 0:
        fail(tr("cli.error.nothing_ingested") + (" " + tr("cli.error.inputs_skipped", n=summary.skipped)
                                                 if summary.skipped else ""), 2)
    if strict and summary.skipped:
        fail(tr("cli.error.strict_skipped", n=summary.skipped), 3)
