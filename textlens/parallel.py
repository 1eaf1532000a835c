"""Analysis batches run in the parent or in worker processes; the parent stays the only writer.

A *runner* takes an analyzer and a stream of input batches and yields, in submission order, each
batch with its result rows: the analysis' own tables and the side tables it declares (e.g. the
embedding cache). The pipeline then writes every batch in its own transaction, so results do not
depend on the runner: `--workers 4` stores exactly what `--workers 1` stores, and a killed run loses
at most the batches in flight.

Workers load models once: analyzers are built from an `AnalyzerSpec` (registry target + the options
the analyzer was built with) the first time a worker sees them and kept for the life of the process.
Wherever it runs, an analysis is given an `AnalysisStore`: reads go to the store (a read-only
connection in a worker: SQLite WAL allows readers next to the writer), writes are refused, and the
rows it adds to its side tables come back with its result.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textlens.analysis.base import make_analyzer, run_analysis
from textlens.errors import AnalysisError
from textlens.store import Corpus, StoreError
from textlens.store.analyses import AnalysisStore

if TYPE_CHECKING:
    from concurrent.futures import Future

    from textlens.analysis.base import AnalysisInput, Analyzer, Rows


class WorkerError(AnalysisError):
    """A worker could not analyse a batch; the message names the analyzer, the documents and the cause."""


# ---- what a worker needs to rebuild an analyzer -------------------------------------------------
@dataclass(frozen=True)
class AnalyzerSpec:
    """An analyzer by registry target and options, plus the key the parent computed for it.

    Workers rebuild the analyzer from this and refuse to run when their key differs (another
    textlens version or taxonomy file on a cluster node): results must not depend on where they ran.
    """

    name: str
    target: str  # "module:Class"
    options_json: str
    key: str  # Analyzer.key() in the parent
    requires: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    side_tables: tuple[str, ...] = ()

    @classmethod
    def of(cls, analyzer: "Analyzer") -> "AnalyzerSpec":
        from textlens.analysis.base import registered

        target = registered().get(analyzer.name) or f"{type(analyzer).__module__}:{type(analyzer).__qualname__}"
        return cls(analyzer.name, target, json.dumps(analyzer.options(), sort_keys=True, default=str),
                   analyzer.key(), tuple(analyzer.requires), tuple(analyzer.tables), tuple(analyzer.side_tables))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "AnalyzerSpec":
        """The spec `dataclasses.asdict`/`__dict__` gave, after a JSON round trip (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    def build(self) -> "Analyzer":
        import importlib

        module, cls = self.target.split(":")
        analyzer = make_analyzer(getattr(importlib.import_module(module), cls), json.loads(self.options_json))
        if analyzer.key() != self.key:
            raise WorkerError(
                f"analysis {self.name}: this worker computes key {analyzer.key()} but the run expects {self.key} "
                "(different textlens version, taxonomy or model files on this machine)"
            )
        return analyzer


_ANALYZERS: dict[AnalyzerSpec, "Analyzer"] = {}
_ANALYZERS_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()  # one analysis at a time per process: models are not all thread-safe


def cached_analyzer(spec: AnalyzerSpec) -> "Analyzer":
    """The analyzer for `spec`, built and set up once per process."""
    with _ANALYZERS_LOCK:
        analyzer = _ANALYZERS.get(spec)
        if analyzer is None:
            analyzer = spec.build()
            analyzer.setup()
            _ANALYZERS[spec] = analyzer
        return analyzer


@dataclass
class BatchResult:
    rows: "Rows"  # the analysis' own tables and the side tables it declares
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the process that analysed the batch (time.process_time)
    worker: str = ""  # host:pid that analysed the batch
    location: str = ""  # where the result was staged (Dask partitions), removed once written


def analyse_batch(spec: AnalyzerSpec, store: AnalysisStore, batch: list["AnalysisInput"]) -> BatchResult:
    """Run one analyzer on one batch with the process's cached models (the task every worker runs)."""
    start, cpu = time.perf_counter(), time.process_time()
    with _RUN_LOCK:
        try:
            analyzer = cached_analyzer(spec)
        except WorkerError:
            raise
        except Exception as exc:
            raise WorkerError(f"analysis {spec.name} could not start in worker {os.getpid()}: "
                              f"{type(exc).__name__}: {exc}") from exc
        try:
            rows = run_analysis(analyzer, batch, store)
        except Exception as exc:
            ids = ", ".join(b.doc_id for b in batch[:5]) + (" ..." if len(batch) > 5 else "")
            raise WorkerError(f"analysis {spec.name} failed on documents {ids}: {type(exc).__name__}: {exc}") from exc
    return BatchResult(rows, time.perf_counter() - start, time.process_time() - cpu,
                       f"{os.uname().nodename}:{os.getpid()}")


# ---- runners ---------------------------------------------------------------------------------------
Batch = list["AnalysisInput"]


class Runner:
    """Runs an analyzer over batches; yields (batch, result) in submission order."""

    workers = 1

    def map(self, spec: AnalyzerSpec, analyzer: "Analyzer", batches: Iterable[Batch]
            ) -> Iterator[tuple[Batch, BatchResult]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers; safe to call twice."""

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessRunner(Runner):
    """Analyses in the calling process with the analyzer the pipeline built (no pickling, no workers)."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.store = AnalysisStore.of(corpus)
        self._ready: set[int] = set()

    def map(self, spec: AnalyzerSpec, analyzer: "Analyzer", batches: Iterable[Batch]
            ) -> Iterator[tuple[Batch, BatchResult]]:
        if id(analyzer) not in self._ready:
            analyzer.setup()
            self._ready.add(id(analyzer))
        for batch in batches:
            start, cpu = time.perf_counter(), time.process_time()
            rows = run_analysis(analyzer, batch, self.store)
            yield batch, BatchResult(rows, time.perf_counter() - start, time.process_time() - cpu, worker="parent")


def ordered(batches: Iterable[Batch], submit: Callable[[Batch], "Future[Any]"], window: int | Callable[[], int],
            result: Callable[["Future[Any]"], BatchResult]) -> Iterator[tuple[Batch, BatchResult]]:
    """Keep up to `window` batches in flight (a callable: asked before each submission); yield results in
    submission order (deterministic writes)."""
    pending: deque[tuple[Batch, Future[Any]]] = deque()
    in_flight = window if callable(window) else (lambda: window)
    for batch in batches:
        pending.append((batch, submit(batch)))
        while len(pending) >= in_flight():
            b, fut = pending.popleft()
            yield b, result(fut)
    while pending:
        b, fut = pending.popleft()
        yield b, result(fut)


_WORKER_STORE: AnalysisStore | None = None
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TEXTLENS_THREADS")


def _die_with_parent() -> None:
    """Have the kernel kill this process when the process that started it ends, however it ends.

    A `textlens run` killed with SIGKILL (or by the OOM killer) cannot clean up: its fork server and
    workers used to stay alive, idle, holding the models' memory (~3 GB) until killed by hand. With
    PR_SET_PDEATHSIG on the fork server (child of the run) and on each worker (child of the fork server,
    or of the run under "spawn") the whole chain goes down with the run. Linux only; elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl in this libc: workers may outlive a killed run
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _init_worker(db: str, threads: int, warm: tuple[AnalyzerSpec, ...] = ()) -> None:
    """Process-pool initializer: tied to its parent's life first, then the thread budget before any
    numeric library loads, then the store view, then the models of `warm` (so they load while the
    parent is still ingesting)."""
    global _WORKER_STORE
    _die_with_parent()
    for var in _THREAD_VARS:
        os.environ[var] = str(threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _WORKER_STORE = AnalysisStore.attach(db)
    _warm(warm)


def _warm(specs: Iterable[AnalyzerSpec]) -> None:
    """Set up the analyzers of `specs` in this process's cache; a failure is reported with its context
    by the first batch that needs that analyzer."""
    for spec in specs:
        try:
            cached_analyzer(spec)
        except Exception:  # noqa: BLE001 - see docstring
            pass


def _ready() -> int:
    return os.getpid()


def _pool_task(spec: AnalyzerSpec, batch: Batch) -> BatchResult:
    if _WORKER_STORE is None:
        raise WorkerError(f"analysis {spec.name}: worker {os.getpid()} has no store (started without its initializer)")
    return analyse_batch(spec, _WORKER_STORE, batch)


_WARM_ENV = "TEXTLENS_FORKSERVER_WARM"  # set only while the fork server starts: the analyzers it sets up


def _warm_fork_server() -> None:
    """In the fork server: import and set up the analyzers of `_WARM_ENV` once, before any worker
    is forked from it. Workers then start with spaCy's French data, the knowledge base and the models
    already in memory (measured: ~9 CPU s per worker otherwise, on 2 busy cores)."""
    raw = os.environ.pop(_WARM_ENV, None)
    if not raw:
        return
    _die_with_parent()  # set only while the fork server starts: this process is the fork server
    _warm(AnalyzerSpec.from_dict(d) for d in json.loads(raw))


def _pool_context(threads: int, warm: tuple[AnalyzerSpec, ...]) -> tuple[Any, bool]:
    """(context, whether this call started the fork server): a fork server that has loaded `warm` (a
    clean process: no locks, threads or store connection of the caller are inherited); "spawn" where
    there is no fork server. The server starts here, with the workers' thread budget and the analyzers
    to warm in its environment only while it starts."""
    import multiprocessing as mp
    from multiprocessing import forkserver

    if not warm or "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn"), False
    if getattr(forkserver._forkserver, "_forkserver_pid", None) is not None:
        return mp.get_context("forkserver"), False  # serving another pool: workers warm up in `_init_worker`
    forkserver.set_forkserver_preload(["textlens.parallel"])
    saved = {k: os.environ.get(k) for k in (_WARM_ENV, *_THREAD_VARS)}
    os.environ[_WARM_ENV] = json.dumps([spec.__dict__ for spec in warm])
    for var in _THREAD_VARS:
        os.environ[var] = str(threads)
    try:
        forkserver.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return mp.get_context("forkserver"), True


def _stop_fork_server() -> None:
    """Stop the fork server (it holds the warm models) and reap it, which also counts its CPU time
    and its workers' in this process's RUSAGE_CHILDREN. It exits once every process forked from it
    has: call after the pool's shutdown."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


class PoolRunner(Runner):
    """`workers` processes on this machine, forked from a clean fork server that loaded the models
    once (spawned where there is none: no inherited locks, threads or model state either way).

    Each worker gets cores // workers threads for its numeric libraries, so N workers never
    oversubscribe the machine.
    """

    def __init__(self, db: str | Path, workers: int, threads: int | None = None,
                 warm: tuple[AnalyzerSpec, ...] = ()):
        """`warm`: analyzers every worker sets up as soon as it starts; with them, the workers are
        started now (not at the first batch), so their start-up overlaps what the caller does next."""
        from concurrent.futures import ProcessPoolExecutor

        if workers < 2:
            raise ValueError("PoolRunner needs at least 2 workers; use InProcessRunner")
        self.workers = workers
        self.threads = threads or max(1, (os.cpu_count() or 1) // workers)
        self.db = str(db)
        # while this returns True (the corpus steps run next to the analyses: `StepsAhead`), one batch at a time
        self.yield_to: Callable[[], bool] | None = None
        context, self._owns_server = _pool_context(self.threads, tuple(warm))
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                         initializer=_init_worker, initargs=(self.db, self.threads, tuple(warm)))
        if warm:  # one trivial task per worker makes the pool spawn them all now
            for _ in range(workers):
                self._pool.submit(_ready)

    def submit(self, spec: AnalyzerSpec, batch: Batch) -> "Future[Any]":
        """One batch to the workers (`result` waits for it)."""
        return self._pool.submit(_pool_task, spec, batch)

    @staticmethod
    def result(spec: AnalyzerSpec, fut: "Future[Any]") -> BatchResult:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool as exc:
            raise WorkerError(f"analysis {spec.name}: a worker process died (out of memory or killed?); "
                              "results committed so far are kept, run again to resume") from exc

    def busy_workers(self) -> int:
        """Workers to keep busy next to a serial task of the caller's (ingestion, the corpus steps): one fewer
        when they fill every core, so that task keeps a core of its own."""
        return max(1, self.workers - 1) if self.workers >= default_workers() else self.workers

    def map(self, spec: AnalyzerSpec, analyzer: "Analyzer", batches: Iterable[Batch]
            ) -> Iterator[tuple[Batch, BatchResult]]:
        def window() -> int:
            """While another process wants a core (the corpus steps, the longest serial part of a run): one worker
            fewer busy (`busy_workers`), the steps get a core of their own."""
            if self.yield_to is not None and self.yield_to():
                return self.busy_workers()
            return 2 * self.workers

        yield from ordered(batches, lambda b: self.submit(spec, b), window, lambda fut: self.result(spec, fut))

    def release_workers(self) -> None:
        """Stop the workers (their models' memory goes back), keeping the fork server for `start_background`."""
        pool, self._pool = getattr(self, "_pool", None), None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self.release_workers()
        if getattr(self, "_owns_server", False):
            self._owns_server = False
            _stop_fork_server()


class BackgroundTask:
    """`target(*args)` in a process of its own, forked from the fork server when one runs (its imports are
    already there; no lock, thread or store connection of the caller inherited), else spawned; the process
    dies with its parent. `result()` waits for it and returns what `target` returned, or raises `WorkerError`
    with the child's error.

    Why: the corpus steps (topic discovery, entity spellings) ran on one core after every analysis; their
    inputs are final once the analyses they read are written, so they can run next to the remaining ones."""

    def __init__(self, target: Callable[..., Any], *args: Any):
        import multiprocessing as mp
        from multiprocessing import forkserver

        server_up = getattr(forkserver._forkserver, "_forkserver_pid", None) is not None
        context = mp.get_context("forkserver" if server_up else "spawn")
        self.name = getattr(target, "__name__", str(target))
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_background_main, args=(send, target, args))
        self._process.start()
        send.close()  # the child holds the other end: EOF here when it dies without answering

    def running(self) -> bool:
        """True until the process has answered (its result is waiting to be read)."""
        return self._process.is_alive() and not self._receive.poll()

    def result(self) -> Any:
        try:
            ok, value = self._receive.recv()
        except EOFError:
            ok, value = False, f"the process ended without a result (exit code {self._process.exitcode})"
        finally:
            self._process.join()
            self._receive.close()
        if not ok:
            raise WorkerError(f"{self.name} failed in a background process: {value}")
        return value

    def cancel(self) -> None:
        """Stop the process (the run failed or was interrupted); safe after `result`."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def _background_main(send: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    import traceback

    _die_with_parent()
    try:
        send.send((True, target(*args)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        send.send((False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"))
    finally:
        send.close()


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_store_path(db: str | Path) -> None:
    if str(db) in ("", ":memory:"):
        raise StoreError("workers need a store file they can open (not an in-memory database)")


_warm_fork_server()
