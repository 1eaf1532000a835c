"""The encoder contract every embedding backend follows, so callers never care which engine runs."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np

from textlens.errors import ModelError

Prompt = Literal["query", "passage"]
PROMPTS: tuple[str, ...] = ("query", "passage")


class EmbeddingError(ModelError):
    """An encoder that cannot be built or used; the message says what to do."""


class Encoder(ABC):
    """Turns texts into float32, L2-normalised row vectors (cosine = dot product)."""

    model_id: str  # stable id used as the cache key: change it whenever vectors would change
    dim: int

    @abstractmethod
    def _encode(self, texts: list[str], prompt: Prompt, batch_size: int) -> np.ndarray:
        """Encode a non-empty list of texts; the public `encode` validates and normalises."""

    def encode(self, texts: Sequence[str], prompt: Prompt = "query", batch_size: int = 64) -> np.ndarray:
        """Embed `texts` (e5 convention: "query" for short texts/sentences to compare symmetrically,
        "passage" for documents searched by a query). Returns an (n, dim) float32 array."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string: wrap it in a list")
        if prompt not in PROMPTS:
            raise ValueError(f"prompt must be one of {PROMPTS}, got {prompt!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise TypeError(f"text {i} is {type(t).__name__}, expected str")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = np.asarray(self._encode(texts, prompt, batch_size), dtype=np.float32)
        return l2_normalise(vecs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_id={self.model_id!r}, dim={self.dim})"


def l2_normalise(vecs: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
