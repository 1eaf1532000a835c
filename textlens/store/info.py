"""Reads behind `textlens info`: document counts per column, the last run and the inputs left out."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

# document counts per value of a column: the column, then the order of the rows shown
_DOCUMENT_COUNTS = {
    "kind": "SELECT kind, COUNT(*) FROM documents GROUP BY kind ORDER BY 2 DESC",
    "year": "SELECT year, COUNT(*) FROM documents GROUP BY year ORDER BY year",
    "language": "SELECT language, COUNT(*) FROM documents GROUP BY language ORDER BY 2 DESC",
    "year_source": "SELECT year_source, COUNT(*) FROM documents GROUP BY year_source ORDER BY 2 DESC",
    "source": "SELECT source, COUNT(*) FROM documents GROUP BY source ORDER BY 2 DESC LIMIT 50",
}
# An input's current state is its latest log line; skipped inputs stay listed until they ingest.
_LATEST_LOG = """SELECT l.source, l.row, l.status, l.reason FROM ingest_log l
                 JOIN (SELECT source, IFNULL(row, -1) r, MAX(id) m FROM ingest_log
                       WHERE status != 'warning' GROUP BY source, IFNULL(row, -1)) x ON x.m = l.id"""


@dataclass(frozen=True)
class RunRow:
    """One `textlens run` (or ingest) as the `runs` table records it."""

    id: int
    started_at: float
    finished_at: float | None
    status: str
    args: str | None


@dataclass(frozen=True)
class SkippedInput:
    """An input whose latest ingest-log line says it was skipped, and why."""

    source: str
    row: int | None
    reason: str | None


def _pairs(rows: list[Any]) -> dict[str, int]:
    return {("unknown" if k is None else str(k)): int(v) for k, v in rows}


def document_counts(conn: sqlite3.Connection, column: str) -> dict[str, int]:
    """Documents per value of `column` (kind, year, language, year_source, source: the 50 largest), None as
    "unknown"."""
    if column not in _DOCUMENT_COUNTS:
        raise ValueError(f"no document count by {column!r}; known: {', '.join(_DOCUMENT_COUNTS)}")
    return _pairs(conn.execute(_DOCUMENT_COUNTS[column]).fetchall())


def documents_by_year_kind(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """{year, kind, n} rows, by year then kind."""
    return [dict(r) for r in conn.execute(
        "SELECT year, kind, COUNT(*) AS n FROM documents GROUP BY year, kind ORDER BY year, kind")]


def duplicate_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0])


def analysis_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Documents each analyzer has a result key for."""
    return _pairs(conn.execute("SELECT analyzer, COUNT(*) FROM analysis_state GROUP BY analyzer").fetchall())


def last_run(conn: sqlite3.Connection) -> RunRow | None:
    row = conn.execute("SELECT id, started_at, finished_at, status, args FROM runs ORDER BY id DESC LIMIT 1"
                       ).fetchone()
    return None if row is None else RunRow(int(row[0]), row[1], row[2], row[3], row[4])


def run_status_counts(conn: sqlite3.Connection, run_id: int) -> dict[str, int]:
    """Ingest-log lines of run `run_id` per status (stored, updated, unchanged, skipped, warning)."""
    return _pairs(conn.execute("SELECT status, COUNT(*) FROM ingest_log WHERE run_id = ? GROUP BY status",
                               (run_id,)).fetchall())


def skipped_inputs(conn: sqlite3.Connection) -> list[SkippedInput]:
    """Inputs currently skipped (their latest log line), by source and row."""
    return [SkippedInput(r[0], r[1], r[2]) for r in conn.execute(
        f"SELECT source, row, reason FROM ({_LATEST_LOG}) WHERE status='skipped' ORDER BY source, row")]


def warning_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM ingest_log WHERE status='warning'").fetchone()[0])
