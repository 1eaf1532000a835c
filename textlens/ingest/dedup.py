"""Exact and near-duplicate detection: flag reposted articles and copy-pasted reviews, never drop them.

Exact duplicates share the hash of their case- and space-normalised text. Near duplicates (the same
article with another header, a review posted twice with a typo fixed) are found with MinHash LSH
(datasketch) on word 5-shingles at Jaccard >= 0.85. Only hashes are kept (a 20-byte digest per text
and a 64 x 32-bit signature per long-enough text), so memory stays small on millions of rows.
Very short texts ("Très bien", "Parfait") are only compared exactly: shingles say nothing there.
"""
from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)


def normalised_words(text: str) -> list[str]:
    """The lower-cased words of `text`: what both the exact key and the shingles are made of."""
    return _WORD.findall(text.lower())


def words_digest(words: list[str]) -> bytes:
    """The exact-duplicate key of a text's `normalised_words` (case and spacing do not count)."""
    return hashlib.sha1(" ".join(words).encode("utf-8")).digest()


def text_digest(text: str) -> bytes:
    """The exact-duplicate key `Deduplicator` gives `text`; the store keeps it so a later run need not re-read
    the text."""
    return words_digest(normalised_words(text))


class Deduplicator:
    """Remembers texts seen so far and says which earlier document a new one duplicates.

    `prime()` with the store's documents in ingestion order (e.g. `ORDER BY rowid`), then `check()`
    each new document in input order: re-ingesting the same inputs then gives the same answers.
    """

    def __init__(self, threshold: float = 0.85, num_perm: int = 64, shingle: int = 5, min_words: int = 20):
        from datasketch import MinHash, MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        self.min_words = min_words
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._template = MinHash(num_perm=num_perm, hashfunc=int)
        self._exact: dict[bytes, str] = {}  # normalised-text digest -> first id
        self._order: dict[str, int] = {}  # id -> arrival rank (earlier wins)
        self._signatures: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._order)

    def _minhash(self, words: list[str]) -> Any:
        """MinHash of the word k-shingles; shingle hashes are rolled from word hashes with numpy
        (joining and hashing every shingle string in Python was the main cost)."""
        import numpy as np

        k = self.shingle
        h = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
        n = len(words) - k + 1
        rolled = h[:n].copy()
        for j in range(1, k):
            rolled = rolled * np.uint64(1_000_003) + h[j : j + n]  # wraps mod 2^64 as intended
        shingles = np.unique(rolled ^ (rolled >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
        m = self._template  # one reusable MinHash: the LSH keeps band hashes, we keep a copy of the values
        m.clear()
        m.update_batch(shingles.tolist())
        return m

    def _register(self, doc_id: str, text: str) -> str | None:
        words = normalised_words(text)
        digest = words_digest(words)
        first = self._exact.get(digest)
        rank = self._remember_digest(doc_id, digest)
        if first is not None and first != doc_id and self._order[first] < rank:
            return first
        if len(words) < self.min_words:
            return None
        import numpy as np

        m = self._minhash(words)
        values = m.hashvalues.astype(np.uint32)  # a copy: `m` is reused for the next text
        best: tuple[float, int, str] | None = None
        for other in self._lsh.query(m):
            if other == doc_id or self._order[other] > rank:
                continue
            sim = float(np.mean(self._signatures[other] == values))
            if sim >= self.threshold and (best is None or (sim, -self._order[other]) > (best[0], -best[1])):
                best = (sim, self._order[other], other)
        if doc_id in self._signatures:
            self._lsh.remove(doc_id)
        self._lsh.insert(doc_id, m, check_duplication=False)
        self._signatures[doc_id] = values
        return best[2] if best else None

    def _remember_digest(self, doc_id: str, digest: bytes) -> int:
        """Give `doc_id` its arrival rank and keep it as the first of its digest if it came earlier; its rank."""
        rank = self._order.setdefault(doc_id, len(self._order))
        first = self._exact.get(digest)
        if first is None or self._order[first] > rank:
            self._exact[digest] = doc_id
        return rank

    def prime_signature(self, doc_id: str, digest: bytes, minhash: np.ndarray | None) -> None:
        """Learn a stored document from its kept signature (`text_digest` and MinHash values, None for a short
        text) instead of its text: what `prime` would have learnt, without re-hashing the text."""
        self._remember_digest(doc_id, digest)
        if minhash is None:
            return
        m = self._template  # LSH band keys are bytes of hashvalues: keep the template's dtype
        m.hashvalues = minhash.astype(m.hashvalues.dtype)
        if doc_id in self._signatures:
            self._lsh.remove(doc_id)
        self._lsh.insert(doc_id, m, check_duplication=False)
        self._signatures[doc_id] = minhash

    def signature(self, doc_id: str) -> np.ndarray | None:
        """The MinHash values kept for `doc_id` (None: unknown, or too short to have any)."""
        return self._signatures.get(doc_id)

    def prime(self, existing: Iterable[tuple[str, str]]) -> None:
        """Learn (doc id, text) pairs already in the store, oldest first."""
        for doc_id, text in existing:
            self._register(doc_id, text)

    def check(self, doc: Any) -> str | None:
        """Id of the earlier exact or near duplicate of `doc` (a Document or (id, text)), else None."""
        doc_id, text = (doc.id, doc.text) if hasattr(doc, "text") else doc
        return self._register(doc_id, text)
