"""Run the analyses on an existing Dask cluster; the store never leaves this machine.

    textlens run corpus/ --dask tcp://scheduler:8786 --dask-dir /shared/textlens-parts

The parent pages pending documents from the store as usual and sends each batch (texts, passages,
and the rows of the analyses it depends on) to the cluster. A worker rebuilds the analyzer once
per process (cached global, checked against the parent's key), analyses the batch against a
*detached* in-memory copy of the store schema holding just those rows, and writes its result as
Parquet files in a partition folder of the shared directory. The parent reads each partition back
in submission order, writes it into the store in one transaction (rows, side-table rows such as
new embedding-cache vectors, analysis keys) and deletes it. The store file is never opened by the workers (SQLite over a network
file system is not safe), so any cluster whose workers can import textlens and reach the shared
folder will do; results are identical to a local run.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textlens.errors import MissingExtraError
from textlens.parallel import AnalyzerSpec, Batch, BatchResult, Runner, WorkerError, analyse_batch, ordered
from textlens.store.database import sql_value

if TYPE_CHECKING:
    from concurrent.futures import Future

    from textlens.analysis.base import Analyzer
    from textlens.store import Corpus

SUCCESS = "_SUCCESS.json"
_PICKLED = b"textlens_pickled"  # Parquet schema metadata: columns whose values are pickled


# ---- Parquet partitions ---------------------------------------------------------------------------
def rows_to_table(rows: list[dict[str, Any]]) -> Any:
    """Rows as an Arrow table that reads back to the very same values.

    Columns are those of the first row (the ones `Corpus.write_analysis` inserts). A column whose
    values share one plain type is stored natively; a mixed one (e.g. ints and floats) is pickled
    per value, so SQLite later receives exactly what a local run would have given it.
    """
    import pyarrow as pa

    cols = list(rows[0]) if rows else []
    arrays, pickled = [], []
    for c in cols:
        values = [sql_value(r.get(c)) for r in rows]
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) <= 1 and kinds <= {int, float, str, bytes, bool}:
            try:
                arrays.append(pa.array(values))
                continue
            except (pa.ArrowInvalid, OverflowError):
                pass
        arrays.append(pa.array([None if v is None else pickle.dumps(v) for v in values], type=pa.binary()))
        pickled.append(c)
    table = pa.table(dict(zip(cols, arrays))) if cols else pa.table({})
    return table.replace_schema_metadata({_PICKLED: json.dumps(pickled).encode()})


def table_to_rows(table: Any) -> list[dict[str, Any]]:
    meta = table.schema.metadata or {}
    pickled = set(json.loads(meta.get(_PICKLED, b"[]")))
    rows = table.to_pylist()
    if pickled:
        for r in rows:
            for c in pickled:
                if r[c] is not None:
                    r[c] = pickle.loads(r[c])
    return rows


def _write_parquet(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def write_partition(folder: Path, result: BatchResult, doc_ids: list[str]) -> None:
    """One Parquet file per table (side tables included), then the success marker (written last)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in result.rows.items():
        _write_parquet(rows_to_table(rows), folder / f"{table}.parquet")
    marker = {"doc_ids": doc_ids, "tables": sorted(result.rows), "seconds": result.seconds, "cpu": result.cpu,
              "worker": result.worker}
    tmp = folder / (SUCCESS + ".tmp")
    tmp.write_text(json.dumps(marker))
    os.replace(tmp, folder / SUCCESS)


def read_partition(folder: Path) -> BatchResult:
    import pyarrow.parquet as pq

    marker_path = folder / SUCCESS
    if not marker_path.exists():
        raise WorkerError(f"{folder}: partition incomplete (no {SUCCESS}); is the folder shared with the workers?")
    marker = json.loads(marker_path.read_text())
    rows: dict[str, list[dict[str, Any]]] = {t: table_to_rows(pq.read_table(folder / f"{t}.parquet"))
                                              for t in marker["tables"]}
    return BatchResult(rows, marker["seconds"], marker.get("cpu", 0.0), marker["worker"], str(folder))


# ---- worker side ----------------------------------------------------------------------------------
def run_partition(spec: AnalyzerSpec, batch: Batch, required: dict[str, list[dict[str, Any]]], folder: str) -> str:
    """The Dask task: analyse one batch with this worker's cached analyzer, stage the result as Parquet."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from textlens.store.analyses import AnalysisStore

    store = AnalysisStore.detached(required)
    try:
        result = analyse_batch(spec, store, batch)
    finally:
        store.close()
    write_partition(Path(folder), result, [b.doc_id for b in batch])
    return folder


# ---- parent side ----------------------------------------------------------------------------------
def _required_tables(spec: AnalyzerSpec) -> list[str]:
    import importlib

    from textlens.analysis.base import registered

    reg = registered()
    tables: list[str] = []
    for name in spec.requires:
        if name in reg:
            module, cls = reg[name].split(":")
            tables.extend(getattr(importlib.import_module(module), cls).tables)
    return tables


def required_rows(corpus: "Corpus", spec: AnalyzerSpec, doc_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows of the analyses `spec` requires, for these documents (sentiment reads the aspects themes wrote)."""
    from textlens.store.analyses import rows_of

    return rows_of(corpus, _required_tables(spec), doc_ids)


def require_dask() -> None:
    """Fail with the extra to install when `distributed` is absent: dask is optional (`textlens[dask]`)."""
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("--dask", "distributed", "dask") from exc


class DaskRunner(Runner):
    """Batches on a Dask cluster, staged as Parquet partitions under `shared_dir`, merged by the caller."""

    def __init__(self, dask: Any, corpus: "Corpus", shared_dir: str | Path | None = None, window: int | None = None):
        require_dask()
        from distributed import Client

        if isinstance(dask, Client):
            self.client, self._own = dask, False
        else:
            try:
                self.client, self._own = Client(str(dask), timeout="30s", set_as_default=False), True
            except OSError as exc:
                raise WorkerError(f"cannot reach the Dask scheduler at {dask}: {exc}") from exc
        self.corpus = corpus
        try:
            self.client.wait_for_workers(1, timeout=60)
        except TimeoutError as exc:
            raise WorkerError(f"the Dask cluster at {self.client.scheduler.address} has no workers (waited 60 s)"
                              ) from exc
        nthreads = self.client.nthreads()
        self.workers = len(nthreads)
        self.window = window or 2 * sum(nthreads.values())
        store_id = hashlib.sha1(str(Path(corpus.path).resolve()).encode()).hexdigest()[:12]
        self._base = None if shared_dir else Path(f"{corpus.path}.parts")
        self.root = (Path(shared_dir) if shared_dir else Path(f"{corpus.path}.parts")) / store_id
        # The caller holds the store's run lock: partitions left by a killed run are stale.
        if self.root.is_dir():
            for stale in self.root.glob("run-*"):
                shutil.rmtree(stale, ignore_errors=True)
        self.dir = self.root / f"run-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._seq = 0

    def map(self, spec: AnalyzerSpec, analyzer: "Analyzer", batches: Iterable[Batch]
            ) -> Iterator[tuple[Batch, BatchResult]]:
        def submit(batch: Batch) -> "Future[Any]":
            self._seq += 1
            folder = self.dir / f"{spec.name}-{self._seq:07d}"
            required = required_rows(self.corpus, spec, [b.doc_id for b in batch])
            return self.client.submit(run_partition, spec, batch, required, str(folder), pure=False,
                                      key=f"textlens-{spec.name}-{self.dir.name}-{self._seq}")

        def result(fut: Any) -> BatchResult:
            try:
                folder = fut.result()
            except WorkerError:
                raise
            except Exception as exc:  # noqa: BLE001 - the cluster's error, re-raised with context
                raise WorkerError(f"analysis {spec.name} failed on the Dask cluster: {type(exc).__name__}: {exc}"
                                  ) from exc
            return read_partition(Path(folder))

        for batch, res in ordered(batches, submit, self.window, result):
            yield batch, res
            shutil.rmtree(res.location, ignore_errors=True)  # written by the caller before it asked for more

    def close(self) -> None:
        if getattr(self, "dir", None) is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            for folder in (self.root, self._base):
                try:
                    if folder is not None:
                        folder.rmdir()  # only when empty
                except OSError:
                    pass
            self.dir = None  # type: ignore[assignment]
        if getattr(self, "_own", False):
            self.client.close()
            self._own = False

