"""Studies, figures and quotes: who measured what, the numbers stated, who said what.

Rules over the resolved entities of a Doc and its sentences. A study unnamed in the text is named by
its authors ("étude TNS Sofres pour Easynet"); its authors are retyped RESEARCH_FIRM when the KB says
they sign studies (Steria) or when nothing else is known of them.
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Doc, Span

from textlens.entities import lexicon as lx
from textlens.entities.kb import fold, load_kb
from textlens.entities.figure_model import FigureCandidate
from textlens.entities.numbers import fold_accents, scan
from textlens.entities.records import Figure, Quote, Study
from textlens.entities.spans import SPAN_KEY
from textlens.vocab import ORG_TYPES

if TYPE_CHECKING:
    from textlens.entities.kb import KnowledgeBase

class Ent:
    """A resolved entity as a plain object: spaCy extension attributes are slow to read in loops, and the
    rules below read them thousands of times. Written back to the Doc by FactExtractor."""

    __slots__ = ("start", "end", "start_char", "end_char", "text", "_")

    def __init__(self, start: int, end: int, start_char: int, end_char: int, text: str, etype: str | None,
                 canonical: str | None, esource: str | None):
        from types import SimpleNamespace

        self.start, self.end, self.start_char, self.end_char, self.text = start, end, start_char, end_char, text
        self._ = SimpleNamespace(etype=etype, canonical=canonical, esource=esource)

    @classmethod
    def of(cls, sp: Span) -> "Ent":
        return cls(sp.start, sp.end, sp.start_char, sp.end_char, sp.text, sp._.etype, sp._.canonical, sp._.esource)

    def to_span(self, doc: Doc) -> Span:
        sp = Span(doc, self.start, self.end, label=self._.etype or "")
        sp._.etype, sp._.canonical, sp._.esource = self._.etype, self._.canonical, self._.esource
        return sp


# ---------------------------------------------------------------------------------------------------------
# sentences
# ---------------------------------------------------------------------------------------------------------


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character bounds of the sentences: the passages given by the caller, else the segmenter's."""
    given = doc._.passages
    if given:
        return [(a, b) for a, b in given]
    from textlens.analysis.segment import split_passages

    return [(p.start, p.end) for p in split_passages("", doc.text)]


class Sentences:
    def __init__(self, bounds: list[tuple[int, int]]):
        self.bounds = sorted(bounds)
        self.starts = [a for a, _ in self.bounds]

    def index(self, char: int) -> int:
        i = bisect_right(self.starts, char) - 1
        return max(i, 0)

    def bound(self, char: int) -> tuple[int, int]:
        if not self.bounds:
            return (0, 0)
        return self.bounds[self.index(char)]


# ---------------------------------------------------------------------------------------------------------
# studies
# ---------------------------------------------------------------------------------------------------------
_STUDY_NOUNS = {"etude": "étude", "etudes": "étude", "enquete": "enquête", "enquetes": "enquête", "sondage": "sondage",
                "sondages": "sondage", "barometre": "baromètre", "observatoire": "observatoire", "rapport": "rapport",
                "classement": "classement", "palmares": "palmarès", "panel": "panel"}
_NUMBER_WORDS = r"(?:\d[\d\s.,]*|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente|quarante|cinquante|soixante|cent|mille|plusieurs|[a-zé]+-(?:sept|huit|neuf))"
_SCOPE = re.compile(
    rf"\b(?:dans|sur|auprès d[e']|aupres d[e']|en|parmi)\s*(?:les\s+)?({_NUMBER_WORDS}\s+(?:\w+\s+)?(?:pays|personnes|français|francais|consommateurs|salariés|salaries|entreprises|répondants|repondants|individus|internautes|clients|centres|dirigeants|décideurs|decideurs|responsables|marchés|marches|villes|sites|secteurs|européens|europeens|conseillers|agents|managers))\b",
    re.IGNORECASE,
)
_SCOPE_ADJ = re.compile(r"\b(internationale?s?|européenne?s?|europeenne?s?|mondiale?s?|nationale?s?)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")


def extract_studies(doc: Doc, spans: list[Ent], sents: Sentences, kb: "KnowledgeBase") -> tuple[list[Study], list[Ent]]:
    """Studies of the document and the STUDY spans to add (unnamed studies named by their authors)."""
    by_start = {sp.start: sp for sp in spans}
    studies: list[Study] = []
    new_spans: list[Span] = []
    seen: set[str] = set()
    n = len(doc)
    folds = [fold(t.text) for t in doc]
    for i, f in enumerate(folds):
        noun = _STUDY_NOUNS.get(f)
        verb = f in {"etudie", "etudiee", "etudies", "etudiees"}
        named = by_start.get(i) if by_start.get(i) is not None and by_start[i]._.etype == "STUDY" else None
        if named is None and noun is None and not verb:
            continue
        if named is None and _inside(i, spans):
            continue  # "Baromètre" inside a KB study name is handled by that name
        j = (named.end if named is not None else i + 1)
        authors: list[Span] = []
        sponsors: list[Span] = []
        direct = False
        sponsor_adjacent = False
        # "étude Ipsos/Steria", "étude Aspect Software": authors right after the noun
        k = j
        if named is None and not verb:
            k = _skip_adjectives(doc, k, folds, by_start)
            if k < n and k in by_start and by_start[k]._.etype in ORG_TYPES + ("LOCATION", "PERSON") and k == j:
                authors, k = _entity_list(doc, k, by_start, folds)
                direct = bool(authors)
        # "réalisée par KPMG pour le syndicat SP2C", "étudié par TNS Sofres pour Easynet", "de l'institut X"
        window_end = min(n, k + 12)
        m = k
        while m < window_end and not doc[m].is_space and doc[m].text not in {".", ";", "!", "?", "«", "»"}:
            fm = folds[m]
            if fm == "par" and not authors and (verb or folds[m - 1] in lx.STUDY_VERBS or m == k or _all_adjectives(doc, k, m)):
                p = _skip_to_entity(doc, m + 1, folds, by_start)
                if p is not None:
                    authors, m = _entity_list(doc, p, by_start, folds)
                    continue
            if fm in {"de", "du", "d'", "des"} and not authors and m == k and not verb and named is None:
                p = _skip_to_entity(doc, m + 1, folds, by_start, max_skip=3)
                if p is not None and by_start[p]._.etype in ORG_TYPES:
                    authors, m = _entity_list(doc, p, by_start, folds)
                    continue
            if fm == "pour" and not sponsors:
                p = _skip_to_entity(doc, m + 1, folds, by_start)
                if p is not None and by_start[p]._.etype in ORG_TYPES:
                    if authors:
                        gap = [folds[x] for x in range(authors[-1].end, m)]
                        sponsor_adjacent = not gap or (len(gap) == 1 and gap[0] in lx.STUDY_VERBS)
                    sponsors, m = _entity_list(doc, p, by_start, folds)
                    continue
            if m in by_start and authors and not sponsors and by_start[m]._.etype in ORG_TYPES and fm != "pour":
                break
            m += 1
        if named is None and not authors:
            continue
        a, b = sents.bound(doc[i].idx)
        sentence = doc.text[a:b]
        word = "étude" if verb else (noun or "étude")
        author_names = [sp._.canonical for sp in authors]
        sponsor_names = [sp._.canonical for sp in sponsors]
        if named is not None:
            name = named._.canonical
        else:
            # named as the text names it: "étude TNS Sofres pour l'AFRC", "enquête de la CFDT"
            name = f"{word} {'/'.join(_surface(sp.text) for sp in authors)}"
            if sponsors and sponsor_adjacent:
                first = sponsors[0]
                art = doc[first.start - 1].text if first.start > 0 and fold(doc[first.start - 1].text) in {"l'", "le", "la", "les"} else ""
                lead = art if art.endswith("'") else (art + " " if art else "")
                name += " pour " + lead + "/".join(_surface(sp.text) for sp in sponsors)
        scope = _scope(sentence, doc.text[doc[i].idx : b])
        year = _study_year(sentence, doc._.year)
        key = fold(name)
        if key not in seen:
            seen.add(key)
            studies.append(Study(name, author_names, sponsor_names, year, scope, sentence.strip(), doc[i].idx, doc[i].idx + len(doc[i].text)))
        else:
            for st in studies:
                if fold(st.name) == key:
                    st.conducted_by = st.conducted_by or author_names
                    st.commissioned_by = st.commissioned_by or sponsor_names
        if named is None:
            end = max([sp.end for sp in authors + (sponsors if not direct else [])] + [i + 1])
            piece = doc[i:end]
            new_spans.append(Ent(i, end, piece.start_char, piece.end_char, piece.text, "STUDY", name, "study"))
        for sp in authors:
            kbe = kb.entities.get(sp._.canonical)
            if kbe is not None and kbe.study_author:
                sp._.etype = kbe.study_author
            elif (kbe is None or sp._.esource != "kb") and sp._.etype in ("COMPANY", "LOCATION", "MEDIA"):
                sp._.etype = "RESEARCH_FIRM"
    return studies, new_spans


def _surface(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" *,.;:")


def _inside(i: int, spans: list[Span]) -> bool:
    return any(sp.start < i < sp.end or (sp.start == i and sp._.etype != "STUDY" and sp.end > i + 1) for sp in spans)


def _skip_adjectives(doc: Doc, k: int, folds: list[str], by_start: dict[int, Span]) -> int:
    return k


def _all_adjectives(doc: Doc, a: int, b: int) -> bool:
    """Tokens between the noun and "par" are modifiers ("internationale réalisée", "récente menée")."""
    for t in doc[a:b]:
        f = fold(t.text)
        if t.is_punct or f in {"par", "pour"}:
            return False
        if t.is_alpha and (f in lx.STUDY_VERBS or f.endswith(("e", "es", "ale", "ales", "elle", "elles", "ue", "ee", "ees", "le"))):
            continue
        if f in {"en", "a", "au", "aux", "dans", "sur", "de", "du", "des", "d'", "la", "le", "les", "l'"}:
            continue
        if t.like_num or t.is_alpha:
            continue
        return False
    return b - a <= 12


def _skip_to_entity(doc: Doc, p: int, folds: list[str], by_start: dict[int, Span], max_skip: int = 4) -> int | None:
    """Skip articles and kind words ("le syndicat professionnel", "l'institut") to the next entity."""
    q = p
    while q < len(doc) and q - p <= max_skip:
        if q in by_start:
            return q
        t = doc[q]
        if t.is_space or t.text in {".", ",", ";", "(", ")", "«", "»"}:
            return None
        if not (t.is_lower or folds[q] in {"l'", "d'"}):
            return None
        q += 1
    return None


def _entity_list(doc: Doc, p: int, by_start: dict[int, Span], folds: list[str]) -> tuple[list[Span], int]:
    """Entities joined by "/", "et", "," from token p ("Ipsos/Steria", "BVA et Kantar")."""
    out = [by_start[p]]
    q = by_start[p].end
    while q + 1 < len(doc) and doc[q].text in {"/", "et", "&", "-"} and q + 1 in by_start and by_start[q + 1]._.etype in ORG_TYPES:
        out.append(by_start[q + 1])
        q = by_start[q + 1].end
    return out, q


def _scope(sentence: str, after: str) -> str | None:
    m = _SCOPE.search(after) or _SCOPE.search(sentence)
    if m:
        return m.group(1).strip()
    m = _SCOPE_ADJ.search(after[:60])
    return m.group(1).lower() if m else None


def _study_year(sentence: str, doc_year: int | None) -> int | None:
    years = [int(y) for y in _YEAR.findall(sentence)]
    return years[0] if years else doc_year


# ---------------------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------------------
# Every number expression of the text is a candidate (digits, number words, "une centaine", "la moitié",
# "deux Français sur trois", ranges); a learned scorer (textlens.entities.figure_model) keeps the key
# statistics among them, as the gold scheme defines them: not every number of an article is one.
_COUNT_NOUNS = frozenset(
    "emplois salaries postes conseillers teleconseillers agents collaborateurs personnes positions sites centres "
    "entreprises clients appels contacts heures minutes secondes jours francais consommateurs sondes repondants "
    "pays villes candidats recrutements embauches licenciements plateformes dossiers reclamations plaintes mails "
    "courriels e-mails visites utilisateurs internautes abonnes foyers menages prestataires outsourceurs "
    "operateurs interactions demandes avis chomeurs jeunes stagiaires metiers diplomes etudiants managers "
    "superviseurs etablissements agences boutiques magasins societes pme fois ans mois semaines employes "
    "teleoperateurs teleacteurs creations suppressions departs messages projets langues allocataires inscrits "
    "usagers salarie emploi poste personne site centre appel client".split())
_NOUN_MODIFIERS = frozenset("autres nouveaux nouvelles premiers premieres derniers dernieres grands grandes petits "
                            "petites principaux principales gros seuls seules vrais anciens".split())
_TIME_NOUNS = frozenset("secondes minutes heures jours semaines mois ans annees h min mn".split())
_MONEY_AFTER = re.compile(
    r"\s?(?:(?:de\s|d')?(?:euros?|€|eur\b|francs?\b|frcs\b|f\b|dollars?|\$|dirhams?|dh\b|dinars?|livres?\s+sterling)"
    r"|m€|md€|mds€|k€|meuros|mf\b|mdf\b|centimes?(?:\s+d'euros?)?)", re.IGNORECASE)
_NOUN_AFTER = re.compile(r"\s(?:(?:de|d')\s?)?((?:[a-zà-ÿœ]+(?:-[a-zà-ÿœ]+)?))", re.IGNORECASE)
_QUALIFIER_BEFORE = re.compile(
    r"(?:\b(?:plus|moins|pres|près|autour)\s+(?:de|d')\s?|\b(?:environ|quelque|presque|quasiment|seulement|"
    r"au\s+moins|au\s+plus|pas\s+moins\s+de|jusqu'à|jusqu'a|entre|de\s+l'ordre\s+de|à\s+peine|plus\s+d')\s*)$",
    re.IGNORECASE)
_RANGE_JOIN = re.compile(r"\s?(?:€|\$)?\s?(?:à|a|-|–|et|ou|voire)\s?", re.IGNORECASE)
_NOT_FIGURE_BEFORE = re.compile(r"(?:ISO|NF|EN|n°|no\.?|art\.|article|articles|page|p\.|tél\.|tel\.|loi|décret|"
                                r"version|v\.|numéro|numero|chapitre|alinéa|€|\$)\s*$", re.IGNORECASE)
# numbers that belong to a name or a round-the-clock phrase: "CAC 40", "Covid 19", "Top 50", "24h/24", "7 jours/7"
_NAME_BEFORE = re.compile(r"\b(?:CAC|SBF|Stoxx|Covid|COVID|Top|TOP|Euronext|Fortune|Nasdaq|Windows|iPhone|Web)\s?-?\s?$")
_PER_AFTER = re.compile(r"^\s?(?:h|j|jours?|heures?)\s?/\s?\d", re.IGNORECASE)
_MONTHS = r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|janv|févr|fev|avr|juil|sept|oct|nov|déc|dec"
_DATE_AFTER = re.compile(rf"^\s?(?:er\s)?(?:{_MONTHS})\b", re.IGNORECASE)
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTHS})\s*$", re.IGNORECASE)
_ORDINAL_AFTER = re.compile(r"^(?:e|è|er|ère|ere|ème|eme|nd|nde|ieme|ième|th|st|rd)\b", re.IGNORECASE)
_GROWTH = re.compile(r"\b(hausse|progression|croissance|augmentation|baisse|recul|chute|diminution|repli|bond|déclin|progresse|augmente|baisse|recule|croît|chute|grimpe|diminue|passe|passé|passer)\b", re.IGNORECASE)
_STAT_VERBS = re.compile(r"\b(?:compte|comptent|emploie|emploient|représente\w*|atteint|atteignent|s'élève\w*|totalise\w*|"
                         r"réalise\w*|recense\w*|dénombre\w*|estime\w*|évalue\w*|pèse|pèsent|génère\w*|"
                         r"regroupe\w*|employ\w*|chiffre\w*|affiche\w*)\b", re.IGNORECASE)
_STUDY_CUE = re.compile(r"\b(?:étude|etude|enquête|enquete|sondage|baromètre|barometre|observatoire|rapport|classement|panel|selon|d'après|source)\b", re.IGNORECASE)
_SOURCE_CUES = re.compile(r"\b(?:selon|d['’]après|source\s*:|révèle|indique|montre|relève|d['’]après)\b", re.IGNORECASE)
_SURVEY_CUES = re.compile(r"\b(?:des\s+(?:Français|sondés|personnes\s+interrogées|répondants|consommateurs|salariés|clients|internautes|entreprises|dirigeants|européens)|estiment|déclarent|jugent|se\s+disent|affirment|considèrent|pensent)\b", re.IGNORECASE)
_EMPLOY = re.compile(r"\b(?:emploie|emploi|emplois|salariés|recrut\w*|embauch\w*|effectifs?|postes?|créations?|suppressions?|chiffre\s+d'affaires|CA|investi\w*|millions?|milliards?)\b", re.IGNORECASE)


def _money_unit(written: str) -> tuple[str, float]:
    """Currency and scale of a money suffix ("d'euros", "MF", "Md€", "centimes d'euro")."""
    w = fold_accents(written.strip())
    scale = 1e6 if w in ("m€", "meuros", "mf") else 1e9 if w in ("md€", "mds€", "mdf") else 1e3 if w == "k€" else 1.0
    if w.startswith("centime"):
        return ("EUR" if "euro" in w else "FRF"), 0.01
    if "dollar" in w or "$" in w:
        return "USD", scale
    if "franc" in w or w in ("f", "frcs", "mf", "mdf"):
        return "FRF", scale
    if "dirham" in w or w == "dh":
        return "MAD", scale
    if "dinar" in w:
        return "DZD", scale
    if "livre" in w:
        return "GBP", scale
    return "EUR", scale


def figure_candidates(text: str, bounds: list[tuple[int, int]], entity_types: list[tuple[int, int, str]],
                      study_starts: list[int]) -> list[FigureCandidate]:
    """Every number expression of `text` that could be a statistic, with its features.

    Hard exclusions only where a number cannot be a statistic: years, dates and times, ordinals, numbers glued
    to words or codes ("SP2C", "ISO 9001", "n° 12", "article 5"). `entity_types` are (start, end, type) of the
    resolved entities and `study_starts` where studies are cited: features of the sentence.
    """
    sents = Sentences(bounds or [(0, len(text))])
    spans = scan(text)
    out: list[FigureCandidate] = []
    i = 0
    n_text = max(len(text), 1)
    while i < len(spans):
        sp = spans[i]
        start, end, number, percent, kind = sp.start, sp.end, sp.value, sp.percent, sp.kind
        raw = text[start:end]
        before, after = text[max(0, start - 40):start], text[end:end + 60]
        i += 1
        if kind == "digits":
            if before.endswith(("/", ":", "-", "#", "°", "_")) and not before.endswith(" -") or re.search(r"[^\W\d]$", before):
                continue  # a code, a date or a time: "05/12", "12:30", "COVID-19", "SP2C", "img_6246"
            if re.match(r"0\s\d", raw):
                continue  # a phone number: "0 800 555 222"
            if re.match(r"^(?:/|:|h\d|\d|[.,]\d|-\d|\.[^\W\d_])", after) or _ORDINAL_AFTER.match(after) or re.match(r"^[^\W\d_]", after) and not re.match(r"^(?:k|m|md|h|mn|min|ans?)\b", after, re.IGNORECASE):
                continue
            if _NOT_FIGURE_BEFORE.search(before) or _DATE_AFTER.match(after) or _DATE_BEFORE.search(before) \
                    or _NAME_BEFORE.search(before) or _PER_AFTER.match(after):
                continue
            if not percent and number == int(number) and 1900 <= number <= 2100 and not re.match(r"^\s?(?:millions?|milliards?)", raw[4:]) and re.fullmatch(r"\d{4}", raw.strip()):
                continue  # a year
        # a range: "19 à 9 %", "entre 120 000 et 150 000", "10-40 minutes"
        is_range = False
        if i < len(spans) and spans[i].kind in ("digits", "words") and _RANGE_JOIN.fullmatch(text[end:spans[i].start]) \
                and not (percent and not spans[i].percent):  # "de 6,2 % à 2,1 milliards": two figures
            nxt = spans[i]
            percent = percent or nxt.percent
            end = nxt.end
            is_range = True
            i += 1
        after = text[end:end + 60]
        unit: str | None = ("points" if re.search(r"\b(?:points?|pts?)$", text[start:end], re.IGNORECASE) else "%") if percent else None
        if kind in ("fraction", "ratio"):
            unit = "%"
        money = _MONEY_AFTER.match(after) if unit is None else None
        noun = ""
        if money:
            unit, scale = _money_unit(money.group(0))
            number *= scale
            end += money.end()
            after = text[end:end + 60]
        elif unit is None:
            m = _NOUN_AFTER.match(after)
            if m and fold_accents(m.group(1)) in _NOUN_MODIFIERS:
                m2 = _NOUN_AFTER.match(after, m.end())
                m = m2 if m2 and not re.match(r"\s(?:de|d')", m2.group(0), re.IGNORECASE) else m  # "six autres centres"
            if m and not m.group(0).startswith(("\n",)):
                noun = fold_accents(m.group(1))
                if re.match(r"\s(?:de|d')", m.group(0), re.IGNORECASE) and kind not in ("approx",) and not re.search(r"(?:millions?|milliards?|mille)$", text[start:end]):
                    noun = ""  # "15 de ses centres": the noun of "de" belongs to the next words
                elif noun in _COUNT_NOUNS or noun in _TIME_NOUNS or noun.rstrip("s") + "s" in _COUNT_NOUNS:
                    unit = m.group(1)
                    end += m.end()
                elif noun in ("points", "point", "pts", "pt"):
                    unit = "points"
                    end += m.end()
        q = _QUALIFIER_BEFORE.search(text[max(0, start - 30):start])
        vstart = start - (len(q.group(0)) if q else 0)
        a, b = sents.bound(start)
        out.append(FigureCandidate(vstart, end, number, unit, unit == "%", (a, b), _features(
            text, start, end, a, b, kind, unit, noun, number, percent, is_range, bool(q), before, after,
            entity_types, study_starts, n_text)))
    # candidates per sentence: a table-like or list-like run of numbers
    per_sentence: dict[tuple[int, int], int] = {}
    for c in out:
        per_sentence[c.sentence] = per_sentence.get(c.sentence, 0) + 1
    n_doc = len(out)
    for k, c in enumerate(out):
        # a run of bare numbers (a table row, a teaser list "74% 80% 79%..."): neighbours within a few characters
        close = sum(1 for o in out[max(0, k - 2):k + 3] if o is not c and (0 <= o.start - c.end <= 6 or 0 <= c.start - o.end <= 6))
        if close:
            c.features["packed_numbers"] = 1.0
        if close >= 2:
            c.features["packed_numbers_both_sides"] = 1.0
    for c in out:
        k = per_sentence[c.sentence]
        c.features["sent_numbers=1" if k == 1 else "sent_numbers=2-3" if k <= 3 else "sent_numbers=4+"] = 1.0
        c.features["doc_numbers=1-5" if n_doc <= 5 else "doc_numbers=6-15" if n_doc <= 15 else "doc_numbers=16+"] = 1.0
    return out


@functools.lru_cache(maxsize=256)
def _sentence_cues(sentence: str) -> tuple[str, ...]:
    """The sentence's words that announce a statistic (computed once per sentence, not per number)."""
    cues = (("growth", _GROWTH), ("study_cue", _STUDY_CUE), ("survey_cue", _SURVEY_CUES), ("business_cue", _EMPLOY),
            ("stat_verb", _STAT_VERBS))
    return tuple(name for name, rx in cues if rx.search(sentence))


def _sentence_features(sentence: str, a: int, b: int, entity_types: list[tuple[int, int, str]],
                       study_starts: list[int]) -> dict[str, float]:
    f = {name: 1.0 for name in _sentence_cues(sentence)}
    for t in {t for s, _, t in entity_types if a <= s < b}:
        f[f"sent_has={t}"] = 1.0
    if any(a <= s < b for s in study_starts):
        f["sent_has_study"] = 1.0
    return f


def _features(text: str, start: int, end: int, a: int, b: int, kind: str, unit: str | None, noun: str,
              number: float, percent: bool, is_range: bool, qualified: bool, before: str, after: str,
              entity_types: list[tuple[int, int, str]], study_starts: list[int], n_text: int) -> dict[str, float]:
    """What the key-figure scorer reads: how the number is written, its unit, its sentence and its place."""
    import math

    sentence = text[a:b]
    f: dict[str, float] = {f"kind={kind}": 1.0}
    unit_class = ("pct" if unit == "%" else "points" if unit == "points" else "money" if unit in ("EUR", "USD", "FRF", "MAD", "DZD", "GBP")
                  else "time" if unit and fold_accents(unit) in _TIME_NOUNS else "noun" if unit else "none")
    f[f"unit={unit_class}"] = 1.0
    if noun:
        f[f"next={noun}"] = 1.0
    nxt = re.match(r"\s*([^\s]+)", after)
    if nxt:
        w = nxt.group(1)
        shape = ("punct" if not w[0].isalnum() else "upper" if w[0].isupper() else "digit" if w[0].isdigit()
                 else "prep" if fold_accents(w) in ("a", "en", "de", "d'", "du", "des", "par", "sur", "pour", "dans", "au", "aux")
                 else "plural" if w.rstrip(".,;:)").endswith(("s", "x")) else "word")
        f[f"next_shape={shape}"] = 1.0
    prev_word = re.findall(r"[^\W\d_]+['’]?", before.lower())
    if prev_word:
        f[f"prev={fold_accents(prev_word[-1])}"] = 1.0
        if len(prev_word) > 1:
            f[f"prev2={fold_accents(prev_word[-2])}"] = 1.0

    written = text[start:end]
    if re.search(r"millions?|milliards?|\bmd|\bmf\b|m€", written, re.IGNORECASE):
        f["scaled"] = 1.0
    if is_range:
        f["range"] = 1.0
    if qualified:
        f["qualifier"] = 1.0
    if number != int(number):
        f["decimal"] = 1.0
    mag = math.log10(abs(number)) if number else 0.0
    f[f"mag={min(int(mag), 7)}"] = 1.0
    if number == int(number) and number <= 12 and kind == "words":
        f["small_word_number"] = 1.0
    if number == int(number) and 1900 <= number <= 2100:
        f["yearlike"] = 1.0
    if re.search(r"\(\s*$", before) or after.lstrip().startswith(")"):
        f["parenthesis"] = 1.0
    f.update(_sentence_features(sentence, a, b, entity_types, study_starts))
    rel = start / n_text
    f["pos=first5%" if rel < 0.05 else "pos=last10%" if rel > 0.9 else "pos=body"] = 1.0
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: line_end if line_end >= 0 else len(text)]
    n_words = len(line.split())
    f["line=short" if n_words <= 6 else "line=medium" if n_words <= 15 else "line=long"] = 1.0
    if re.match(r"\s*(?:[-•*·–]|\d+[.)])\s", line):
        f["line=bullet"] = 1.0
    if start - line_start <= 1:
        f["line_start"] = 1.0
    n_sent_words = len(sentence.split())
    f["sent=short" if n_sent_words <= 8 else "sent=long" if n_sent_words > 40 else "sent=medium"] = 1.0
    return f


def extract_figures(doc: Doc, sents: Sentences, studies: list[Study], spans: list[Ent]) -> list[Figure]:
    """The key statistics of the document: candidates the scorer keeps, with what they measure and their source."""
    from textlens.entities.figure_model import figure_model, is_key_rule

    text = doc.text
    model = figure_model()
    cands = figure_candidates(text, sents.bounds, [(sp.start_char, sp.end_char, sp._.etype or "") for sp in spans],
                              [st.start for st in studies])
    out: list[Figure] = []
    for c in cands:
        keep = model.keeps(c.features) if model is not None else is_key_rule(c)
        if not keep:
            continue
        a, b = c.sentence
        sentence = text[a:b]
        about = _about(sentence, c.start - a, c.end - a)
        source = _figure_source(doc, sentence, a, b, studies, spans)
        out.append(Figure(c.value(text), c.number, c.unit, about, source, sentence.strip(), c.start, c.end))
    return out


_CLAUSE_SPLIT = re.compile(r"\s*(?:[;:()«»\"]|[.!?*]+\s|,\s|\s[-–—]\s|\bselon\b|\bd['’]après\b|\bmais\b|\bcontre\b|\bsoit\b)\s*", re.IGNORECASE)
_LEAD = re.compile(r"^(?:et|ou|dont|que|qui|de|des|du|d['’]|à|a|pour|sur|en|soit|plus|près|pres|environ|quelque|quelques|seulement|seuls?|seules?|ne|n['’]|qu['’]à)\s+", re.IGNORECASE)


def _about(sentence: str, s: int, e: int) -> str:
    """Short phrase of the sentence saying what the figure measures (its clause, value removed)."""
    pieces = []
    pos = 0
    for m in _CLAUSE_SPLIT.finditer(sentence):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(sentence)))
    idx = next((k for k, (x, y) in enumerate(pieces) if x <= s < max(y, x + 1)), None)
    clause = pieces[idx] if idx is not None else (0, len(sentence))
    after = sentence[e : clause[1]].strip()
    if idx is not None and len(after.split()) < 4 and idx + 1 < len(pieces) and not re.search(r"[.!?]\s*$", sentence[clause[1] : pieces[idx + 1][0]]):
        # "Pour 58 % des Français, la qualité ... joue un rôle": the measured thing is in the next clause
        nxt = sentence[pieces[idx + 1][0] : pieces[idx + 1][1]].strip()
        after = f"{after}, {nxt}" if after else nxt
    before = sentence[clause[0] : s].strip()
    after_words = after.split()
    before_words = before.split()
    if len(after_words) >= 3 or not before_words:
        words = after_words[:14]
        phrase = " ".join(words)
        prev = _LEAD.sub("", phrase)
        while prev != phrase:
            phrase, prev = prev, _LEAD.sub("", prev)
        if len(before_words) >= 2 and len(after_words) < 6:
            phrase = " ".join(before_words[-6:]) + " … " + phrase
        return phrase.strip(" ,.")
    return " ".join(before_words[-12:] + after_words).strip(" ,.")


def _figure_source(doc: Doc, sentence: str, a: int, b: int, studies: list[Study], spans: list[Span]) -> str | None:
    here = [st for st in studies if a <= st.start < b]
    if here:
        st = here[0]
        if st.commissioned_by and " pour " not in st.name:
            return f"{st.name} pour {'/'.join(st.commissioned_by)}"
        return st.name
    m = _SOURCE_CUES.search(sentence)
    if m:
        cue_end = a + m.end()
        for sp in spans:
            if cue_end <= sp.start_char <= cue_end + 40 and sp._.etype in ORG_TYPES + ("PERSON", "STUDY"):
                return sp._.canonical
    if len(studies) == 1 and _SURVEY_CUES.search(sentence):
        st = studies[0]
        if st.commissioned_by and " pour " not in st.name:
            return f"{st.name} pour {'/'.join(st.commissioned_by)}"
        return st.name
    return None


# ---------------------------------------------------------------------------------------------------------
# quotes
# ---------------------------------------------------------------------------------------------------------
_QUOTE = re.compile(r"«\s*(?P<a>[^«»]{3,1500}?)\s*»|“(?P<b>[^“”]{3,1500}?)”|(?<![\w])\"\s?(?P<c>[^\"\n]{3,1500}?)\s?\"(?![\w])")
_AFTER_SPEAKER = re.compile(r"^\s*[,.]?\s*(?:[-–—]\s*)?(?P<verb>[a-zéèêîôûàç'’\-]+?)(?:-t)?-(?P<pron>il|elle|ils|elles)\b", re.IGNORECASE)
_AFTER_NAMED = re.compile(r"^\s*,\s*(?P<verb>[a-zéèêîôûàç'’\-]+)\s+(?:(?:toutefois|encore|ainsi|alors|aussi|pourtant|cependant|enfin|d['’]ailleurs|même)\s+)?(?P<who>[^,.;!?«»]{2,80})", re.IGNORECASE)


def extract_quotes(doc: Doc, sents: Sentences, spans: list[Span]) -> list[Quote]:
    text = doc.text
    people = [sp for sp in spans if sp._.etype == "PERSON"]
    out = []
    for m in _QUOTE.finditer(text):
        body = (m.group("a") or m.group("b") or m.group("c") or "").strip()
        if len(body.split()) < 3:
            continue  # «grand public», «moyen»: a scare-quoted word, not a quotation
        qs, qe = m.start(), m.end()
        a, b = sents.bound(qs)
        sentence = text[min(a, qs) : max(b, qe)].strip()
        speaker = _speaker(text, qs, qe, people, spans)
        out.append(Quote(body, speaker, sentence, qs, qe))
    return out


def _speaker(text: str, qs: int, qe: int, people: list[Span], spans: list[Span]) -> str | None:
    after = text[qe : qe + 160]
    m = _AFTER_SPEAKER.match(after)
    if m and fold(m.group("verb")) in lx.SPEECH_VERBS:
        prev = [p for p in people if p.end_char <= qs]
        return prev[-1]._.canonical if prev else None
    m = _AFTER_NAMED.match(after)
    if m and fold(m.group("verb")) in lx.SPEECH_VERBS:
        who_start = qe + m.start("who")
        for sp in spans:
            if who_start <= sp.start_char < qe + m.end("who") and sp._.etype in ("PERSON",) + ORG_TYPES:
                return sp._.canonical
        who = m.group("who").strip()
        return who if len(who.split()) <= 8 else None
    # "Fabrice André, Mission nationale de la relation client : « ... »" / "X explique : « ... »" / "selon X, « ... »"
    before = text[max(0, qs - 200) : qs]
    line_start = max(before.rfind("\n"), before.rfind(". "), before.rfind("? "), before.rfind("! "))
    lead = before[line_start + 1 :]
    if re.search(r"[:,]\s*$", lead):
        lead_start = qs - len(lead)
        for p in people:
            if lead_start <= p.start_char < qs:
                return p._.canonical
    return None


# ---------------------------------------------------------------------------------------------------------
# component
# ---------------------------------------------------------------------------------------------------------
class FactExtractor:
    """Studies (and their STUDY mentions), figures and quotes from the resolved entities of a Doc."""

    def __init__(self, nlp: Language, kb_paths: list[str] | None = None, figures: bool = True, quotes: bool = True):
        self.kb = load_kb(tuple(kb_paths) if kb_paths else None)
        self.figures = figures
        self.quotes = quotes

    def __call__(self, doc: Doc) -> Doc:
        spans = [Ent.of(sp) for sp in doc.spans.get(SPAN_KEY, [])]
        sents = Sentences(sentence_bounds(doc))
        studies, new_spans = extract_studies(doc, spans, sents, self.kb)
        spans = sorted(spans + new_spans, key=lambda s: (s.start, -s.end))
        doc.spans[SPAN_KEY] = [e.to_span(doc) for e in spans]
        doc._.studies = studies
        doc._.figures = extract_figures(doc, sents, studies, spans) if self.figures else []
        doc._.quotes = extract_quotes(doc, sents, spans) if self.quotes else []
        return doc


@Language.factory("textlens_facts", default_config={"kb_paths": None, "figures": True, "quotes": True},
                  requires=["doc.spans"], assigns=["doc.spans", "doc._.studies", "doc._.figures", "doc._.quotes"])
def make_fact_extractor(nlp: Language, name: str, kb_paths: list[str] | None, figures: bool, quotes: bool) -> FactExtractor:
    return FactExtractor(nlp, kb_paths, figures, quotes)
