"""What every command does to answer: the consoles, the one way to stop with a message, the language of the answer,
and `emit` (a table fitted to the terminal, or all of it as CSV/JSON on standard output)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer


def console(stderr: bool = False):
    """A rich console on standard output (or error); piped output (scripts, CI logs) is never hard-wrapped in the
    middle of file names and reasons."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, soft_wrap=not stream.isatty())


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` as an error (plain text: names and queries in it are never read as markup) and exit."""
    from rich.text import Text

    from textlens.cli.render import tr

    console(stderr=True).print(Text.assemble((tr("cli.error"), "bold red"), " ", message), highlight=False)
    raise typer.Exit(code)


def use_lang(lang: Any, db: Path | None = None) -> str:
    """The language of this command: --lang/$TEXTLENS_LANG, else the store's documents' (French by default)."""
    from textlens.cli.render import View, current_view, set_view
    from textlens.i18n import DEFAULT_LANG, corpus_lang

    if lang is not None:
        chosen = lang.value
    else:
        from textlens.store.lookups import store_language_counts

        chosen = corpus_lang(store_language_counts(db)) if db is not None else DEFAULT_LANG
    set_view(View(lang=chosen, wide=current_view().wide))
    return chosen


def print_json(payload: Any) -> None:
    """A JSON answer on standard output, readable and in the corpus's own characters."""
    print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def emit(df, fmt: str, spec: list, title: str | None = None, empty: str | None = None,
         notes: list[str] | None = None) -> None:
    """Print `df`: a table of the `spec` columns (render.Col) fitted to the terminal, or all of it as CSV/JSON."""
    from textlens.cli.render import as_col, note, render_table, tr

    notes = [n for n in (notes or []) if n]
    if df.empty:
        console(stderr=True).print(empty or tr("cli.no_results"), style="yellow", highlight=False, markup=False)
    if fmt == "json":
        print(df.to_json(orient="records", force_ascii=False, indent=2) if not df.empty else "[]")
        return
    if fmt == "csv":
        flat = df.copy()
        for col in flat.columns:
            if flat[col].map(lambda v: isinstance(v, (list, tuple))).any():
                flat[col] = flat[col].map(csv_list)
        flat.to_csv(sys.stdout, index=False)
        return
    if df.empty:
        return
    con = console()
    render_table(df.to_dict("records"), [as_col(c) for c in spec], con, title=title)
    for text in notes:
        note(con, text)


def csv_list(value):
    """A list cell in CSV: "a; b" for plain values, JSON when it holds records."""
    if not isinstance(value, (list, tuple)):
        return value
    if any(isinstance(v, (dict, list, tuple)) for v in value):
        return json.dumps(value, ensure_ascii=False)
    return "; ".join(map(str, value))


def describe(filters) -> str:
    """The active filters in words, for notes and empty-state messages."""
    from textlens.cli.render import tr

    return ", ".join(f"{k}={v}" for k, v in filters.active().items()) or tr("cli.all_documents")
