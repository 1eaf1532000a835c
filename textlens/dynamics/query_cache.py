"""Results of `textlens drivers` / `textlens compare` kept on disk, for the same question on an unchanged store.

A complement to a fast first answer, not a replacement: the first call computes (and is what the speed figures
measure), a repeat answers from here. The key holds:
- the store file's and its write-ahead log's identity (device, inode, size, modification time in nanoseconds,
  and the store's change time): every committed write changes one of them, so a changed store is a miss, never
  a stale answer;
- the query's arguments (command, score, filters, dimensions, bootstrap settings...);
- the size and modification time of every file of the textlens package (code, taxonomies): an upgrade or an
  edit is a miss.
Entries are pickles of our own dataclasses in `$TEXTLENS_CACHE_DIR/queries` (else the user cache dir); the newest
`MAX_ENTRIES` are kept. `TEXTLENS_QUERY_CACHE=0` turns it off. Only the CLI uses it: a Python caller may register
dimensions whose rows the key cannot see.
"""
from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ENTRIES = 64
FORMAT = 1  # bump when the pickled dataclasses change shape


def enabled() -> bool:
    return os.environ.get("TEXTLENS_QUERY_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    from textlens.embeddings.convert import cache_root

    return cache_root() / "queries"


def _file_identity(path: Path, change_time: bool = True) -> tuple[Any, ...] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns if change_time else None)


def _code_identity() -> str:
    """Size and mtime of every file of the textlens package (a couple of milliseconds for a few hundred files)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.stat(os.path.join(folder, name))
            digest.update(f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:{st.st_mtime_ns};"
                          .encode())
    return digest.hexdigest()


def query_key(store: Path, command: str, arguments: dict[str, Any]) -> str | None:
    """The cache key of `command` with `arguments` on the store at `store`; None when the store cannot be identified."""
    store = Path(store).resolve()
    identity = _file_identity(store)
    if identity is None:
        return None
    # a reader's open changes the log's change time (not its modification time): writes show in size and mtime
    wal = _file_identity(store.with_name(store.name + "-wal"), change_time=False)
    raw = repr((FORMAT, str(store), identity, wal, command, sorted(arguments.items()), _code_identity()))
    return hashlib.sha256(raw.encode()).hexdigest()


def cached(store: Path, command: str, arguments: dict[str, Any], compute: Callable[[], T]) -> T:
    """`compute()`'s result, from the cache when the same query ran on the same store and code before."""
    import pickle

    key = query_key(store, command, arguments) if enabled() else None
    if key is None:
        return compute()
    folder = cache_dir()
    path = folder / f"{key}.pickle"
    try:
        with open(path, "rb") as f:
            result = pickle.load(f)
        log.debug("%s answered from the query cache (%s)", command, path)
        return result
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a damaged entry is recomputed, never fatal
        log.info("query cache entry %s unreadable (%s): recomputing", path, exc)
    result = compute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune(folder)
    except OSError as exc:  # a read-only or full disk: the answer stands, uncached
        log.info("query cache not written (%s)", exc)
    return result


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
