"""The contract every per-document analysis follows, so the pipeline can batch, skip and resume them.

An analyzer is a small estimator-like object: `setup()` loads its models once (lazily, so the CLI
starts fast), `key()` names the exact configuration (version + taxonomy/model hash: when it changes,
documents are re-analysed), and `analyze(batch, store)` returns rows for the tables it owns.
The pipeline writes those rows and the per-document key in the same transaction.
"""
from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textlens.document import Passage

if TYPE_CHECKING:
    from textlens.store import Corpus


@dataclass
class AnalysisInput:
    """What an analyzer sees of one document: its text, passages (with store ids) and context."""

    doc_id: str
    kind: str
    text: str
    title: str | None
    year: int | None
    language: str | None
    content_hash: str
    passages: list[Passage]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_french(self) -> bool:
        return self.language in (None, "fr")


Rows = dict[str, list[dict[str, Any]]]


class Analyzer(ABC):
    """Base class of the per-document analyses (entities, themes, sentiment, ...)."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    tables: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()  # analyzers whose rows must be in the store first

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this analysis cannot run in this install (e.g. its trained model file is missing), or None."""
        return None

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Load models; called once before the first batch."""

    def config_fingerprint(self) -> str:
        """Anything besides `version` whose change must trigger re-analysis (taxonomy, model file...)."""
        return ""

    def key(self) -> str:
        raw = f"{self.name}:{self.version}:{self.config_fingerprint()}"
        return hashlib.sha1(raw.encode()).hexdigest()[:16]

    @abstractmethod
    def analyze(self, batch: list[AnalysisInput], store: "Corpus") -> Rows:
        """Return rows per owned table for the batch; every row carries `doc_id`."""


_REGISTRY: dict[str, str] = {
    # name -> "module:Class"; imported only when a run needs it (keeps the CLI fast to start)
}


def register(name: str, target: str) -> None:
    _REGISTRY[name] = target


def registered() -> dict[str, str]:
    return dict(_REGISTRY)


def analyzer_class(name: str) -> type[Analyzer]:
    import importlib

    if name not in _REGISTRY:
        raise KeyError(f"unknown analysis {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    module, cls = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)


def load_analyzer(name: str, **options: Any) -> Analyzer:
    return analyzer_class(name)(**options)
