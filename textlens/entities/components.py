"""spaCy components: knowledge-base matcher, entity resolver (typing, noise, acronyms, names), facts.

Registered factories (usable in any French pipeline after `import textlens.entities.components`):
- `textlens_kb_ruler`: every KB name/alias/acronym, with case rules, into `doc.spans["textlens_kb"]`;
- `textlens_entity_resolver`: merges KB matches, context rules and the statistical NER (if the pipeline has
  one), drops its noise, learns "Long Name (ACR)" pairs, splits joint names, types unknown names by context
  and sets canonical names: `doc.ents`, `Doc._.entities` (spans with `Span._.canonical`/`Span._.etype`);
- `textlens_facts`: studies, figures and quotes (`Doc._.studies`, `Doc._.figures`, `Doc._.quotes`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from textlens.entities import lexicon as lx
from textlens.entities.kb import KBEntity, fold, is_acronym, load_kb
from textlens.entities.records import Mention

if TYPE_CHECKING:
    from spacy.tokens import Token

ORG_TYPES = ("VENDOR", "COMPANY", "RESEARCH_FIRM", "INSTITUTION", "MEDIA")
SPAN_KEY = "textlens_entities"
KB_KEY = "textlens_kb"
NER_KEY = "textlens_ner"  # spaCy's own entities, before the resolver replaces doc.ents
_SENT_BREAK = {".", "!", "?", ":", "«", "»", '"', "“", "”", "•", "–", "—", ">", "…", ";", "(", ")", "*", "|"}
_ELISIONS = {"l'", "d'", "qu'", "j'", "n'", "s'", "c'", "m'", "t'", "jusqu'", "lorsqu'", "puisqu'", "quoiqu'"}
_ARTICLES = {"le", "la", "les", "l'", "un", "une", "des", "du", "de", "d'", "au", "aux", "à", "a", "the", "en", "ce", "cet", "cette", "ces", "son", "sa", "ses"}
_CONNECTORS = {"de", "du", "des", "d'", "la", "le", "les", "l'", "et", "&", "-", "/", "pour", "à", "en", "sur", "von", "van"}
_PUBLIC_CUES = ("usager", "guichet", "france services", "maisons de services", "public", "publics", "service public", "services publics", "administration", "caisses primaires",
                "allocations familiales", "pole emploi", "anpe", "cpam", "secteur public", "assurance maladie",
                "collectivite", "etablissement public", "mission de service public")
_INSTITUTION_HEADS = {
    "chambre", "chambres", "conseil", "caisse", "caisses", "agence", "autorite", "commission", "delegation",
    "direction", "federation", "association", "syndicat", "confederation", "mission", "office", "haut",
    "comite", "universite", "ecole", "centre", "prefecture", "mairie", "region", "groupement", "cluster",
    "pole", "inspection", "observatoire", "union", "maison", "maisons", "conservatoire", "academie", "cci",
}
_CONSEIL_NEXT = {"regional", "general", "departemental", "municipal", "economique", "national", "superieur",
                 "constitutionnel", "d'etat", "d'orientation", "d'administration"}
_CONT_CONNECTORS = {"de", "du", "des", "d'", "la", "l'", "le", "les", "aux", "au", "pour", "a", "à", "en", "sur", "et"}
_ADJ_SUFFIXES = ("al", "ale", "ales", "aux", "ique", "iques", "ien", "ienne", "ais", "aise", "aire", "aires",
                 "ive", "if", "el", "elle", "ere", "ee", "eur", "ale", "ois", "oise", "ain", "aine", "ant", "ante")
_LAW_WORDS = {"loi", "lois", "decret", "plan", "rapport", "amendement", "directive", "reforme", "pacte",
              "accord", "article", "arrete", "circulaire", "projet", "proposition", "affaire", "prix", "salon"}
# "le ministre de l'époque": words after "ministre de" that are no portfolio
_NOT_PORTFOLIO = {"epoque", "tutelle", "gouvernement", "l'epoque", "passage", "service", "sujet", "nouveau", "ancien"}
_CREDIT_CUES = ("(c)", "©", "photo", "credit", "crédit", "illustration", "copyright")
# last words that make a "person" of the statistical model an organisation ("Télécontact Ouest")
_ORG_TAIL = {"ouest": "COMPANY", "est": "COMPANY", "nord": "COMPANY", "sud": "COMPANY", "france": "COMPANY",
             "international": "COMPANY", "europe": "COMPANY", "group": "COMPANY", "groupe": "COMPANY",
             "services": "COMPANY", "service": "COMPANY", "contact": "VENDOR", "telecom": "COMPANY"}
_POS_NOT_NAME = {"VERB", "AUX", "ADV", "ADJ", "PRON", "DET", "ADP", "CCONJ", "SCONJ", "NUM", "PUNCT", "SYM", "INTJ"}


def _ensure_extensions() -> None:
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


_ensure_extensions()


def sentence_initial(tok: "Token") -> bool:
    """Start of a sentence, line or quotation: a capital there says nothing about a proper name."""
    if tok.i == 0:
        return True
    prev = tok.doc[tok.i - 1]
    return prev.is_space or "\n" in prev.text or prev.text in _SENT_BREAK


def is_cap(tok: "Token") -> bool:
    for ch in tok.text:
        if ch.isalpha():
            return ch.isupper()
        if ch.isdigit():
            return True
    return False


# ---------------------------------------------------------------------------------------------------------
# KB matcher
# ---------------------------------------------------------------------------------------------------------
class KBRuler:
    """Finds KB names with case rules: acronyms and one-word names exact, longer names case-insensitive."""

    def __init__(self, nlp: Language, kb_paths: list[str] | None = None):
        from spacy.matcher import PhraseMatcher

        self.kb = load_kb(tuple(kb_paths) if kb_paths else None)
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.keys: dict[int, str] = {}
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
        strings = doc.vocab.strings
        found: list[Span] = []
        for matcher, exact in ((self.exact, True), (self.lower, False)):
            for key, start, end in matcher(doc):
                ent = self.kb.entities.get(strings[key])
                if ent is None or not self._accept(doc, start, end, ent, exact):
                    continue
                found.append(Span(doc, start, end, label=ent.type, kb_id=ent.name))
        from spacy.util import filter_spans

        doc.spans[KB_KEY] = filter_spans(found)
        return doc

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
        content = [t for t in span if fold(t.text) not in _ARTICLES and not t.is_punct]
        return any(is_cap(t) for t in content)


@Language.factory("textlens_kb_ruler", default_config={"kb_paths": None})
def make_kb_ruler(nlp: Language, name: str, kb_paths: list[str] | None) -> KBRuler:
    return KBRuler(nlp, kb_paths)


# ---------------------------------------------------------------------------------------------------------
# Resolver
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Cand:
    start: int
    end: int
    etype: str | None
    canonical: str | None
    source: str  # kb | rule | acronym | person | ner
    priority: int
    label: str = ""  # statistical label for ner candidates
    kb: KBEntity | None = None


_PRIORITY = {"rule": 5, "kb": 4, "acronym": 3.5, "person": 3, "ner": 1}


class EntityResolver:
    """Turns KB matches, rules and statistical entities into typed, canonical, noise-free mentions."""

    def __init__(self, nlp: Language, kb_paths: list[str] | None = None, use_ner: bool = True):
        self.kb = load_kb(tuple(kb_paths) if kb_paths else None)
        self.use_ner = use_ner
        self.first_names = lx.first_names()

    # ---- entry point -----------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self._extra: list[Cand] = []  # mentions nested in a chosen name (the place of a local branch)
        # has_annotation scans the whole Doc: ask once per document
        self._has_pos = doc.has_annotation("POS")
        self._has_ner = self.use_ner and doc.has_annotation("ENT_IOB")
        self._ents = list(doc.ents) if self._has_ner else []
        if self._has_ner:
            doc.spans[NER_KEY] = self._ents  # the learned typer (textlens.entities.typer) reads them
        cands: list[Cand] = []
        for sp in doc.spans.get(KB_KEY, []):
            kb = self.kb.entities.get(sp.kb_id_)
            cands.append(Cand(sp.start, sp.end, sp.label_, sp.kb_id_, "kb", _PRIORITY["kb"], kb=kb))
        cands.extend(self._rule_candidates(doc))
        acr = self._acronym_candidates(doc)
        cands.extend(acr)
        cands.extend(self._person_candidates(doc))
        cands.extend(self._capitalised_runs(doc))
        if self._has_ner:
            for e in self._ents:
                cands.extend(self._split_joint(Cand(e.start, e.end, None, None, "ner", _PRIORITY["ner"], e.label_)))
        cands = self._arbitrate(doc, cands)
        chosen = self._select(doc, cands)
        resolved = [c for c in (self._finish(doc, c) for c in chosen) if c is not None]
        resolved = self._resolve_people(doc, resolved) + self._extra
        spans = []
        for c in sorted(resolved, key=lambda c: c.start):
            sp = Span(doc, c.start, c.end, label=c.etype)
            sp._.canonical = c.canonical
            sp._.etype = c.etype
            sp._.esource = c.source
            spans.append(sp)
        doc.spans[SPAN_KEY] = spans
        from spacy.util import filter_spans

        doc.ents = filter_spans(spans)
        return doc

    # ---- candidates ------------------------------------------------------------------------------------
    def _name_end(self, doc: Doc, i: int, max_len: int = 8, allow_lower: bool = False) -> int:
        """End of a proper-name run starting at token i ("Chambre de Commerce et d'industrie de Montluçon")."""
        j = i
        n = len(doc)
        while j < n and j - i < max_len:
            t = doc[j]
            if t.is_space or (t.is_punct and t.text not in {"&", "-", "/"}):
                break
            if is_cap(t) or t.like_num and j > i:
                j += 1
                continue
            if fold(t.text) in _CONNECTORS and j > i and j + 1 < n:
                # connector kept only if a capitalised word follows within two tokens
                k = j + 1
                while k < n and k - j <= 2 and fold(doc[k].text) in _CONNECTORS:
                    k += 1
                if k < n and (is_cap(doc[k]) or allow_lower and doc[k].is_alpha and not doc[k].is_stop):
                    j = k
                    continue
                break
            if allow_lower and t.is_alpha and not t.is_stop and j > i:
                j += 1
                continue
            break
        # trailing connectors never end a name
        while j > i and (fold(doc[j - 1].text) in _CONNECTORS or doc[j - 1].text in {"&", "-", "/"}):
            j -= 1
        return j

    def _rule_candidates(self, doc: Doc) -> list[Cand]:
        out: list[Cand] = []
        folds = [fold(t.text) for t in doc]
        n = len(doc)
        for i, f in enumerate(folds):
            # Ministries: "le ministre du Redressement productif", "ministère de l'Économie et des Finances"
            if f in {"ministre", "ministere", "ministres", "secretaire", "secretariat"}:
                c = self._ministry(doc, i, folds)
                if c:
                    out.append(c)
            # Named public bodies: "Chambre de commerce et d'industrie de Montluçon", "Conseil régional
            # d'Auvergne", "Délégation aux usagers et aux simplifications administratives"
            elif f in _INSTITUTION_HEADS and (is_cap(doc[i]) or f == "conseil" and i + 1 < n and folds[i + 1] in {"regional", "general", "departemental"}) and not (i > 0 and doc[i - 1].text == "-"):
                end = self._institution_end(doc, i, folds)
                if end - i >= 2:
                    out.append(self._named(doc, i, end, "INSTITUTION"))
        kb_spans = list(doc.spans.get(KB_KEY, []))
        for sp in kb_spans:
            e = sp.end
            # "Caisse d'allocations familiales de Lille": a local branch named after its place
            if sp.label_ == "INSTITUTION" and e + 1 < n and folds[e] in {"de", "d'", "du"}:
                loc = next((x for x in kb_spans if x.start == e + 1 and x.label_ == "LOCATION"), None)
                if loc is not None:
                    out.append(Cand(sp.start, loc.end, "INSTITUTION", _tidy(doc[sp.start : loc.end].text), "rule", _PRIORITY["rule"]))
                    self._extra.append(Cand(loc.start, loc.end, "LOCATION", loc.kb_id_, "kb", _PRIORITY["kb"]))
            # "Amiens Métropole", "Grand Poitiers Communauté"
            if sp.label_ == "LOCATION" and e < n and folds[e] in {"metropole", "agglomeration", "agglo", "communaute"} and is_cap(doc[e]):
                out.append(Cand(sp.start, e + 1, "INSTITUTION", _tidy(doc[sp.start : e + 1].text), "rule", _PRIORITY["rule"]))
            # "Caisses primaires d'assurance maladie ou d'allocations familiales": the elided second body
            if sp.label_ == "INSTITUTION" and e + 2 < n and folds[e] in {"ou", "et", ","} and folds[e + 1] in {"d'", "de", "des", "du"}:
                head = doc[sp.start].text
                for k in range(e + 2, min(n, e + 6)):
                    guess = self.kb.lookup(f"{head} {doc[e + 1 : k + 1].text}", "INSTITUTION")
                    if guess is not None and guess.name != sp.kb_id_:
                        out.append(Cand(e + 1, k + 1, "INSTITUTION", guess.name, "rule", _PRIORITY["rule"]))
                        break
        return out

    def _named(self, doc: Doc, i: int, end: int, etype: str) -> Cand:
        text = _tidy(doc[i:end].text)
        kb = self.kb.lookup(text)
        if kb is not None:
            return Cand(i, end, kb.type, kb.name, "rule", _PRIORITY["rule"], kb=kb)
        return Cand(i, end, etype, text, "rule", _PRIORITY["rule"])

    def _institution_end(self, doc: Doc, i: int, folds: list[str]) -> int:
        n = len(doc)
        has_pos = self._has_pos
        if folds[i] == "conseil" and not (i + 1 < n and (folds[i + 1] in _CONSEIL_NEXT or is_cap(doc[i + 1]))):
            return i
        if folds[i] in {"centre", "haut", "union", "maison", "maisons", "observatoire", "pole", "ecole", "region"} and not (
            i + 1 < n and (is_cap(doc[i + 1]) or folds[i + 1] in {"national", "nationale", "de", "des", "du", "d'", "aux", "pour"})
        ):
            return i
        j = i + 1
        last_content = i + 1
        while j < n and j - i < 13:
            t = doc[j]
            f = folds[j]
            if t.is_space or (t.is_punct and t.text != "-"):
                break
            if f in _CONT_CONNECTORS:
                if f == "et" and not (j + 1 < n and folds[j + 1] in {"de", "du", "des", "d'", "aux", "a", "à"}):
                    break
                j += 1
                continue
            if t.like_num or (t.text in self.first_names and j + 1 < n and is_cap(doc[j + 1])):
                break
            if is_cap(t):
                j += 1
                last_content = j
                continue
            if t.is_alpha and not t.is_stop and len(t.text) > 2:
                if has_pos:
                    ok = t.pos_ in {"NOUN", "ADJ", "PROPN"}
                else:
                    ok = folds[j - 1] in _CONT_CONNECTORS or f.endswith(_ADJ_SUFFIXES)
                if ok:
                    j += 1
                    last_content = j
                    continue
            break
        return last_content

    def _ministry(self, doc: Doc, i: int, folds: list[str]) -> Cand | None:
        """The ministry or secretariat of state a minister names, as annotators name it: "la ministre déléguée à
        l'Économie numérique" -> "Ministère délégué à l'Économie numérique", "le secrétaire d'État chargé de la
        consommation" -> "Secrétariat d'État chargé de la consommation", "le ministre du redressement productif"
        (portfolio in lower case) -> "Ministère du redressement productif"."""
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
        if j < n and doc[j].is_alpha and doc[j].is_lower and folds[j].endswith(("ais", "aise", "ien", "ienne", "ain", "aine", "ois", "oise", "ol", "ole", "and", "ande")):
            qualifier.append(doc[j].text)
            j += 1
        while j < n and folds[j] in {"delegue", "deleguee", "charge", "chargee"}:
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
                           and folds[j] not in _NOT_PORTFOLIO and (not self._has_pos or doc[j].pos_ == "NOUN"))
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
            if is_cap(t) and t.text not in self.first_names:
                end += 1
                continue
            if t.is_alpha and t.is_lower and not t.is_stop and (end > j or lower_portfolio) and len(t.text) > 3 and (
                not self._has_pos or t.pos_ in {"ADJ", "NOUN"}
            ) and t.text not in self.first_names:
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
        return Cand(start, end, "INSTITUTION", name, "rule", _PRIORITY["rule"])

    def _acronym_candidates(self, doc: Doc) -> list[Cand]:
        """"Association française de la relation client (AFRC)" and "AFRC (Association ...)"; later uses of
        the acronym resolve to the same entity."""
        text = doc.text
        out: list[Cand] = []
        learnt: dict[str, tuple[str, str]] = {}
        for m in re.finditer(r"\(\s*([A-Z][A-Za-z0-9&\-]{1,9})\s*\)", text):
            acr = m.group(1)
            if not is_acronym(acr):
                continue
            before = text[max(0, m.start() - 160) : m.start()]
            long_form = _match_long_form(acr, before)
            if not long_form:
                continue
            ls = m.start() - len(before) + before.rfind(long_form)
            span = doc.char_span(ls, ls + len(long_form), alignment_mode="expand")
            if span is None:
                continue
            info = self._type_long_form(acr, long_form, doc, span)
            if info is None:
                continue
            learnt[acr] = info
            out.append(Cand(span.start, span.end, info[1], info[0], "acronym", _PRIORITY["acronym"]))
        for m in re.finditer(r"\b([A-Z][A-Z0-9&]{1,9})\s*\(\s*([A-ZÉÈ][^()]{5,120})\)", text):
            acr, long_form = m.group(1), m.group(2).strip()
            if acr in learnt or not _initials_match(acr, long_form):
                continue
            span = doc.char_span(m.start(2), m.start(2) + len(long_form), alignment_mode="expand")
            if span is None:
                continue
            info = self._type_long_form(acr, long_form, doc, span)
            if info:
                learnt[acr] = info
                out.append(Cand(span.start, span.end, info[1], info[0], "acronym", _PRIORITY["acronym"]))
        if learnt:
            for t in doc:
                if t.text in learnt:
                    name, etype = learnt[t.text]
                    out.append(Cand(t.i, t.i + 1, etype, name, "acronym", _PRIORITY["acronym"]))
        return out

    def _type_long_form(self, acr: str, long_form: str, doc: Doc, span: Span) -> tuple[str, str] | None:
        kb = self.kb.lookup(acr) if self.kb.lookup(acr) and self.kb.lookup(long_form) is None else self.kb.lookup(long_form)
        kb = kb or self.kb.lookup(acr)
        if kb is not None:
            return kb.name, kb.type
        long_form = _strip_article(long_form)
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
            labels = {e.label_ for e in self._ents if e.start < span.end and span.start < e.end}
            etype = "COMPANY" if "ORG" in labels else None
        if etype is None:
            return None
        return long_form, etype

    def _person_candidates(self, doc: Doc) -> list[Cand]:
        """First name + capitalised or upper-case surname ("Manuel JACQUINET", "Anne-Laure Picot",
        "Isabelle Falque-Pierrotin"); an initial + surname the statistical model calls a person ("M. Gibson")."""
        out = []
        n = len(doc)
        per_tokens = {k for e in self._ents if e.label_ == "PER" for k in range(e.start, e.end)}
        for i, t in enumerate(doc):
            if re.fullmatch(r"[A-Z]\.", t.text) and i + 1 < n and i + 1 in per_tokens and is_cap(doc[i + 1]) and doc[i + 1].is_alpha:
                if not (i + 2 < n and is_cap(doc[i + 2]) and doc[i + 2].is_alpha):
                    out.append(Cand(i, i + 2, "PERSON", None, "person", _PRIORITY["person"]))
                continue
            j = _hyphen_end(doc, i, self.first_names)
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
                if any(fold(w.text) in _ARTICLES and not w.is_title for w in span[-1:]):
                    continue
                out.append(Cand(i, k, "PERSON", None, "person", _PRIORITY["person"]))
        return out

    @staticmethod
    def _split_joint(c: Cand) -> list[Cand]:
        """Joint names: "Foo/Bar" is two entities (the study they sign is built by the facts component)."""
        return [c]

    def _capitalised_runs(self, doc: Doc) -> list[Cand]:
        """Unknown capitalised names; kept later only if the context types them ("le syndicat Unitel",
        "Plexitel, numéro un mondial des centres d'appels") or they are a KB name misspelt."""
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

    def _arbitrate(self, doc: Doc, cands: list[Cand]) -> list[Cand]:
        """Person names beat one-word KB names inside them ("Anne-Sophie Leclerc" is not E.Leclerc);
        capitalised organisation names beat a place they start or end with ("Picardie Contact Services")."""
        drop: set[int] = set()
        kb1 = [(k, c) for k, c in enumerate(cands) if c.source == "kb" and c.end - c.start == 1]
        for c in cands:
            if c.source == "person" and c.end - c.start >= 2:
                for k, kc in kb1:
                    if c.start <= kc.start < c.end and kc.etype != "PERSON":
                        drop.add(k)
            if c.source == "ner" and c.label in ("ORG", "MISC") and c.end - c.start >= 2:
                span = doc[c.start : c.end]
                if not all(is_cap(t) or t.is_punct or fold(t.text) in _CONNECTORS for t in span):
                    continue
                for k, kc in kb1:
                    if kc.etype == "LOCATION" and kc.start in (c.start, c.end - 1):
                        drop.add(k)
        # a person candidate overlapping a multi-word KB name loses ("Pierre Audoin Consultants")
        kept = [c for k, c in enumerate(cands) if k not in drop]
        kbm = [c for c in kept if c.source in ("kb", "rule") and c.end - c.start >= 2]
        return [c for c in kept if not (c.source == "person" and any(m.start < c.end and c.start < m.end for m in kbm))]

    # ---- selection ----------------------------------------------------------------------------------------
    def _select(self, doc: Doc, cands: list[Cand]) -> list[Cand]:
        """Greedy by priority then length; lower-priority candidates are trimmed around chosen ones."""
        taken = [False] * len(doc)
        chosen: list[Cand] = []
        order = sorted(cands, key=lambda c: (-c.priority, -(c.end - c.start), c.start))
        for c in order:
            pieces = _free_pieces(c.start, c.end, taken)
            if not pieces:
                continue
            if len(pieces) == 1 and pieces[0] == (c.start, c.end):
                keep = [c]
            elif c.source in ("kb", "acronym", "rule"):
                continue  # never cut a known name
            else:
                keep = [Cand(a, b, c.etype, None, c.source, c.priority, c.label) for a, b in pieces]
            for k in keep:
                k = self._trim(doc, k)
                if k is None:
                    continue
                chosen.append(k)
                for x in range(k.start, k.end):
                    taken[x] = True
        return chosen

    def _trim(self, doc: Doc, c: Cand) -> Cand | None:
        if c.source in ("kb", "rule", "acronym"):
            return c
        s, e = c.start, c.end
        while s < e and (fold(doc[s].text) in _ELISIONS or fold(doc[s].text) in _ARTICLES or doc[s].is_punct
                         or doc[s].is_space or doc[s].text in {"'", "’"}):
            s += 1
        while e > s and (doc[e - 1].is_punct or doc[e - 1].is_space or fold(doc[e - 1].text) in _CONNECTORS):
            e -= 1
        if s >= e:
            return None
        # a newline inside a statistical entity means it glued two lines (menus, captions): keep the first line
        for k in range(s, e):
            if doc[k].is_space or "\n" in doc[k].text:
                e = k
                break
        if s >= e:
            return None
        return Cand(s, e, c.etype, c.canonical, c.source, c.priority, c.label, c.kb)

    # ---- typing and canonical names ----------------------------------------------------------------------
    def _finish(self, doc: Doc, c: Cand) -> Cand | None:
        span = doc[c.start : c.end]
        if c.source == "kb":
            c.etype = self._kb_type(doc, span, c.kb) if c.kb else c.etype
            return c
        if c.source in ("rule", "acronym"):
            return c if c.etype else None
        text = span.text
        key = fold(text)
        if key in lx.NOISE or not any(ch.isalpha() for ch in text):
            return None
        if any(t.text in {"|", ">", "<", "»", "«", "@"} for t in span) or fold(span[0].text) in _LAW_WORDS:
            return None
        if fold(span[0].text) in lx.NOISE and len(span) <= 2 and not is_acronym(span[-1].text):
            return None
        if all(not is_cap(t) for t in span if t.is_alpha):
            return None
        if c.source != "person":
            early = self._context_type(doc, span)
            if early in ORG_TYPES and not span[0].is_stop and not span[0].like_num:
                kb = self.kb.fuzzy(text)
                if kb is not None:
                    return Cand(c.start, c.end, self._kb_type(doc, span, kb), kb.name, "kb", c.priority, c.label, kb)
                return Cand(c.start, c.end, early, tidy_name(text), "ner", c.priority, c.label)
        if len(span) == 1:
            t = span[0]
            if t.is_stop or t.like_num or len(t.text) < 2:
                return None
            if self._has_pos and t.pos_ in _POS_NOT_NAME and not is_acronym(t.text):
                return None
            if sentence_initial(t) and self._has_pos and t.pos_ == "NOUN" and not is_acronym(t.text):
                return None
        if c.source == "person" or c.label == "PER":
            before = fold(doc[max(0, c.start - 4) : c.start].text)
            if any(cue in before for cue in _CREDIT_CUES):
                return None
        if c.source == "person":
            return self._as_person(c, span)
        # statistical NER candidate
        kb = self.kb.fuzzy(text)
        if kb is not None and (c.label != "PER" or kb.type == "PERSON"):
            return Cand(c.start, c.end, self._kb_type(doc, span, kb), kb.name, "kb", c.priority, c.label, kb)
        prev = fold(doc[c.start - 1].text) if c.start > 0 else ""
        if prev in lx.NOT_ACTOR_TRIGGERS and c.label in ("CAP", "MISC", "ORG"):
            return None
        ctx = self._context_type(doc, span)
        if c.label == "CAP":
            if ctx in (None, "PERSON", "LOCATION") or (len(span) == 1 and sentence_initial(span[0]) and ctx not in ORG_TYPES):
                return None
            return Cand(c.start, c.end, ctx, tidy_name(text), "ner", c.priority, c.label)
        if c.label == "PER" and ctx in (None, "PERSON"):
            by_words = _type_from_words(text) or (_ORG_TAIL.get(fold(span[-1].text)) if len(span) >= 2 else None)
            if by_words in ORG_TYPES:
                return Cand(c.start, c.end, by_words, tidy_name(text), "ner", c.priority, c.label)
            return self._as_person(c, span)
        if ctx == "PERSON":
            return self._as_person(c, span)
        if ctx:
            return Cand(c.start, c.end, ctx, tidy_name(text), "ner", c.priority, c.label)
        if len(span) > 6:
            return None
        if c.label == "LOC":
            if self._location_cue(doc, span):
                return Cand(c.start, c.end, "LOCATION", tidy_name(text), "ner", c.priority, c.label)
            return None
        if c.label == "ORG":
            etype = _type_from_words(text) or "COMPANY"
            if etype == "STUDY" and len(span) < 2:
                return None
            return Cand(c.start, c.end, etype, tidy_name(text), "ner", c.priority, c.label)
        if c.label == "MISC":
            etype = _type_from_words(text)
            if etype in (None, "STUDY", "LABEL"):
                return None
            return Cand(c.start, c.end, etype, tidy_name(text), "ner", c.priority, c.label)
        return None

    def _kb_type(self, doc: Doc, span: Span, kb: KBEntity) -> str:
        if kb.alt_type and kb.alt_when == "place":
            before = fold(doc[max(0, span.start - 4) : span.start].text)
            if re.search(r"\b(?:dans|en|hors|au sein|a l'echelle|a travers|partout)\b[^,.]*$", before):
                return kb.alt_type
        if kb.alt_type and kb.alt_when == "public":
            sent = _sentence_text(doc, span)
            if any(cue in fold(sent) for cue in _PUBLIC_CUES):
                return kb.alt_type
        return kb.type

    def _as_person(self, c: Cand, span: Span) -> Cand | None:
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

    def _context_type(self, doc: Doc, span: Span) -> str | None:
        """Type from the words around an unknown name: "le cabinet X", "X, numéro un mondial des centres d'appels"."""
        s = span.start
        before = []
        k = s - 1
        while k >= 0 and len(before) < 4 and not doc[k].is_space and doc[k].text not in {".", ";", "!", "?"}:
            before.insert(0, fold(doc[k].text))
            k -= 1
        for size in (3, 2, 1):
            if len(before) >= size:
                words = before[-size:]
                key = _join(words)
                if key in lx.LEFT_TRIGGERS:
                    return lx.LEFT_TRIGGERS[key]
                # skip an article between trigger and name: "le syndicat professionnel SP2C", "l'institut d'études X"
        if len(before) >= 2 and before[-1] in {"le", "la", "les", "l'", "du", "de"}:
            key = _join(before[-2:-1])
            if key in lx.LEFT_TRIGGERS and lx.LEFT_TRIGGERS[key] in ORG_TYPES:
                return None
        # apposition after the name
        e = span.end
        if e < len(doc) and doc[e].text == ",":
            after = " ".join(fold(doc[e + 1 : e + 10].text).split())
            after_words = after.split()
            if after_words and (after_words[0] in lx.PERSON_ROLES or len(after_words) > 1 and after_words[1] in lx.PERSON_ROLES and after_words[0] in {"le", "la", "son", "sa", "notre", "leur", "ancien", "ancienne", "nouveau", "nouvelle"}):
                return "PERSON" if len(span) >= 2 else None
            head = " ".join(after_words[:2])
            for h in (head, " ".join(after_words[1:3]), after_words[0] if after_words else "", after_words[1] if len(after_words) > 1 else ""):
                if h in lx.APPOSITION_HEADS:
                    t = lx.APPOSITION_HEADS[h]
                    if t == "VENDOR" and h in {"numero un", "n°1", "leader", "specialiste", "acteur"}:
                        if not any(w in after for w in lx.VENDOR_FIELD_WORDS):
                            t = "COMPANY" if h in {"numero un", "n°1", "leader"} else None
                    if t:
                        return t
        return None

    @staticmethod
    def _location_cue(doc: Doc, span: Span) -> bool:
        if span.start == 0:
            return False
        prev = fold(doc[span.start - 1].text)
        prev2 = fold(doc[span.start - 2].text) if span.start > 1 else ""
        return prev in {"a", "à", "en", "au", "aux", "vers", "depuis", "dans", "pres", "sur"} and prev2 not in {"grace", "face"} or (
            prev in {"de", "d'"} and prev2 in {"region", "ville", "pres", "proximite", "agglomeration", "banlieue", "departement", "commune"}
        )

    def _resolve_people(self, doc: Doc, cands: list[Cand]) -> list[Cand]:
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


@Language.factory("textlens_entity_resolver", default_config={"kb_paths": None, "use_ner": True})
def make_entity_resolver(nlp: Language, name: str, kb_paths: list[str] | None, use_ner: bool) -> EntityResolver:
    return EntityResolver(nlp, kb_paths, use_ner)


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------
def _hyphen_end(doc: Doc, i: int, names: frozenset[str]) -> int | None:
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


def _join(words: list[str]) -> str:
    out = ""
    for w in words:
        out = out + w if out.endswith("'") or not out else out + " " + w
    return out


def _free_pieces(start: int, end: int, taken: list[bool]) -> list[tuple[int, int]]:
    pieces, cur = [], None
    for i in range(start, end):
        if not taken[i]:
            cur = (cur[0], i + 1) if cur else (i, i + 1)
        elif cur:
            pieces.append(cur)
            cur = None
    if cur:
        pieces.append(cur)
    return pieces


def _strip_article(name: str) -> str:
    return re.sub(r"^(?:[Ll]es?|[Ll]a|[Ll]'|[Ll]’|[Dd]u|[Dd]es|[Dd]e la|[Dd]e l'|[Dd]')\s*", "", name.strip())


def tidy_name(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("’", "'")).strip(" *,;:.")
    return _strip_article(text) if not re.match(r"^(?:Les|La|Le|L')\s?[A-Z]", text) else text


def _type_from_words(text: str) -> str | None:
    words = [fold(w) for w in re.split(r"[\s'’\-/]+", text) if w]
    if not words:
        return None
    for k in (" ".join(words[:2]), words[0]):
        if k in lx.HEAD_TYPES:
            return lx.HEAD_TYPES[k]
    for w in words:
        if w in lx.NAME_WORD_TYPES:
            return lx.NAME_WORD_TYPES[w]
    return None


def _sentence_text(doc: Doc, span: Span) -> str:
    text = doc.text
    a = max(text.rfind(". ", 0, span.start_char), text.rfind("\n", 0, span.start_char), 0)
    b_candidates = [x for x in (text.find(". ", span.end_char), text.find("\n", span.end_char)) if x != -1]
    b = min(b_candidates) if b_candidates else len(text)
    return text[a:b]


_STOP_INITIALS = {"de", "du", "des", "d", "la", "le", "les", "l", "et", "pour", "en", "a", "au", "aux", "sur", "of", "the", "and", "for"}


def _initials_match(acr: str, long_form: str) -> bool:
    letters = [c for c in fold(acr) if c.isalpha()]
    words = [w for w in re.split(r"[\s'’\-]+", fold(long_form)) if w and w[0].isalpha()]
    if not words or not letters or words[0][0] != letters[0]:
        return False
    sig = [w for w in words if w not in _STOP_INITIALS]
    if [w[0] for w in sig] == letters or [w[0] for w in words] == letters:
        return True
    # subsequence of significant initials, covering first and (almost) all letters
    it = iter(w[0] for w in sig)
    return all(any(ch == x for x in it) for ch in letters) and len(sig) <= len(letters) + 1


def _match_long_form(acr: str, before: str) -> str | None:
    """Shortest run of words ending `before` whose initials give `acr`."""
    before = before.rstrip()
    words = list(re.finditer(r"[^\s]+", before))
    letters = [c for c in fold(acr) if c.isalpha()]
    if not words or not letters:
        return None
    for k in range(1, min(len(words), 14) + 1):
        first = words[-k]
        w0 = fold(first.group())
        w0 = re.sub(r"^(?:l|d)'", "", w0)
        if not w0 or w0[0] != letters[0]:
            continue
        cand = before[first.start() :]
        cand = re.sub(r"^(?:[LlDd]['’])", "", cand)
        if not cand[:1].isupper():
            continue
        if _initials_match(acr, cand):
            return cand
    return None


def normalise_person(name: str) -> str:
    """"Manuel JACQUINET" -> "Manuel Jacquinet"; particles stay lower-case; initials kept."""
    out = []
    for w in name.split():
        if len(w) > 1 and w.isupper() and not re.fullmatch(r"[A-Z]\.", w):
            w = "-".join(p.capitalize() for p in w.split("-"))
        elif fold(w) in lx.PERSON_PARTICLES and out:
            w = w.lower()
        out.append(w)
    return " ".join(out)


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


def doc_mentions(doc: Doc) -> list[Mention]:
    """The resolved mentions of a processed Doc as records (character offsets)."""
    return [
        Mention(sp._.canonical or sp.text, sp._.etype or sp.label_, sp.text, sp.start_char, sp.end_char, sp._.esource or "")
        for sp in doc.spans.get(SPAN_KEY, [])
    ]
