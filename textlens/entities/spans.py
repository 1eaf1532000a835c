"""What the entity components write on a spaCy Doc, and the two token tests they all share.

Span groups: `doc.spans["textlens_kb"]` (knowledge-base matches, `kb_ruler`), `doc.spans["textlens_entities"]`
(resolved mentions with `Span._.canonical` / `._.etype` / `._.esource`, `resolver`), `doc.spans["textlens_ner"]`
(spaCy's own entities before the resolver replaces `doc.ents`; the learned typer reads them). Doc extensions:
`Doc._.entities` and the facts' `studies`, `figures`, `quotes`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span

from textlens.entities import lexicon as lx
from textlens.entities.records import Mention

if TYPE_CHECKING:
    from spacy.tokens import Token

SPAN_KEY = "textlens_entities"
KB_KEY = "textlens_kb"
NER_KEY = "textlens_ner"  # spaCy's own entities, before the resolver replaces doc.ents


def ensure_extensions() -> None:
    """Declare the Span/Doc extensions once per process (spaCy refuses a second declaration)."""
    if not Span.has_extension("canonical"):
        Span.set_extension("canonical", default=None)
    if not Span.has_extension("etype"):
        Span.set_extension("etype", default=None)
    if not Span.has_extension("esource"):
        Span.set_extension("esource", default=None)
    if not Doc.has_extension("entities"):
        Doc.set_extension("entities", getter=lambda d: list(d.spans.get(SPAN_KEY, [])))
    for name in ("studies", "figures", "quotes", "passages", "year", "mentions"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


ensure_extensions()


def sentence_initial(tok: "Token") -> bool:
    """Start of a sentence, line or quotation: a capital there says nothing about a proper name."""
    if tok.i == 0:
        return True
    prev = tok.doc[tok.i - 1]
    return prev.is_space or "\n" in prev.text or prev.text in lx.SENTENCE_BREAKS


def is_cap(tok: "Token") -> bool:
    """The token's first letter is a capital (or it starts with a digit: "3M", "118 218")."""
    for ch in tok.text:
        if ch.isalpha():
            return ch.isupper()
        if ch.isdigit():
            return True
    return False


def doc_mentions(doc: Doc) -> list[Mention]:
    """The resolved mentions of a processed Doc as records (character offsets)."""
    return [
        Mention(sp._.canonical or sp.text, sp._.etype or sp.label_, sp.text, sp.start_char, sp.end_char, sp._.esource or "")
        for sp in doc.spans.get(SPAN_KEY, [])
    ]


def span_scores(examples, spans_key: str) -> dict[str, float]:  # noqa: ANN001 - spaCy Examples
    """Precision, recall and F of the spans under `spans_key` against the reference Docs' (labels included), as
    spaCy's own span scorers report them: `Language.evaluate` calls each component's `score`."""
    from spacy.scorer import Scorer

    return Scorer.score_spans(examples, f"spans_{spans_key}", getter=lambda doc, attr: doc.spans.get(spans_key, []),
                              has_annotation=lambda doc: spans_key in doc.spans, allow_overlap=True)
