"""Batch pipeline: files -> documents -> passages -> analyses -> store.

Each stage commits per batch, and every analysis result is keyed by (document content hash,
analyzer key), so a re-run only does what changed and a killed run resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textlens.analysis.base import AnalysisInput, Analyzer, load_analyzer, registered
from textlens.analysis.segment import split_passages, stems
from textlens.document import Document, Skipped
from textlens.locking import RunLock
from textlens.store import Corpus

DEFAULT_ANALYSES = ("entities", "themes", "sentiment")

# progress(stage, done, total) — total may be None when unknown (streamed ingest)
ProgressFn = Callable[[str, int, int | None], None]


@dataclass
class RunSummary:
    run_id: int
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: int = 0
    analysed: dict[str, int] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)
    corpus_steps: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    skipped_examples: list[str] = field(default_factory=list)

    @property
    def ingested(self) -> int:
        return self.stored + self.updated + self.unchanged


def available_analyses(names: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """Split requested analyses into those whose module is installed and those that are not (yet)."""
    reg = registered()
    wanted = list(names) if names is not None else [n for n in DEFAULT_ANALYSES if n in reg]
    ok, missing = [], []
    for name in wanted:
        if name not in reg:
            raise KeyError(f"unknown analysis {name!r}; known: {', '.join(sorted(reg))}")
        module = reg[name].split(":")[0]
        (ok if _module_exists(module) else missing).append(name)
    return ok, missing


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


# ---- ingestion ---------------------------------------------------------------------------------
def ingest(corpus: Corpus, paths: Sequence[str | Path], options: Any = None, run_id: int | None = None,
           batch_size: int = 500, progress: ProgressFn | None = None, summary: RunSummary | None = None) -> RunSummary:
    """Read inputs and store documents with their passages; every input ends up stored or logged as skipped."""
    from textlens.ingest import Deduplicator, IngestOptions, read_inputs

    options = options or IngestOptions()
    summary = summary or RunSummary(run_id or 0)
    dedup = Deduplicator()
    # Prime in ingestion order so the earlier copy stays the original whatever the ids look like.
    dedup.prime((r[0], r[1]) for r in corpus.conn.execute("SELECT id, text FROM documents ORDER BY rowid"))
    batch: list[Document | Skipped] = []
    seen = 0

    def flush() -> None:
        nonlocal batch
        with corpus.transaction():
            for item in batch:
                if isinstance(item, Skipped):
                    corpus.log_skipped(run_id, item)
                    summary.skipped += 1
                    if len(summary.skipped_examples) < 20:
                        summary.skipped_examples.append(f"{item.location()}: {item.reason}")
                    continue
                status = corpus.upsert_document(item, run_id)
                setattr(summary, status, getattr(summary, status) + 1)
                for warning in item.warnings:
                    corpus.log(run_id, item.source, item.row, "warning", warning, item.id)
                    summary.warnings += 1
                if status != "unchanged" or not corpus.conn.execute(
                    "SELECT 1 FROM passages WHERE doc_id=? LIMIT 1", (item.id,)
                ).fetchone():
                    passages = split_passages(item.id, item.text)
                    corpus.replace_passages(item.id, passages, (stems(p.text) for p in passages))
        batch = []

    for item in read_inputs(paths, options):
        if isinstance(item, Document):
            # An unchanged re-ingest must not flag a document as a duplicate of itself.
            item.duplicate_of = dedup.check(item)
        batch.append(item)
        seen += 1
        if len(batch) >= batch_size:
            flush()
            if progress:
                progress("ingest", seen, None)
    if batch:
        flush()
    if progress:
        progress("ingest", seen, seen)
    return summary


# ---- analyses ----------------------------------------------------------------------------------
def _effective_keys(analyzers: list[Analyzer]) -> dict[str, str]:
    """An analyzer's key includes the keys of what it reads, so upstream changes cascade."""
    keys: dict[str, str] = {}
    for a in analyzers:
        upstream = "".join(keys.get(r, r) for r in a.requires)
        keys[a.name] = hashlib.sha1((a.key() + upstream).encode()).hexdigest()[:16]
    return keys


def pending_documents(corpus: Corpus, analyzer: str, key: str) -> list[str]:
    rows = corpus.conn.execute(
        """SELECT d.id FROM documents d
           LEFT JOIN analysis_state a ON a.doc_id = d.id AND a.analyzer = ?
           WHERE a.key IS NULL OR a.key != ? ORDER BY d.id""",
        (analyzer, key),
    ).fetchall()
    return [r[0] for r in rows]


def analysis_inputs(corpus: Corpus, doc_ids: Sequence[str]) -> list[AnalysisInput]:
    out = []
    for doc_id in doc_ids:
        d = corpus.document(doc_id)
        if d is None:
            continue
        out.append(AnalysisInput(
            doc_id=d["id"], kind=d["kind"], text=d["text"], title=d["title"], year=d["year"],
            language=d["language"], content_hash=d["content_hash"], passages=corpus.passages(doc_id),
            metadata=d["metadata"],
        ))
    return out


def _batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def analyse(corpus: Corpus, names: Sequence[str] | None = None, batch_size: int = 64,
            progress: ProgressFn | None = None, analyzer_options: dict[str, dict[str, Any]] | None = None,
            summary: RunSummary | None = None) -> RunSummary:
    """Run every requested analysis on the documents whose result is missing or stale."""
    summary = summary or RunSummary(0)
    ok, missing = available_analyses(names)
    summary.unavailable = missing
    analyzer_options = analyzer_options or {}
    analyzers = [load_analyzer(n, **analyzer_options.get(n, {})) for n in ok]
    keys = _effective_keys(analyzers)
    for analyzer in analyzers:
        key = keys[analyzer.name]
        todo = pending_documents(corpus, analyzer.name, key)
        summary.analysed[analyzer.name] = 0
        if not todo:
            continue
        analyzer.setup()
        done = 0
        for chunk in _batches(todo, batch_size):
            batch = analysis_inputs(corpus, chunk)
            rows = analyzer.analyze(batch, corpus)
            with corpus.transaction():
                corpus.write_analysis(analyzer.name, analyzer.tables, {b.doc_id: key for b in batch}, rows)
            done += len(batch)
            summary.analysed[analyzer.name] = done
            if progress:
                progress(analyzer.name, done, len(todo))
    return summary


def corpus_steps(corpus: Corpus, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Corpus-level analyses that need every document first (entity spellings, topic discovery)."""
    out: dict[str, Any] = {}
    if _module_exists("textlens.entities.canon"):
        from textlens.entities.canon import merge_variants

        # Names unknown to the knowledge base get one spelling across the corpus.
        out["entity_variants_merged"] = merge_variants(corpus)
    if _module_exists("textlens.topics"):
        from textlens.topics import fit_corpus_topics

        if progress:
            progress("topics", 0, 1)
        out["topics"] = fit_corpus_topics(corpus)
        if progress:
            progress("topics", 1, 1)
    return out


def run(paths: Sequence[str | Path], db: str | Path = "textlens.db", options: Any = None,
        analyses: Sequence[str] | None = None, batch_size: int = 64, progress: ProgressFn | None = None,
        wait: bool = True, topics: bool = True, analyzer_options: dict[str, dict[str, Any]] | None = None
        ) -> RunSummary:
    """Ingest `paths` into the store at `db` and run every available analysis (the `textlens run` command)."""
    start = time.perf_counter()
    with RunLock(db, wait=wait), Corpus.open(db) as corpus:
        run_id = corpus.start_run({"paths": [str(p) for p in paths], "pid": os.getpid(),
                                   "options": getattr(options, "__dict__", None)})
        summary = RunSummary(run_id)
        try:
            ingest(corpus, paths, options, run_id, progress=progress, summary=summary)
            analyse(corpus, analyses, batch_size, progress, analyzer_options, summary)
            if topics:
                summary.corpus_steps = corpus_steps(corpus, progress)
        except BaseException:
            corpus.finish_run(run_id, "failed")
            raise
        corpus.finish_run(run_id, "done")
    summary.seconds = time.perf_counter() - start
    return summary

