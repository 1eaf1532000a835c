"""Topic quality measures, shared by every fit and by the BERTopic benchmark (same code for both).

- NPMI coherence: do a topic's top terms occur in the same documents more than chance? In [-1, 1];
  document-level co-occurrence on the corpus' own documents; a pair never seen together counts -1.
- Diversity: share of unique terms among all topics' top-25 terms (1 = no term shared).
- Agreement: adjusted Rand index / NMI between the partitions of fits with different seeds.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import combinations

import numpy as np


def npmi_coherence(topics: Sequence[Sequence[str]], documents: Sequence[set[str]], top_n: int = 10
                   ) -> tuple[float, list[float]]:
    """Mean NPMI of each topic's top `top_n` term pairs over `documents` (sets of terms); (mean, per topic).

    A term absent from every document makes its pairs -1 (it cannot be evidence of anything).
    """
    if not documents:
        raise ValueError("NPMI needs at least one reference document")
    n = len(documents)
    wanted = {t for terms in topics for t in terms[:top_n]}
    postings: dict[str, set[int]] = {t: set() for t in wanted}
    for i, doc in enumerate(documents):
        for t in wanted.intersection(doc):  # iterates over the smaller set
            postings[t].add(i)
    per_topic = []
    for terms in topics:
        top = list(dict.fromkeys(terms[:top_n]))
        scores = []
        for a, b in combinations(top, 2):
            da, db = postings[a], postings[b]
            joint = len(da & db)
            if not da or not db or joint == 0:
                scores.append(-1.0)
                continue
            p_ab = joint / n
            if p_ab >= 1.0:
                scores.append(1.0)
                continue
            pmi = math.log(p_ab / ((len(da) / n) * (len(db) / n)))
            scores.append(pmi / -math.log(p_ab))
        if scores:
            per_topic.append(float(np.mean(scores)))
    return (float(np.mean(per_topic)) if per_topic else float("nan")), per_topic


def topic_diversity(topics: Sequence[Sequence[str]], top_n: int = 25) -> float:
    """Unique terms among the topics' top `top_n` terms / all those terms."""
    terms = [t for ts in topics for t in ts[:top_n]]
    return len(set(terms)) / len(terms) if terms else float("nan")


def outlier_share(labels: Sequence[int] | np.ndarray) -> float:
    labels = np.asarray(labels)
    return float((labels < 0).mean()) if labels.size else float("nan")


def partition_agreement(runs: Sequence[np.ndarray]) -> dict[str, float]:
    """Mean pairwise adjusted Rand index and NMI between label vectors of the same units (outliers = one class)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if len(runs) < 2:
        return {"ari": float("nan"), "nmi": float("nan"), "runs": len(runs)}
    aris, nmis = [], []
    for a, b in combinations(runs, 2):
        aris.append(adjusted_rand_score(a, b))
        nmis.append(normalized_mutual_info_score(a, b))
    return {"ari": float(np.mean(aris)), "nmi": float(np.mean(nmis)), "runs": len(runs)}
