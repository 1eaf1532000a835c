"""`textlens export`, `textlens info` and `textlens show`: the store's documents as a file, its counts, one document.
The records come from textlens.export and textlens.info (plain data); this module chooses where they are written
and renders them for the terminal."""
from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from textlens.cli.app import app
from textlens.cli.options import DEFAULT_DB, STDOUT, DbOption, DocFormat, LangOption
from textlens.cli.output import console, fail, print_json, use_lang
from textlens.i18n import DEFAULT_LANG, t

if TYPE_CHECKING:
    from rich.console import Console


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
    render_document(record, console(), lang_code)


# ---- rendering (the library returns data; how it looks on a terminal is the CLI's business) -------------------
def render_info(data: dict[str, Any], console: "Console", lang: str = DEFAULT_LANG) -> None:
    """The counts of `corpus_info` as the CLI prints them, headers and sentences in `lang` (values stay as stored)."""
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(data['store'])}[/]" + escape(t(
        "cli.info.summary", lang, documents=data["documents"], passages=data["passages"],
        duplicates=data["duplicates"], topics=data["topics"])), highlight=False)
    if data["last_run"]:
        lr = data["last_run"]
        parts = ", ".join(f"{k} {v}" for k, v in lr.items() if k not in ("id", "status", "inputs"))
        console.print(t("cli.info.last_run", lang, id=lr["id"], status=lr["status"], inputs=lr["inputs"],
                        parts=parts), highlight=False, markup=False)
    for title, key in (("kind", "by_kind"), ("language", "by_language"), ("dated_by", "year_source"),
                       ("analysis", "analyses")):
        table = Table(title=None, show_header=True, header_style="bold")
        table.add_column(t(f"cli.info.{title}", lang))
        table.add_column(t("cli.col.documents", lang), justify="right")
        for k, v in data[key].items():
            table.add_row(k, str(v))
        console.print(table)
    years = Table(show_header=True, header_style="bold")
    years.add_column(t("cli.col.year", lang))
    kinds = sorted({r["kind"] for r in data["by_year_kind"]})
    for k in kinds:
        years.add_column(k, justify="right")
    by_year: dict[Any, dict[str, int]] = {}
    for r in data["by_year_kind"]:
        by_year.setdefault(r["year"], {})[r["kind"]] = r["n"]
    for year, counts in by_year.items():
        years.add_row("unknown" if year is None else str(year), *[str(counts.get(k, 0)) for k in kinds])
    console.print(years)
    if "pii" in data:
        from textlens.ingest.pii import status_lines
        from textlens.store.pii import MaskingStatus

        for line in status_lines(MaskingStatus(**data["pii"]), lang):
            console.print(line, highlight=False, markup=False, soft_wrap=False)  # prose: wrapped to the width
    console.print(t("cli.info.skipped", lang, skipped=data["skipped"], warnings=data["warnings"]), highlight=False)
    for reason, n in data["skipped_reasons"].items():
        console.print(f"  {n:>6}  {reason}", highlight=False, markup=False)
    for item in data.get("skipped_inputs", []):
        loc = f"{item['source']}:{item['row']}" if item["row"] is not None else item["source"]
        console.print(f"  {loc}: {item['reason']}", highlight=False, markup=False)


def render_document(rec: dict[str, Any], console: "Console", lang: str = DEFAULT_LANG) -> None:
    """One export record as the CLI shows it: field names in `lang`, values as stored (metadata included)."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    from textlens.cli.render import format_date

    def name(key: str) -> str:
        return escape(t(f"cli.field.{key}", lang))

    head = Table.grid(padding=(0, 2))
    for key in ("id", "kind", "title", "date", "year", "year_source", "year_evidence", "language", "duplicate_of",
                "source", "row"):
        if rec.get(key) is not None:
            value = format_date(str(rec[key]), lang) if key == "date" else str(rec[key])
            head.add_row(f"[bold]{name(key)}[/]", escape(value))
    if rec.get("metadata"):
        metadata = rec["metadata"] if isinstance(rec["metadata"], dict) else {"": rec["metadata"]}
        head.add_row(f"[bold]{name('metadata')}[/]", escape(", ".join(f"{k}: {v}" for k, v in metadata.items())))
    if rec.get("sentiment"):
        head.add_row(f"[bold]{name('sentiment')}[/]",
                     escape(f"{rec['sentiment'].get('label')} ({rec['sentiment'].get('score')})"))
    for key in ("themes", "aspects", "topics"):
        if rec.get(key):
            head.add_row(f"[bold]{name(key)}[/]", escape(", ".join(
                f"{x.get('label') or x['id']}" + (f" [{x['polarity']}]" if x.get("polarity") else "")
                + f" {x['score']:.2f}" for x in rec[key])))
    if rec.get("emotions") or rec.get("intents") or rec.get("effort"):  # verbatims (textlens.cx)
        head.add_row("[bold]emotions[/]", escape(", ".join(f"{e['label']}:{e['intensity']}" for e in rec["emotions"])))
        head.add_row("[bold]intents[/]", escape(", ".join(i["label"] for i in rec["intents"])))
        head.add_row("[bold]effort[/]", escape(str((rec.get("effort") or {}).get("level", ""))))
    if rec.get("entities"):
        head.add_row(f"[bold]{name('entities')}[/]", escape("; ".join(f"{e['name']} ({e['type']}, {e['count']})"
                                                                   for e in rec["entities"][:30])))
    for w in rec.get("warnings") or []:
        head.add_row(f"[bold yellow]{name('warning')}[/]", escape(w))
    console.print(head)
    for f in rec.get("figures") or []:
        console.print(f"  [cyan]{escape(f['value'])}[/] {escape(f.get('about') or '')}"
                      + (f" — {escape(f['source'])}" if f.get("source") else ""), highlight=False)
    if rec.get("text"):
        console.print(Panel(escape(rec["text"][:4000]), title=name("text")), soft_wrap=False)  # wrapped, not cut
