"""TopicModel as a scikit-learn estimator with swappable parts (reducer, clusterer, representation)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from textlens.topics.clustering import DensityClusterer, PcaUmapReducer
from textlens.topics.model import TopicModel
from textlens.topics.representation import CTfidfRepresentation

VOCAB = [["tarif", "prix", "cotisation"], ["attente", "téléphone", "joindre"],
         ["sinistre", "expert", "indemnisation"], ["application", "site", "espace"]]


def _blobs(per_topic: int = 100, seed: int = 3) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Four separated subjects, each with its own words, plus a few scattered units."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(4, 64))
    X, texts, truth = [], [], []
    for c in range(4):
        for _ in range(per_topic):
            X.append(centers[c] + rng.normal(scale=0.35, size=64))
            texts.append(" ".join(rng.choice(VOCAB[c], size=4)))
            truth.append(c)
    return texts, np.array(X), np.array(truth)


def test_user_parts_pca_and_kmeans_give_the_topics():
    texts, X, truth = _blobs(per_topic=30)
    model = TopicModel(reducer=PCA(n_components=5), clusterer=KMeans(n_clusters=4, n_init=10), agreement_seeds=1,
                       representation="ctfidf", random_state=0).fit(texts, X)
    # the user's clusterer is used as given, even below `small_corpus` units (no k-means/silhouette fallback)
    assert model.quality_["method"] == "pca+kmeans"
    assert model.n_topics_ == 4
    assert adjusted_rand_score(truth, model.labels_) >= 0.95
    for t in range(4):
        members = truth[model.labels_ == t]
        assert model.topic_terms_[t][0][0] in VOCAB[np.bincount(members).argmax()]
    # the model's seed reaches the parts (a fresh copy per run); the objects passed stay unfitted
    assert not hasattr(model.clusterer, "labels_") and model.clusterer.random_state is None
    assert model.quality_["agreement_runs"] == 2 and model.quality_["agreement_ari"] >= 0.95


def test_clone_and_params_follow_the_sklearn_contract():
    model = TopicModel(reduction="pca", min_cluster_size=12, clusterer=KMeans(n_clusters=3),
                       representation=CTfidfRepresentation(label_terms=2))
    params = model.get_params(deep=False)
    assert params["reduction"] == "pca" and params["min_cluster_size"] == 12
    assert isinstance(params["clusterer"], KMeans) and params["reducer"] is None
    copy = clone(model)
    assert copy is not model and copy.clusterer is not model.clusterer
    assert copy.get_params(deep=False)["min_cluster_size"] == 12
    assert copy.clusterer.get_params() == model.clusterer.get_params()
    assert model.get_params(deep=True)["clusterer__n_clusters"] == 3
    assert copy.set_params(clusterer__n_clusters=5, n_components=7).clusterer.n_clusters == 5
    assert model.clusterer.n_clusters == 3 and copy.n_components == 7
    # params are stored as given: a bad value fails at fit, not at construction
    bad = TopicModel(reduction="tsne", clusterer="not a clusterer")
    assert bad.reduction == "tsne"
    texts, X, _ = _blobs(per_topic=5)
    with pytest.raises(ValueError, match="reduction must be"):
        bad.fit(texts, X)
    with pytest.raises(TypeError, match="clusterer must have"):
        TopicModel(clusterer="not a clusterer").fit(texts, X)
    with pytest.raises(TypeError, match="reducer must have"):
        TopicModel(reducer=object()).fit(texts, X)


@pytest.mark.parametrize("reduction", ["pca", "umap"])
def test_explicit_default_parts_give_the_default_topics(reduction):
    texts, X, _ = _blobs()
    kwargs = dict(agreement_seeds=1, random_state=0, representation="ctfidf")
    default = TopicModel(reduction=reduction, n_components=5, **kwargs).fit(texts, X)
    explicit = TopicModel(reducer=PcaUmapReducer(reduction=reduction, n_components=5), clusterer=DensityClusterer(),
                          **kwargs).fit(texts, X)
    assert default.quality_["method"].startswith(f"{reduction}+hdbscan")
    assert explicit.quality_["method"] == default.quality_["method"]
    assert explicit.labels_.tolist() == default.labels_.tolist()
    assert [t["label"] for t in explicit.topics_] == [t["label"] for t in default.topics_]
    assert explicit.quality_["agreement_ari"] == default.quality_["agreement_ari"]
    assert explicit.quality_["min_cluster_size"] == default.quality_["min_cluster_size"] == 10
    assert default.n_topics_ == 4


def test_clusterer_labels_are_checked():
    class OneLabel:
        def fit_predict(self, Z):
            return np.zeros(3, dtype=int)

    texts, X, _ = _blobs(per_topic=5)
    with pytest.raises(ValueError, match="OneLabel returned labels of shape"):
        TopicModel(reducer=PCA(n_components=3), clusterer=OneLabel(), agreement_seeds=0).fit(texts, X)


UMAP_IN_A_PROCESS = """
import json, sys
import json

import numpy as np
from textlens.topics.clustering import PcaUmapReducer
X = np.random.default_rng(7).normal(size=(300, 64)).astype(np.float32)
Z = PcaUmapReducer(random_state=3).fit_transform(X / np.linalg.norm(X, axis=1, keepdims=True))
print(json.dumps(np.round(Z, 5).tolist()))
"""


def test_umap_kernels_are_cached_on_disk_and_a_later_process_gets_the_same_layout():
    """UMAP's kernels go to numba's disk cache (a new process loads them instead of compiling them again, ~5 CPU s
    per run) and the layout does not depend on whether they were compiled or loaded."""
    import os
    import subprocess
    import sys

    import umap.layouts
    import umap.umap_
    from numba.core.dispatcher import Dispatcher

    from textlens.topics.clustering import cache_umap_kernels

    assert cache_umap_kernels() >= 3
    kernels = [obj for module in (umap.umap_, umap.layouts) for obj in vars(module).values()
               if isinstance(obj, Dispatcher)]
    serial = [k for k in kernels if not k.targetoptions.get("parallel")]
    assert serial and all(type(k._cache).__name__ != "NullCache" for k in serial)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    layouts = [subprocess.run([sys.executable, "-c", UMAP_IN_A_PROCESS], env=env, capture_output=True, text=True,
                              check=True).stdout for _ in range(2)]
    assert layouts[0] == layouts[1] and len(json.loads(layouts[0])) == 300
    epoch = umap.layouts._nb_optimize_layout_euclidean_single_epoch
    saved = os.listdir(epoch._cache._cache_path)
    assert any(f"{epoch.__name__}-" in f and f.endswith(".nbi") for f in saved)
