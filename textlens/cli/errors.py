"""The CLI's edge: where logging is configured and where any `TextlensError` becomes a message and an exit code.

Why one place: commands used to catch a few error classes each, so any other one (a bad `--taxonomy` file, a bad
knowledge base, a missing extra) ended in a traceback. The app's group (`typer.Typer(cls=TextlensGroup)`) wraps
every command and sub-command, so a new command gets the same behaviour without writing a try block. Anything that
is not a `TextlensError` is a bug and keeps its traceback.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from typer.core import TyperGroup

from textlens.errors import TextlensError

if TYPE_CHECKING:
    from click import Context  # typer runs on its own copy of click: nothing to import at run time

LOG_LEVEL_ENV = "TEXTLENS_LOG_LEVEL"


def configure_logging() -> None:
    """Library warnings to standard error as bare lines (what Python did without a handler); once per process.

    $TEXTLENS_LOG_LEVEL (e.g. INFO, DEBUG) shows more. Nothing happens when the host (pytest, an application
    embedding the CLI) already installed handlers: its configuration wins.
    """
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    level = os.environ.get(LOG_LEVEL_ENV, "").strip().upper()
    root.setLevel(level if level in logging.getLevelNamesMapping() else logging.WARNING)


def report_error(exc: TextlensError) -> int:
    """Write `exc` as one plain error line (file names are never read as markup); the exit code to end with."""
    from rich.console import Console
    from rich.text import Text

    from textlens.cli.render import current_view, tr

    message = exc.message(current_view().lang)
    console = Console(stderr=True, soft_wrap=not sys.stderr.isatty())  # piped: never hard-wrap a file name
    console.print(Text.assemble((tr("cli.error"), "bold red"), " ", message), highlight=False)
    return exc.exit_code


class TextlensGroup(TyperGroup):
    """The `textlens` app: every command runs inside `invoke`, so this is the single place errors are caught."""

    def invoke(self, ctx: "Context") -> Any:
        configure_logging()
        try:
            return super().invoke(ctx)
        except TextlensError as exc:
            ctx.exit(report_error(exc))
