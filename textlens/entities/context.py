"""An unknown name's type from the words around it: "le cabinet X", "X, numéro un mondial des centres d'appels",
"à X"; and which of its two types a known name has in this sentence (KB `alt_type`)."""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from textlens.entities import lexicon as lx
from textlens.entities.kb import KBEntity, fold
from textlens.entities.names import join_words
from textlens.vocab import ORG_TYPES


def context_type(doc: Doc, span: Span) -> str | None:
    """Type from the words around an unknown name: "le cabinet X", "X, numéro un mondial des centres d'appels"."""
    s = span.start
    before: list[str] = []
    k = s - 1
    while k >= 0 and len(before) < 4 and not doc[k].is_space and doc[k].text not in {".", ";", "!", "?"}:
        before.insert(0, fold(doc[k].text))
        k -= 1
    for size in (3, 2, 1):
        if len(before) >= size:
            words = before[-size:]
            key = join_words(words)
            if key in lx.LEFT_TRIGGERS:
                return lx.LEFT_TRIGGERS[key]
            # skip an article between trigger and name: "le syndicat professionnel SP2C", "l'institut d'études X"
    if len(before) >= 2 and before[-1] in {"le", "la", "les", "l'", "du", "de"}:
        key = join_words(before[-2:-1])
        if key in lx.LEFT_TRIGGERS and lx.LEFT_TRIGGERS[key] in ORG_TYPES:
            return None
    return apposition_type(doc, span)


def apposition_type(doc: Doc, span: Span) -> str | None:
    """Type from an apposition after the name: "X, directeur de ..." (a person), "X, leader des centres d'appels"."""
    e = span.end
    if not (e < len(doc) and doc[e].text == ","):
        return None
    after = " ".join(fold(doc[e + 1 : e + 10].text).split())
    after_words = after.split()
    if after_words and (after_words[0] in lx.PERSON_ROLES or len(after_words) > 1 and after_words[1] in lx.PERSON_ROLES and after_words[0] in lx.ROLE_DETERMINERS):
        return "PERSON" if len(span) >= 2 else None
    head = " ".join(after_words[:2])
    for h in (head, " ".join(after_words[1:3]), after_words[0] if after_words else "", after_words[1] if len(after_words) > 1 else ""):
        if h in lx.APPOSITION_HEADS:
            t = lx.APPOSITION_HEADS[h]
            if t == "VENDOR" and h in lx.LEADER_HEADS:
                if not any(w in after for w in lx.VENDOR_FIELD_WORDS):
                    t = "COMPANY" if h in lx.RANK_HEADS else None
            if t:
                return t
    return None


def kb_type(doc: Doc, span: Span, kb: KBEntity) -> str:
    """A known name's type here: its `alt_type` when a place preposition comes before it (`alt_when: place`) or
    its sentence speaks of public services (`alt_when: public`), else its type."""
    if kb.alt_type and kb.alt_when == "place":
        before = fold(doc[max(0, span.start - 4) : span.start].text)
        if re.search(r"\b(?:dans|en|hors|au sein|a l'echelle|a travers|partout)\b[^,.]*$", before):
            return kb.alt_type
    if kb.alt_type and kb.alt_when == "public":
        sent = sentence_text(doc, span)
        if any(cue in fold(sent) for cue in lx.PUBLIC_CUES):
            return kb.alt_type
    return kb.type


def location_cue(doc: Doc, span: Span) -> bool:
    """A place preposition before the name ("à Lille", "la région de Lille"), not "grâce à"."""
    if span.start == 0:
        return False
    prev = fold(doc[span.start - 1].text)
    prev2 = fold(doc[span.start - 2].text) if span.start > 1 else ""
    return prev in lx.LOCATION_PREPOSITIONS and prev2 not in lx.NOT_LOCATION_BEFORE or (
        prev in {"de", "d'"} and prev2 in lx.PLACE_NOUNS
    )


def sentence_text(doc: Doc, span: Span) -> str:
    text = doc.text
    a = max(text.rfind(". ", 0, span.start_char), text.rfind("\n", 0, span.start_char), 0)
    b_candidates = [x for x in (text.find(". ", span.end_char), text.find("\n", span.end_char)) if x != -1]
    b = min(b_candidates) if b_candidates else len(text)
    return text[a:b]
