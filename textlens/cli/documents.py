"""`textlens export`, `textlens info` and `textlens show`: the store's documents as a file, its counts, one document.
The records come from textlens.export and textlens.info; this module only chooses where and how they are written."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from textlens.cli.app import app
from textlens.cli.options import DEFAULT_DB, STDOUT, DbOption, DocFormat, LangOption
from textlens.cli.output import console, fail, print_json, use_lang


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


DocFormatOpt = Annotated[DocFormat, typer.Option("--format", help="table or json")]


@app.command()
def export(
    db: DbOption = DEFAULT_DB,
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

    use_lang(lang, db)
    target = out
    if str(out) == STDOUT:
        if format is ExportFormat.parquet and sys.stdout.isatty():
            fail(tr("cli.error.parquet_tty"))
        target = sys.stdout.buffer if format is ExportFormat.parquet else sys.stdout
    try:
        n = do_export(db, format.value, target, include_text=with_text)
    except StoreError as exc:
        fail(str(exc))
    if target is not out:
        sys.stdout.flush()
    where = tr("cli.stdout") if target is not out else str(out)
    console(stderr=True).print(tr("cli.export.wrote", n=n, out=where), highlight=False, markup=False)


@app.command()
def info(
    db: DbOption = DEFAULT_DB,
    skipped: Annotated[bool, typer.Option("--skipped", help="List every skipped input with its reason.")] = False,
    format: DocFormatOpt = DocFormat.table,
    lang: LangOption = None,
) -> None:
    """Counts per kind, year and language, analyses done, and skipped inputs."""
    from textlens.info import corpus_info
    from textlens.store import StoreError

    lang_code = use_lang(lang, db)
    try:
        data = corpus_info(db, list_skipped=skipped)
    except StoreError as exc:
        fail(str(exc))
    if format is DocFormat.json:
        print_json(data)
        return
    from textlens.info import render_info

    render_info(data, console(), lang_code)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id.")],
    db: DbOption = DEFAULT_DB,
    format: DocFormatOpt = DocFormat.table,
    lang: LangOption = None,
) -> None:
    """Everything known about one document."""
    from textlens.cli.render import tr
    from textlens.export import document_record
    from textlens.store import Corpus, StoreError
    from textlens.store.lookups import ids_like

    lang_code = use_lang(lang, db)
    try:
        corpus = Corpus.open(db, readonly=True)
    except StoreError as exc:
        fail(str(exc))
    doc = corpus.document(doc_id)
    if doc is None:
        close = ids_like(corpus.conn, doc_id)
        fail(tr("cli.error.no_document", id=repr(doc_id)) + (tr("cli.error.did_you_mean", names=", ".join(close))
                                                             if close else ""))
    record = document_record(corpus, doc)
    if format is DocFormat.json:
        print_json(record)
        return
    from textlens.info import render_document

    render_document(record, console(), lang_code)
