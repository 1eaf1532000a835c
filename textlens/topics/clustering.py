"""The swappable parts of `TopicModel`'s clustering, BERTopic-style: a reducer and a clusterer.

`TopicModel(reducer=..., clusterer=...)` accepts any object with `fit_transform(X)` (a reducer: sklearn's PCA,
umap's UMAP...) and any object with `fit_predict(X)` or `fit(X)` + `labels_` (a clusterer: sklearn's KMeans,
HDBSCAN, AgglomerativeClustering...). When none is given, the model builds today's choices from its scalar
settings: `PcaUmapReducer` (PCA to 50 d, then UMAP to 5 d on exact neighbours) and `DensityClusterer` (HDBSCAN
with excess-of-mass or leaf selection); on small corpora `SilhouetteKMeans` replaces density clustering, which
needs hundreds of points. Each default is a scikit-learn estimator, so it can also be passed explicitly,
cloned and tuned like any other part.
"""
from __future__ import annotations

import logging
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin, clone

log = logging.getLogger(__name__)

REDUCTIONS = ("umap", "pca")
CLUSTER_SELECTIONS = ("auto", "eom", "leaf")


@lru_cache(maxsize=1)
def cache_umap_kernels() -> int:
    """Have numba keep UMAP's compiled kernels on disk (its own cache, next to umap's files or in the user's
    cache folder); returns how many kernels will be cached.

    Why: umap-learn JIT-compiles its module-level kernels (neighbour graph, layout epochs) in every new process
    without caching them, about 5 CPU s per `textlens run` that fits topics; with numba's cache a later process
    loads the same machine code (same results) in a fraction of a second. Where no cache folder is writable the
    kernels are compiled as before."""
    import umap.layouts
    import umap.umap_
    import umap.utils
    from numba.core.dispatcher import Dispatcher

    kernels = [obj for module in (umap.umap_, umap.layouts, umap.utils) for obj in vars(module).values()
               if isinstance(obj, Dispatcher) and type(getattr(obj, "_cache", None)).__name__ == "NullCache"]
    shared = Counter(id(k.py_func) for k in kernels)
    cached = 0
    for obj in kernels:
        # numba's cache index does not tell a function's parallel build from its serial one (same code, same
        # types): of a function built both ways (the layout epoch), only the serial build, the one UMAP runs
        # with a random_state, is cached
        if shared[id(obj.py_func)] > 1 and obj.targetoptions.get("parallel"):
            continue
        try:
            obj.enable_caching()
        except RuntimeError as exc:  # numba found no writable cache folder: compiled per process as before
            log.debug("numba cannot cache %s: %s", getattr(obj, "__name__", obj), exc)
            continue
        cached += 1
    return cached


def exact_knn(Z: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k+1 nearest rows (itself first) and euclidean distances, for unit-norm rows.

    Deterministic (ties broken by index) and memory-bounded: blocks of `block` x n distances.
    """
    Z = np.ascontiguousarray(Z, dtype=np.float32)
    n, m = Z.shape[0], k + 1
    idx = np.empty((n, m), dtype=np.int32)
    dist = np.empty((n, m), dtype=np.float32)
    sq = (Z * Z).sum(axis=1)
    for a in range(0, n, block):
        # ranked on 2 x dot - |b|^2 (the same order as distance, one temporary fewer: 10k units, 25% less CPU)
        G = Z[a : a + block] @ Z.T
        G *= 2.0
        G -= sq[None, :]
        rows = np.arange(G.shape[0])
        G[rows, rows + a] = np.inf  # the point itself comes first, as UMAP expects
        part = np.argpartition(-G, m - 1, axis=1)[:, :m]
        order = np.lexsort((part, -np.take_along_axis(G, part, axis=1)), axis=1)
        best = np.take_along_axis(part, order, axis=1)
        idx[a : a + block] = best
        d2 = sq[a : a + block, None] - np.take_along_axis(G, best, axis=1)
        d2[:, 0] = 0.0
        dist[a : a + block] = np.sqrt(np.maximum(d2, 0.0))
    return idx, dist


class PcaUmapReducer(TransformerMixin, BaseEstimator):
    """PCA (exact, via the covariance: deterministic and fast) then UMAP on re-normalised vectors, or PCA alone
    (`reduction="pca"`, fastest).

    Neighbours are exact and computed here by blocked matrix products (`exact_knn`): UMAP's own search either
    calls a Python callback per pair (< 4,096 points: 20 of 35 s for 1,000 reviews on a loaded machine) or
    JIT-compiles NN-descent (minutes on a cold start). Euclidean distance between unit vectors ranks neighbours
    exactly as cosine does. `n_epochs` None: 200 below 5,000 units, 100 from there (`resolved_n_epochs`).
    `umap_init`: "spectral"; "pca" gave a lower seed ARI on 10k reviews, 0.43 vs 0.50.
    """

    def __init__(self, reduction: str = "umap", n_components: int = 5, n_neighbors: int = 15,
                 pca_components: int | None = 50, n_epochs: int | None = None, umap_init: str = "spectral",
                 random_state: int = 42):
        self.reduction = reduction
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.pca_components = pca_components
        self.n_epochs = n_epochs
        self.umap_init = umap_init
        self.random_state = random_state

    @property
    def name(self) -> str:
        """How `TopicModel.quality_["method"]` names this reduction."""
        return self.reduction

    def resolved_n_epochs(self, n: int) -> int:
        """UMAP epochs: 200 below 5,000 units, 100 from there. On 10,286 reviews (3 seeds) 100 epochs gave
        seed ARI 0.59 vs 0.50 (150: 0.50), NPMI 0.10 vs 0.10, outliers 1.8% vs 1.9%, 30% less UMAP CPU; the
        largest topic grows (0.22 vs 0.16 of units). UMAP's own default also falls with size (500 -> 200)."""
        return self.n_epochs or (200 if n < 5000 else 100)

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        from sklearn.decomposition import PCA

        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {self.reduction!r}")
        X = np.asarray(X, dtype=np.float32)
        n = X.shape[0]
        if self.reduction == "pca":
            self.embedding_ = PCA(n_components=min(self.n_components, n - 1),
                                  svd_solver="covariance_eigh").fit_transform(X)
            return self.embedding_
        import warnings

        from umap import UMAP

        cache_umap_kernels()
        Z = X
        if self.pca_components and X.shape[1] > self.pca_components and n > self.pca_components:
            Z = PCA(n_components=self.pca_components, svd_solver="covariance_eigh").fit_transform(X)
            Z = Z / np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
        k = min(self.n_neighbors, n - 1)
        knn = exact_knn(Z, k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "n_jobs overridden by setting random_state", "no search index"
            self.embedding_ = UMAP(n_components=self.n_components, n_neighbors=k, min_dist=0.0, metric="euclidean",
                                   n_epochs=self.resolved_n_epochs(n), init=self.umap_init,
                                   random_state=self.random_state, low_memory=False,
                                   precomputed_knn=(*knn, None)).fit_transform(Z)
        return self.embedding_


class DensityClusterer(ClusterMixin, BaseEstimator):
    """HDBSCAN on the reduced space. `cluster_selection` "auto": excess of mass, unless it lumps more than
    `max_topic_share` of the clustered units into one cluster or finds fewer than 3 (1,000 real insurance
    reviews: 3 clusters, one of 84%), then leaf selection (21 topics).

    `min_cluster_size` None = max(8, round(sqrt(n) / 2)) (10k units -> 50); `min_samples` None =
    min(min_cluster_size, 5).
    """

    def __init__(self, min_cluster_size: int | None = None, min_samples: int | None = None,
                 cluster_selection: str = "auto", max_topic_share: float = 0.4):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection = cluster_selection
        self.max_topic_share = max_topic_share

    @property
    def name(self) -> str:
        """How `TopicModel.quality_["method"]` names this clustering (once fitted: the selection used)."""
        return f"hdbscan({getattr(self, 'selection_', self.cluster_selection)})"

    def resolved_min_cluster_size(self, n: int) -> int:
        return self.min_cluster_size or max(8, int(round(np.sqrt(n) / 2)))

    def fit(self, Z: Any, y: Any = None) -> "DensityClusterer":
        from sklearn.cluster import HDBSCAN

        if self.cluster_selection not in CLUSTER_SELECTIONS:
            raise ValueError(f"cluster_selection must be 'auto', 'eom' or 'leaf', got {self.cluster_selection!r}")
        mcs = self.resolved_min_cluster_size(Z.shape[0])
        ms = self.min_samples or min(mcs, 5)

        def run(selection: str) -> np.ndarray:
            return HDBSCAN(min_cluster_size=mcs, min_samples=ms, cluster_selection_method=selection,
                           copy=True).fit_predict(Z)

        self.min_cluster_size_ = mcs
        if self.cluster_selection != "auto":
            self.labels_, self.selection_ = run(self.cluster_selection), self.cluster_selection
            return self
        labels = run("eom")
        clustered = labels[labels >= 0]
        if clustered.size == 0 or len(set(clustered.tolist())) < 3 or \
                np.bincount(clustered).max() > self.max_topic_share * clustered.size:
            leaf = run("leaf")
            if len(set(leaf.tolist()) - {-1}) >= 2:
                self.labels_, self.selection_ = leaf, "leaf"
                return self
        self.labels_, self.selection_ = labels, "eom"
        return self


class SilhouetteKMeans(ClusterMixin, BaseEstimator):
    """k-means on the centred unit vectors, k by cosine silhouette (topics of < 3 units refused).

    On 48 written sentences of 4 subjects (tests/test_topics.py, int8 e5): ARI 0.85 at the chosen k;
    Ward and average linkage swing between 0.5 and 0.9 with tiny changes of the vectors."""

    name = "kmeans"

    def __init__(self, max_k: int = 12, random_state: int = 42):
        self.max_k = max_k
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> "SilhouetteKMeans":
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        n = X.shape[0]
        best, best_score = None, -2.0
        for k in range(2, max(2, min(self.max_k, n // 5)) + 1):
            labels = KMeans(n_clusters=k, n_init=10, random_state=self.random_state).fit_predict(X)
            if np.bincount(labels).min() < 3:
                continue
            score = silhouette_score(X, labels, metric="cosine")
            if score > best_score + 1e-9:
                best, best_score = labels, score
        self.labels_ = best if best is not None else np.zeros(n, dtype=int)
        return self


def part_name(part: Any) -> str:
    """A part's name in `quality_["method"]`: its `name` when it has one, else its class name ("pca", "kmeans")."""
    name = getattr(part, "name", None)
    return name if isinstance(name, str) else type(part).__name__.lower()


def seeded(part: Any, seed: int) -> Any:
    """A fresh, unfitted copy of `part` whose `random_state` (when it has one) is `seed`: the model's seed rules
    every random step, and its agreement runs refit the same parts under other seeds."""
    fresh = clone(part, safe=False)
    if hasattr(fresh, "get_params") and "random_state" in fresh.get_params(deep=False):
        fresh.set_params(random_state=seed)
    elif hasattr(fresh, "random_state"):
        fresh.random_state = seed
    return fresh


def check_reducer(reducer: Any) -> None:
    if not callable(getattr(reducer, "fit_transform", None)):
        raise TypeError(f"reducer must have a fit_transform(X) method (as sklearn's PCA or umap's UMAP), "
                        f"got {type(reducer).__name__}")


def check_clusterer(clusterer: Any) -> None:
    if not (callable(getattr(clusterer, "fit_predict", None)) or callable(getattr(clusterer, "fit", None))):
        raise TypeError(f"clusterer must have fit_predict(X) or fit(X) and labels_ (as sklearn's KMeans or HDBSCAN), "
                        f"got {type(clusterer).__name__}")


def cluster_labels(clusterer: Any, Z: np.ndarray) -> np.ndarray:
    """Fit `clusterer` on `Z` and return its labels as ints (-1 = outlier), checked to cover every row."""
    if callable(getattr(clusterer, "fit_predict", None)):
        labels = clusterer.fit_predict(Z)
    else:
        labels = clusterer.fit(Z).labels_
    labels = np.asarray(labels)
    if labels.shape != (Z.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"clusterer {type(clusterer).__name__} returned labels of shape {labels.shape} and type "
                         f"{labels.dtype} for {Z.shape[0]} units; expected one integer per unit (-1: outlier)")
    if labels.size and labels.min() < -1:
        raise ValueError(f"clusterer {type(clusterer).__name__} returned label {int(labels.min())}: "
                         "topics are 0, 1, ... and -1 marks an outlier")
    return labels.astype(int)
