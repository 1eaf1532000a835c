"""The records that flow through the pipeline: files -> Document -> annotations -> store."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from textlens.vocab import KINDS as KINDS  # re-exported: kinds are imported from here across textlens
YEAR_SOURCES = ("metadata", "text", "filename", "url", "inferred")


def content_hash(text: str) -> str:
    """Stable hash of the analysed text; keys incremental analysis and the embedding cache."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass
class Document:
    """One ingested text with its provenance and dating; analysis results live in the store."""

    id: str
    text: str  # cleaned text, what every analysis reads
    raw_text: str  # as read (decoded), kept for audit
    kind: str = "article"
    source: str = ""  # file path the document came from
    row: int | None = None  # table row (1-based, header excluded) or None for whole files
    title: str | None = None
    date: str | None = None  # ISO: YYYY-MM-DD, YYYY-MM or YYYY
    year: int | None = None
    year_source: str | None = None  # one of YEAR_SOURCES or None
    year_evidence: str | None = None  # the span that shows the date
    year_confidence: float | None = None
    language: str | None = None  # ISO 639-1 code, e.g. "fr"
    url: str | None = None
    duplicate_of: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Skipped:
    """An input (file or row) that could not become a document, with the reason shown to the user."""

    source: str
    row: int | None
    reason: str

    def location(self) -> str:
        return f"{self.source}:{self.row}" if self.row is not None else self.source


@dataclass
class Passage:
    """A sentence (or short verbatim) of a document: the unit of themes, sentiment, search and evidence."""

    doc_id: str
    idx: int
    start: int  # character offsets in Document.text
    end: int
    text: str
    id: int | None = None  # store rowid once written
