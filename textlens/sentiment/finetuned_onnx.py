"""ONNX Runtime int8 graph of the accurate sentiment tier: e5 layers 0-7 and the members' layers 8-11 + heads
in ONE graph (input ids and mask in, the members' mean star probabilities out), built offline into the user
cache with the e5 backend's machinery (`textlens.embeddings.onnx`: export, ORT BERT fusions, dynamic int8,
SkipLayerNormalization unfused).

Why one graph: the members share the lower layers' output, so a single session call runs the base once and
the three members side by side, with no hidden states crossing into Python. Each member starts with a
multiplication by a vector of ones (`entry<i>`): without it the layer-7 output would feed nine Q/K/V products
and ORT's attention fusion (which expects three per layer) would leave the members' first layers unfused.
The five-star heads stay float32: they are tiny and their input is the pooled vector.

Activations are quantised per token (`textlens.embeddings.onnx.per_token_activations`, the rewrite the fast
tier's word teacher uses): rows never interact, so reviews are batched by length and a review's probabilities
are the same bits alone or in any batch. Measured on 300 train reviews against the float model (load average
~20, single thread): per-token 32.2 CPU ms per review, mean |dP| 0.0045 on the 3 classes, ensemble decision
agreement 0.990; ORT's per-tensor activations (one review per call, as the e5 default) 24.5 ms but mean |dP|
0.0134 and agreement 0.977, too far from the model the tier was selected with.
Where the remaining gap comes from (800 unlabeled reviews against the fused float graph): leaving the base's
layers 0-7 in float32 halves it (mean |dP| 0.0020, agreement 0.996) at 1.41x the CPU; float32 FFN outputs
(0.0043), base products (0.0041) or base attentions (0.0038) alone barely move it (models/sentiment_ft/MODEL_CARD.md).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

GRAPH_VERSION = "2"  # 2: activations per token, heads float32  # bump when the graph built from the same artifact would change
GRAPH_FILE = "star_proba_int8tok.onnx"

# forward(ids [B, L] int64, mask [B, L] int64) -> (B, 5) mean star probabilities of the members
StarForward = Callable[[np.ndarray, np.ndarray], np.ndarray]


def graph_path(model_id: str) -> Path:
    """Where the int8 graph of the artifact `model_id` lives: next to the e5 base it was built from."""
    from textlens.embeddings.convert import e5_folder
    from textlens.embeddings.onnx import ONNX_DIR

    return e5_folder() / ONNX_DIR / f"sentiment_ft-{model_id}-g{GRAPH_VERSION}" / GRAPH_FILE


def star_module(base: Any, tops: list[Any]) -> "torch.nn.Module":
    """The float model as one torch module: (input_ids, attention_mask) -> the members' mean star
    probabilities; the same arithmetic as `FineTunedSentiment`'s torch path, with the base's own mask."""
    import torch
    from transformers.masking_utils import create_bidirectional_mask

    class StarProba(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base
            self.tops = torch.nn.ModuleList(tops)
            for i in range(len(tops)):  # see the module doc: one entry node per member keeps attention fusable
                self.register_buffer(f"entry{i}", torch.ones(base.config.hidden_size))

        def forward(self, input_ids: "torch.Tensor", attention_mask: "torch.Tensor") -> "torch.Tensor":
            hidden = self.base.embeddings(input_ids=input_ids)
            mask4 = create_bidirectional_mask(config=self.base.config, inputs_embeds=hidden,
                                              attention_mask=attention_mask)
            for layer in self.base.encoder.layer:
                out = layer(hidden, attention_mask=mask4)
                hidden = out[0] if isinstance(out, tuple) else out
            real = attention_mask[:, :, None].to(hidden.dtype)
            total = None
            for i, top in enumerate(self.tops):
                h = hidden * getattr(self, f"entry{i}")
                for layer in top.layers:
                    out = layer(h, attention_mask=mask4)
                    h = out[0] if isinstance(out, tuple) else out
                pooled = (h * real).sum(1) / real.sum(1).clamp(min=1.0)
                P = torch.softmax(top.head(pooled), dim=1)
                total = P if total is None else total + P
            assert total is not None
            return total / len(self.tops)

    return StarProba().eval()


def build_graph(base: Any, tops: list[Any], target: Path) -> Path:
    """Export, fuse, quantise (activations per token) the float model into `target` (atomic; ~1 CPU min,
    ~1 GB of temporary files next to it)."""
    import onnx

    from textlens.embeddings.onnx import export_module, fuse, per_token_activations, quantize

    layers = len(base.encoder.layer) + sum(len(t.layers) for t in tops)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        raw, fused, int8 = tmp / "exported.onnx", tmp / "fused.onnx", tmp / "int8.onnx"
        export_module(star_module(base, tops), raw, "star_proba", batch_axes_only=True)
        fuse(raw, fused, layers=layers)
        raw.unlink()
        gemms = [n.name for n in onnx.load(str(fused), load_external_data=False).graph.node if n.op_type == "Gemm"]
        # the quantiser turns each Gemm into a MatMul named "<gemm>_MatMul" before it reads the exclusions
        quantize(fused, int8, exclude=[name + suffix for name in gemms for suffix in ("", "_MatMul")])
        fused.unlink()
        onnx.save(per_token_activations(onnx.load(str(int8))), str(tmp / target.name))
        os.replace(tmp / target.name, target)  # a concurrent builder simply overwrites with the same graph
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("built the accurate sentiment tier's int8 graph: %s", target)
    return target


def star_forward(path: Path) -> StarForward:
    """A single-threaded session on the graph at `path` (safe to call from several Python threads)."""
    from textlens.embeddings.onnx import session

    sess = session(path)

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return forward


def predict_batched(forward: StarForward, batches: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]], n: int,
                    threads: int, n_out: int) -> np.ndarray:
    """(n, n_out) star probabilities from (row indices, ids, mask) batches, `threads` batches side by side."""
    out = np.zeros((n, n_out), dtype=np.float32)

    def run(batch: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        idx, ids, mask = batch
        out[idx] = forward(ids, mask)

    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:  # list(): re-raise the first error
            list(pool.map(run, batches))
    else:
        for batch in batches:
            run(batch)
    return out
