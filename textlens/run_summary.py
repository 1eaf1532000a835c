"""What one `textlens run` did: counts, timings and CPU per stage (returned by `textlens.pipeline.run`).

Its own module so that the steps a run calls (ingest, incremental re-reads) can fill it in without importing
the pipeline that calls them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    inputs_reread: bool = True  # False when the inputs were unchanged and not read again
    workers: int = 1  # processes that analysed (1: the calling process)
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per stage
    pii: dict[str, int] = field(default_factory=dict)  # personal data masked at ingest, per type (this run)
    # CPU seconds per stage: "ingest" (this process), each analysis (in whichever process ran its
    # batches), "inputs" and "writes" (this process reading batches and writing results)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def ingested(self) -> int:
        return self.stored + self.updated + self.unchanged
