"""spaCy component `textlens_entity_resolver`: typed, canonical, noise-free mentions from every candidate source.

KB matches (`textlens_kb_ruler`), rules, acronyms defined in the text, person names, unknown capitalised runs and
spaCy's statistical entities (`textlens.entities.candidates`) are arbitrated and selected; each chosen candidate is
then finished (`finish`: known names typed, noise dropped, unknown names typed by context or dropped), single
surnames resolved to the full name given elsewhere. Writes `doc.ents` and `doc.spans["textlens_entities"]` (spans
with `Span._.canonical`/`._.etype`/`._.esource`); keeps spaCy's own entities in `doc.spans["textlens_ner"]`.
The component holds the KB and the first names only: a document's state lives in its `DocContext`.
"""
from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from textlens.entities import lexicon as lx
from textlens.entities.candidates import (
    Cand,
    DocContext,
    acronym_candidates,
    capitalised_runs,
    kb_candidates,
    person_candidates,
    rule_candidates,
    statistical_candidates,
)
from textlens.entities.context import context_type, kb_type, location_cue
from textlens.entities.kb import fold, is_acronym, load_kb
from textlens.entities.names import normalise_person, tidy_name, type_from_words
from textlens.entities.selection import arbitrate, select
from textlens.entities.spans import NER_KEY, SPAN_KEY, is_cap, sentence_initial
from textlens.vocab import ORG_TYPES


class EntityResolver:
    """Turns KB matches, rules and statistical entities into typed, canonical, noise-free mentions."""

    def __init__(self, nlp: Language, kb_paths: list[str] | None = None, use_ner: bool = True):
        self.kb = load_kb(tuple(kb_paths) if kb_paths else None)
        self.use_ner = use_ner
        self.first_names = lx.first_names()

    def __call__(self, doc: Doc) -> Doc:
        from spacy.util import filter_spans

        ctx = DocContext.of(doc, self.kb, self.first_names, self.use_ner)
        if ctx.has_ner:
            doc.spans[NER_KEY] = ctx.ents  # the learned typer (textlens.entities.typer) reads them
        cands = kb_candidates(ctx) + rule_candidates(ctx) + acronym_candidates(ctx) + person_candidates(ctx)
        cands += capitalised_runs(ctx) + statistical_candidates(ctx)
        chosen = select(doc, arbitrate(doc, cands))
        resolved = [c for c in (self.finish(ctx, c) for c in chosen) if c is not None]
        resolved = resolve_people(resolved) + ctx.extra
        spans = []
        for c in sorted(resolved, key=lambda c: c.start):
            sp = Span(doc, c.start, c.end, label=c.etype)
            sp._.canonical = c.canonical
            sp._.etype = c.etype
            sp._.esource = c.source
            spans.append(sp)
        doc.spans[SPAN_KEY] = spans
        doc.ents = filter_spans(spans)
        return doc

    def score(self, examples: Any, **kwargs: Any) -> dict[str, Any]:
        """Entity precision, recall and F per type against the reference Docs' `doc.ents` (`Language.evaluate`)."""
        from spacy.scorer import get_ner_prf

        return get_ner_prf(examples)

    # ---- finishing a chosen candidate -------------------------------------------------------------------------
    def finish(self, ctx: DocContext, c: Cand) -> Cand | None:
        """The chosen candidate typed and named, or None when it is no entity."""
        doc = ctx.doc
        span = doc[c.start : c.end]
        if c.source == "kb":
            c.etype = kb_type(doc, span, c.kb) if c.kb else c.etype
            return c
        if c.source in ("rule", "acronym"):
            return c if c.etype else None
        if is_noise(span):
            return None
        text = span.text
        if c.source != "person":
            early = context_type(doc, span)
            if early in ORG_TYPES and not span[0].is_stop and not span[0].like_num:
                kb = self.kb.fuzzy(text)
                if kb is not None:
                    return Cand(c.start, c.end, kb_type(doc, span, kb), kb.name, "kb", c.priority, c.label, kb)
                return Cand(c.start, c.end, early, tidy_name(text), "ner", c.priority, c.label)
        if len(span) == 1 and is_common_word(ctx, span[0]):
            return None
        if c.source == "person" or c.label == "PER":
            before = fold(doc[max(0, c.start - 4) : c.start].text)
            if any(cue in before for cue in lx.CREDIT_CUES):
                return None
        if c.source == "person":
            return self.as_person(c, span)
        return self.finish_statistical(ctx, c, span)

    def finish_statistical(self, ctx: DocContext, c: Cand, span: Span) -> Cand | None:
        """A statistical or capitalised-run candidate: a misspelt KB name, else typed by its context, its label
        and its words, else dropped."""
        doc, text = ctx.doc, span.text
        kb = self.kb.fuzzy(text)
        if kb is not None and (c.label != "PER" or kb.type == "PERSON"):
            return Cand(c.start, c.end, kb_type(doc, span, kb), kb.name, "kb", c.priority, c.label, kb)
        prev = fold(doc[c.start - 1].text) if c.start > 0 else ""
        if prev in lx.NOT_ACTOR_TRIGGERS and c.label in ("CAP", "MISC", "ORG"):
            return None
        ctx_type = context_type(doc, span)
        if c.label == "CAP":
            if ctx_type in (None, "PERSON", "LOCATION") or (len(span) == 1 and sentence_initial(span[0]) and ctx_type not in ORG_TYPES):
                return None
            return Cand(c.start, c.end, ctx_type, tidy_name(text), "ner", c.priority, c.label)
        if c.label == "PER" and ctx_type in (None, "PERSON"):
            by_words = type_from_words(text) or (lx.ORG_TAIL.get(fold(span[-1].text)) if len(span) >= 2 else None)
            if by_words in ORG_TYPES:
                return Cand(c.start, c.end, by_words, tidy_name(text), "ner", c.priority, c.label)
            return self.as_person(c, span)
        if ctx_type == "PERSON":
            return self.as_person(c, span)
        if ctx_type:
            return Cand(c.start, c.end, ctx_type, tidy_name(text), "ner", c.priority, c.label)
        if len(span) > 6:
            return None
        return type_by_label(doc, c, span)

    def as_person(self, c: Cand, span: Span) -> Cand | None:
        """A person's mention with the name as annotators write it (title dropped, capitals normalised, the KB's
        spelling when it knows the person), or None when the words cannot be a name."""
        toks = [t for t in span if not t.is_punct or t.text in {"-", "."}]
        words = [t.text for t in toks]
        if not words:
            return None
        if fold(words[0]) in lx.TITLES and len(words) > 1:
            if words[0] in ("M.",) and len(words) == 2:
                pass  # "M. Gibson": an initial or Monsieur, kept as written
            else:
                words = words[1:]
        if any(ch.isdigit() for w in words for ch in w):
            return None
        if any(fold(w) in lx.NOISE for w in words if len(w) > 2):
            return None
        if len(words) > 4:
            return None
        if any(w.islower() and fold(w) not in lx.PERSON_PARTICLES for w in words):
            return None
        name = normalise_person(" ".join(words).replace(" - ", "-").replace(". ", ". "))
        kb = self.kb.lookup(name, "PERSON")
        if kb is not None:
            name = kb.name
        return Cand(c.start, c.end, "PERSON", name, "person" if c.source == "person" else "ner", c.priority, c.label)


def is_noise(span: Span) -> bool:
    """A found name that is none: listed noise, no letter, site furniture, a law or an award, lower case only."""
    text = span.text
    if fold(text) in lx.NOISE or not any(ch.isalpha() for ch in text):
        return True
    if any(t.text in {"|", ">", "<", "»", "«", "@"} for t in span) or fold(span[0].text) in lx.LAW_WORDS:
        return True
    if fold(span[0].text) in lx.NOISE and len(span) <= 2 and not is_acronym(span[-1].text):
        return True
    return all(not is_cap(t) for t in span if t.is_alpha)


def is_common_word(ctx: DocContext, t: Token) -> bool:
    """A one-word name that is a common word: a stop word, a number, a letter, a word whose tag is no name's, a
    noun capitalised only because it opens the sentence (acronyms excepted)."""
    if t.is_stop or t.like_num or len(t.text) < 2:
        return True
    if ctx.has_pos and t.pos_ in lx.POS_NOT_NAME and not is_acronym(t.text):
        return True
    return sentence_initial(t) and ctx.has_pos and t.pos_ == "NOUN" and not is_acronym(t.text)


def type_by_label(doc: Doc, c: Cand, span: Span) -> Cand | None:
    """A statistical entity no context typed: a place with a place preposition, an organisation typed by its
    words (COMPANY by default), a MISC only when its words say an actor."""
    text = span.text
    if c.label == "LOC":
        if location_cue(doc, span):
            return Cand(c.start, c.end, "LOCATION", tidy_name(text), "ner", c.priority, c.label)
        return None
    if c.label == "ORG":
        etype = type_from_words(text) or "COMPANY"
        if etype == "STUDY" and len(span) < 2:
            return None
        return Cand(c.start, c.end, etype, tidy_name(text), "ner", c.priority, c.label)
    if c.label == "MISC":
        etype = type_from_words(text)
        if etype in (None, "STUDY", "LABEL"):
            return None
        return Cand(c.start, c.end, etype, tidy_name(text), "ner", c.priority, c.label)
    return None


def resolve_people(cands: list[Cand]) -> list[Cand]:
    """Single surnames refer to the full name given elsewhere in the text; otherwise they are dropped."""
    full = [c for c in cands if c.etype == "PERSON" and c.canonical and len(c.canonical.split()) >= 2]
    out = []
    for c in cands:
        if c.etype == "PERSON" and c.canonical and len(c.canonical.split()) == 1 and c.source != "kb":
            last = fold(c.canonical)
            match = [f for f in full if fold(f.canonical.split()[-1]) == last]
            if match:
                c.canonical = match[0].canonical
                out.append(c)
            continue
        out.append(c)
    return out


@Language.factory("textlens_entity_resolver", default_config={"kb_paths": None, "use_ner": True},
                  requires=["doc.spans"], assigns=["doc.ents", "doc.spans", "doc._.entities"],
                  default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None})
def make_entity_resolver(nlp: Language, name: str, kb_paths: list[str] | None, use_ner: bool) -> EntityResolver:
    return EntityResolver(nlp, kb_paths, use_ner)
