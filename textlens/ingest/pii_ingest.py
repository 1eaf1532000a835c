"""Personal-data masking inside the pipeline's ingest loop (issue #18): masks each document as it is read,
then writes per-document counts, the kept-originals choice and the setting with the batch that stores them."""
from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

log = logging.getLogger(__name__)


class IngestMasking:
    """One ingest's masking: `apply` each item read, `stored` each upserted document, `flush` per batch."""

    def __init__(self, options: Any, summary: Any):
        from textlens.ingest.pii import DocumentMasker, PiiPolicy

        self.policy = PiiPolicy.of(options)
        self.masker = DocumentMasker(self.policy) if self.policy.active else None
        self.summary = summary
        self.counts: dict[str, Counter] = {}
        self.setting_written = False
        self.cpu = 0.0

    def apply(self, item: Any) -> None:
        from textlens.document import Document

        if not isinstance(item, Document):
            return
        if self.masker is None or not self.policy.applies_to(item.kind):
            self.counts[item.id] = Counter()
            return
        cpu = time.process_time()
        found = self.masker.apply(item)
        self.cpu += time.process_time() - cpu
        self.counts[item.id] = found
        for kind, n in found.items():
            self.summary.pii[kind] = self.summary.pii.get(kind, 0) + n

    def stored(self, doc: Any, status: str, conn: Any) -> None:
        """An unchanged text may still carry a different kept original (the keep choice changed)."""
        from textlens.store import pii as pii_store

        if status == "unchanged":
            pii_store.refresh_raw_text(conn, doc.id, doc.raw_text)

    def flush(self, conn: Any) -> None:
        """Inside the batch's transaction: counts per document, the setting (once)."""
        from textlens.store import pii as pii_store

        pii_store.write_counts(conn, self.counts)
        if not self.setting_written:
            pii_store.record_setting(conn, self.policy.describe())
            self.setting_written = True
        self.counts = {}
        self.summary.cpu["pii_mask"] = self.cpu
