"""What makes an unchanged re-run almost free: an input manifest and stored near-duplicate signatures.

- `InputManifest`: a fingerprint of the inputs of an ingest (file names, sizes, modification and
  change times), of the ingest options and of the ingestion code. When it equals the one recorded
  by the last complete ingest of the same inputs, and no document of that ingest was changed since,
  nothing is read: the previous ingest-log lines are copied for this run (one SQL statement), so
  `textlens info` still accounts for every input.
- `StoredDuplicates`: duplicate flags per batch. Unchanged documents keep their stored flag; new or
  changed ones go through the `Deduplicator`, primed only then, from signatures kept in the store's
  `dedup_signatures` table instead of re-hashing every stored text.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textlens.store import incremental as stored

if TYPE_CHECKING:
    from textlens.document import Document
    from textlens.ingest import Deduplicator
    from textlens.run_summary import RunSummary
    from textlens.store import Corpus

MANIFEST_STAT = "ingest_manifest:"
_CODE_MODULES = ("textlens.ingest", "textlens.document", "textlens.analysis.segment", "textlens.incremental")


def _code_fingerprint() -> str:
    """Hash of the ingestion code: a new cleaning rule must re-read inputs even when they did not change."""
    import importlib.util

    h = hashlib.sha1()
    for name in _CODE_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        files = sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    from textlens.ingest.date_model import date_model

    model = date_model()  # learned data of ingestion count as code: a retrained date scorer re-dates inputs
    h.update(repr(model.to_dict() if model is not None else None).encode())
    return h.hexdigest()


def _stat_line(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"{path}\0error {exc.errno}"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"


def inputs_fingerprint(paths: Sequence[str | Path]) -> str:
    """Every file and folder under `paths` (hidden and ignored ones included: being conservative only
    costs a re-read) by name, size, mtime, ctime and inode. ctime cannot be set back by tools that
    preserve mtimes, so any rewrite of a file changes the fingerprint."""
    h = hashlib.sha1()
    for given in paths:
        root = str(given)
        h.update(f"given\0{root}\n".encode())
        if not os.path.isdir(root):
            h.update((_stat_line(root) + "\n").encode())
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            h.update((_stat_line(dirpath) + "\n").encode())
            for name in sorted(filenames):
                h.update((_stat_line(os.path.join(dirpath, name)) + "\n").encode())
    return h.hexdigest()


def _options_dict(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if is_dataclass(options):
        return asdict(options)
    return dict(getattr(options, "__dict__", {}))


class InputManifest:
    """The fingerprint of one ingest's inputs, and whether the store already holds exactly their result."""

    def __init__(self, paths: Sequence[str | Path], options: Any = None):
        self.paths = [str(p) for p in paths]
        opts = json.dumps(_options_dict(options), sort_keys=True, default=str)
        self.name = MANIFEST_STAT + hashlib.sha1(json.dumps([self.paths, opts]).encode()).hexdigest()[:20]
        self.fingerprint = hashlib.sha1(
            f"{inputs_fingerprint(self.paths)}|{opts}|{_code_fingerprint()}".encode()
        ).hexdigest()

    @staticmethod
    def last_log_id(corpus: "Corpus") -> int:
        return stored.last_log_id(corpus)

    def _valid(self, corpus: "Corpus", rec: dict[str, Any]) -> bool:
        if rec.get("fingerprint") != self.fingerprint:
            return False
        first, last = int(rec["log_first"]), int(rec["log_last"])
        if stored.log_lines(corpus, first, last) != rec.get("log_lines"):
            return False
        if stored.present_documents(corpus, first, last) != rec.get("documents"):
            return False
        # Any document updated since (by any run: an update can change duplicate flags of later
        # documents) or one of ours stored again: read everything.
        return not stored.changed_since(corpus, first, last)

    def replay(self, corpus: "Corpus", run_id: int | None, summary: "RunSummary") -> bool:
        """If the inputs are unchanged since their last complete ingest, log them as unchanged for
        `run_id`, fill `summary` and return True; otherwise do nothing and return False."""
        rec = corpus.stat(self.name)
        if not rec or not self._valid(corpus, rec):
            return False
        first, last = int(rec["log_first"]), int(rec["log_last"])
        with corpus.transaction() as c:
            start = self.last_log_id(corpus) + 1
            stored.replay_log(c, run_id, first, last)
            end = self.last_log_id(corpus)
            self._save(corpus, start, end, rec["summary"])
        s = rec["summary"]
        summary.unchanged += s["stored"] + s["updated"] + s["unchanged"]
        summary.skipped += s["skipped"]
        summary.warnings += s["warnings"]
        summary.skipped_examples.extend(s["skipped_examples"][: max(0, 20 - len(summary.skipped_examples))])
        return True

    def save(self, corpus: "Corpus", log_first: int, summary: "RunSummary") -> None:
        """Record a complete ingest whose log lines start at `log_first`."""
        s = {"stored": summary.stored, "updated": summary.updated, "unchanged": summary.unchanged,
             "skipped": summary.skipped, "warnings": summary.warnings,
             "skipped_examples": summary.skipped_examples[:20]}
        with corpus.transaction():
            self._save(corpus, log_first, self.last_log_id(corpus), s)

    def _save(self, corpus: "Corpus", first: int, last: int, s: dict[str, Any]) -> None:
        lines = stored.log_lines(corpus, first, last)
        docs = stored.logged_documents(corpus, first, last)
        corpus.set_stat(self.name, {"fingerprint": self.fingerprint, "paths": self.paths, "log_first": first,
                                    "log_last": last, "log_lines": lines, "documents": docs, "summary": s})


# ---- duplicates ----------------------------------------------------------------------------------
def _dedup_params(dedup: "Deduplicator") -> str:
    import textlens.ingest.dedup as module

    code = hashlib.sha1(Path(module.__file__).read_bytes()).hexdigest()[:12]
    return f"{dedup.threshold}:{dedup.num_perm}:{dedup.shingle}:{dedup.min_words}:{code}"


class StoredDuplicates:
    """Duplicate flags for batches of incoming documents, cheap when most of them are already stored.

    A stored document whose text did not change keeps its stored flag, unless a document changed
    earlier in this run (an edit can make or break a near duplicate): from then on every document is
    checked. The `Deduplicator` is built (and primed from stored signatures, in ingestion order) only
    when a document needs checking, so an unchanged re-run never loads it.
    """

    PRIME_CHUNK = 2000

    def __init__(self, corpus: "Corpus"):
        self.corpus = corpus
        self._dedup: Deduplicator | None = None
        self._params = ""
        self.dirty = False
        self.primed = 0
        self.recomputed = 0

    def deduplicator(self) -> "Deduplicator":
        if self._dedup is None:
            from textlens.ingest import Deduplicator

            self._dedup = Deduplicator()
            self._params = _dedup_params(self._dedup)
            self._prime()
        return self._dedup

    def _prime(self) -> None:
        """Register every stored document (signature if stored and current, else from its text)."""
        import numpy as np

        dd = self._dedup
        assert dd is not None
        last = -1
        while True:
            rows = stored.signature_page(self.corpus, self._params, last, self.PRIME_CHUNK)
            if not rows:
                break
            fresh = []
            for r in rows:
                if r["text"] is not None:
                    dd.prime([(r["id"], r["text"])])
                    fresh.append(self._signature_row(r["id"], r["content_hash"], r["text"]))
                    continue
                minhash = None if r["minhash"] is None else np.frombuffer(r["minhash"], dtype=np.uint32).copy()
                dd.prime_signature(r["id"], r["digest"], minhash)
            if fresh and not self.corpus.readonly:
                self.recomputed += len(fresh)
                with self.corpus.transaction():
                    self.write(fresh)
            self.primed += len(rows)
            last = rows[-1]["r"]

    def _signature_row(self, doc_id: str, content_hash: str, text: str) -> tuple[Any, ...]:
        from textlens.ingest.dedup import text_digest

        assert self._dedup is not None
        values = self._dedup.signature(doc_id)
        return (doc_id, content_hash, self._params, text_digest(text), None if values is None else values.tobytes())

    def assign(self, docs: list["Document"]) -> list[tuple[Any, ...]]:
        """Set `duplicate_of` on `docs` (in input order); returns signature rows to `write` with them."""
        known = stored.stored_hashes(self.corpus, [d.id for d in docs])
        out = []
        for d in docs:
            before = known.get(d.id)
            h = d.content_hash
            if before is not None and before[0] == h and not self.dirty:
                d.duplicate_of = before[1]
                continue
            if before is not None and before[0] != h:
                self.dirty = True
            # An unchanged re-ingest must not flag a document as a duplicate of itself.
            d.duplicate_of = self.deduplicator().check(d)
            out.append(self._signature_row(d.id, h, d.text))
        return out

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        """Store signature rows; call inside the transaction that stores their documents."""
        stored.write_signatures(self.corpus.conn, rows)
