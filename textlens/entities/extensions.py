"""Longer candidate names around the names already found, for the learned typer to accept or refuse.

On real press, a fifth of the annotated names the rules miss are found with other bounds: the rules keep
"Teleperformance" where the text names "Teleperformance Madagascar", "Troyes" in "tribunal de commerce de Troyes",
"Agence nationale" in a body's full name, "PA Consulting" where the annotators name the study "étude PA Consulting".
These functions only *propose* such longer spans (pure token patterns); whether a proposal is a name, and of what
type, is learnt from annotated press by `textlens.entities.typer`, which sees each proposal as a candidate of its
own with the kind of extension as a feature.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from textlens.entities import lexicon as lx
from textlens.entities.kb import fold
from textlens.entities.names import tidy_name
from textlens.entities.spans import is_cap, sentence_initial

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MAX_CAP_WORDS = 3  # capitalised words added to a name on either side
MAX_HEAD_GAP = 4  # words between a head noun ("tribunal") and the name it governs
MAX_LONG_TOKENS = 14  # longest body name grown from its head word
_NOT_IN_NAME_POS = {"VERB", "AUX", "PRON", "SCONJ", "NUM", "PUNCT", "SYM", "INTJ", "ADV"}


class Extension(NamedTuple):
    """A proposed span (token bounds), how it was grown, and the name it would give."""

    start: int
    end: int
    kind: str  # right_cap | left_cap | complement | head | long
    name: str


def _breaks(tok: "Token") -> bool:
    return tok.is_space or "\n" in tok.text or (tok.is_punct and tok.text not in {"-", "&", "'", "+"})


def _cap_word(tok: "Token") -> bool:
    return not _breaks(tok) and tok.text[:1].isalpha() and is_cap(tok) and fold(tok.text) not in lx.NAME_CONNECTORS


def _complement(tok: "Token") -> bool:
    """ "de", "du", "des", "d'", "la", "l'": what joins a name to its complement ("Europe du Nord")."""
    return fold(tok.text) in {"de", "du", "des", "d'", "la", "l'"}


def _head(tok: "Token", heads: set[str]) -> bool:
    """A head noun of `heads`; the bare ones ("centre", "pôle") only capitalised ("Centre national de ...")."""
    word = fold(tok.text)
    return word in heads and (word not in lx.BARE_HEADS or is_cap(tok))


def _connector(tok: "Token") -> bool:
    return fold(tok.text) in lx.INSTITUTION_CONNECTORS and fold(tok.text) != "et"


def _name_of(doc: "Doc", start: int, end: int) -> str:
    return tidy_name(doc[start:end].text)


def extension_spans(doc: "Doc", bases: list[tuple[int, int]]) -> list[Extension]:
    """Longer spans around the found names `bases` (token bounds): capitalised words glued on the right or left
    ("Intelcia Maurice", "Club Bouygues Telecom"), a complement ("Europe du Nord"), a governing head noun
    ("mairie de Massy", "étude PA Consulting"), and the full run of a public body's name from its head word
    ("Délégation générale à l'emploi et à la formation professionnelle")."""
    n = len(doc)
    out: dict[tuple[int, int], Extension] = {}

    def add(start: int, end: int, kind: str, name: str | None = None) -> None:
        if (start, end) in bases_set or end - start > MAX_LONG_TOKENS + 2 or (start, end) in out:
            return
        if any(t.is_space or "\n" in t.text for t in doc[start:end]):
            return
        label = name or _name_of(doc, start, end)
        if any(ch.isalpha() for ch in label):
            out[(start, end)] = Extension(start, end, kind, label)

    bases_set = set(bases)
    for s, e in sorted(bases_set):
        k = e
        while k < n and k - e < MAX_CAP_WORDS and _cap_word(doc[k]) and not doc[k - 1].is_punct:
            k += 1
            add(s, k, "right_cap")
        k = s
        while k > 0 and s - k < MAX_CAP_WORDS - 1 and _cap_word(doc[k - 1]) and not sentence_initial(doc[k - 1]):
            k -= 1
            add(k, e, "left_cap")
        k = e
        while k < n and k - e < 2 and _complement(doc[k]):
            k += 1
        if k > e:
            j = k
            while j < n and j - k < MAX_CAP_WORDS and _cap_word(doc[j]):
                j += 1
                add(s, j, "complement")
        head = _head_extension(doc, s, e)
        if head is not None:
            add(*head)
    for j, tok in enumerate(doc):
        if _head(tok, lx.INSTITUTION_HEADS | lx.LONG_NAME_HEADS):
            end = _long_run_end(doc, j)
            if end is not None:
                add(j, end, "long")
    return list(out.values())


def _head_extension(doc: "Doc", s: int, e: int) -> tuple[int, int, str, str | None] | None:
    """A head noun up to `MAX_HEAD_GAP` words before the name, only connectors and lower-case words between:
    (start, end, "head", the name when it is not the span's text)."""
    for j in range(s - 1, max(-1, s - MAX_HEAD_GAP - 2), -1):
        tok = doc[j]
        if _head(tok, lx.STUDY_WORDS | lx.EXTENSION_HEADS | lx.INSTITUTION_HEADS):
            if fold(tok.text) in lx.STUDY_WORDS:  # studies are named "<noun> <authors>" ("étude PA Consulting")
                return j, e, "head", f"{tok.text} {_name_of(doc, s, e)}"
            return j, e, "head", None
        if _breaks(tok) or (tok.pos_ in _NOT_IN_NAME_POS and not _connector(tok)) or (is_cap(tok) and not _connector(tok)):
            return None
    return None


def _long_run_end(doc: "Doc", j: int) -> int | None:
    """End of the run of the head word `j` and the words that continue it (connectors, nouns, adjectives, names)
    up to a break; None when fewer than two words follow the head."""
    n = len(doc)
    last = j
    k = j + 1
    while k < n and k - j < MAX_LONG_TOKENS:
        tok = doc[k]
        joins = _connector(tok) or fold(tok.text) == "et"
        if _breaks(tok) or (tok.pos_ in _NOT_IN_NAME_POS and not joins):
            break
        if not joins:
            last = k
        k += 1
    return last + 1 if last - j >= 2 else None
