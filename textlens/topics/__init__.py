"""Unsupervised topic discovery (BERTopic-style, deterministic) and its quality measures.

    from textlens.topics import TopicModel, fit_corpus_topics
    model = TopicModel(random_state=0).fit(texts, embeddings)   # any texts + their embeddings
    stats = fit_corpus_topics(corpus)                           # whole store -> topics tables

Heavy libraries (umap, sklearn, spaCy lookups) load only when a model is fitted.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "TopicModel", "fit_corpus_topics", "topics_table", "npmi_coherence", "topic_diversity",
    "partition_agreement", "TermExtractor",
]

if TYPE_CHECKING:
    from textlens.topics.corpus import fit_corpus_topics, topics_table
    from textlens.topics.model import TopicModel
    from textlens.topics.quality import npmi_coherence, partition_agreement, topic_diversity
    from textlens.topics.terms import TermExtractor

_WHERE = {
    "TopicModel": "textlens.topics.model",
    "fit_corpus_topics": "textlens.topics.corpus",
    "topics_table": "textlens.topics.corpus",
    "npmi_coherence": "textlens.topics.quality",
    "topic_diversity": "textlens.topics.quality",
    "partition_agreement": "textlens.topics.quality",
    "TermExtractor": "textlens.topics.terms",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'textlens.topics' has no attribute {name!r}")
