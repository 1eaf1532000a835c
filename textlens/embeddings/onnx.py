"""ONNX Runtime int8 backend of multilingual-e5-small: the default, ~1.6x the work per core of torch float32.

Built once next to the sentence-transformers folder: torch export -> ORT transformer fusions (fused
attention, skip-layernorm, bias-gelu) -> dynamic int8 quantisation (per-channel weights; activations
quantised per input tensor at run time, which is why the encoder feeds it one window per call: batched,
a text's vector would vary with its neighbours at the 1e-3 level).
One session, single-threaded kernels, called from one Python thread per core: for a model this small,
running batches side by side scales better than splitting each matrix product across cores.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from textlens.embeddings.base import EmbeddingError

ONNX_DIR = "onnx"
INT8_FILE = "model_int8.onnx"
OPSET = 17


def int8_model(folder: Path, build: bool = True) -> Path:
    """Path of the int8 ONNX model for the e5 folder, built on first use (~1 min)."""
    target = folder / ONNX_DIR / INT8_FILE
    if target.exists():
        return target
    if not build:
        raise EmbeddingError(f"{target}: not built yet")
    try:
        import onnx  # noqa: F401
    except ImportError as exc:
        raise EmbeddingError("the int8 backend needs the `onnx` package to build its model: pip install onnx") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        raw = tmp / "exported.onnx"
        export_onnx(folder, raw)
        fused = tmp / "fused.onnx"
        fuse(raw, fused)
        raw.unlink()
        quantized = tmp / INT8_FILE
        quantize(fused, quantized)
        os.replace(quantized, target)  # atomic: a concurrent builder simply overwrites with the same model
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def export_onnx(folder: Path, out: Path) -> None:
    """torch -> ONNX with dynamic batch and sequence axes (inputs: input_ids, attention_mask)."""
    import warnings

    import torch
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    model = BertModel.from_pretrained(
        str(folder / "0_Transformer"), local_files_only=True, add_pooling_layer=False, attn_implementation="eager",
    ).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, m: torch.nn.Module):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(model), (ids, ids.clone()), str(out), input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        )


def fuse(src: Path, out: Path) -> None:
    """ORT's BERT fusions: Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization."""
    from onnxruntime.transformers import optimizer

    opt = optimizer.optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=0)
    fused = opt.get_fused_operator_statistics()
    if fused.get("Attention", 0) != 12 or fused.get("SkipLayerNormalization", 0) != 24:
        raise EmbeddingError(f"ONNX fusion of the e5 graph went wrong: {fused}")
    opt.save_model_to_file(str(out))


def quantize(src: Path, out: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # the quantiser logs a pre-processing hint at WARNING
    try:
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
    finally:
        logging.getLogger().setLevel(level)


def session(path: Path):
    """A single-threaded-kernel session, safe to call from several Python threads at once."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=4)  # encoders differing only in window size share one session
def onnx_forward(folder: Path):
    sess = session(int8_model(folder))

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return forward
