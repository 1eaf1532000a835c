"""Batch pipeline: files -> documents -> passages -> analyses -> store.

Each stage commits per batch, and every analysis result is keyed by (document content hash,
analyzer key), so a re-run only does what changed and a killed run resumes where it stopped.
Memory stays flat with the corpus size: inputs are streamed, pending documents are paged from
the store by id, and only the batches in flight are held. Analyses run in the parent, in worker
processes (`workers`) or on a Dask cluster (`dask`); the parent is always the only writer and
writes batches in submission order, so results do not depend on where they were computed.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textlens.analysis.base import AnalysisInput, Analyzer, load_analyzer, registered, run_order
from textlens.analysis.segment import split_many, stems
from textlens.document import Document, Skipped
from textlens.locking import RunLock
from textlens.run_summary import RunSummary
from textlens.store import Corpus
from textlens.store import analyses as stored

DEFAULT_ANALYSES = ("entities", "themes", "sentiment", "cx", "terms")
# Embeddings of topic discovery per document kind (press and verbatims are fitted apart, each with its
# encoder): the static fast tier for verbatims, e5 (the default) for articles and editorials, as themes use.
# On 10,286 real reviews the fast tier gave NPMI 0.129 / diversity 0.827 / outliers 0.081 / seed ARI 0.43 vs
# e5 int8 0.088 / 0.826 / 0.085 / 0.49, without e5's ~100 reviews/s embedding pass.
TOPICS_ENCODER = {"verbatim": "fast"}

# progress(stage, done, total) — total may be None when unknown (streamed ingest)
ProgressFn = Callable[[str, int, int | None], None]


def available_analyses(names: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """Split requested analyses into those whose module is installed and those that are not (yet); the
    first in run order (each after the analyses it requires)."""
    reg = registered()
    wanted = list(names) if names is not None else [n for n in DEFAULT_ANALYSES if n in reg]
    ok, missing = [], []
    for name in wanted:
        if name not in reg:
            raise KeyError(f"unknown analysis {name!r}; known: {', '.join(sorted(reg))}")
        module = reg[name].split(":")[0]
        if not _module_exists(module):
            missing.append(name)
            continue
        from textlens.analysis.base import analyzer_class

        reason = analyzer_class(name).unavailable_reason()
        (missing.append(f"{name} ({reason})") if reason else ok.append(name))
    return run_order(ok), missing


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


# ---- ingestion ---------------------------------------------------------------------------------
BATCH_CHARS = 20_000_000  # text per ingest batch (500 cells near the 5 M limit would hold ~10 GB)


def ingest(corpus: Corpus, paths: Sequence[str | Path], options: Any = None, run_id: int | None = None,
           batch_size: int = 500, progress: ProgressFn | None = None, summary: RunSummary | None = None,
           reread: bool = False, on_batch: Callable[[RunSummary], None] | None = None) -> RunSummary:
    """Read inputs and store documents with their passages; every input ends up stored or logged as skipped.

    Inputs unchanged since their last complete ingest (same files, options and ingestion code) are
    not read again unless `reread`: their log lines are carried over to this run. `on_batch(summary)`
    is called after each committed batch (`run` starts the analysis workers from it).
    """
    from textlens.incremental import InputManifest, StoredDuplicates
    from textlens.ingest import IngestOptions, read_inputs
    from textlens.ingest.pii_ingest import IngestMasking

    start, cpu = time.perf_counter(), time.process_time()
    options = options or IngestOptions()
    summary = summary or RunSummary(run_id or 0)
    manifest = InputManifest(paths, options)
    if not reread and manifest.replay(corpus, run_id, summary):
        summary.inputs_reread = False
        if progress:
            progress("ingest", summary.ingested + summary.skipped, summary.ingested + summary.skipped)
        summary.timings["ingest"] = time.perf_counter() - start
        summary.cpu["ingest"] = time.process_time() - cpu
        return summary
    log_first = InputManifest.last_log_id(corpus) + 1
    duplicates = StoredDuplicates(corpus)
    masking = IngestMasking(options, summary)
    batch: list[Document | Skipped] = []
    seen = 0

    def flush() -> None:
        nonlocal batch
        docs = [d for d in batch if isinstance(d, Document)]
        signatures = duplicates.assign(docs)
        with corpus.transaction():
            with_passages = stored.with_passages(corpus, [d.id for d in docs])
            to_split: list[Document] = []
            for item in batch:
                if isinstance(item, Skipped):
                    corpus.log_skipped(run_id, item)
                    summary.skipped += 1
                    if len(summary.skipped_examples) < 20:
                        summary.skipped_examples.append(f"{item.location()}: {item.reason}")
                    continue
                status = corpus.upsert_document(item, run_id)
                masking.stored(item, status, corpus.conn)
                setattr(summary, status, getattr(summary, status) + 1)
                for warning in item.warnings:
                    corpus.log(run_id, item.source, item.row, "warning", warning, item.id)
                    summary.warnings += 1
                if status != "unchanged" or item.id not in with_passages:
                    to_split.append(item)
            if to_split:
                replace_passages_many(corpus, to_split)
            duplicates.write(signatures)
            masking.flush(corpus.conn)
            if to_split:
                stored.mark_steps_due(corpus)
        batch = []
        if on_batch:
            on_batch(summary)

    chars = 0  # a batch also ends at BATCH_CHARS of text: memory and transaction size stay bounded
    for item in read_inputs(paths, options):
        masking.apply(item)  # personal data masked before the document is stored, indexed or analysed
        batch.append(item)
        seen += 1
        chars += len(getattr(item, "text", "") or "")
        if len(batch) >= batch_size or chars >= BATCH_CHARS:
            flush()
            chars = 0
            if progress:
                progress("ingest", seen, None)
    if batch:
        flush()
    manifest.save(corpus, log_first, summary)
    if progress:
        progress("ingest", seen, seen)
    summary.timings["ingest"] = time.perf_counter() - start
    summary.cpu["ingest"] = time.process_time() - cpu
    return summary


def replace_passages_many(corpus: Corpus, docs: Sequence[Document]) -> None:
    """`Corpus.replace_passages` for a batch of documents, in a few statements: their analysis rows,
    states and passages are deleted by id lists, the new passages (split in one `split_many` call)
    inserted at once. Call inside the batch's transaction."""
    rows = [(p.doc_id, p.idx, p.start, p.end, p.text, stems(p.text))
            for passages in split_many([(d.id, d.text) for d in docs]) for p in passages]
    stored.replace_passages_many(corpus, [d.id for d in docs], rows)


# ---- analyses ----------------------------------------------------------------------------------
def _effective_keys(analyzers: list[Analyzer]) -> dict[str, str]:
    """An analyzer's key includes the keys of what it reads, so upstream changes cascade."""
    keys: dict[str, str] = {}
    for a in analyzers:
        upstream = "".join(keys.get(r, r) for r in a.requires)
        keys[a.name] = hashlib.sha1((a.key() + upstream).encode()).hexdigest()[:16]
    return keys


def iter_pending(corpus: Corpus, analyzer: str, key: str, batch_size: int = 64) -> Iterator[list[str]]:
    """Ids of documents whose `analyzer` result is missing or stale, in id order, one page at a time.

    Pages are read by id (keyset), so documents analysed meanwhile are not seen twice and memory
    does not grow with the corpus.
    """
    last = None
    while True:
        ids = stored.pending_page(corpus, analyzer, key, last, batch_size)
        if not ids:
            return
        yield ids
        last = ids[-1]


def pending_documents(corpus: Corpus, analyzer: str, key: str) -> list[str]:
    """Every pending id as a list (small stores, tests); the pipeline pages with `iter_pending`."""
    return [i for page in iter_pending(corpus, analyzer, key, 1000) for i in page]


def analysis_inputs(corpus: Corpus, doc_ids: Sequence[str]) -> list[AnalysisInput]:
    """What analyzers see of these documents: two queries per batch, in the order of `doc_ids`."""
    return [AnalysisInput(doc_id=d["id"], kind=d["kind"], text=d["text"], title=d["title"], year=d["year"],
                          language=d["language"], content_hash=d["content_hash"], passages=passages,
                          metadata=d["metadata"])
            for d, passages in stored.analysis_documents(corpus, doc_ids)]


# Starting a worker and loading its models took 10-40 s here (2 busy cores): below this many pending
# documents, the default (all cores) analyses in the calling process instead.
AUTO_MIN_DOCUMENTS = 2000


def plan_workers(requested: int | None, pending: int, batch_size: int) -> int:
    """Processes to use: `requested`, never more than there are batches; None (all cores) only
    for jobs big enough to pay for starting workers and loading their models."""
    from textlens.parallel import default_workers

    batches = -(-pending // max(batch_size, 1))
    if requested is None or requested <= 0:
        return 1 if pending < AUTO_MIN_DOCUMENTS else max(1, min(default_workers(), batches))
    return max(1, min(requested, batches))


class _Runners:
    """The runner of a run: created at the first analysis that has work, reused by the next ones."""

    def __init__(self, corpus: Corpus, workers: int | None, dask: Any, dask_dir: str | Path | None):
        if dask is not None:  # before any analysis: a missing optional package says which extra to install
            from textlens.distributed import require_dask

            require_dask()
        self.corpus = corpus
        self.workers = workers
        self.dask = dask
        self.dask_dir = dask_dir
        self.pool: Any = None
        self.local: Any = None

    def prestart(self, new_documents: int, specs: "Sequence[Any]", batch_size: int) -> None:
        """Start the worker pool (models loading in it) while ingestion goes on, once enough new
        documents are stored that `get` will want workers anyway (the same `plan_workers` rule)."""
        from textlens.parallel import PoolRunner

        if self.dask is not None or self.pool is not None or not specs:
            return
        n = plan_workers(self.workers, new_documents, batch_size)
        if n > 1:
            self.pool = PoolRunner(self.corpus.path, n, warm=tuple(specs))

    def get(self, pending: int, batch_size: int, warm: "Sequence[Any]" = ()) -> Any:
        from textlens.parallel import InProcessRunner, PoolRunner

        if self.dask is not None:
            if self.pool is None:
                from textlens.distributed import DaskRunner

                self.pool = DaskRunner(self.dask, self.corpus, shared_dir=self.dask_dir)
            return self.pool
        if self.pool is not None:
            return self.pool
        n = plan_workers(self.workers, pending, batch_size)
        if n > 1:
            self.pool = PoolRunner(self.corpus.path, n, warm=tuple(warm))
            return self.pool
        if self.local is None:
            self.local = InProcessRunner(self.corpus)
        return self.local

    def release(self) -> None:
        """After the analyses: workers stop (their memory goes back); the fork server stays for the corpus
        steps' background process until `close`."""
        release = getattr(self.pool, "release_workers", None)
        if release is not None:
            release()
        elif self.pool is not None:
            self.pool.close()
        if self.local is not None:
            self.local.close()

    def close(self) -> None:
        for r in (self.pool, self.local):
            if r is not None:
                r.close()


@dataclass
class _Plan:
    """The analyzers of a run, their effective keys and what workers need to rebuild them."""

    analyzers: list[Analyzer]
    keys: dict[str, str]
    specs: list[Any]
    missing: list[str]

    @classmethod
    def of(cls, names: Sequence[str] | None, analyzer_options: dict[str, dict[str, Any]]) -> "_Plan":
        """The only place the options are read: workers rebuild each analyzer from its own `options()`."""
        from textlens.parallel import AnalyzerSpec

        ok, missing = available_analyses(names)
        analyzers = [load_analyzer(n, **analyzer_options.get(n, {})) for n in ok]
        return cls(analyzers, _effective_keys(analyzers), [AnalyzerSpec.of(a) for a in analyzers], missing)


def _add(into: dict[str, float], name: str, value: float) -> None:
    into[name] = into.get(name, 0.0) + value


def _timed(into: dict[str, float], name: str, items: Iterator[Any]) -> Iterator[Any]:
    """`items`, adding this process's CPU time spent producing them to `into[name]`."""
    while True:
        cpu = time.process_time()
        item = next(items, None)
        _add(into, name, time.process_time() - cpu)
        if item is None:
            return
        yield item


def analyse(corpus: Corpus, names: Sequence[str] | None = None, batch_size: int = 64,
            progress: ProgressFn | None = None, analyzer_options: dict[str, dict[str, Any]] | None = None,
            summary: RunSummary | None = None, workers: int | None = 1, dask: Any = None,
            dask_dir: str | Path | None = None, _planned: "_Plan | None" = None,
            _runners: _Runners | None = None, _analysed: "Callable[[str, int], None] | None" = None,
            _early: dict[str, int] | None = None) -> RunSummary:
    """Run every requested analysis on the documents whose result is missing or stale.

    `workers`: processes on this machine (None: all cores; 1: this process). `dask`: a scheduler
    address or a `distributed.Client` to run batches on a cluster instead (see textlens.distributed).
    `_analysed(name, pending_after)`: called once each analysis is written, with the documents the later
    analyses still have to do (`run` starts the corpus steps from it). `_early`: documents each analysis already
    wrote in this run (`EarlyAnalyses`), counted in the summary.
    """
    early = _early or {}
    summary = summary or RunSummary(0)
    plan = _planned or _Plan.of(names, analyzer_options or {})
    summary.unavailable = plan.missing
    analyzers, keys = plan.analyzers, plan.keys
    runners = _runners or _Runners(corpus, workers, dask, dask_dir)
    pending = {a.name: stored.count_pending(corpus, a.name, keys[a.name]) for a in analyzers}
    warm = [spec for a, spec in zip(analyzers, plan.specs) if pending[a.name]]  # for workers to load up front
    try:
        for position, (analyzer, spec) in enumerate(zip(analyzers, plan.specs)):
            start = time.perf_counter()
            key = keys[analyzer.name]
            total = pending[analyzer.name]
            summary.analysed[analyzer.name] = early.get(analyzer.name, 0)
            pending_after = sum(pending[a.name] for a in analyzers[position + 1:])
            if not total:
                if _analysed:
                    _analysed(analyzer.name, pending_after)
                continue
            runner = runners.get(total, batch_size, warm)
            summary.workers = max(summary.workers, runner.workers)
            inputs = _timed(summary.cpu, "inputs", (analysis_inputs(corpus, ids)
                                                     for ids in iter_pending(corpus, analyzer.name, key, batch_size)))
            done = early.get(analyzer.name, 0)
            for batch, result in runner.map(spec, analyzer, inputs):
                _write_batch(corpus, analyzer, key, batch, result, summary)
                done += len(batch)
                summary.analysed[analyzer.name] = done
                if progress:
                    progress(analyzer.name, done, total + early.get(analyzer.name, 0))
            summary.timings[analyzer.name] = time.perf_counter() - start
            if _analysed:
                _analysed(analyzer.name, pending_after)
    finally:
        if _runners is None:
            runners.close()
        else:  # the caller's: it closes them once the corpus steps are done
            runners.release()
    return summary


def _write_batch(corpus: Corpus, analyzer: Analyzer, key: str, batch: Sequence[AnalysisInput], result: Any,
                 summary: RunSummary) -> None:
    """One analysed batch into the store, in its own transaction (the corpus steps become due)."""
    cpu = time.process_time()
    with corpus.transaction():
        corpus.write_analysis(analyzer.name, analyzer.tables, {b.doc_id: key for b in batch}, result.rows,
                              analyzer.side_tables)
        stored.mark_steps_due(corpus)
    _add(summary.cpu, "writes", time.process_time() - cpu)
    _add(summary.cpu, analyzer.name, result.cpu)


# batches in flight while ingesting (x 64 documents): the workers get work for the time this process takes to read
# and store its next ingest batch (500 documents)
EARLY_WINDOW = 16


class EarlyAnalyses:
    """The leading analyses that read no other one (entities, themes) start on the workers while this process is
    still ingesting, batch by batch as documents are stored.

    Why: ingestion runs on one core (reading, cleaning, masking: ~30 CPU s for 10k reviews) while the worker pool,
    its models loaded, waited for it; these analyses now fill the idle core. Up to `EARLY_WINDOW` batches are in
    flight, since this process hands them out only between ingest batches. Their results are the ones `analyse`
    would write (a result depends on its document only), written by this process, in submission order; the
    documents left when ingestion ends, and every later analysis, are `analyse`'s.
    """

    def __init__(self, corpus: Corpus, plan: "_Plan", runners: _Runners, batch_size: int, summary: RunSummary):
        self.corpus, self.runners, self.batch_size, self.summary = corpus, runners, batch_size, summary
        self.leading: list[tuple[Analyzer, Any, str]] = []
        for analyzer, spec in zip(plan.analyzers, plan.specs):
            if analyzer.requires:
                break
            self.leading.append((analyzer, spec, plan.keys[analyzer.name]))
        self.in_flight: deque[tuple[Analyzer, Any, str, list[AnalysisInput], Any]] = deque()
        self.submitted: set[tuple[str, str]] = set()  # (analysis, document) in flight
        self.done: dict[str, int] = {}

    def pump(self) -> None:
        """After each stored ingest batch: write what the workers finished, hand them full batches of the
        documents stored since (the first analysis first)."""
        from textlens.parallel import PoolRunner

        pool = self.runners.pool
        if not self.leading or not isinstance(pool, PoolRunner):
            return
        self._write_done(block=False)
        for analyzer, spec, key in self.leading:
            while len(self.in_flight) < EARLY_WINDOW:
                cpu = time.process_time()
                page = stored.pending_page(self.corpus, analyzer.name, key, None, self.batch_size + len(self.submitted))
                ids = [i for i in page if (analyzer.name, i) not in self.submitted][: self.batch_size]
                if len(ids) < self.batch_size:  # a full batch only: what is left is `analyse`'s
                    break
                batch = analysis_inputs(self.corpus, ids)
                _add(self.summary.cpu, "inputs", time.process_time() - cpu)
                self.submitted.update((analyzer.name, i) for i in ids)
                self.in_flight.append((analyzer, spec, key, batch, pool.submit(spec, batch)))

    def drain(self) -> dict[str, int]:
        """Once ingestion ends: wait for the batches in flight and write them; documents written per analysis."""
        self._write_done(block=True)
        return self.done

    def _write_done(self, block: bool) -> None:
        from textlens.parallel import PoolRunner

        while self.in_flight and (block or self.in_flight[0][-1].done()):
            analyzer, spec, key, batch, fut = self.in_flight.popleft()
            _write_batch(self.corpus, analyzer, key, batch, PoolRunner.result(spec, fut), self.summary)
            self.done[analyzer.name] = self.done.get(analyzer.name, 0) + len(batch)
            self.submitted.difference_update((analyzer.name, b.doc_id) for b in batch)


def corpus_steps(corpus: Corpus, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Corpus-level analyses that need every document first (entity spellings, topic discovery).

    Skipped when no document or analysis changed since they last completed (topic discovery also
    checks its own fingerprint); a run killed before they complete leaves them due.
    """
    due = stored.steps_due(corpus)
    out = _corpus_steps(corpus, due, progress)
    if due:
        stored.clear_steps_due(corpus)
    return out


def _corpus_steps(corpus: Corpus, due: bool, progress: ProgressFn | None = None) -> dict[str, Any]:
    """The corpus steps without the bookkeeping of `corpus_steps` (entity spellings only when `due`)."""
    out: dict[str, Any] = {}
    if due and _module_exists("textlens.entities.canon"):
        from textlens.entities.canon import merge_variants

        # Names unknown to the knowledge base get one spelling across the corpus.
        out["entity_variants_merged"] = merge_variants(corpus)
    if _module_exists("textlens.topics"):
        from textlens.topics import fit_corpus_topics

        if progress:
            progress("topics", 0, 1)
        out["topics"] = fit_corpus_topics(corpus, encoders=TOPICS_ENCODER)
        if progress:
            progress("topics", 1, 1)
    return out


def corpus_steps_in_store(db: str, due: bool) -> tuple[dict[str, Any], float]:
    """`_corpus_steps` on the store at `db`, with a connection of its own (the body of `StepsAhead`'s process),
    and the CPU seconds they took."""
    cpu = time.process_time()
    with Corpus.open(db) as corpus:
        return _corpus_steps(corpus, due), time.process_time() - cpu


# The analyses whose rows the corpus steps read: mentions (entity spellings) and themes (topic labels).
STEPS_READ = ("entities", "themes")


class StepsAhead:
    """The corpus steps of a multi-core run, started in a process of their own as soon as the analyses they read
    are written, so they run next to the analyses still going (sentiment, CX...) instead of after them on one core.

    Same results as `corpus_steps` after the analyses: their inputs (documents, mentions, themes, the embedding
    cache) are final when they start, and the other analyses do not touch them. Small runs (one process) and
    Dask runs keep the steps after the analyses.
    """

    def __init__(self, corpus: Corpus, runners: _Runners, analyses: Sequence[str], enabled: bool):
        self.corpus, self.runners, self.enabled = corpus, runners, enabled
        self.waiting_for = set(STEPS_READ) & set(analyses)
        self.task: Any = None
        self.cpu = 0.0  # CPU seconds of the steps, wherever they ran

    def analysed(self, name: str, pending_after: int) -> None:
        """`analyse`'s hook: start the steps once nothing they read is left to write and other analyses are."""
        from textlens.parallel import BackgroundTask, PoolRunner

        self.waiting_for.discard(name)
        if not self.enabled or self.task is not None or self.waiting_for or not pending_after \
                or not isinstance(self.runners.pool, PoolRunner):
            return
        self.task = BackgroundTask(corpus_steps_in_store, str(self.corpus.path), stored.steps_due(self.corpus))
        self.runners.pool.yield_to = self.task.running  # the steps get a core, the analyses keep the other

    def finish(self, progress: ProgressFn | None = None) -> dict[str, Any]:
        """After the analyses: the background steps' result, or the steps run now when none was started."""
        if self.task is None:
            cpu = time.process_time()
            out = corpus_steps(self.corpus, progress)
            self.cpu = time.process_time() - cpu
            return out
        if progress:
            progress("topics", 0, 1)
        task, self.task = self.task, None
        out, self.cpu = task.result()
        if stored.steps_due(self.corpus):  # marked by this run's analyses: the steps saw their final inputs
            stored.clear_steps_due(self.corpus)
        if progress:
            progress("topics", 1, 1)
        return out

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


def run(paths: Sequence[str | Path], db: str | Path = "textlens.db", options: Any = None,
        analyses: Sequence[str] | None = None, batch_size: int = 64, progress: ProgressFn | None = None,
        wait: bool = True, topics: bool = True, analyzer_options: dict[str, dict[str, Any]] | None = None,
        workers: int | None = None, dask: Any = None, dask_dir: str | Path | None = None,
        reread: bool = False) -> RunSummary:
    """Ingest `paths` into the store at `db` and run every available analysis (the `textlens run` command).

    `workers`: analysis processes on this machine (None: all cores for 2,000+ pending documents;
    1: none). Workers are spawned, so a script calling `run` with workers must guard its entry point
    with `if __name__ == "__main__":`, as with any multiprocessing code.
    `dask`: a Dask scheduler address ("tcp://host:8786") or `distributed.Client`; `dask_dir`: a folder
    every worker and this process can reach, for the result partitions (default: next to the store).
    """
    start = time.perf_counter()
    if dask is not None:  # before the run is recorded and anything is ingested
        from textlens.distributed import require_dask

        require_dask()
    plan = _Plan.of(analyses, analyzer_options or {})  # a model asked for and missing fails before the store is touched
    with RunLock(db, wait=wait), Corpus.open(db) as corpus:
        run_id = corpus.start_run({"paths": [str(p) for p in paths], "pid": os.getpid(),
                                   "options": getattr(options, "__dict__", None), "workers": workers,
                                   "dask": None if dask is None else str(dask)})
        summary = RunSummary(run_id)
        runners = _Runners(corpus, workers, dask, dask_dir)
        ahead = StepsAhead(corpus, runners, [a.name for a in plan.analyzers], enabled=topics and dask is None)
        early = EarlyAnalyses(corpus, plan, runners, batch_size, summary)

        def stored_batch(s: RunSummary) -> None:
            runners.prestart(s.stored + s.updated, plan.specs, batch_size)
            early.pump()

        try:
            ingest(corpus, paths, options, run_id, progress=progress, summary=summary, reread=reread,
                   on_batch=stored_batch)
            analyse(corpus, analyses, batch_size, progress, summary=summary, workers=workers, dask=dask,
                    dask_dir=dask_dir, _planned=plan, _runners=runners, _analysed=ahead.analysed, _early=early.drain())
            if topics:
                t = time.perf_counter()
                summary.corpus_steps = ahead.finish(progress)  # started next to the last analyses on 2+ cores
                summary.timings["corpus_steps"] = time.perf_counter() - t  # the wait after the analyses
                summary.cpu["corpus_steps"] = ahead.cpu
        except BaseException:
            ahead.cancel()
            runners.close()
            corpus.finish_run(run_id, "failed")
            raise
        runners.close()
        corpus.finish_run(run_id, "done")
    summary.seconds = time.perf_counter() - start
    return summary
