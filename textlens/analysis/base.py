"""The contract every per-document analysis follows, so the pipeline can batch, skip and resume them.

An analyzer is a small estimator-like object: `setup()` loads its models once (lazily, so the CLI
starts fast), `key()` names the exact configuration (version + taxonomy/model hash: when it changes,
documents are re-analysed), and `analyze(batch, store)` returns rows for the tables it owns.
It declares what it needs and makes: `requires` (analyses whose rows it reads: they run first),
`tables` (its per-document rows) and `side_tables` (caches it adds rows to, e.g. `embeddings`).
An analysis never writes to the store; the pipeline writes its rows, side rows and per-document
key in one transaction, in the one process that writes.
"""
from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textlens.document import Passage

from textlens.errors import AnalysisError

if TYPE_CHECKING:
    from textlens.store import Corpus
    from textlens.store.analyses import AnalysisStore


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
    side_tables: ClassVar[tuple[str, ...]] = ()  # caches it adds rows to (store.SIDE_TABLES), e.g. "embeddings"

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

    def options(self) -> dict[str, Any]:
        """The keyword options `load_analyzer` built this analyzer with: what a worker process needs to
        build the same analyzer (checked by its key)."""
        return dict(getattr(self, "_options", {}))


def run_analysis(analyzer: Analyzer, batch: list[AnalysisInput], store: "AnalysisStore") -> Rows:
    """`analyzer.analyze(batch, store)` with the rows it added to its side tables; refuses rows for tables
    it did not declare. Nothing is written: the caller writes the result."""
    store.expect(analyzer.name, analyzer.side_tables)
    try:
        rows = analyzer.analyze(batch, store)
    finally:
        side = store.take_side_rows()  # dropped when the analysis failed
    unknown = set(rows) - set(analyzer.tables) - set(analyzer.side_tables)
    if unknown:
        raise AnalysisError(f"analyzer {analyzer.name} wrote to tables it does not own: {sorted(unknown)}")
    out = dict(rows)
    for table, table_rows in side.items():
        out[table] = [*out.get(table, []), *table_rows]
    return out


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
    return make_analyzer(analyzer_class(name), options)


def make_analyzer(cls: type[Analyzer], options: dict[str, Any]) -> Analyzer:
    """`cls(**options)`, remembering `options` (see `Analyzer.options`)."""
    analyzer = cls(**options)
    analyzer._options = dict(options)
    return analyzer


def run_order(names: Sequence[str]) -> list[str]:
    """`names` ordered so that every analysis comes after the ones it `requires` among them, otherwise in
    the order given. A requirement outside `names` is read as it stands in the store."""
    wanted = list(dict.fromkeys(names))
    needs = {n: [r for r in analyzer_class(n).requires if r in wanted and r != n] for n in wanted}
    done: list[str] = []
    while len(done) < len(wanted):
        ready = next((n for n in wanted if n not in done and all(r in done for r in needs[n])), None)
        if ready is None:
            stuck = [n for n in wanted if n not in done]
            raise AnalysisError(f"analyses {', '.join(stuck)} require each other: no order can run them")
        done.append(ready)
    return done
