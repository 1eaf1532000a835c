"""spaCy component `textlens_kb_ruler`: every knowledge-base name, alias and acronym found with case rules.

Acronyms and one-word names match exactly (a few case variants: "MAIF", "Maif", "maif" for a company acronym),
distinctive one-word names ("Voyages-sncf.com") and longer names whatever the case, then `_accept` refuses what
a reader would not take for the name: a strict name in lower case or at a sentence start without its verb, a
one-word name inside a hyphenated compound, a multi-word name with no capital. Writes `doc.spans["textlens_kb"]`;
the resolver (`textlens_entity_resolver`) decides.
"""
from __future__ import annotations

import re
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from textlens.entities import lexicon as lx
from textlens.entities.kb import KBEntity, fold, is_acronym, load_kb
from textlens.entities.spans import KB_KEY, is_cap, sentence_initial, span_scores


class KBRuler:
    """Finds KB names with case rules: acronyms and one-word names exact, longer names case-insensitive.
    Holds only the matchers built from the KB: no state from one document to the next."""

    def __init__(self, nlp: Language, kb_paths: list[str] | None = None):
        from spacy.matcher import PhraseMatcher

        self.kb = load_kb(tuple(kb_paths) if kb_paths else None)
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        exact_pats: dict[str, list[Any]] = {}
        lower_pats: dict[str, list[Any]] = {}
        make = nlp.make_doc
        for ent in self.kb.entities.values():
            for alias in ent.names:
                alias = alias.replace("\u2019", "'")
                toks = make(alias)
                if len(toks) == 1 and not ent.strict and len(alias) >= 6 and re.search(r"\w[.\-]\w", alias):
                    # "Voyages-sncf.com", "Allo-Media": distinctive, matched whatever the case
                    lower_pats.setdefault(ent.name, []).extend(make(v) for v in {alias.lower(), fold(alias)})
                elif len(toks) == 1 or is_acronym(alias):
                    variants = {alias}
                    if not is_acronym(alias) and not ent.strict:
                        variants.add(alias.upper())
                    if is_acronym(alias) and ent.type == "COMPANY" and len(alias) >= 3 and alias.isalpha():
                        variants.update({alias.lower(), alias.capitalize()})  # "maif", "Edf" in reviews
                    exact_pats.setdefault(ent.name, []).extend(make(v) for v in variants)
                else:
                    variants = {alias.lower(), fold(alias)}
                    lower_pats.setdefault(ent.name, []).extend(make(v) for v in variants)
        for name, pats in exact_pats.items():
            self.exact.add(name, pats)
        for name, pats in lower_pats.items():
            self.lower.add(name, pats)

    def __call__(self, doc: Doc) -> Doc:
        from spacy.util import filter_spans

        strings = doc.vocab.strings
        found: list[Span] = []
        for matcher, exact in ((self.exact, True), (self.lower, False)):
            for key, start, end in matcher(doc):
                ent = self.kb.entities.get(strings[key])
                if ent is None or not self._accept(doc, start, end, ent, exact):
                    continue
                found.append(Span(doc, start, end, label=ent.type, kb_id=ent.name))
        doc.spans[KB_KEY] = filter_spans(found)
        return doc

    def score(self, examples: Any, **kwargs: Any) -> dict[str, Any]:
        """Knowledge-base matches against the reference Docs' `textlens_kb` spans (`Language.evaluate`)."""
        return span_scores(examples, KB_KEY)

    @staticmethod
    def _accept(doc: Doc, start: int, end: int, ent: KBEntity, exact: bool) -> bool:
        span = doc[start:end]
        if any(t.is_space for t in span):
            return False
        first = span[0]
        if ent.strict and not is_cap(first):
            return False
        if ent.strict and sentence_initial(first):
            nxt = doc[end : end + 2]
            in_list = len(nxt) == 2 and nxt[0].text in {",", "et"} and is_cap(nxt[1])
            # "Free ne répond pas", "Orange a annoncé": a company name followed by its verb
            subject = ent.type == "COMPANY" and len(nxt) >= 1 and nxt[0].is_alpha and nxt[0].is_lower
            if not (in_list or subject):
                return False
        if exact:
            # one-word names: not inside a hyphenated compound ("Nord-Est", "ex-France")
            if start > 0 and doc[start - 1].text == "-" and not doc[start - 1].whitespace_:
                return False
            if end < len(doc) and doc[end].text == "-" and not span[-1].whitespace_:
                return False
            return True
        if ent.lowercase or (len(span) == 1 and "." in first.text):
            return True
        content = [t for t in span if fold(t.text) not in lx.ARTICLES and not t.is_punct]
        return any(is_cap(t) for t in content)


@Language.factory("textlens_kb_ruler", default_config={"kb_paths": None}, assigns=["doc.spans"],
                  default_score_weights={f"spans_{KB_KEY}_f": 1.0, f"spans_{KB_KEY}_p": 0.0,
                                         f"spans_{KB_KEY}_r": 0.0})
def make_kb_ruler(nlp: Language, name: str, kb_paths: list[str] | None) -> KBRuler:
    return KBRuler(nlp, kb_paths)
