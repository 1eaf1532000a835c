"""Fast tier: static word vectors distilled from e5 (model2vec-style, numpy only), >10,000 texts/s once warm.

A text's vector is the SIF-weighted mean of its words' vectors, minus a fixed common direction:
- each lower-cased word is embedded once by e5 int8 ("query: <word>", run alone, so a word's vector never
  depends on the words embedded with it), on first sight, and kept in the user cache (the vocabulary
  grows with the user's corpora; a word's vector never changes);
- weight a / (a + p(word)), p from the e5 tokenizer's unigram log-probabilities (corpus-independent);
- the common direction is the mean vector of a fixed list of frequent pieces of the tokenizer.
- a text's sum runs over its distinct words in alphabetical order (not vocabulary order, which depends on
  what was seen before).
So vectors are a pure function of the text, bit for bit, and the model id never changes with the vocabulary.
It matches on shared words more than e5 does; its agreement with e5 and its effect on themes are
measured by scripts/bench_embeddings.py. The prompt is ignored (the vectors are symmetric).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections import Counter
from pathlib import Path

import numpy as np

from textlens.embeddings.base import Encoder, Prompt

VERSION = "2"  # 2: int8 teacher run one word per call (v1: float32 batches, batch-dependent bits)
WORD = re.compile(r"\w+", re.UNICODE)
SIF_A = 1e-4
ANCHORS = 2000  # frequent tokenizer pieces whose mean vector is removed from every text


class StaticEncoder(Encoder):
    """Static e5-distilled word vectors; the teacher (e5 int8) is loaded only for unseen words."""

    def __init__(self, folder: str | Path | None = None, teacher: str = "e5-small-int8"):
        from textlens.embeddings.convert import cache_root, e5_folder

        self.dim = 384
        self.model_id = f"e5-static-v{VERSION}"
        self.folder = Path(folder) if folder else cache_root() / "models" / self.model_id
        self._teacher_name = teacher
        self._teacher: Encoder | None = None
        self._lock = threading.Lock()
        tok_file = e5_folder() / "0_Transformer" / "tokenizer.json"
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tok_file))
        self._scores = {p: s for p, s in json.loads(tok_file.read_text(encoding="utf-8"))["model"]["vocab"]}
        self.words: dict[str, int] = {}
        self._vectors = np.zeros((0, self.dim), dtype=np.float32)
        self._weights = np.zeros(0, dtype=np.float32)
        self._load()
        self.center = self._center()

    # ---- persistent vocabulary ---------------------------------------------------------------
    @property
    def _file(self) -> Path:
        return self.folder / "words.npz"

    def _load(self) -> None:
        if not self._file.exists():
            return
        with np.load(self._file, allow_pickle=False) as z:
            words, vectors = z["words"].tolist(), z["vectors"].astype(np.float32)
        self.words = {w: i for i, w in enumerate(words)}
        self._vectors = vectors
        self._weights = self.sif_weights(words)

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        words = np.array(sorted(self.words, key=self.words.__getitem__))
        fd, tmp = tempfile.mkstemp(prefix=".words-", suffix=".npz", dir=self.folder)
        os.close(fd)
        try:
            np.savez(tmp, words=words, vectors=self._vectors.astype(np.float16))
            os.replace(tmp, self._file)  # concurrent writers: the last complete file wins, none is torn
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def teacher(self) -> Encoder:
        if self._teacher is None:
            from textlens.embeddings import get_encoder

            self._teacher = get_encoder(self._teacher_name)
        return self._teacher

    def add_words(self, words: list[str]) -> int:
        """Embed the words not known yet (with the teacher) and persist them; returns how many were new."""
        with self._lock:
            new = sorted({w for w in words if w not in self.words})
            if not new:
                return 0
            # float16 on disk: round now so a fresh process computes exactly the same vectors
            vecs = self.teacher().encode(new, prompt="query").astype(np.float16).astype(np.float32)
            base = len(self.words)
            self.words.update({w: base + i for i, w in enumerate(new)})
            self._vectors = np.concatenate([self._vectors, vecs])
            self._weights = np.concatenate([self._weights, self.sif_weights(new)])
            self._save()
            return len(new)

    # ---- weights and common direction ------------------------------------------------------
    def log_prob(self, word: str) -> float:
        """Unigram log-probability of the word under the e5 tokenizer (sum over its pieces)."""
        enc = self._tokenizer.encode(word, add_special_tokens=False)
        return float(sum(self._scores.get(t, -20.0) for t in enc.tokens))

    def sif_weights(self, words: list[str]) -> np.ndarray:
        p = np.exp(np.array([self.log_prob(w) for w in words], dtype=np.float64))
        return (SIF_A / (SIF_A + p)).astype(np.float32)

    def _center(self) -> np.ndarray:
        path = self.folder / "center.npy"
        if path.exists():
            return np.load(path).astype(np.float32)
        pieces = sorted(
            (p for p in self._scores if p.startswith("\u2581") and len(p) > 2 and p[1:].isalpha()),
            key=lambda p: -self._scores[p],
        )[:ANCHORS]
        anchors = sorted({p[1:].lower() for p in pieces})
        self.add_words(anchors)
        center = self._vectors[[self.words[w] for w in anchors]].mean(axis=0).astype(np.float32)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".center-", suffix=".npy", dir=self.folder)
        os.close(fd)
        np.save(tmp, center)
        os.replace(tmp, path)
        return center

    # ---- encoding ----------------------------------------------------------------------------
    @staticmethod
    def tokenize(text: str) -> list[str]:
        return [w.lower() for w in WORD.findall(text)]

    def _encode(self, texts: list[str], prompt: Prompt, batch_size: int) -> np.ndarray:
        from scipy.sparse import csr_matrix

        counts = [sorted(Counter(self.tokenize(t)).items()) for t in texts]  # alphabetical: history-free order
        self.add_words([w for c in counts for w, _ in c])
        index = self.words
        cols = np.fromiter((index[w] for c in counts for w, _ in c), dtype=np.int64)
        reps = np.fromiter((n for c in counts for _, n in c), dtype=np.float32)
        indptr = np.cumsum([0] + [len(c) for c in counts])
        bag = csr_matrix((self._weights[cols] * reps, cols, indptr), shape=(len(texts), len(index)))
        rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        total = np.bincount(rows, weights=bag.data, minlength=len(texts))
        out = np.asarray(bag @ self._vectors) / np.maximum(total, 1e-12)[:, None] - self.center[None, :]
        out[total == 0] = 0.0  # no word at all: a zero vector (cosine 0 to everything), not a made-up one
        return out
