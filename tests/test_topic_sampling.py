"""The stratified fit sample of `TopicModel` (issue #21): large corpora are clustered on a bounded sample drawn per
period and source, and the rest is assigned to the sample's topics."""
from __future__ import annotations

import numpy as np
import pytest

from textlens.topics.model import TopicModel, fit_sample


def _strata(sizes: dict[str, int]) -> np.ndarray:
    return np.asarray([key for key, size in sizes.items() for _ in range(size)])


def test_without_strata_the_sample_is_the_uniform_one_of_before():
    """No strata: the same indices as the seeded uniform draw `TopicModel` always made (stored fits unchanged)."""
    expected = np.sort(np.random.default_rng(7).choice(5000, 300, replace=False))
    assert np.array_equal(fit_sample(5000, 300, 7), expected)


def test_stratified_sample_is_proportional_with_a_floor_for_small_strata():
    strata = _strata({"2019|a.csv": 6000, "2020|a.csv": 3000, "2021|b.csv": 950, "2016|a.csv": 50})
    idx = fit_sample(strata.size, 1000, 3, strata, min_per_stratum=100)
    assert idx.size == 1000 and np.unique(idx).size == 1000 and np.all(np.diff(idx) > 0)
    taken = {key: int((strata[idx] == key).sum()) for key in np.unique(strata)}
    assert taken["2016|a.csv"] == 50  # smaller than the floor: all of it
    assert taken["2021|b.csv"] >= 100  # the floor, though 950/10,000 of 1,000 would be 95
    # the rest in proportion to what is left: 6000:3000 for the two large periods
    assert abs(taken["2019|a.csv"] / taken["2020|a.csv"] - 2.0) < 0.02
    # a uniform sample of the same size misses the small period now and then; the stratified one never does
    assert all(int((strata[fit_sample(strata.size, 1000, seed, strata, 100)] == "2016|a.csv").sum()) == 50
               for seed in range(5))


def test_stratified_sample_is_seeded_and_depends_on_the_seed():
    strata = _strata({"x": 700, "y": 300})
    assert np.array_equal(fit_sample(1000, 200, 1, strata, 20), fit_sample(1000, 200, 1, strata, 20))
    assert not np.array_equal(fit_sample(1000, 200, 1, strata, 20), fit_sample(1000, 200, 2, strata, 20))


def test_more_strata_than_the_floors_fit_lower_the_floor_evenly():
    strata = _strata({f"s{i:02d}": 40 for i in range(30)})  # 30 strata x floor 50 > 600
    idx = fit_sample(strata.size, 600, 0, strata, min_per_stratum=50)
    counts = np.unique(strata[idx], return_counts=True)[1]
    assert idx.size == 600 and counts.size == 30 and counts.min() == counts.max() == 20


def _blobs(n_per: int, seed: int = 5) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, 32))
    truth = np.repeat(np.arange(3), n_per)
    X = centers[truth] + rng.normal(scale=0.3, size=(truth.size, 32))
    vocab = [["tarif", "prix"], ["attente", "joindre"], ["sinistre", "expert"]]
    return [" ".join(rng.choice(vocab[c], size=3)) for c in truth], X, truth


def test_fit_with_strata_clusters_a_stratified_sample_and_assigns_the_rest():
    from sklearn.metrics import adjusted_rand_score

    texts, X, truth = _blobs(200)
    strata = np.where(np.arange(truth.size) % 10 == 0, "2018|old.csv", "2021|new.csv")
    model = TopicModel(reduction="pca", small_corpus=100, max_fit_units=300, agreement_seeds=0,
                       min_stratum_units=40).fit(texts, X, strata=strata.tolist())
    assert "fitted on 300 of 600 units (2 strata)" in model.quality_["method"]
    assigned = model.labels_ >= 0
    assert assigned.mean() >= 0.9
    assert adjusted_rand_score(truth[assigned], model.labels_[assigned]) >= 0.95
    # the units of the sample are those `fit_sample` draws: 60 of the small stratum are all clustered... at least 40
    sample = fit_sample(600, 300, model.random_state, strata, 40)
    assert int((strata[sample] == "2018|old.csv").sum()) >= 40


def test_fit_rejects_strata_of_the_wrong_length_or_a_bad_floor():
    texts, X, _ = _blobs(20)
    with pytest.raises(ValueError, match="strata keys for 60 texts"):
        TopicModel(reduction="pca", agreement_seeds=0).fit(texts, X, strata=["a"] * 59)
    with pytest.raises(ValueError, match="min_stratum_units"):
        TopicModel(reduction="pca", agreement_seeds=0, min_stratum_units=-1).fit(texts, X, strata=["a"] * 60)


def test_topic_stage_fits_large_groups_on_a_sample_stratified_by_year_and_source(tmp_path):
    """`fit_corpus_topics` passes each unit's "year|source": a small, old source keeps its floor in the sample."""
    import hashlib

    from textlens.embeddings.base import Encoder
    from textlens.document import Document
    from textlens.store import Corpus
    from textlens.topics import fit_corpus_topics

    subjects = {"tarif": 0, "attente": 1, "sinistre": 2}

    class KeywordEncoder(Encoder):
        """Invented vectors: one direction per subject word, plus a little noise seeded by the text."""

        model_id, dim = "keyword-test-v1", 16

        def _encode(self, texts, prompt, batch_size):
            out = []
            for text in texts:
                rng = np.random.default_rng(int(hashlib.sha1(text.encode()).hexdigest()[:8], 16))
                v = rng.normal(scale=0.2, size=self.dim)
                for word, axis in subjects.items():
                    v[axis] += 3.0 * (word in text)
                out.append(v)
            return np.asarray(out)

    words = list(subjects)
    with Corpus.open(tmp_path / "s.db") as corpus:
        with corpus.transaction():
            for i in range(150):
                old = i < 20  # 20 reviews of 2016 in their own file, 130 of 2021 in another
                text = f"Avis numéro {i} : le {words[i % 3]} me convient, le {words[i % 3]} surtout."
                corpus.upsert_document(Document(id=f"v{i}", text=text, raw_text=text, kind="verbatim",
                                                source="ancien.csv" if old else "recent.csv", row=i,
                                                year=2016 if old else 2021, language="fr"))
        stats = fit_corpus_topics(corpus, encoder=KeywordEncoder(), reduction="pca", small_corpus=30,
                                  max_fit_units=60, min_stratum_units=15, agreement_seeds=0)
        placed = corpus.table("doc_topics")
    group = stats["groups"]["verbatim"]
    assert group["status"] == "fitted" and group["units"] == 150
    assert "fitted on 60 of 150 units (2 strata)" in group["method"]
    assert group["n_topics"] >= 2 and placed["doc_id"].nunique() == 150  # every review has its row, sampled or not
