"""Exported topic reports: one self-contained HTML page, or Markdown + PNG, XLSX, JSON.

    from textlens.report import build_report
    from textlens.query import Filters
    build_report("demo.db", "report.html", filters=Filters(year_from=2004))
    build_report("demo.db", "-", format="json", lang="en")  # English, on standard output

Every number comes from textlens.trends / textlens.query over the store; no model is loaded. The words are
French by default (English when most documents are), or the language asked for with `lang`.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textlens.errors import InputError
from textlens.report.context import Options

if TYPE_CHECKING:
    from textlens.query import Filters
    from textlens.report.model import ReportData
    from textlens.store import Corpus

FORMATS = ("html", "md", "xlsx", "json")
_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".xlsx": "xlsx", ".json": "json"}

__all__ = ["FORMATS", "Options", "build_report", "guess_format", "report_data"]


def guess_format(out: str | Path, format: str | None = None) -> str:
    """The format asked for, or the one the output's suffix names (html by default, also for "-")."""
    if format:
        if format not in FORMATS:
            raise InputError(f"unknown report format {format!r}; choose one of {', '.join(FORMATS)}")
        return format
    return _SUFFIXES.get(Path(out).suffix.lower(), "html")


def report_data(db: "str | Path | Corpus", filters: "Filters | None" = None,
                options: Options | None = None, lang: str | None = None) -> "ReportData":
    """Assemble the report (all formats share it). Filter values are checked against the store first.
    `lang` (fr | en) overrides `options.lang`; neither given: the corpus's language."""
    from textlens.query import resolve_filters
    from textlens.report.data import assemble
    from textlens.store import Corpus

    options = options or Options()
    if lang is not None:
        options = replace(options, lang=lang)
    corpus = db if isinstance(db, Corpus) else Corpus.open(db, readonly=True)
    try:
        return assemble(corpus, resolve_filters(corpus, filters), options)
    finally:
        if corpus is not db:
            corpus.close()


def build_report(db: "str | Path | Corpus", out: str | Path, format: str | None = None,
                 filters: "Filters | None" = None, options: Options | None = None, lang: str | None = None) -> Path:
    """Write the report for the store `db` to `out` ("-": standard output, for html, md and json); returns the
    path written (Path("-") for standard output)."""
    from textlens.report.writers import STDOUT

    fmt = guess_format(out, format)
    if fmt == "xlsx" and str(out) == STDOUT:
        from textlens.i18n import t

        raise InputError(t("report.cli.stdout_binary", lang or "fr"))
    report = report_data(db, filters, options, lang)
    from textlens.report import writers

    return {"html": writers.write_html, "md": writers.write_markdown, "xlsx": writers.write_xlsx, "json": writers.write_json}[fmt](report, out)
