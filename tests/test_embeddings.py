"""Embeddings: meaning is captured, the store cache never re-encodes, bad input is refused clearly."""
from __future__ import annotations

import numpy as np
import pytest

from textlens.embeddings import Encoder, cached_count, encode_cached, get_encoder
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


def test_unknown_encoder_is_a_clear_error():
    with pytest.raises(Exception, match="no-such-model"):
        get_encoder("no-such-model")
