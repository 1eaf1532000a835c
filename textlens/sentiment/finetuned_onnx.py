"""ONNX Runtime int8 graph of the accurate sentiment tier: e5 layers 0-7 and the members' layers 8-11 + heads
in ONE graph (input ids and mask in, the members' mean star probabilities out), built offline into the user
cache with the e5 backend's machinery (`textlens.embeddings.onnx`: export, ORT BERT fusions, dynamic int8,
SkipLayerNormalization unfused).

Why one graph: the members share the lower layers' output, so a single session call runs the base once and
the three members side by side, with no hidden states crossing into Python. Each member starts with a
multiplication by a vector of ones (`entry<i>`): without it the layer-7 output would feed nine Q/K/V products
and ORT's attention fusion (which expects three per layer) would leave the members' first layers unfused.
The five-star heads (Gemm) stay float32: they are tiny and their input is the pooled vector.

As for the e5 default, activations are quantised per input tensor, so a window is run alone (one review per
call, single-threaded kernels, one Python thread per core): a review's probabilities are a pure function of
the review, whatever the batch.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

GRAPH_VERSION = "1"  # bump when the graph built from the same artifact would change
GRAPH_FILE = "star_proba_int8.onnx"

# forward(ids [1, L] int64, mask [1, L] int64) -> (1, 5) mean star probabilities of the members
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
    """Export, fuse, quantise and unfuse the float model into `target` (atomic; ~1-2 CPU min, ~1 GB of
    temporary files next to it)."""
    import onnx

    from textlens.embeddings.onnx import export_module, fuse, quantize, write_unfused

    layers = len(base.encoder.layer) + sum(len(t.layers) for t in tops)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        raw, fused, int8 = tmp / "exported.onnx", tmp / "fused.onnx", tmp / "int8.onnx"
        export_module(star_module(base, tops), raw, "star_proba", batch_axes_only=True)
        fuse(raw, fused, layers=layers)
        raw.unlink()
        heads = [n.name for n in onnx.load(str(fused), load_external_data=False).graph.node if n.op_type == "Gemm"]
        quantize(fused, int8, exclude=heads)
        fused.unlink()
        write_unfused(int8, tmp / target.name)
        os.replace(tmp / target.name, target)  # a concurrent builder simply overwrites with the same graph
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("built the accurate sentiment tier's int8 graph: %s", target)
    return target


def star_forward(path: Path) -> StarForward:
    """A single-threaded session on the graph at `path` (safe to call from several Python threads)."""
    from textlens.embeddings.onnx import UNFUSED, session

    sess = session(path, UNFUSED)

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return forward


def predict_alone(forward: StarForward, windows: list[list[int]], threads: int, n_out: int) -> np.ndarray:
    """(n, n_out) star probabilities, each window run alone, `threads` windows side by side."""
    out = np.zeros((len(windows), n_out), dtype=np.float32)

    def run(rows: range) -> None:
        for j in rows:
            ids = np.asarray([windows[j]], dtype=np.int64)
            out[j] = forward(ids, np.ones_like(ids))[0]

    step = 32  # windows per task: few tasks, balanced between the threads
    tasks = [range(a, min(a + step, len(windows))) for a in range(0, len(windows), step)]
    if threads > 1 and len(tasks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:  # list(): re-raise the first error
            list(pool.map(run, tasks))
    else:
        for rows in tasks:
            run(rows)
    return out
