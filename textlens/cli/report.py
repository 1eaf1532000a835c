"""`textlens report`: writes the report (textlens.report) as HTML, Markdown, XLSX or JSON, to a file or to standard
output (`--out -`), and says on standard error, in the report's language, what was written."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from textlens.cli.app import app
from textlens.cli.options import DEFAULT_DB, By, DbOption, FilterCommand, Lang, given_filters
from textlens.cli.output import fail


class ReportFormat(str, Enum):
    html = "html"
    md = "md"
    xlsx = "xlsx"
    json = "json"


@app.command(cls=FilterCommand)
def report(
    ctx: typer.Context,
    db: DbOption = DEFAULT_DB,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.html, .md, .xlsx or .json); - for standard "
                                      "output (html, md without charts, json).")] = Path("textlens_report.html"),
    format: Annotated[Optional[ReportFormat], typer.Option(
        "--format", "-f", help="html, md, xlsx or json (default: from --out's suffix, else html).")] = None,
    by: Annotated[Optional[By], typer.Option(
        "--by", help="Period of the trends (default: years, or spans of years where documents are few).")] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Report title.")] = None,
    evidence: Annotated[int, typer.Option("--evidence", min=1, max=20, help="Passages per chart value.")] = 3,
    lang: Annotated[Optional[Lang], typer.Option(
        "--lang", help="Language of the report: fr or en (default: the corpus's, French unless mostly English).")
    ] = None,
    compare_by: Annotated[str, typer.Option("--compare-by", help="Metadata column of the segment comparison "
                                            "(auto: the first with 2-12 values; none: no comparison).")] = "auto",
) -> None:
    """Write a report: self-contained HTML (charts, evidence), Markdown + PNG, XLSX or JSON."""
    from textlens.query import QueryError
    from textlens.report import Options, build_report, guess_format
    from textlens.store import StoreError

    options = Options(by=by.value if by else "auto", evidence_limit=evidence, title=title,
                      lang=lang.value if lang else None,
                      compare_by=None if compare_by.lower() == "none" else compare_by)
    try:
        fmt = guess_format(out, format.value if format else None)
        path = build_report(db, out, fmt, given_filters(ctx), options)
    except (QueryError, StoreError, ValueError, OSError) as exc:
        fail(str(exc))
    report_written(fmt, path, options.lang, db)


def report_written(fmt: str, path: Path, lang: str | None, db: Path) -> None:
    """Say on standard error what was written (standard output may hold the report itself)."""
    from rich.console import Console

    from textlens.i18n import t
    from textlens.report.writers import STDOUT

    lang = lang or _store_lang(db)
    console = Console(stderr=True, soft_wrap=True)
    if str(path) == STDOUT:
        if fmt == "md":
            console.print(t("report.cli.md_stdout", lang), highlight=False)
        return
    console.print(t("report.cli.wrote", lang, format=fmt, path=path), highlight=False)


def _store_lang(db: Path) -> str:
    """The language the report was written in when none was asked for: the corpus's."""
    from textlens.report.data import report_lang
    from textlens.store import Corpus

    with Corpus.open(db, readonly=True) as corpus:
        return report_lang(corpus)
