"""textlens: themes, sentiment, entities and trends in French customer-relations texts.

`from textlens import Corpus, run` works in a notebook; submodules load lazily so the CLI starts fast.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textlens.errors import TextlensError  # catch this one to handle any failure textlens reports

__version__ = "0.1.0"
__all__ = ["Corpus", "run", "export_records", "TextlensError", "__version__"]

if TYPE_CHECKING:
    from textlens.export import export_records
    from textlens.pipeline import run
    from textlens.store import Corpus


def __getattr__(name: str) -> Any:
    if name == "Corpus":
        from textlens.store import Corpus

        return Corpus
    if name == "run":
        from textlens.pipeline import run

        return run
    if name == "export_records":
        from textlens.export import export_records

        return export_records
    if name == "pipeline":
        import textlens.pipeline as pipeline

        return pipeline
    raise AttributeError(f"module 'textlens' has no attribute {name!r}")
