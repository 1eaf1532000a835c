"""`textlens info` and `textlens show`: what is in a store, and what was skipped and why."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textlens.store import Corpus
from textlens.store import info as store


def corpus_info(db: str | Path, list_skipped: bool = False) -> dict[str, Any]:
    """Counts of a store as plain data (rendered as a table or printed as JSON by the CLI)."""
    with Corpus.open(db, readonly=True) as corpus:
        c = corpus.conn
        last_run = store.last_run(c)
        run_counts = {} if last_run is None else store.run_status_counts(c, last_run.id)
        skipped = store.skipped_inputs(c)
        reasons: dict[str, int] = {}
        for item in skipped:
            key = _reason_kind(item.reason)
            reasons[key] = reasons.get(key, 0) + 1
        data: dict[str, Any] = {
            "store": str(db),
            "documents": corpus.count(),
            "by_kind": store.document_counts(c, "kind"),
            "by_year": store.document_counts(c, "year"),
            "by_year_kind": store.documents_by_year_kind(c),
            "by_language": store.document_counts(c, "language"),
            "year_source": store.document_counts(c, "year_source"),
            "sources": store.document_counts(c, "source"),
            "duplicates": store.duplicate_count(c),
            "passages": corpus.count("passages"),
            "analyses": store.analysis_counts(c),
            "topics": corpus.count("topics"),
            "last_run": None if last_run is None else {
                "id": last_run.id, "status": last_run.status, "inputs": sum(
                    v for k, v in run_counts.items() if k != "warning"), **run_counts},
            "skipped": len(skipped),
            "skipped_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            "warnings": store.warning_count(c),
            "pii": _pii_info(c),
        }
        if list_skipped:
            data["skipped_inputs"] = [{"source": r.source, "row": r.row, "reason": r.reason} for r in skipped]
        return data


def _pii_info(conn) -> dict[str, Any]:
    """Personal-data masking: the setting recorded in the store and the values masked per type."""
    from dataclasses import asdict

    from textlens.store.pii import read_status

    return asdict(read_status(conn))


def _reason_kind(reason: str | None) -> str:
    """Group similar reasons ("empty text (row 12)" and "empty text (row 40)") for the summary table."""
    if not reason:
        return "unknown"
    head = reason.split(":")[0].split("(")[0].strip()
    return head[:80] or reason[:80]
