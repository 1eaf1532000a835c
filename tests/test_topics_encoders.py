"""Encoders per document kind: the themes analysis key names model versions, not just encoder names."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from textlens.embeddings import Encoder
from textlens.themes.analyzer import ThemeAnalyzer, encoder_model_id


def test_themes_key_names_the_encoder_model_version(monkeypatch):
    """A new static vocabulary version (or e5 export) changes the key, so themes are recomputed."""
    import textlens.embeddings.static as static

    assert encoder_model_id("fast") == f"e5-static-v{static.VERSION}"
    assert encoder_model_id("e5-small-int8").startswith("e5-small-int8-v")
    assert encoder_model_id("e5-small-f32-w512") == "e5-small-f32-w512"
    assert encoder_model_id("e5-small-int8-w128") == encoder_model_id("e5-small-int8")  # the default window
    assert encoder_model_id("none") == "none"
    before = ThemeAnalyzer().key()
    lexical = ThemeAnalyzer(encoder="none").key()
    monkeypatch.setattr(static, "VERSION", str(int(static.VERSION) + 1))
    assert ThemeAnalyzer().key() != before  # verbatims use the fast tier by default
    assert ThemeAnalyzer(encoder="none").key() == lexical


@pytest.mark.parametrize("name", ["e5-small-int8", "e5-small-int8tok"])
def test_model_id_without_loading_matches_the_built_encoder(name):
    from textlens.embeddings import get_encoder

    try:
        enc = get_encoder(name)
    except Exception as exc:  # noqa: BLE001 - no e5 weights in this install
        pytest.skip(f"{name} unavailable: {exc}")
    assert encoder_model_id(name) == enc.model_id


# ---- topic discovery with an encoder per document kind ---------------------------------------------
class _Hashed(Encoder):
    """A tiny deterministic encoder (hashed word counts) that records what it was asked to embed."""

    dim = 64

    def __init__(self, model_id: str):
        self.model_id, self.seen = model_id, []

    def _encode(self, texts, prompt, batch_size):
        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, zlib.crc32(w.encode()) % self.dim] += 1.0
            out[i, zlib.crc32(t.encode()) % self.dim] += 0.1  # no all-zero row
        return out


def test_fit_groups_split_a_group_only_when_its_kinds_use_different_encoders():
    from textlens.topics.corpus import fit_groups

    one = fit_groups({"article", "editorial", "verbatim"}, None, {})
    assert [(g[0], g[2]) for g in one] == [("press", ("article", "editorial")), ("verbatim", ("verbatim",))]
    same = fit_groups({"article", "editorial", "verbatim"}, None, {"verbatim": "fast", "editorial": "default"})
    assert [g[0] for g in same] == ["press", "verbatim"] and same[1][5] == "fast"
    split = fit_groups({"article", "editorial"}, None, {"editorial": "fast"})
    assert [(g[0], g[2], g[5]) for g in split] == [("press:article", ("article",), None),
                                                    ("press:editorial", ("editorial",), "fast")]


def test_fit_corpus_topics_embeds_each_kind_with_its_encoder(tmp_path):
    from test_topics import TEXTS, _add, _articles
    from textlens.document import Document
    from textlens.store import Corpus
    from textlens.topics import fit_corpus_topics, topics_table

    press, reviews = _Hashed("hash-press-v1"), _Hashed("hash-reviews-v1")
    verbatims = [f"Avis numéro {i} : {t}" for i, t in enumerate(TEXTS)]
    with Corpus.open(tmp_path / "mixed.db") as corpus:
        for doc in _articles():
            _add(corpus, doc)
        for i, text in enumerate(verbatims):
            _add(corpus, Document(id=f"v{i}", text=text, raw_text=text, kind="verbatim", source="v.csv", row=i + 1,
                                  year=2020, language="fr"))
        stats = fit_corpus_topics(corpus, encoder=press, encoders={"verbatim": reviews}, random_state=0,
                                  agreement_seeds=0)
        assert stats["status"] == "fitted"
        groups = stats["groups"]
        assert groups["press"]["encoder"] == "hash-press-v1" and groups["verbatim"]["encoder"] == "hash-reviews-v1"
        assert not set(verbatims) & set(press.seen)  # each kind embedded by its own encoder only
        assert set(verbatims) <= set(reviews.seen) and not set(TEXTS) & set(reviews.seen)
        ids = groups["press"]["topic_ids"] + groups["verbatim"]["topic_ids"]
        assert ids == list(range(len(ids)))  # press first, then verbatims, no gap
        assert "outlier_share" in groups["verbatim"] and 0.0 <= stats["outlier_share"] <= 1.0
        first = topics_table(corpus)[["id", "label", "size"]].to_dict("records")

        again = fit_corpus_topics(corpus, encoder=press, encoders={"verbatim": reviews}, random_state=0,
                                  agreement_seeds=0)
        assert again["status"] == "unchanged"
        forced = fit_corpus_topics(corpus, encoder=press, encoders={"verbatim": reviews}, random_state=0,
                                   agreement_seeds=0, force=True)
        assert forced["fingerprint"] == stats["fingerprint"]
        assert topics_table(corpus)[["id", "label", "size"]].to_dict("records") == first  # ids stable

        reviews.model_id = "hash-reviews-v2"  # a new model version refits
        assert fit_corpus_topics(corpus, encoder=press, encoders={"verbatim": reviews}, random_state=0,
                                 agreement_seeds=0)["status"] == "fitted"


def test_pipeline_fits_a_mixed_store_with_an_encoder_per_kind_once(demo_db, tmp_path):
    """The demo store (articles + verbatims) through `textlens run`: press topics on e5, verbatim topics on the
    fast tier, both recorded in the fingerprint, so the next corpus step finds nothing to refit."""
    import shutil

    from textlens.pipeline import TOPICS_ENCODER, corpus_steps
    from textlens.store import Corpus
    from textlens.topics.corpus import encoder_id

    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    with Corpus.open(db) as corpus:
        stats = corpus.stat("topics")
        groups = stats["groups"]
        assert set(groups) == {"press", "verbatim"}
        assert groups["press"]["encoder"] == encoder_id(None) != groups["verbatim"]["encoder"]
        assert groups["verbatim"]["encoder"] == encoder_id(TOPICS_ENCODER["verbatim"])
        assert groups["press"]["status"] == groups["verbatim"]["status"] == "fitted"
        assert groups["verbatim"]["units"] >= 500 and groups["verbatim"]["outlier_share"] <= 0.1
        assert all(enc in stats["encoder"] for enc in (groups["press"]["encoder"], groups["verbatim"]["encoder"]))
        again = corpus_steps(corpus)["topics"]
        assert again["status"] == "unchanged" and again["fingerprint"] == stats["fingerprint"]
