"""A text's vector depends on the text only: not on its batch, the batch size, the order, or (fast tier)
the words learnt before. Incremental runs, caches and crash/re-run equality rely on it."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from textlens.embeddings import get_encoder

TEXTS = [
    "Bonjour",
    "Le conseiller a été très aimable et souriant.",
    "Impossible de joindre le service client, j'ai attendu une heure au téléphone, personne ne décroche.",
    "Tarif trop cher !",
    " ".join(["Mon sinistre a été indemnisé rapidement, mais la franchise reste élevée."] * 20),  # > 1 window
    "Résiliation du contrat après 3 relances, aucune réponse de l'agence de Lyon.",
]


def test_int8_vector_of_a_text_is_the_same_alone_and_amid_others():
    enc = get_encoder("e5-small-int8")
    alone = np.stack([enc.encode([t])[0] for t in TEXTS])
    together = enc.encode(TEXTS)
    assert np.array_equal(together, alone)
    rng = np.random.default_rng(3)
    order = rng.permutation(len(TEXTS))
    shuffled = enc.encode([TEXTS[i] for i in order] * 2, batch_size=3)  # other neighbours, another batch size
    assert np.array_equal(shuffled[: len(TEXTS)], alone[order])
    assert np.array_equal(shuffled[len(TEXTS):], alone[order])
    assert np.array_equal(enc.encode(TEXTS, prompt="passage")[2], enc.encode([TEXTS[2]], prompt="passage")[0])


def test_per_token_int8_rows_never_interact_and_stay_close_to_float32():
    enc = get_encoder("e5-small-int8tok")
    alone = np.stack([enc.encode([t])[0] for t in TEXTS])
    assert np.array_equal(enc.encode(TEXTS, batch_size=64), alone)  # padded batches of mixed lengths
    assert np.array_equal(enc.encode(TEXTS[::-1], batch_size=2)[::-1], alone)
    ref = get_encoder("e5-small-f32").encode(TEXTS)
    assert (alone * ref).sum(axis=1).min() > 0.998


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    """The fast tier's common direction, computed once without its base vocabulary (seconds, not minutes)."""
    from textlens.embeddings.static import StaticEncoder

    return StaticEncoder(folder=tmp_path_factory.mktemp("seed"), base_words=0).folder / "center.npy"


@pytest.fixture
def fresh_static(center):
    """Makes fast-tier encoders with an empty vocabulary (and the shared common direction) in a folder."""
    from textlens.embeddings.static import StaticEncoder

    def make(folder):
        folder.mkdir(exist_ok=True)
        shutil.copy(center, folder / "center.npy")
        return StaticEncoder(folder=folder, base_words=0)

    return make


def test_fast_tier_vectors_do_not_depend_on_the_words_learnt_before(tmp_path, fresh_static):
    from textlens.embeddings.static import StaticEncoder

    encoders = []
    for name, warm_up in (("a", []), ("b", ["assurance", "zèbre", "délai", "agence", "xyz123"])):
        enc = fresh_static(tmp_path / name)
        assert not enc.words  # a fresh vocabulary: every word below is learnt now
        enc.add_words(warm_up)
        encoders.append(enc)
    a, b = encoders
    texts = TEXTS[1:4] + ["tarif tarif agence", "agence tarif tarif"]
    va = a.encode(texts)
    vb = b.encode(texts[::-1])[::-1]  # other order, other vocabulary indices
    assert np.array_equal(va, vb)
    assert np.array_equal(va[3], va[4])  # a bag of words: order within a text does not matter
    for w in ("agence", "tarif", "conseiller"):
        assert np.array_equal(a._vectors[a.words[w]], b._vectors[b.words[w]])
    reloaded = StaticEncoder(folder=tmp_path / "b", base_words=0)  # a later process reading the saved vocabulary
    assert np.array_equal(reloaded.encode(texts), va)


def test_fast_tier_words_learnt_in_many_runs_are_merged_and_kept(tmp_path, fresh_static):
    from textlens.embeddings.static import ADDED_GLOB, MAX_ADDED_FILES, StaticEncoder

    enc = fresh_static(tmp_path / "v")
    texts = [f"dossier numéro {i} traité" for i in range(MAX_ADDED_FILES + 3)]
    first = np.stack([enc.encode([t])[0] for t in texts])  # one new word per call: one small file each
    files = list(enc.folder.glob(ADDED_GLOB))
    assert 1 <= len(files) <= MAX_ADDED_FILES  # merged when there were too many
    later = StaticEncoder(folder=enc.folder, base_words=0)
    assert set(later.words) == set(enc.words)
    assert np.array_equal(later.encode(texts), first)
