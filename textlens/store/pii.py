"""Data access of personal-data masking (issue #18): the masking setting in the store's `meta` table and the
number of values masked per document and type in `pii_masked`. All the feature's SQL lives here, as typed
functions taking a connection."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SETTING_KEY = "pii_masking"
SCHEMA = """CREATE TABLE IF NOT EXISTS pii_masked (
    doc_id TEXT NOT NULL, type TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (doc_id, type))"""


@dataclass
class MaskingStatus:
    """What a store says about masking: the last setting used, values masked per type, documents concerned."""

    setting: dict[str, Any] | None = None
    masked: dict[str, int] = field(default_factory=dict)
    documents: int = 0


def ensure_schema(conn: sqlite3.Connection) -> None:
    conn.execute(SCHEMA)


def write_counts(conn: sqlite3.Connection, counts: Mapping[str, Counter]) -> None:
    """Replace the masked-value counts of these documents (call inside the batch's transaction)."""
    ensure_schema(conn)
    ids = list(counts)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        conn.execute(f"DELETE FROM pii_masked WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk)
    conn.executemany("INSERT INTO pii_masked(doc_id, type, n) VALUES (?, ?, ?)",
                     [(doc_id, kind, int(n)) for doc_id, c in counts.items() for kind, n in c.items() if n])


def refresh_raw_text(conn: sqlite3.Connection, doc_id: str, raw: str) -> bool:
    """Set the raw_text of a document whose analysed text did not change but whose kept original did (switching
    --keep-pii on or off must not leave originals behind). Its last ingest-log line becomes 'updated', so a later
    unchanged re-run with the earlier options reads the inputs again instead of replaying them."""
    cur = conn.execute("UPDATE documents SET raw_text = ? WHERE id = ? AND raw_text != ?", (raw, doc_id, raw))
    if not cur.rowcount:
        return False
    conn.execute("UPDATE ingest_log SET status = 'updated'"
                 " WHERE id = (SELECT MAX(id) FROM ingest_log WHERE doc_id = ?)", (doc_id,))
    return True


def record_setting(conn: sqlite3.Connection, setting: Mapping[str, Any]) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                 (SETTING_KEY, json.dumps(dict(setting), ensure_ascii=False, sort_keys=True)))


def read_status(conn: sqlite3.Connection) -> MaskingStatus:
    """The store's masking status; a store written before masking existed has no setting and no counts."""
    status = MaskingStatus()
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (SETTING_KEY,)).fetchone()
    except sqlite3.OperationalError:
        return status
    if row is not None:
        status.setting = json.loads(row[0])
    try:
        status.masked = {r[0]: int(r[1]) for r in conn.execute(
            "SELECT p.type, SUM(p.n) FROM pii_masked p JOIN documents d ON d.id = p.doc_id GROUP BY p.type"
            " ORDER BY 2 DESC")}
        status.documents = int(conn.execute(
            "SELECT COUNT(DISTINCT p.doc_id) FROM pii_masked p JOIN documents d ON d.id = p.doc_id").fetchone()[0])
    except sqlite3.OperationalError:  # no pii_masked table yet
        pass
    return status

