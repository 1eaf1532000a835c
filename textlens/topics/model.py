"""`TopicModel`: BERTopic-style topic discovery on precomputed sentence embeddings, deterministic.

embeddings -> PCA (50 d) -> UMAP (5 d, cosine) -> HDBSCAN -> near-twin topics merged (centroid cosine,
then shared top terms) -> outliers reassigned to the nearest topic centroid when they are as close to it
as 98% of the topic's own members, then to the topic that clearly dominates their neighbourhood in the
UMAP space (`_vote`), then, once topics are final, to a topic they fit as well as 98% of its members both
by centroid cosine and by c-TF-IDF word similarity (`_place_by_evidence`) -> class-based TF-IDF on French
lemmas, terms chosen with a penalty on terms other topics already list -> labels, representative units,
quality. Small corpora (or a clustering that finds < 2 topics) use
k-means with k chosen by silhouette instead, because density clustering needs hundreds of points.

The reducer, the clusterer and the representation are swappable parts, as in BERTopic: any object with
`fit_transform` / `fit_predict` (textlens.topics.clustering) or any `Representation`
(textlens.topics.representation); the scalar settings below parameterise the default parts.

Embeddings are computed outside (textlens.embeddings, cached in the store), so fitting never embeds.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from textlens.topics.clustering import (
    CLUSTER_SELECTIONS,
    REDUCTIONS,
    DensityClusterer,
    PcaUmapReducer,
    SilhouetteKMeans,
    check_clusterer,
    check_reducer,
    cluster_labels,
    exact_knn,
    part_name,
    seeded,
)
from textlens.topics.quality import npmi_coherence, outlier_share, partition_agreement, topic_diversity
from textlens.topics.terms import TermExtractor

__all__ = ["ASSIGNED_BY", "REDUCTIONS", "TopicModel", "exact_knn", "fit_sample"]
# how a unit got its topic (`assigned_by_`): HDBSCAN itself, then the outlier passes in their order
ASSIGNED_BY = ("cluster", "centroid", "vote", "terms")


def fit_sample(n: int, size: int, seed: int, strata: np.ndarray | None = None, min_per_stratum: int = 0
               ) -> np.ndarray:
    """Sorted indices of the `size` units (of `n`) that the clustering is fitted on, seeded.

    Without `strata`: a uniform sample (today's behaviour, same indices for the same seed). With `strata` (one key
    per unit): a proportional allocation (the sample keeps the corpus's mix of periods and sources) in which a
    stratum whose share would fall below `min_per_stratum` units gets that floor instead (all its units when it is
    smaller; a lower, even floor when the floors alone would exceed `size`) and the other strata share the rest in
    proportion (largest remainders, ties in key order). A small period is not lost to chance (BERTopic's advice
    for large corpora: fit on a sample, assign the rest).
    """
    rng = np.random.default_rng(seed)
    if size >= n:
        return np.arange(n)
    if strata is None:
        return np.sort(rng.choice(n, size, replace=False))
    keys, inverse, counts = np.unique(np.asarray(strata), return_inverse=True, return_counts=True)
    floor = int(min_per_stratum)
    if np.minimum(counts, floor).sum() > size:  # too many strata for the floor: the largest floor that fits
        lo, hi = 0, floor
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if np.minimum(counts, mid).sum() <= size else (lo, mid - 1)
        floor = lo
    floors = np.minimum(counts, floor)
    fixed = np.zeros(keys.size, dtype=bool)  # strata held at their floor
    while True:
        free = ~fixed
        share = np.zeros(keys.size)
        share[free] = (size - floors[fixed].sum()) * counts[free] / counts[free].sum()
        below = free & (share < floors)
        if not below.any() or below.sum() == free.sum():
            break
        fixed |= below
    take = np.where(fixed, floors, np.minimum(np.floor(share), counts).astype(int))
    remainder = np.where(fixed, 0.0, share - np.floor(share))
    order = np.lexsort((np.arange(keys.size), -remainder))  # largest remainder first, then key order
    while take.sum() < size:  # never loops for ever: size < n
        open_ = order[take[order] < counts[order]]
        take[open_[: size - int(take.sum())]] += 1
    by_stratum = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    chosen = [rng.choice(by_stratum[starts[s]:starts[s + 1]], int(take[s]), replace=False)
              for s in range(keys.size) if take[s]]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=int)


class TopicModel(BaseEstimator):
    """Discover topics in short French texts (sentences, verbatims) from their embeddings.

    Parameters (scikit-learn estimator: stored as given, checked and resolved at fit time)
    ----------
    reducer: any object with `fit_transform(X)` (sklearn's PCA, umap's UMAP...) making the space topics are
        clustered in; None: `PcaUmapReducer` built from `reduction`, `n_components`, `n_neighbors`,
        `pca_components`, `n_epochs`, `umap_init` (those settings are ignored when a reducer is given).
    clusterer: any object with `fit_predict(X)` (or `fit` + `labels_`; -1 = outlier) such as sklearn's KMeans
        or HDBSCAN; None: `DensityClusterer` (HDBSCAN) built from `min_cluster_size`, `min_samples`,
        `cluster_selection`, `max_topic_share`. Only density clustering falls back to k-means on small corpora.
        A part's `random_state`, when it has one, is set to the model's seed.
    reduction: "umap" (default; PCA to `pca_components` first, for speed) or "pca" (fastest).
    n_components, n_neighbors, n_epochs: size of the reduced space, UMAP's neighbourhood and its
        optimisation epochs (None: 200 below 5,000 units, 100 from there; see
        `PcaUmapReducer.resolved_n_epochs`).
    umap_init: UMAP's initial layout ("spectral"; "pca" gave a lower seed ARI on 10k reviews, 0.43 vs 0.50).
    min_cluster_size: smallest topic; None = max(8, round(sqrt(n) / 2)) (10k units -> 50).
    min_samples: HDBSCAN's density smoothing; None = min(min_cluster_size, 5).
    merge_threshold: topics whose centroids have at least this cosine (centred space) are merged
        (near-twins from HDBSCAN's leaf selection); None keeps every cluster.
    merge_terms: then topics whose top-10 c-TF-IDF terms overlap this much (Jaccard) are merged too;
        None: no term-based merging.
    reassign_quantile: an outlier joins its nearest topic when its cosine to the topic centroid is at
        least this quantile of the members' cosines (0.02: as close as 98% of the members); `predict`
        uses the same rule; None keeps HDBSCAN's outliers.
    lemmatizer: "lookup" (fast, default) or "spacy" (contextual); see textlens.topics.terms.
    representation: how topics are described: "keyphrase" (default: noun phrases, c-TF-IDF + MMR),
        "ctfidf" (single lemmas, `label_terms` of them in the label) or a `Representation` instance
        (textlens.topics.representation). Clustering, merging and outlier passes always use the lemmas.
    stop_words: extra words never used as topic terms.
    small_corpus: below this many units, k-means + silhouette (`max_k` topics at most) replaces density
        clustering.
    cluster_selection: HDBSCAN's "eom", "leaf" or "auto" (eom, or leaf when eom puts more than
        `max_topic_share` of the clustered units in one topic or finds fewer than 3).
    distinctive: weight c-TF-IDF by the share of topics where the term is *not* over-represented (to this
        power; 0 = plain c-TF-IDF), so
        labels name what sets a topic apart rather than words over-used everywhere (see bench_topics.py).
    center: subtract the corpus' mean embedding before clustering; e5 vectors share a large common
        direction (cosines squeezed into 0.8-0.95) and removing it separates subjects better.
    agreement_seeds: how many extra seeds are fitted (on at most `agreement_sample` units) to report
        partition agreement; 0 skips it.
    max_topics_per_term: a term describes at most this many topics (those where it weighs most); on
        10k real reviews (36 topics) top-25 diversity 0.32 -> 0.46 for NPMI 0.12 -> 0.09. None: no cap.
    shared_term_penalty: a topic's term loses this share of its weight for each other topic that already
        lists it (0: each topic's terms chosen alone); see `_top_terms`.
    vote_neighbors, vote_share, vote_rounds: then an outlier joins the topic of at least `vote_share` of
        its `vote_neighbors` nearest units in the reduced space (twice any other topic's count, more than the
        outliers among them), for up to
        `vote_rounds` rounds (`_vote`); None: no second pass. Not used by `predict` (no reduced space there).
    evidence_quantile: last pass, once the topics are final: a remaining outlier joins a topic when both
        its centroid cosine and the cosine of its words (idf-weighted) to the topic's c-TF-IDF are at least
        this quantile of the topic's members' (0.02: as close as 98% of the members by meaning and by
        words; `_place_by_evidence`); None: no last pass.
    merge_themeless: with `unit_themes` given to `fit` and a representation that names topics by their themes
        (`topic_themes`), a topic that no theme sets apart joins its nearest topic when their centroids have at
        least this cosine (`_merge_themeless`); None: no such merging.
    min_coverage: once the topics are final, a topic where fewer than this share of the units use any of its
        first 5 c-TF-IDF terms has no subject (a catch-all of quotes and sentences that say nothing on their own)
        and its units become outliers (reported as `diffuse_share`); None: every topic stays.
    max_fit_units: larger corpora are clustered on a seeded sample of this size and every other unit
        joins its nearest topic under the same threshold as outliers (bounds time: exact neighbours are
        quadratic; memory: the PCA/UMAP/HDBSCAN steps). With `strata` given to `fit`, the sample is drawn per
        stratum (`fit_sample`), else uniformly.
    min_stratum_units: with `strata`, each stratum keeps at least this many units in the sample (all of them when
        it has fewer), so a small period or source still gets topics of its own; the rest is shared in proportion.
    random_state: seed of every random step; same inputs + same seed = same topics, same ids.
    """

    def __init__(self, reduction: str = "umap", n_components: int = 5, n_neighbors: int = 15,
                 pca_components: int | None = 50, min_cluster_size: int | None = None,
                 min_samples: int | None = None, reassign_quantile: float | None = 0.02,
                 merge_threshold: float | None = 0.75, merge_terms: float | None = 0.5,
                 lemmatizer: str = "lookup", stop_words: Sequence[str] = (), min_df: int = 2,
                 top_n_terms: int = 10, label_terms: int = 3, n_representatives: int = 5,
                 small_corpus: int = 300, max_k: int = 12, agreement_seeds: int = 2,
                 agreement_sample: int = 1000, center: bool = True, cluster_selection: str = "auto",
                 max_topic_share: float = 0.4, distinctive: bool = True, n_epochs: int | None = None,
                 max_fit_units: int | None = 30000, max_topics_per_term: int | None = 5,
                 shared_term_penalty: float = 0.5, vote_neighbors: int | None = 15,
                 vote_share: float = 0.4, vote_rounds: int = 5, umap_init: str = "spectral",
                 evidence_quantile: float | None = 0.02, representation: Any = "keyphrase",
                 min_coverage: float | None = 0.17, random_state: int = 42, reducer: Any = None,
                 clusterer: Any = None, min_stratum_units: int = 200, merge_themeless: float | None = None):
        self.reduction = reduction
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.pca_components = pca_components
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.reassign_quantile = reassign_quantile
        self.merge_threshold = merge_threshold
        self.merge_terms = merge_terms
        self.lemmatizer = lemmatizer
        self.stop_words = stop_words
        self.min_df = min_df
        self.top_n_terms = top_n_terms
        self.label_terms = label_terms
        self.n_representatives = n_representatives
        self.small_corpus = small_corpus
        self.max_k = max_k
        self.agreement_seeds = agreement_seeds
        self.agreement_sample = agreement_sample
        self.center = center
        self.cluster_selection = cluster_selection
        self.max_topic_share = max_topic_share
        self.distinctive = distinctive
        self.n_epochs = n_epochs
        self.max_fit_units = max_fit_units
        self.max_topics_per_term = max_topics_per_term
        self.shared_term_penalty = shared_term_penalty
        self.vote_neighbors = vote_neighbors
        self.vote_share = vote_share
        self.vote_rounds = vote_rounds
        self.evidence_quantile = evidence_quantile
        self.umap_init = umap_init
        self.representation = representation
        self.min_coverage = min_coverage
        self.random_state = random_state
        self.reducer = reducer
        self.clusterer = clusterer
        self.min_stratum_units = min_stratum_units
        self.merge_themeless = merge_themeless

    # ---- clustering ------------------------------------------------------------------------------
    def _check(self, texts: Sequence[str], embeddings: Any) -> np.ndarray:
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {self.reduction!r}")
        if self.cluster_selection not in CLUSTER_SELECTIONS:
            raise ValueError(f"cluster_selection must be 'auto', 'eom' or 'leaf', got {self.cluster_selection!r}")
        if self.merge_themeless is not None and not 0.0 < self.merge_themeless <= 1.0:
            raise ValueError(f"merge_themeless must be in (0, 1] or None, got {self.merge_themeless!r}")
        if self.min_coverage is not None and not 0.0 <= self.min_coverage <= 1.0:
            raise ValueError(f"min_coverage must be in [0, 1] or None, got {self.min_coverage!r}")
        if self.reducer is not None:
            check_reducer(self.reducer)
        if self.clusterer is not None:
            check_clusterer(self.clusterer)
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not one string")
        X = np.asarray(embeddings, dtype=np.float32)
        if X.ndim != 2:
            raise ValueError(f"embeddings must be a 2-D array (n_texts, dim), got shape {X.shape}")
        if len(texts) != X.shape[0]:
            raise ValueError(f"{len(texts)} texts but {X.shape[0]} embedding rows")
        if X.shape[0] < 10:
            raise ValueError(f"topic discovery needs at least 10 texts, got {X.shape[0]}")
        if not np.isfinite(X).all():
            raise ValueError("embeddings contain NaN or infinite values")
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        if (norms == 0).any():
            raise ValueError("embeddings contain all-zero rows")
        return X

    def _reducer(self, seed: int) -> Any:
        """A fresh reducer for one clustering run: the one given, else today's PCA/UMAP from the scalar settings."""
        if self.reducer is not None:
            return seeded(self.reducer, seed)
        return PcaUmapReducer(reduction=self.reduction, n_components=self.n_components, n_neighbors=self.n_neighbors,
                              pca_components=self.pca_components, n_epochs=self.n_epochs, umap_init=self.umap_init,
                              random_state=seed)

    def _clusterer(self, seed: int) -> Any:
        """A fresh clusterer for one clustering run: the one given, else today's HDBSCAN from the scalar settings."""
        if self.clusterer is not None:
            return seeded(self.clusterer, seed)
        return DensityClusterer(min_cluster_size=self.min_cluster_size, min_samples=self.min_samples,
                                cluster_selection=self.cluster_selection, max_topic_share=self.max_topic_share)

    def _cluster(self, X: np.ndarray, seed: int) -> tuple[np.ndarray, str, np.ndarray | None]:
        """Raw cluster labels (-1 = outlier), the method used and the reduced space (None for k-means).

        Density clustering (`DensityClusterer`, given or default) needs hundreds of points: below `small_corpus`
        units, or when it finds < 2 topics, k-means with k chosen by silhouette on the embeddings replaces it. Any
        other clusterer is used as given, whatever the corpus size."""
        clusterer = self._clusterer(seed)
        by_density = isinstance(clusterer, DensityClusterer)
        if not by_density or X.shape[0] >= self.small_corpus:
            reducer = self._reducer(seed)
            Z = np.asarray(reducer.fit_transform(X))
            labels = cluster_labels(clusterer, Z)
            if not by_density or len(set(labels.tolist()) - {-1}) >= 2:
                return labels, f"{part_name(reducer)}+{part_name(clusterer)}", Z
        return SilhouetteKMeans(max_k=self.max_k, random_state=seed).fit_predict(X), SilhouetteKMeans.name, None

    def _min_cluster_size(self, n: int, method: str) -> int | None:
        """HDBSCAN's smallest topic for `n` units, when density clustering made the topics (quality_)."""
        clusterer = self._clusterer(self.random_state)
        if "hdbscan" not in method or not isinstance(clusterer, DensityClusterer):
            return None
        return clusterer.resolved_min_cluster_size(n)
    @staticmethod
    def _centroids(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
        C = np.zeros((k, X.shape[1]), dtype=np.float32)
        for t in range(k):
            C[t] = X[labels == t].mean(axis=0)
        return C / np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)

    def _thresholds(self, X: np.ndarray, labels: np.ndarray, C: np.ndarray) -> np.ndarray:
        """Per topic, the cosine a new unit needs to join it (`predict`): a low quantile of its members' cosines."""
        q = 0.0 if self.reassign_quantile is None else self.reassign_quantile
        out = np.full(C.shape[0], np.inf, dtype=np.float32)
        for t in range(C.shape[0]):
            out[t] = np.quantile(X[labels == t] @ C[t], q)
        return out

    def _merge(self, X: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, int]:
        """Merge topics whose centroids have cosine >= `merge_threshold` (closest pair first, centroids
        recomputed after each merge). Returns compact labels (0..k-1 in order of first appearance of the
        surviving topics' smallest old id) and the number of merges.

        HDBSCAN's leaf selection splits one subject into near-twins ("rapide · satisfait · simple" and
        "rapide · prix · facile", cosine 0.84 on 10k reviews); members of twins sit between them, so their
        outliers cannot be placed with confidence and seeds disagree on the split."""
        k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
        if self.merge_threshold is None or k < 3:
            return labels, 0
        sums = np.stack([X[labels == t].sum(axis=0) for t in range(k)]).astype(np.float64)
        alive = list(range(k))
        parent = np.arange(k)
        merges = 0
        while len(alive) > 2:
            S = sums[alive] / np.maximum(np.linalg.norm(sums[alive], axis=1, keepdims=True), 1e-12)
            CC = S @ S.T
            np.fill_diagonal(CC, -np.inf)
            i, j = np.unravel_index(int(np.argmax(CC)), CC.shape)
            if CC[i, j] < self.merge_threshold:
                break
            a, b = sorted((alive[i], alive[j]))
            sums[a] += sums[b]
            parent[parent == b] = a
            alive.remove(b)
            merges += 1
        remap = {old: new for new, old in enumerate(alive)}
        out = np.where(labels >= 0, np.array([remap[parent[t]] for t in range(k)] + [-1])[labels], -1)
        return out, merges

    def _partition(self, X: np.ndarray, seed: int, terms: Any = None, strata: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Final labels (compact ids, twins merged, outliers reassigned), centroids, thresholds, facts."""
        from threadpoolctl import threadpool_limits

        # small dense algebra only: BLAS threads just fight other processes (a 384x384 eigh took 10 s)
        n = X.shape[0]
        fit_idx = np.arange(n)
        if self.max_fit_units and n > self.max_fit_units:  # cluster a sample, assign the rest by centroid
            fit_idx = fit_sample(n, self.max_fit_units, seed, strata, self.min_stratum_units)
        with threadpool_limits(limits=1, user_api="blas"):
            raw_fit, method, Z = self._cluster(X[fit_idx], seed)
        raw = np.full(n, -1, dtype=int)
        raw[fit_idx] = raw_fit
        ids = sorted(set(raw.tolist()) - {-1})
        remap = {old: new for new, old in enumerate(ids)}
        labels = np.array([remap.get(v, -1) for v in raw.tolist()], dtype=int)
        n_raw = len(ids)
        labels, merges = self._merge(X, labels)
        how = np.where(labels >= 0, ASSIGNED_BY.index("cluster"), -1)
        k = n_raw - merges
        C = self._centroids(X, labels, k)
        thr = self._thresholds(X, labels, C)
        out_idx = np.flatnonzero(labels < 0)
        unseen = np.ones(n, dtype=bool)
        unseen[fit_idx] = False
        if out_idx.size and k and (self.reassign_quantile is not None or unseen.any()):
            sims = X[out_idx] @ C.T
            best = sims.argmax(axis=1)
            ok = sims[np.arange(out_idx.size), best] >= thr[best]
            if self.reassign_quantile is None:  # keep HDBSCAN's outliers; still place the unsampled units
                ok &= unseen[out_idx]
            labels[out_idx[ok]] = best[ok]
            how[out_idx[ok]] = ASSIGNED_BY.index("centroid")
        voted = 0
        if Z is not None and self.vote_neighbors and self.reassign_quantile is not None:
            sub = labels[fit_idx]
            voted = self._vote(Z, sub)
            newly = fit_idx[(sub >= 0) & (labels[fit_idx] < 0)]
            labels[fit_idx] = sub
            how[newly] = ASSIGNED_BY.index("vote")
        if out_idx.size and k:
            C = self._centroids(X, labels, k)
        term_merges = 0
        if terms is not None and self.merge_terms is not None and k >= 3:
            labels, thr, term_merges = self._merge_by_terms(terms, labels, thr, k)
            k -= term_merges
            C = self._centroids(X, labels, k)
        by_evidence, evidence = 0, {}
        if terms is not None and k and (labels < 0).any() and self.evidence_quantile is not None \
                and self.reassign_quantile is not None:
            by_evidence, evidence = self._place_by_evidence(X, labels, C, terms, how)
            C = self._centroids(X, labels, k)
        facts = {"raw_topics": n_raw, "merged_topics": merges + term_merges,
                 "raw_outlier_share": float((raw_fit < 0).mean()), "voted": voted, "by_evidence": by_evidence,
                 "evidence": evidence, "how": how, "reduced": Z, "fit_idx": fit_idx}
        if fit_idx.size < n:
            method += f", fitted on {fit_idx.size} of {n} units"
            if strata is not None:
                method += f" ({len(set(strata.tolist()))} strata)"
        return labels, C, thr, {"method": method, **facts}

    def _vote(self, Z: np.ndarray, labels: np.ndarray, block: int = 1024) -> int:
        """Second, confidence-gated outlier pass in the reduced space (in place); returns units placed.

        An outlier joins a topic when at least `vote_share` of its `vote_neighbors` nearest units in the
        UMAP space belong to that topic, twice as many as to any other topic and more than are outliers
        (a small off-topic group stays out, it is not absorbed by the nearest topic); repeated up to
        `vote_rounds` times (units placed in a round vote in the next). UMAP pulls a subject's units
        together, so there a neighbourhood is decisive where the centroid cosine in the original space is
        not (10,286 reviews: outliers 8.5% -> 2.4%); the units left have neighbours split between
        topics: reviews that mix price, claims and staff in equal parts.
        """
        k = min(int(self.vote_neighbors), Z.shape[0] - 1)
        n_topics = int(labels.max()) + 1 if labels.size else 0
        if k < 1 or n_topics < 1:
            return 0
        Z = np.ascontiguousarray(Z, dtype=np.float64)
        sq = (Z * Z).sum(axis=1)
        placed = 0
        for _ in range(self.vote_rounds):
            out = np.flatnonzero(labels < 0)
            if not out.size:
                break
            new = np.full(out.size, -1, dtype=int)
            for a in range(0, out.size, block):
                rows = out[a : a + block]
                D = sq[rows, None] + sq[None, :] - 2.0 * (Z[rows] @ Z.T)
                D[np.arange(rows.size), rows] = np.inf
                nn = np.argpartition(D, k - 1, axis=1)[:, :k]
                votes = np.zeros((rows.size, n_topics + 1), dtype=np.int32)
                np.add.at(votes, (np.repeat(np.arange(rows.size), k), labels[nn].ravel() + 1), 1)
                unplaced, votes = votes[:, 0], votes[:, 1:]
                top = votes.argmax(axis=1)  # ties: the smaller id, deterministically
                first = votes[np.arange(rows.size), top]
                votes[np.arange(rows.size), top] = -1
                ok = (first >= self.vote_share * k) & (first >= 2 * votes.max(axis=1)) & (first > unplaced)
                new[a : a + block] = np.where(ok, top, -1)
            if not (new >= 0).any():
                break
            labels[out] = new  # a round's decisions use the previous round's labels only (order-free)
            placed += int((new >= 0).sum())
        return placed

    def _place_by_evidence(self, X: np.ndarray, labels: np.ndarray, C: np.ndarray, terms, how: np.ndarray
                           ) -> tuple[int, dict[str, list[float]]]:
        """Last outlier pass, on the final topics (in place); returns units placed and, per way of being
        assigned (`ASSIGNED_BY`), the median member-percentile of its units' embedding and term evidence.

        Two independent kinds of evidence per unit and topic: the cosine to the topic centroid (meaning)
        and the cosine of the unit's idf-weighted words to the topic's c-TF-IDF row (words, as BERTopic's
        reduce_outliers(strategy="c-tf-idf")). An outlier joins a topic only when *both* are at least the
        `evidence_quantile` quantile of the topic's members' own values (as good a member as 98% of them
        by each kind); among the topics that pass, the one where it ranks highest (sum of both percentiles).
        Neither alone: the centroid alone places reviews whose words belong elsewhere, and words alone
        follow a shared vocabulary. Units left have neither: off-topic or split between subjects.
        On 10,286 reviews (seed 42): 241 of 298 outliers placed; their median percentiles (6.7% by
        embedding, 20% by words) match those of the units placed by the neighbour vote (5%, 21%).
        """
        vocab, D = terms
        k = C.shape[0]
        E = X @ C.T
        T = np.zeros_like(E)
        if len(vocab):
            _, _, W, idf = self._class_tfidf(terms, labels, k, cap=False)
            U = D.multiply(np.fromiter(idf.values(), dtype=np.float64, count=len(idf))[None, :]).tocsr()
            norms = np.sqrt(np.asarray(U.multiply(U).sum(axis=1))).ravel()
            Wn = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)
            T = np.asarray(U @ Wn.T) / np.maximum(norms, 1e-12)[:, None]
        out = np.flatnonzero(labels < 0)
        q = float(self.evidence_quantile)
        PE = np.zeros((out.size, k))
        PT = np.zeros((out.size, k))
        passes = np.zeros((out.size, k), dtype=bool)
        own_e = np.full(labels.size, np.nan)
        own_t = np.full(labels.size, np.nan)
        for t in range(k):
            members = np.flatnonzero(labels == t)
            e, w = np.sort(E[members, t]), np.sort(T[members, t])
            PE[:, t] = np.searchsorted(e, E[out, t], side="right") / e.size
            PT[:, t] = np.searchsorted(w, T[out, t], side="right") / w.size
            passes[:, t] = (E[out, t] >= np.quantile(e, q)) & (T[out, t] >= np.quantile(w, q)) & (T[out, t] > 0)
            own_e[members] = np.searchsorted(e, E[members, t], side="right") / e.size
            own_t[members] = np.searchsorted(w, T[members, t], side="right") / w.size
        best = np.where(passes, PE + PT, -1.0).argmax(axis=1)  # ties: the smaller id
        ok = passes.any(axis=1)
        labels[out[ok]] = best[ok]
        how[out[ok]] = ASSIGNED_BY.index("terms")
        own_e[out[ok]] = PE[ok, best[ok]]
        own_t[out[ok]] = PT[ok, best[ok]]
        evidence = {name: [round(float(np.median(own_e[how == i])), 4), round(float(np.median(own_t[how == i])), 4)]
                    for i, name in enumerate(ASSIGNED_BY) if (how == i).any()}
        return int(ok.sum()), evidence

    def _merge_themeless(self, X: np.ndarray, labels: np.ndarray, thr: np.ndarray, themes: Sequence[str | None]
                         ) -> tuple[np.ndarray, np.ndarray, int]:
        """Merge each topic that no theme sets apart (`themes[t]` None) into its nearest topic when their
        centroids have at least `merge_themeless` cosine, smallest topic first, centroids recomputed after each
        merge; (compact labels in the order of the surviving topics, their `predict` thresholds: the lower of a
        merged pair's, merges).

        On reviews the embedding groups by tone as much as by subject: two or three topics of general praise or
        thanks sit next to one that names what is praised ("rapide, simple"); no label tells them apart, so one
        topic says it (development reviews, train.csv 0-4,999 and 10,000-13,999)."""
        k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
        sums = np.stack([X[labels == t].sum(axis=0) for t in range(k)]).astype(np.float64)
        alive = list(range(k))
        parent = np.arange(k)
        merges = 0
        for t in sorted((t for t in range(k) if themes[t] is None), key=lambda t: (int((labels == t).sum()), t)):
            if len(alive) <= 2:
                break
            others = [u for u in alive if u != t]
            S = sums[others] / np.maximum(np.linalg.norm(sums[others], axis=1, keepdims=True), 1e-12)
            cos = S @ (sums[t] / max(float(np.linalg.norm(sums[t])), 1e-12))
            best = int(np.argmax(cos))
            if cos[best] < self.merge_themeless:
                continue
            u = others[best]
            sums[u] += sums[t]
            thr = thr.copy()
            thr[u] = min(thr[u], thr[t])
            parent[parent == t] = u
            alive.remove(t)
            merges += 1
        remap = {old: new for new, old in enumerate(alive)}
        out = np.where(labels >= 0, np.array([remap[parent[t]] for t in range(k)] + [-1])[labels], -1)
        return out, thr[alive], merges

    # ---- terms -----------------------------------------------------------------------------------
    def _merge_by_terms(self, terms, labels: np.ndarray, thr: np.ndarray, k: int
                        ) -> tuple[np.ndarray, np.ndarray, int]:
        """Merge topics whose top-10 c-TF-IDF terms overlap (Jaccard >= `merge_terms`), most similar pair
        first, c-TF-IDF recomputed after each merge. Embedding twins are merged before; this catches
        twins that embeddings keep apart but readers cannot tell apart ("bonus · augmentation · euro" and
        "augmenter · euro · bonus": 10k reviews)."""
        thr = thr.copy()
        merges = 0
        while k - merges >= 3:
            kk = k - merges
            _, _, W, _ = self._class_tfidf(terms, labels, kk, cap=False)
            if W.shape[1] == 0:
                break
            top = np.argsort(-W, axis=1, kind="stable")[:, :10]
            sets = [set(row[W[t, row] > 0].tolist()) for t, row in enumerate(top)]
            best, pair = -1.0, None
            for a in range(kk):
                for b in range(a + 1, kk):
                    union = len(sets[a] | sets[b])
                    j = len(sets[a] & sets[b]) / union if union else 0.0
                    if j > best:
                        best, pair = j, (a, b)
            if pair is None or best < self.merge_terms:
                break
            a, b = pair
            labels = np.where(labels == b, a, labels)
            labels = np.where(labels > b, labels - 1, labels)
            thr[a] = min(thr[a], thr[b])
            thr = np.delete(thr, b)
            merges += 1
        return labels, thr, merges

    def _words(self, terms, labels: np.ndarray, k: int, extractor: TermExtractor):
        """c-TF-IDF of the topics and what follows from it: (vocab, ubiquitous terms, weights, idf, topic sizes, top
        terms per topic, term coverage per topic)."""
        vocab, ubiquitous, W, idf = self._class_tfidf(terms, labels, k)
        sizes = np.bincount(labels[labels >= 0], minlength=k) if k else np.zeros(0, dtype=int)
        top_keys = (self._top_terms(W, vocab, max(25, self.top_n_terms), extractor.display, sizes) if len(vocab)
                    else [[] for _ in range(k)])
        return vocab, ubiquitous, W, idf, sizes, top_keys, self._term_coverage(terms, labels, top_keys)

    @staticmethod
    def _term_coverage(terms, labels: np.ndarray, top_keys: list[list[tuple[str, float]]], n: int = 5) -> np.ndarray:
        """Per topic, the share of its units that contain at least one of its first `n` terms: a topic with a
        subject has words most of its units use; a catch-all of sentences without one ("Toute seule, je ne m'en
        sortirais pas.") has none."""
        vocab, D = terms
        column = {v: j for j, v in enumerate(vocab.tolist())} if len(vocab) else {}
        out = np.zeros(len(top_keys))
        for t, ts in enumerate(top_keys):
            members = np.flatnonzero(labels == t)
            cols = [column[w] for w, _ in ts[:n] if w in column]
            if members.size and cols:
                out[t] = float((D[members][:, cols].sum(axis=1) > 0).mean())
        return out

    def _doc_terms(self, tokens: list[list[str]]):
        """Vocabulary (terms in at least `min_df` units) and the unit x term count matrix, built once per fit."""
        from scipy import sparse
        from sklearn.feature_extraction.text import CountVectorizer

        n_docs = len(tokens)
        cv = CountVectorizer(analyzer=lambda x: x, min_df=self.min_df if n_docs >= 50 else 1)
        try:
            D = cv.fit_transform(tokens)
        except ValueError:  # empty vocabulary: texts with no content words at all
            return np.array([], dtype=str), sparse.csr_matrix((n_docs, 0))
        return cv.get_feature_names_out(), D.tocsr()

    def _class_tfidf(self, terms, labels: np.ndarray, k: int, cap: bool = True):
        from scipy import sparse

        vocab, D = terms
        n_docs = D.shape[0]
        if not len(vocab):
            return [], [], np.zeros((k, 0)), {}
        member = labels >= 0
        onehot = sparse.csr_matrix(
            (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))), shape=(k, n_docs)
        )
        counts = np.asarray((onehot @ D).todense(), dtype=np.float64)
        # words present everywhere (and under-represented nowhere) would label every topic
        ubiquitous: list[str] = []
        if k >= 4:
            total = counts.sum(axis=0)
            rel_global = total / max(total.sum(), 1.0)
            rel_topic = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
            present = (rel_topic >= 0.5 * rel_global) & (counts > 0)
            mask = present.mean(axis=0) >= 0.9
            ubiquitous = sorted(vocab[mask].tolist())
            counts[:, mask] = 0.0
        tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        df = counts.sum(axis=0)
        avg = counts.sum(axis=1).mean()
        with np.errstate(divide="ignore"):
            idf = np.where(df > 0, np.log(avg / np.maximum(df, 1e-12) + 1.0), 0.0)
        W = tf * idf
        if self.distinctive and k >= 2:
            # a term over-represented in few topics tells them apart; one over-represented in most
            # ("satisfait", "rapide" in reviews) would label them all
            rel_global = df / max(df.sum(), 1.0)
            over = (tf > rel_global) & (counts > 0)
            W = W * (1.0 - over.sum(axis=0) / k) ** float(self.distinctive)
        m = self.max_topics_per_term
        if cap and m and k > m:  # a term describes at most the m topics where it weighs most
            kth = -np.partition(-W, m - 1, axis=0)[m - 1]
            W = np.where(W >= kth[None, :], W, 0.0)
        return vocab, ubiquitous, W, dict(zip(vocab.tolist(), idf.tolist()))

    def _top_terms(self, W: np.ndarray, vocab: Sequence[str], n: int, display: Any = str,
                   sizes: Sequence[int] | None = None) -> list[list[tuple[str, float]]]:
        """Best terms per topic, one per Snowball stem ("rapide", "rapidité", "rapidement" are one idea:
        listing all three wastes the label and lowers coherence, since a writer uses one of them).

        Chosen in rounds, as maximal marginal relevance across topics: each round every topic (largest
        first) takes its best remaining term, whose weight is multiplied by (1 - shared_term_penalty) for
        every other topic that already took it. A topic keeps the words that define it, and the places
        further down go to words that set it apart instead of the generic ones every topic shares."""
        from textlens.vocab import fold, french_stemmer

        stemmer = french_stemmer()
        stem_of: dict[int, str] = {}

        def stem(j: int) -> str:  # on the written (accented) form: Snowball needs the accents
            if j not in stem_of:
                stem_of[j] = fold(stemmer.stemWord(display(vocab[j])))
            return stem_of[j]

        names = np.asarray(vocab, dtype=str)
        k = W.shape[0]
        pool = max(200, 8 * n)
        cands = []
        for row in W:
            order = np.lexsort((names, -row))[:pool]  # weight desc, then term: ties never depend on memory order
            order = order[row[order] > 0]
            cands.append((order, row[order]))
        keep = 1.0 - float(self.shared_term_penalty)
        uses: dict[str, int] = {}
        taken: list[set[str]] = [set() for _ in range(k)]
        out: list[list[tuple[str, float]]] = [[] for _ in range(k)]
        turn = sorted(range(k), key=lambda t: -int(sizes[t])) if sizes is not None else list(range(k))
        for _ in range(n):
            for t in turn:
                idx, base = cands[t]
                best, best_score = None, 0.0
                for j, w in zip(idx.tolist(), base.tolist()):
                    if w <= best_score:
                        break  # candidates are sorted: no later one can beat the best penalised weight
                    st = stem(j)
                    if st in taken[t]:
                        continue
                    score = w * keep ** uses.get(st, 0)
                    if score > best_score:
                        best, best_score = j, score
                if best is None:
                    continue
                st = stem(best)
                taken[t].add(st)
                uses[st] = uses.get(st, 0) + 1
                out[t].append((vocab[best], float(best_score)))
        return out

    # ---- public API ------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], embeddings: Any, documents: Sequence[Any] | None = None,
            encode: Callable[[list[str]], np.ndarray] | None = None,
            strata: Sequence[Any] | None = None, unit_themes: Sequence[Sequence[str]] | None = None
            ) -> "TopicModel":
        """Fit on `texts` and their embeddings (same order). `documents`: optional document key of each
        text; NPMI then counts co-occurrence in whole documents (passages of one article) instead of units.
        `encode`: the encoder that made `embeddings` (texts -> vectors), so the keyphrase representation can
        rank phrases by their closeness to each topic's centroid; None ranks them by c-TF-IDF and words.
        `strata`: optional key of each text (e.g. "2019|reviews.csv": period and source); when the corpus is
        larger than `max_fit_units`, the clustering sample is drawn per stratum (`fit_sample`) so a small
        period or source is not left to chance; None: a uniform sample.
        `unit_themes`: optional labels of the themes our theme analysis gave each text; a representation may name
        a topic by the theme most of its units carry (`KeyphraseRepresentation.theme_share`)."""
        from textlens.topics.representation import make_representation

        start, cpu_start = time.perf_counter(), time.process_time()
        representation = make_representation(self.representation, self.label_terms)
        X = self._check(texts, embeddings)
        unit = X / np.linalg.norm(X, axis=1, keepdims=True)  # centre unit vectors: the space cosines live in
        self.mean_ = unit.mean(axis=0) if self.center else np.zeros(X.shape[1], dtype=np.float32)
        X = self._space(X)
        texts = list(texts)
        if documents is not None and len(documents) != len(texts):
            raise ValueError(f"{len(documents)} document keys for {len(texts)} texts")
        if strata is not None and len(strata) != len(texts):
            raise ValueError(f"{len(strata)} strata keys for {len(texts)} texts")
        if unit_themes is not None and len(unit_themes) != len(texts):
            raise ValueError(f"{len(unit_themes)} theme lists for {len(texts)} texts")
        if not isinstance(self.min_stratum_units, (int, np.integer)) or self.min_stratum_units < 0:
            raise ValueError(f"min_stratum_units must be a non-negative integer, got {self.min_stratum_units!r}")
        extractor = TermExtractor(self.lemmatizer, self.stop_words)
        t0 = time.perf_counter()
        tokens = extractor(texts)
        t_terms = time.perf_counter() - t0
        t0 = time.perf_counter()
        terms = self._doc_terms(tokens)
        labels, C, thr, facts = self._partition(X, self.random_state, terms,
                                                None if strata is None else np.asarray([str(s) for s in strata]))
        t_cluster = time.perf_counter() - t0
        k = C.shape[0]
        vocab, ubiquitous, W, self.idf_, sizes, top_keys, coverage = self._words(terms, labels, k, extractor)
        diffuse = np.flatnonzero(coverage < self.min_coverage) if self.min_coverage is not None and k > 2 \
            else np.zeros(0, dtype=int)
        routed_units = 0
        if 0 < diffuse.size < k - 1:  # topics without a subject go to the outliers (at least 2 topics stay)
            kept = np.setdiff1d(np.arange(k), diffuse)
            remap_kept = np.full(k + 1, -1, dtype=int)
            remap_kept[kept] = np.arange(kept.size)
            routed_units = int(np.isin(labels, diffuse).sum())
            labels = remap_kept[labels]
            facts["how"][labels < 0] = -1
            C, thr, k = C[kept], thr[kept], int(kept.size)
            vocab, ubiquitous, W, self.idf_, sizes, top_keys, coverage = self._words(terms, labels, k, extractor)
        themeless_merges = 0
        topic_themes = getattr(representation, "topic_themes", None)
        if self.merge_themeless is not None and unit_themes is not None and topic_themes is not None and k >= 3:
            labels, thr, themeless_merges = self._merge_themeless(X, labels, thr, topic_themes(labels, unit_themes, k))
            if themeless_merges:
                k -= themeless_merges
                C = self._centroids(X, labels, k)
                vocab, ubiquitous, W, self.idf_, sizes, top_keys, coverage = self._words(terms, labels, k, extractor)
        unigrams = [[(extractor.display(t), w) for t, w in ts] for ts in top_keys]
        cohesion = np.array([float((X[labels == t] @ C[t]).mean()) for t in range(k)])
        # ids: largest topic first, ties by their first words (the representation does not change the ids)
        order = sorted(range(k), key=lambda t: (-int(sizes[t]), " · ".join(w for w, _ in unigrams[t][:3])))
        remap = np.full(k + 1, -1, dtype=int)  # index k maps the outlier label -1
        for new, old in enumerate(order):
            remap[old] = new
        labels = remap[labels]
        C, thr = C[order], thr[order]
        sims = X @ C.T if k else np.zeros((len(texts), 0), dtype=np.float32)
        scores = np.where(labels >= 0, sims[np.arange(len(texts)), np.maximum(labels, 0)] if k else 0.0, 0.0)
        self.labels_ = labels
        self.map_2d_ = self._map_2d(X, facts["reduced"], facts["fit_idx"])
        self.assigned_by_ = facts["how"]  # index into ASSIGNED_BY, -1 for the outliers left
        self.scores_ = scores.astype(np.float32)
        self.centroids_ = C
        self.thresholds_ = thr
        self.n_topics_ = k
        self.topics_ = []
        for t in range(k):
            members = np.flatnonzero(labels == t)
            rep = members[np.argsort(-sims[members, t], kind="stable")[: self.n_representatives]]
            self.topics_.append({"id": t, "label": "", "size": int(members.size), "terms": [],
                                 "representatives": rep.tolist(), "coverage": round(float(coverage[order[t]]), 4),
                                 "cohesion": round(float(cohesion[order[t]]), 4)})
        self.extractor_ = extractor
        self.unigram_terms_ = [unigrams[i] for i in order]
        self.reference_sets_ = None
        self.field_stop_words_ = [extractor.display(t) for t in ubiquitous]
        t0 = time.perf_counter()
        description = self._describe(representation, texts, documents, encode, unit_themes)
        t_representation = time.perf_counter() - t0
        # quality (timed apart: a baseline that reports none does not pay for it)
        q_wall, q_cpu = time.perf_counter(), time.process_time()
        agreement = self._agreement(X, labels, terms)
        q_wall, q_cpu = time.perf_counter() - q_wall, time.process_time() - q_cpu
        self.quality_ = {
            "n_units": len(texts), "n_topics": k, "method": facts["method"],
            "min_cluster_size": self._min_cluster_size(len(texts), facts["method"]),
            "outlier_share": outlier_share(labels), "outlier_share_before_reassignment": facts["raw_outlier_share"],
            "outliers_placed_by_neighbours": facts["voted"], "outliers_placed_by_evidence": facts["by_evidence"],
            "assigned_by": {name: int((facts["how"] == i).sum()) for i, name in enumerate(ASSIGNED_BY)},
            # median percentile of each group's units among their topic's members, (embedding, words)
            "member_percentiles": facts["evidence"],
            "raw_topics": facts["raw_topics"], "merged_topics": facts["merged_topics"] + themeless_merges,
            "merged_themeless": themeless_merges,
            "diffuse_topics": int(diffuse.size) if routed_units else 0,
            "diffuse_share": routed_units / max(len(texts), 1),
            **description,
            "agreement_ari": agreement["ari"], "agreement_nmi": agreement["nmi"], "agreement_runs": agreement["runs"],
            "field_stop_words": self.field_stop_words_,
            "seconds": {"terms": round(t_terms, 3), "clustering": round(t_cluster, 3),
                        "representation": round(t_representation, 3),
                        "agreement": agreement["seconds"], "quality": round(q_wall, 3),
                        "total": round(time.perf_counter() - start, 3)},
            "cpu_seconds": {"quality": round(q_cpu, 3), "total": round(time.process_time() - cpu_start, 3)},
        }
        return self

    @staticmethod
    def _map_2d(X: np.ndarray, Z: np.ndarray | None, fit_idx: np.ndarray) -> np.ndarray:
        """2D position of each unit for a document map, from the model's own reduction: the first two principal
        axes of the UMAP space the topics were clustered in (of the embeddings when k-means was used). Units
        outside the clustering sample (huge corpora) get NaN."""
        from sklearn.decomposition import PCA

        out = np.full((X.shape[0], 2), np.nan, dtype=np.float32)
        space, rows = (Z, fit_idx) if Z is not None else (X, np.arange(X.shape[0]))
        if space.shape[0] >= 3 and space.shape[1] >= 2:
            out[rows] = PCA(n_components=2, svd_solver="full").fit_transform(np.asarray(space, dtype=np.float64))
        return out

    def _describe(self, representation: Any, texts: Sequence[str], documents: Sequence[Any] | None,
                  encode: Callable[[list[str]], np.ndarray] | None,
                  unit_themes: Sequence[Sequence[str]] | None = None) -> dict[str, Any]:
        """Fit `representation` on the fitted topics and set every topic's label and terms from it; returns its
        quality figures (NPMI of its top-10 terms, diversity of its top 25 and top 10)."""
        from textlens.topics.representation import RepresentationInput

        k = self.n_topics_
        representation.fit(RepresentationInput(
            texts=texts, labels=self.labels_, n_topics=k, unigram_terms=self.unigram_terms_, documents=documents,
            centroids=self.centroids_, encode=encode, to_space=self._space,
            stop_words=self.stop_words, random_state=self.random_state, unit_themes=unit_themes))
        top = representation.terms_
        self.representation_ = representation
        self.topic_terms_ = [ts[: self.top_n_terms] for ts in top]
        self.topic_words_ = [[t for t, _ in ts] for ts in top]  # top 25 (diversity is measured on them)
        words = self.topic_words_
        npmi, per_topic = (npmi_coherence([representation.coherence_words(t) for t in range(k)],
                                          self._reference(texts, documents), 10) if k else (float("nan"), []))
        for t, topic in enumerate(self.topics_):
            topic["label"] = representation.labels_[t]
            topic["terms"] = [[term, round(w, 6)] for term, w in self.topic_terms_[t]]
            if t < len(per_topic):
                topic["npmi"] = round(per_topic[t], 4)
        return {"npmi": npmi, "diversity": topic_diversity(words, 25) if k else float("nan"),
                "diversity_top10": topic_diversity(words, 10) if k else float("nan"),
                "representation": representation.name}

    def update_representation(self, texts: Sequence[str], representation: Any, documents: Sequence[Any] | None = None,
                              encode: Callable[[list[str]], np.ndarray] | None = None,
                              unit_themes: Sequence[Sequence[str]] | None = None) -> "TopicModel":
        """Describe the fitted topics again with another representation (name or instance), without
        re-clustering: same units, same ids (BERTopic's update_topics). `texts`/`documents`/`unit_themes` as given
        to fit."""
        from textlens.topics.representation import make_representation

        self._fitted()
        if len(texts) != len(self.labels_):
            raise ValueError(f"{len(texts)} texts but the model was fitted on {len(self.labels_)}")
        if unit_themes is not None and len(unit_themes) != len(texts):
            raise ValueError(f"{len(unit_themes)} theme lists for {len(texts)} texts")
        self.quality_.update(self._describe(make_representation(representation, self.label_terms), list(texts),
                                            documents, encode, unit_themes))
        return self

    def _reference(self, texts: Sequence[str], documents: Sequence[Any] | None) -> list[set[str]]:
        """NPMI's reference, the same for every representation: per document (or unit), every word it contains
        and its lemma (`TermExtractor.surface_sets`), accent-free and lower-case; computed once per fit."""
        from textlens.vocab import fold

        if getattr(self, "reference_sets_", None) is None:
            folded: dict[str, str] = {}  # words repeat: fold each once

            def key(word: str) -> str:
                if word not in folded:
                    folded[word] = fold(word)
                return folded[word]

            sets = [{key(w) for w in s} for s in self.extractor_.surface_sets(texts)]
            if documents is not None:
                grouped: dict[Any, set[str]] = {}
                for key, s in zip(documents, sets):
                    grouped.setdefault(key, set()).update(s)
                sets = list(grouped.values())
            self.reference_sets_ = sets
        return self.reference_sets_

    def _agreement(self, X: np.ndarray, labels: np.ndarray, terms) -> dict[str, Any]:
        t0 = time.perf_counter()
        if not self.agreement_seeds:
            return {"ari": float("nan"), "nmi": float("nan"), "runs": 0, "seconds": 0.0}
        n = X.shape[0]
        if n <= self.agreement_sample:
            idx, runs = np.arange(n), [labels]
            seeds = [self.random_state + i for i in range(1, self.agreement_seeds + 1)]
        else:
            idx = np.sort(np.random.default_rng(self.random_state).choice(n, self.agreement_sample, replace=False))
            runs = []
            seeds = [self.random_state + i for i in range(self.agreement_seeds + 1)]
        for seed in seeds:
            runs.append(self._partition(X[idx], seed, (terms[0], terms[1][idx]))[0])
        out = partition_agreement(runs)
        out["seconds"] = round(time.perf_counter() - t0, 3)
        return out

    def _space(self, X: Any) -> np.ndarray:
        """Unit vectors, centred on the training mean: the space every cosine of the model lives in."""
        X = np.asarray(X, dtype=np.float32)
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12) - self.mean_
        return (X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def _fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise RuntimeError("this TopicModel is not fitted yet: call fit(texts, embeddings) first")

    def transform(self, embeddings: Any) -> np.ndarray:
        """Cosine of each text to each topic centroid, shape (n, n_topics)."""
        self._fitted()
        return self._space(embeddings) @ self.centroids_.T

    def predict(self, embeddings: Any) -> np.ndarray:
        """Topic of each text (-1 when no centroid is as close as the topic's own members are)."""
        sims = self.transform(embeddings)
        if sims.shape[1] == 0:
            return np.full(sims.shape[0], -1, dtype=int)
        best = sims.argmax(axis=1)
        ok = sims[np.arange(sims.shape[0]), best] >= self.thresholds_[best]
        return np.where(ok, best, -1)

    def fit_predict(self, texts: Sequence[str], embeddings: Any, documents: Sequence[Any] | None = None,
                    encode: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
        return self.fit(texts, embeddings, documents, encode).labels_

    def fit_transform(self, texts: Sequence[str], embeddings: Any, documents: Sequence[Any] | None = None,
                      encode: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
        return self.fit(texts, embeddings, documents, encode).transform(embeddings)

    def nearest_themes(self, theme_vectors: Any, theme_ids: Sequence[str]) -> list[tuple[str | None, float]]:
        """For each topic, the taxonomy theme whose (embedded) description is closest to its centroid."""
        self._fitted()
        T = np.asarray(theme_vectors, dtype=np.float32)
        if T.ndim != 2 or T.shape[0] != len(theme_ids) or (self.n_topics_ and T.shape[1] != self.centroids_.shape[1]):
            raise ValueError(f"theme vectors of shape {T.shape} do not match {len(theme_ids)} themes / "
                             f"dimension {self.centroids_.shape[1]}")
        if not len(theme_ids):
            return [(None, 0.0)] * self.n_topics_
        T = self._space(T)
        sims = self.centroids_ @ T.T
        return [(theme_ids[int(j)], float(s[j])) for s, j in zip(sims, sims.argmax(axis=1))]

    def topics_over_time(self, texts: Sequence[str], periods: Sequence[Any], labels: Sequence[int] | None = None,
                         top_n: int = 5) -> "Any":
        """Per period and topic: units, share of the period's units and the topic's words in that period
        (c-TF-IDF of the period's units with the whole-corpus weighting), as in BERTopic."""
        import pandas as pd

        self._fitted()
        labels = np.asarray(self.labels_ if labels is None else labels)
        if not (len(texts) == len(periods) == len(labels)):
            raise ValueError(f"texts ({len(texts)}), periods ({len(periods)}) and labels ({len(labels)}) differ")
        tokens = self.extractor_(list(texts))
        rows = []
        per = pd.Series(list(periods), dtype="object")
        for period in sorted({p for p in per if p is not None and p == p}, key=str):
            idx = np.flatnonzero((per == period).to_numpy())
            total = idx.size
            for t in range(self.n_topics_):
                members = idx[labels[idx] == t]
                if not members.size:
                    continue
                c: dict[str, int] = {}
                for i in members:
                    for w in tokens[i]:
                        c[w] = c.get(w, 0) + 1
                weights = self._period_weights(c)
                words = [self.extractor_.display(w) for w, _ in
                         sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]]
                rows.append({"topic": t, "label": self.topics_[t]["label"], "period": period, "n": int(members.size),
                             "share": members.size / total, "words": ", ".join(words)})
        return pd.DataFrame(rows, columns=["topic", "label", "period", "n", "share", "words"])

    def _period_weights(self, counts: dict[str, int]) -> dict[str, float]:
        total = sum(counts.values()) or 1
        return {w: (c / total) * self.idf_.get(w, 0.0) for w, c in counts.items()}
