"""`textlens` command line: a thin layer over the library (textlens.pipeline, .export, .query, .trends, .dynamics,
.cx, .report). One module per command group; each registers its commands on `textlens.cli.app.app`, and this file
only imports them, in the order `textlens --help` lists them.

Heavy libraries are imported inside the commands that need them, so queries start fast.
"""
from __future__ import annotations

from textlens.cli.app import app
from textlens.cli import ingest, documents, search, trends, queries, topics, report  # noqa: F401,I001  (register)
from textlens.cli import dynamics, drivers, cx  # noqa: F401  (signals, divergence; drivers, compare; emotions, churn)

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
