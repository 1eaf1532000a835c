"""Candidate mentions for the entity resolver, and the per-document facts they are found with.

Each source proposes spans with a priority: rules for public bodies and ministries (5), knowledge-base matches
(4), acronyms defined in the text (3.5), first name + surname (3), spaCy's statistical entities (1) and unknown
capitalised runs (0.5); `textlens.entities.selection` then keeps the best non-overlapping ones. Everything a document needs travels in its `DocContext`, never on the component.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from textlens.entities import lexicon as lx
from textlens.entities.kb import KBEntity, KnowledgeBase, fold, is_acronym
from textlens.entities.names import initials_match, match_long_form, strip_article, tidy_spaces
from textlens.entities.spans import KB_KEY, is_cap

PRIORITY = {"rule": 5, "kb": 4, "acronym": 3.5, "person": 3, "ner": 1}


@dataclass
class Cand:
    start: int
    end: int
    etype: str | None
    canonical: str | None
    source: str  # kb | rule | acronym | person | ner
    priority: float
    label: str = ""  # statistical label for ner candidates
    kb: KBEntity | None = None


@dataclass
class DocContext:
    """One document's resolution state: what the pipeline annotated (asked once: `has_annotation` scans the whole
    Doc), the statistical entities, and the mentions nested in a chosen name (the place of a local branch)."""

    doc: Doc
    kb: KnowledgeBase
    first_names: frozenset[str]
    has_pos: bool
    has_ner: bool
    ents: list[Span]
    extra: list[Cand] = field(default_factory=list)

    @classmethod
    def of(cls, doc: Doc, kb: KnowledgeBase, first_names: frozenset[str], use_ner: bool) -> "DocContext":
        has_ner = use_ner and doc.has_annotation("ENT_IOB")
        return cls(doc, kb, first_names, doc.has_annotation("POS"), has_ner, list(doc.ents) if has_ner else [])


# ---- rules: public bodies and ministries ------------------------------------------------------------------------
def rule_candidates(ctx: DocContext) -> list[Cand]:
    doc = ctx.doc
    out: list[Cand] = []
    folds = [fold(t.text) for t in doc]
    n = len(doc)
    for i, f in enumerate(folds):
        # Ministries: "le ministre du Redressement productif", "ministère de l'Économie et des Finances"
        if f in lx.MINISTER_WORDS:
            c = ministry(ctx, i, folds)
            if c:
                out.append(c)
        # Named public bodies: "Chambre de commerce et d'industrie de Montluçon", "Conseil régional
        # d'Auvergne", "Délégation aux usagers et aux simplifications administratives"
        elif f in lx.INSTITUTION_HEADS and (is_cap(doc[i]) or f == "conseil" and i + 1 < n and folds[i + 1] in lx.COUNCIL_LEVELS) and not (i > 0 and doc[i - 1].text == "-"):
            end = institution_end(ctx, i, folds)
            if end - i >= 2:
                out.append(named(ctx, i, end, "INSTITUTION"))
    kb_spans = list(doc.spans.get(KB_KEY, []))
    for sp in kb_spans:
        e = sp.end
        # "Caisse d'allocations familiales de Lille": a local branch named after its place
        if sp.label_ == "INSTITUTION" and e + 1 < n and folds[e] in {"de", "d'", "du"}:
            loc = next((x for x in kb_spans if x.start == e + 1 and x.label_ == "LOCATION"), None)
            if loc is not None:
                out.append(Cand(sp.start, loc.end, "INSTITUTION", tidy_spaces(doc[sp.start : loc.end].text), "rule", PRIORITY["rule"]))
                ctx.extra.append(Cand(loc.start, loc.end, "LOCATION", loc.kb_id_, "kb", PRIORITY["kb"]))
        # "Amiens Métropole", "Grand Poitiers Communauté"
        if sp.label_ == "LOCATION" and e < n and folds[e] in lx.LOCAL_AUTHORITY_WORDS and is_cap(doc[e]):
            out.append(Cand(sp.start, e + 1, "INSTITUTION", tidy_spaces(doc[sp.start : e + 1].text), "rule", PRIORITY["rule"]))
        # "Caisses primaires d'assurance maladie ou d'allocations familiales": the elided second body
        if sp.label_ == "INSTITUTION" and e + 2 < n and folds[e] in {"ou", "et", ","} and folds[e + 1] in {"d'", "de", "des", "du"}:
            head = doc[sp.start].text
            for k in range(e + 2, min(n, e + 6)):
                guess = ctx.kb.lookup(f"{head} {doc[e + 1 : k + 1].text}", "INSTITUTION")
                if guess is not None and guess.name != sp.kb_id_:
                    out.append(Cand(e + 1, k + 1, "INSTITUTION", guess.name, "rule", PRIORITY["rule"]))
                    break
    return out


def named(ctx: DocContext, i: int, end: int, etype: str) -> Cand:
    text = tidy_spaces(ctx.doc[i:end].text)
    kb = ctx.kb.lookup(text)
    if kb is not None:
        return Cand(i, end, kb.type, kb.name, "rule", PRIORITY["rule"], kb=kb)
    return Cand(i, end, etype, text, "rule", PRIORITY["rule"])


def institution_end(ctx: DocContext, i: int, folds: list[str]) -> int:
    """End of the name of a public body opened by the head at token i (i itself: no name)."""
    doc = ctx.doc
    n = len(doc)
    has_pos = ctx.has_pos
    if folds[i] == "conseil" and not (i + 1 < n and (folds[i + 1] in lx.CONSEIL_NEXT or is_cap(doc[i + 1]))):
        return i
    if folds[i] in lx.BARE_HEADS and not (i + 1 < n and (is_cap(doc[i + 1]) or folds[i + 1] in lx.HEAD_FOLLOWERS)):
        return i
    j = i + 1
    last_content = i + 1
    while j < n and j - i < 13:
        t = doc[j]
        f = folds[j]
        if t.is_space or (t.is_punct and t.text != "-"):
            break
        if f in lx.INSTITUTION_CONNECTORS:
            if f == "et" and not (j + 1 < n and folds[j + 1] in {"de", "du", "des", "d'", "aux", "a", "à"}):
                break
            j += 1
            continue
        if t.like_num or (t.text in ctx.first_names and j + 1 < n and is_cap(doc[j + 1])):
            break
        if is_cap(t):
            j += 1
            last_content = j
            continue
        if t.is_alpha and not t.is_stop and len(t.text) > 2:
            if has_pos:
                ok = t.pos_ in {"NOUN", "ADJ", "PROPN"}
            else:
                ok = folds[j - 1] in lx.INSTITUTION_CONNECTORS or f.endswith(lx.ADJECTIVE_SUFFIXES)
            if ok:
                j += 1
                last_content = j
                continue
        break
    return last_content


def ministry(ctx: DocContext, i: int, folds: list[str]) -> Cand | None:
    """The ministry or secretariat of state a minister names, as annotators name it: "la ministre déléguée à
    l'Économie numérique" -> "Ministère délégué à l'Économie numérique", "le secrétaire d'État chargé de la
    consommation" -> "Secrétariat d'État chargé de la consommation", "le ministre du redressement productif"
    (portfolio in lower case) -> "Ministère du redressement productif"."""
    doc = ctx.doc
    n = len(doc)
    head = folds[i]
    j = i + 1
    secretariat = head in {"secretaire", "secretariat"}
    if secretariat:
        if not (j + 1 < n and folds[j] == "d'" and folds[j + 1] == "etat"):
            return None
        j += 2
    qualifier = []
    # "ministre français de l'Économie", "Ministère tunisien de l'Industrie": a nationality kept as written
    if j < n and doc[j].is_alpha and doc[j].is_lower and folds[j].endswith(lx.NATIONALITY_SUFFIXES):
        qualifier.append(doc[j].text)
        j += 1
    while j < n and folds[j] in lx.MINISTER_QUALIFIERS:
        qualifier.append("délégué" if folds[j].startswith("delegu") else "chargé")  # the ministry's gender
        j += 1
    if j < n and folds[j] == "en" and j + 1 < n and folds[j + 1] == "charge":
        return None  # "secrétaire d'État en charge de...": the annotators' names differ too much to guess
    if j >= n or folds[j] not in {"de", "du", "des", "d'", "a", "à", "aux", "au"}:
        return None
    prep_start = j
    j += 1
    if j < n and folds[j] in {"la", "l'"}:
        j += 1
    if j >= n:
        return None
    lower_portfolio = (doc[j].is_alpha and doc[j].is_lower and len(doc[j].text) > 3 and not doc[j].is_stop
                       and folds[j] not in lx.NOT_PORTFOLIO and (not ctx.has_pos or doc[j].pos_ == "NOUN"))
    if not is_cap(doc[j]) and not lower_portfolio:
        return None
    end = j
    while end < n:
        t = doc[end]
        if t.text in {",", "et"} and end + 1 < n and folds[end + 1] in {"de", "du", "des", "d'", "et", "a", "aux"}:
            k = end + 1
            while k < n and folds[k] in {"de", "du", "des", "d'", "la", "l'", "et", "a", "aux"}:
                k += 1
            if k < n and (is_cap(doc[k]) or lower_portfolio and doc[k].is_alpha and doc[k].is_lower and not doc[k].is_stop):
                end = k + 1
                continue
            break
        if is_cap(t) and t.text not in ctx.first_names:
            end += 1
            continue
        if t.is_alpha and t.is_lower and not t.is_stop and (end > j or lower_portfolio) and len(t.text) > 3 and (
            not ctx.has_pos or t.pos_ in {"ADJ", "NOUN"}
        ) and t.text not in ctx.first_names:
            end += 1
            continue
        break
    if end <= j:
        return None
    head_word = "Secrétariat d'État" if secretariat else "Ministère"
    words = " ".join([head_word, *qualifier]) if qualifier else head_word
    name = f"{words} {doc[prep_start:end].text}"
    name = re.sub(r"\s+", " ", name).replace(" '", "'").replace("' ", "'")
    start = i if folds[i] in {"ministere", "secretariat"} else prep_start
    return Cand(start, end, "INSTITUTION", name, "rule", PRIORITY["rule"])


# ---- acronyms defined in the text -------------------------------------------------------------------------------
def acronym_candidates(ctx: DocContext) -> list[Cand]:
    """"Association française de la relation client (AFRC)" and "AFRC (Association ...)"; later uses of
    the acronym resolve to the same entity."""
    doc = ctx.doc
    text = doc.text
    out: list[Cand] = []
    learnt: dict[str, tuple[str, str]] = {}
    for m in re.finditer(r"\(\s*([A-Z][A-Za-z0-9&\-]{1,9})\s*\)", text):
        acr = m.group(1)
        if not is_acronym(acr):
            continue
        before = text[max(0, m.start() - 160) : m.start()]
        long_form = match_long_form(acr, before)
        if not long_form:
            continue
        ls = m.start() - len(before) + before.rfind(long_form)
        span = doc.char_span(ls, ls + len(long_form), alignment_mode="expand")
        if span is None:
            continue
        info = type_long_form(ctx, acr, long_form, span)
        if info is None:
            continue
        learnt[acr] = info
        out.append(Cand(span.start, span.end, info[1], info[0], "acronym", PRIORITY["acronym"]))
    for m in re.finditer(r"\b([A-Z][A-Z0-9&]{1,9})\s*\(\s*([A-ZÉÈ][^()]{5,120})\)", text):
        acr, long_form = m.group(1), m.group(2).strip()
        if acr in learnt or not initials_match(acr, long_form):
            continue
        span = doc.char_span(m.start(2), m.start(2) + len(long_form), alignment_mode="expand")
        if span is None:
            continue
        info = type_long_form(ctx, acr, long_form, span)
        if info:
            learnt[acr] = info
            out.append(Cand(span.start, span.end, info[1], info[0], "acronym", PRIORITY["acronym"]))
    if learnt:
        for t in doc:
            if t.text in learnt:
                name, etype = learnt[t.text]
                out.append(Cand(t.i, t.i + 1, etype, name, "acronym", PRIORITY["acronym"]))
    return out


def type_long_form(ctx: DocContext, acr: str, long_form: str, span: Span) -> tuple[str, str] | None:
    """(name, type) of an acronym's long form: from the KB, its head or name words, else spaCy's ORG."""
    kb_ = ctx.kb
    kb = kb_.lookup(acr) if kb_.lookup(acr) and kb_.lookup(long_form) is None else kb_.lookup(long_form)
    kb = kb or kb_.lookup(acr)
    if kb is not None:
        return kb.name, kb.type
    long_form = strip_article(long_form)
    words = [fold(w) for w in re.split(r"[\s'’\-]+", long_form) if w]
    etype = None
    for k in (" ".join(words[:2]), words[0] if words else ""):
        if k in lx.HEAD_TYPES:
            etype = lx.HEAD_TYPES[k]
            break
    if etype is None:
        for w in words:
            if w in lx.NAME_WORD_TYPES:
                etype = lx.NAME_WORD_TYPES[w]
                break
    if etype is None:
        labels = {e.label_ for e in ctx.ents if e.start < span.end and span.start < e.end}
        etype = "COMPANY" if "ORG" in labels else None
    if etype is None:
        return None
    return long_form, etype


# ---- people and unknown capitalised names -----------------------------------------------------------------------
def person_candidates(ctx: DocContext) -> list[Cand]:
    """First name + capitalised or upper-case surname ("Manuel JACQUINET", "Anne-Laure Picot",
    "Isabelle Falque-Pierrotin"); an initial + surname the statistical model calls a person ("M. Gibson")."""
    doc = ctx.doc
    out = []
    n = len(doc)
    per_tokens = {k for e in ctx.ents if e.label_ == "PER" for k in range(e.start, e.end)}
    for i, t in enumerate(doc):
        if re.fullmatch(r"[A-Z]\.", t.text) and i + 1 < n and i + 1 in per_tokens and is_cap(doc[i + 1]) and doc[i + 1].is_alpha:
            if not (i + 2 < n and is_cap(doc[i + 2]) and doc[i + 2].is_alpha):
                out.append(Cand(i, i + 2, "PERSON", None, "person", PRIORITY["person"]))
            continue
        j = given_name_end(doc, i, ctx.first_names)
        if j is None:
            continue
        k = j
        while k < n and k - j < 4:
            w = doc[k]
            if w.text == "-" and not doc[k - 1].whitespace_ and k + 1 < n and is_cap(doc[k + 1]) and k > j:
                k += 2
                continue
            if w.is_alpha and is_cap(w) and fold(w.text) not in lx.NOISE and len(w.text) > 1 or (
                fold(w.text) in lx.PERSON_PARTICLES and k + 1 < n and is_cap(doc[k + 1]) and k > j
            ):
                k += 1
                continue
            break
        if k > j and k - i <= 4:
            span = doc[i:k]
            if any(fold(w.text) in lx.ARTICLES and not w.is_title for w in span[-1:]):
                continue
            out.append(Cand(i, k, "PERSON", None, "person", PRIORITY["person"]))
    return out


def given_name_end(doc: Doc, i: int, names: frozenset[str]) -> int | None:
    """End of a (possibly hyphenated: "Anne-Laure" = Anne - Laure) given name starting at token i."""
    t = doc[i]
    if t.text not in names:
        return None
    if i > 0 and doc[i - 1].text == "-" and not doc[i - 2].whitespace_ if i > 1 else False:
        return None
    j = i + 1
    if j + 1 < len(doc) and doc[j].text == "-" and not t.whitespace_ and not doc[j].whitespace_ and doc[j + 1].text in names:
        j += 2
    return j


def capitalised_runs(ctx: DocContext) -> list[Cand]:
    """Unknown capitalised names; kept later only if the context types them ("le syndicat Unitel",
    "Plexitel, numéro un mondial des centres d'appels") or they are a KB name misspelt."""
    doc = ctx.doc
    out = []
    n = len(doc)
    i = 0
    while i < n:
        t = doc[i]
        if is_cap(t) and t.is_alpha and fold(t.text) not in lx.NOISE and not t.is_stop:
            j = i + 1
            while j < n and j - i < 4 and (is_cap(doc[j]) and (doc[j].is_alpha or doc[j].text == "-")):
                j += 1
            out.append(Cand(i, j, None, None, "ner", 0.5, "CAP"))
            i = j
        else:
            i += 1
    return out


def statistical_candidates(ctx: DocContext) -> list[Cand]:
    """spaCy's own entities (when the pipeline has a NER), typed later from their label and context."""
    return [Cand(e.start, e.end, None, None, "ner", PRIORITY["ner"], e.label_) for e in ctx.ents]


def kb_candidates(ctx: DocContext) -> list[Cand]:
    """The knowledge-base ruler's matches."""
    out = []
    for sp in ctx.doc.spans.get(KB_KEY, []):
        kb = ctx.kb.entities.get(sp.kb_id_)
        out.append(Cand(sp.start, sp.end, sp.label_, sp.kb_id_, "kb", PRIORITY["kb"], kb=kb))
    return out
