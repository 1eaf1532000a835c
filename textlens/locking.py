"""One writer per store: a second `textlens run` on the same store waits (or stops) with a clear message."""
from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path

from textlens.errors import StoreError

log = logging.getLogger(__name__)


class StoreBusy(StoreError):
    """Another run holds the store's write lock."""


class RunLock:
    """An advisory lock file next to the store (`DB.lock`), released by the OS even on kill -9."""

    def __init__(self, db: str | Path, wait: bool = True, timeout: float | None = None, poll: float = 0.5):
        self.path = Path(f"{db}.lock")
        self.wait = wait
        self.timeout = timeout
        self.poll = poll
        self._fh = None

    def _holder(self) -> str:
        try:
            return self.path.read_text().strip() or "unknown"
        except OSError:
            return "unknown"

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        start = time.monotonic()
        announced = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = self._holder()
                if not self.wait or (self.timeout is not None and time.monotonic() - start > self.timeout):
                    fh.close()
                    raise StoreBusy(
                        f"{self.path.with_suffix('')}: another textlens run (pid {holder}) is writing to this store"
                    ) from None
                if not announced:
                    log.warning("waiting: another textlens run (pid %s) is writing to %s", holder,
                                self.path.with_suffix(""))
                    announced = True
                time.sleep(self.poll)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
