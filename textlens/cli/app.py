"""The `textlens` Typer application. Created here and nowhere else; the command modules of this package register
on it and textlens/cli/__init__.py imports them, so no command module ever imports the package itself (no cycle)."""
from __future__ import annotations

import typer

from textlens.cli.errors import TextlensGroup

app = typer.Typer(
    name="textlens",
    help="Analyse French customer-relations texts: themes, sentiment, entities and how topics develop over the years.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=TextlensGroup,  # catches every TextlensError once: a message and an exit code, no traceback
)
