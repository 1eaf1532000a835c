"""Persistent embedding cache in the store's `embeddings` table, keyed by (model, text hash).

The model column holds `<encoder.model_id>:<prompt>` because e5 vectors of the same text differ
with the "query: "/"passage: " prefix. Nothing is embedded twice across runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from textlens.document import content_hash
from textlens.embeddings.base import PROMPTS, Encoder, Prompt

if TYPE_CHECKING:
    from textlens.store import Corpus


def cache_key(encoder: Encoder, prompt: Prompt) -> str:
    return f"{encoder.model_id}:{prompt}"


def encode_cached(
    corpus: "Corpus",
    texts: Sequence[str],
    encoder: Encoder | None = None,
    prompt: Prompt = "query",
    batch_size: int = 64,
) -> np.ndarray:
    """`encoder.encode(texts, prompt)` that reads/writes the store's cache; same rows, same order.

    Texts already in the cache (same model, prompt and text) are not re-encoded; duplicates within
    `texts` are encoded once. A read-only store is used for lookups only; inside an analysis the new
    vectors are returned with its result (the analysis declares `embeddings` in its side tables).
    """
    from textlens.embeddings.registry import get_encoder
    from textlens.store.embedding_cache import lookup_vectors, vector_rows

    if isinstance(texts, str):
        raise TypeError("encode_cached() takes a sequence of texts, not one string: wrap it in a list")
    if prompt not in PROMPTS:
        raise ValueError(f"prompt must be one of {PROMPTS}, got {prompt!r}")
    enc = encoder if encoder is not None else get_encoder()
    texts = list(texts)
    if not texts:
        return np.zeros((0, enc.dim), dtype=np.float32)
    model = cache_key(enc, prompt)
    hashes = [content_hash(t) for t in texts]
    unique = list(dict.fromkeys(hashes))
    found = lookup_vectors(corpus, model, unique, enc.dim)
    missing_hashes = [h for h in unique if h not in found]
    if missing_hashes:
        first_text: dict[str, str] = {}
        for h, t in zip(hashes, texts):
            first_text.setdefault(h, t)
        new = enc.encode([first_text[h] for h in missing_hashes], prompt=prompt, batch_size=batch_size)
        corpus.add_side_rows("embeddings", vector_rows(model, enc.dim, zip(missing_hashes, new)))
        found.update(zip(missing_hashes, new))
    return np.stack([found[h] for h in hashes]).astype(np.float32, copy=False)


def cached_count(corpus: "Corpus", encoder: Encoder, prompt: Prompt = "query") -> int:
    """How many vectors the store holds for this encoder and prompt."""
    from textlens.store.embedding_cache import count_vectors

    return count_vectors(corpus, cache_key(encoder, prompt))


def embed_passages(corpus: "Corpus", encoder: Encoder | None = None, prompt: Prompt = "query",
                   kinds: Sequence[str] | None = None, chunk: int = 5000) -> dict[str, int]:
    """Embed every passage of the store into the cache (what `textlens embed` runs before themes/topics).

    Returns counts: passages seen, distinct texts, and how many were newly encoded (0 on a re-run).
    """
    from textlens.embeddings.registry import get_encoder
    from textlens.store.embedding_cache import passage_texts

    enc = encoder if encoder is not None else get_encoder()
    texts = passage_texts(corpus, kinds)
    before = cached_count(corpus, enc, prompt)
    for i in range(0, len(texts), chunk):
        encode_cached(corpus, texts[i : i + chunk], encoder=enc, prompt=prompt)
    return {"passages": len(texts), "distinct": len(set(texts)),
            "encoded": cached_count(corpus, enc, prompt) - before}
