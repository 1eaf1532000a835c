"""The embedding cache table: vectors keyed by (model, text hash), read and counted here.

Rows are added through `Corpus.add_side_rows("embeddings", ...)`: written at once by a writable store, kept
and returned with the result inside an analysis (the parent writes them with the batch).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from textlens.store.database import Corpus

TABLE = "embeddings"


def lookup_vectors(corpus: Corpus, model: str, hashes: Sequence[str], dim: int) -> dict[str, np.ndarray]:
    """The cached vectors of these text hashes for `model` (rows of another dimension are ignored)."""
    found: dict[str, np.ndarray] = {}
    sql = "SELECT text_hash, dim, vector FROM embeddings WHERE model=? AND text_hash IN ({marks})"
    for h, d, blob in corpus.select_in(sql, list(hashes), (model,)):
        if d == dim and len(blob) == 4 * dim:
            found[h] = np.frombuffer(blob, dtype=np.float32)
    return found


def vector_rows(model: str, dim: int, vectors: Iterable[tuple[str, np.ndarray]]) -> list[dict[str, Any]]:
    """Cache rows for (text hash, vector) pairs."""
    return [{"model": model, "text_hash": h, "dim": dim, "vector": v.tobytes()} for h, v in vectors]


def count_vectors(corpus: Corpus, model: str) -> int:
    row = corpus.conn.execute("SELECT COUNT(*) FROM embeddings WHERE model=?", (model,))
    return int(row.fetchone()[0])


def passage_texts(corpus: Corpus, kinds: Sequence[str] | None = None) -> list[str]:
    """Every passage text in store order, of documents of `kinds` when given."""
    sql = "SELECT p.text FROM passages p JOIN documents d ON d.id = p.doc_id"
    params: list[str] = []
    if kinds:
        sql += f" WHERE d.kind IN ({','.join('?' * len(kinds))})"
        params = list(kinds)
    return [r[0] for r in corpus.conn.execute(sql + " ORDER BY p.id", params)]
