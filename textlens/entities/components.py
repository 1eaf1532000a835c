"""The spaCy components of textlens' entity pipeline, registered on import (one component per module).

- `textlens_kb_ruler` (`textlens.entities.kb_ruler`): every KB name/alias/acronym, with case rules, into
  `doc.spans["textlens_kb"]`;
- `textlens_entity_resolver` (`textlens.entities.resolver`): merges KB matches, context rules and the statistical
  NER (if the pipeline has one), drops its noise, learns "Long Name (ACR)" pairs and types unknown names by
  context: `doc.ents`, `Doc._.entities` (spans with `Span._.canonical`/`Span._.etype`);
- `textlens_facts` (`textlens.entities.facts`): studies, figures and quotes (`Doc._.studies`, `Doc._.figures`,
  `Doc._.quotes`).

Word lists live in `textlens.entities.lexicon`, span keys and Doc extensions in `textlens.entities.spans`.
"""
from __future__ import annotations

from textlens.entities.kb_ruler import KBRuler, make_kb_ruler
from textlens.entities.names import tidy_name
from textlens.entities.resolver import EntityResolver, make_entity_resolver
from textlens.entities.spans import KB_KEY, NER_KEY, SPAN_KEY, doc_mentions, is_cap, sentence_initial
from textlens.vocab import ORG_TYPES

__all__ = ["KB_KEY", "NER_KEY", "ORG_TYPES", "SPAN_KEY", "EntityResolver", "KBRuler", "doc_mentions", "is_cap",
           "make_entity_resolver", "make_kb_ruler", "sentence_initial", "tidy_name"]
