"""How a name is written and what its words say: tidying, person names, types from name words, acronyms.

Pure string functions (no spaCy), shared by the entity resolver, the facts component and the learned typer.
"""
from __future__ import annotations

import re

from textlens.entities import lexicon as lx
from textlens.entities.kb import fold


def strip_article(name: str) -> str:
    """ "Les Pros de la relation client" -> "Pros de la relation client" (a leading article is no part of a name)."""
    return re.sub(r"^(?:[Ll]es?|[Ll]a|[Ll]'|[Ll]’|[Dd]u|[Dd]es|[Dd]e la|[Dd]e l'|[Dd]')\s*", "", name.strip())


def tidy_name(text: str) -> str:
    """A found name as it is shown: one space, plain apostrophes, no edge punctuation nor leading article (unless
    the article is part of the name: "La Poste", "Les Echos")."""
    text = re.sub(r"\s+", " ", text.replace("’", "'")).strip(" *,;:.")
    return strip_article(text) if not re.match(r"^(?:Les|La|Le|L')\s?[A-Z]", text) else text


def tidy_spaces(text: str) -> str:
    """One space between words, plain apostrophes (a rule-built name keeps its article)."""
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


def normalise_person(name: str) -> str:
    """ "Manuel JACQUINET" -> "Manuel Jacquinet"; particles stay lower-case; initials kept."""
    out: list[str] = []
    for w in name.split():
        if len(w) > 1 and w.isupper() and not re.fullmatch(r"[A-Z]\.", w):
            w = "-".join(p.capitalize() for p in w.split("-"))
        elif fold(w) in lx.PERSON_PARTICLES and out:
            w = w.lower()
        out.append(w)
    return " ".join(out)


def join_words(words: list[str]) -> str:
    """Folded words joined as written: no space after an elision ("l'" + "institut" -> "l'institut")."""
    out = ""
    for w in words:
        out = out + w if out.endswith("'") or not out else out + " " + w
    return out


def type_from_words(text: str) -> str | None:
    """An organisation's type from its own words: its head ("Syndicat ...", "Cabinet ...") or a telling word
    ("... Consulting", "... Telecom")."""
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


def initials_match(acr: str, long_form: str) -> bool:
    """The acronym is made of the long form's initials (small words optional: "AFRC" = "Association française
    de la relation client")."""
    letters = [c for c in fold(acr) if c.isalpha()]
    words = [w for w in re.split(r"[\s'’\-]+", fold(long_form)) if w and w[0].isalpha()]
    if not words or not letters or words[0][0] != letters[0]:
        return False
    sig = [w for w in words if w not in lx.STOP_INITIALS]
    if [w[0] for w in sig] == letters or [w[0] for w in words] == letters:
        return True
    # subsequence of significant initials, covering first and (almost) all letters
    it = iter(w[0] for w in sig)
    return all(any(ch == x for x in it) for ch in letters) and len(sig) <= len(letters) + 1


def match_long_form(acr: str, before: str) -> str | None:
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
        if initials_match(acr, cand):
            return cand
    return None
