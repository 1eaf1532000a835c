"""Messages of `textlens report` (the command itself lives in textlens/cli.py), in the report's language."""
from __future__ import annotations

from pathlib import Path


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
