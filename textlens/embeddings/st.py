"""Any sentence-transformers model by name or local folder, loaded strictly offline."""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import numpy as np

from textlens.embeddings.base import EmbeddingError, Encoder, Prompt

log = logging.getLogger(__name__)


class SentenceTransformerEncoder(Encoder):
    """A sentence-transformers model; texts over its max_seq_length are truncated by it (logged)."""

    def __init__(self, name_or_path: str, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            self.model = SentenceTransformer(name_or_path, device=device, local_files_only=True)
        except Exception as exc:  # the library raises many types (OSError, ValueError, HF errors)
            raise EmbeddingError(
                f"cannot load sentence-transformers model {name_or_path!r} offline ({type(exc).__name__}: {exc}). "
                "Give a local model folder or a model already in the Hugging Face cache; "
                "textlens never downloads weights."
            ) from exc
        finally:
            hf_logging.enable_progress_bar()
        self.name = name_or_path
        dim_of = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dim_of() or 0)
        path = Path(name_or_path)
        label = path.resolve().name if path.exists() else name_or_path
        self.model_id = "st:" + re.sub(r"[^\w.-]+", "_", label)
        self.prompts = dict(getattr(self.model, "prompts", {}) or {})

    def _encode(self, texts: list[str], prompt: Prompt, batch_size: int) -> np.ndarray:
        limit = self.model.max_seq_length
        if limit:
            lengths = [len(ids) for ids in self.model.tokenizer(texts, add_special_tokens=True)["input_ids"]]
            over = sum(n > limit for n in lengths)
            if over:
                log.warning("%s: %d of %d texts exceed %d tokens and are truncated; embed long documents "
                            "per passage", self.name, over, len(texts), limit)
        kwargs = {"prompt_name": prompt} if prompt in self.prompts else {}
        return self.model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                                 normalize_embeddings=True, show_progress_bar=False, **kwargs)
