"""Named entities of the customer-relations field, studies, figures and quotes (issue 3).

Light to import: spaCy and the models load only when a pipeline is first built.

    from textlens.entities import extract
    res = extract(text, year=2013)          # DocEntities
    res.entities()                          # [{"name", "type", "count", "mentions"}]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textlens.entities.kb import ENTITY_TYPES, KnowledgeBase, load_kb, name_key
from textlens.entities.records import DocEntities, Figure, Mention, Quote, Study

if TYPE_CHECKING:
    from spacy.language import Language


def extract(text: str, year: int | None = None, mode: str = "full") -> DocEntities:
    """Entities, studies, figures and quotes of one text ("full": articles; "fast": verbatims)."""
    from textlens.entities.pipeline import extract as _extract

    return _extract(text, year=year, mode=mode)


def build_nlp(mode: str = "full") -> "Language":
    """The spaCy pipeline (registered components on fr_core_news_md, or tokenizer-only for "fast")."""
    from textlens.entities.pipeline import build_nlp as _build

    return _build(mode)


def __getattr__(name: str) -> Any:  # lazy: the analyzer imports the analysis base only when asked
    if name == "EntityAnalyzer":
        from textlens.entities.analyzer import EntityAnalyzer

        return EntityAnalyzer
    raise AttributeError(name)


__all__ = [
    "ENTITY_TYPES", "DocEntities", "EntityAnalyzer", "Figure", "KnowledgeBase", "Mention", "Quote", "Study",
    "build_nlp", "extract", "load_kb", "name_key",
]
