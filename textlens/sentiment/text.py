"""French review text normalisation with negation and contrast marks, shared by training and prediction.

Bag-of-n-gram models cannot see that "pas satisfait" or "aucun problème" flip the polarity of the
word that follows, nor that in "prix correct mais impossible de les joindre" the clause after
"mais" carries the verdict. We rewrite the text so those cues become features: tokens in the scope
of a negation get a `neg_` prefix, and the clause after the last contrast marker is repeated with a
`fin_` prefix. Accents are folded because customers often omit them.
"""
from __future__ import annotations

import functools
import re

from textlens.vocab import fold as fold_words

NEGATORS = frozenset("pas jamais rien aucun aucune aucunement nullement guere ni sans personne".split())
_SCOPE_OPENERS = NEGATORS | {"ne", "n"}
NEGATION_WINDOW = 3  # words after the negator that it usually governs ("pas du tout satisfait")
# Contrast markers: what follows usually carries the writer's verdict.
CONTRAST = re.compile(
    r"\b(?:mais|cependant|par contre|toutefois|neanmoins|pourtant|en revanche|sauf que|hormis|"
    r"malgre|helas|malheureusement|dommage que?)\b"
)
_CLAUSE_END = frozenset(".,;:!?()[]\n")
_TOKEN = re.compile(r"[a-z0-9]+|[!?]+|[.,;:()\[\]\n]|[:;]-?[)(dp]", re.IGNORECASE)
_REPEAT = re.compile(r"(\w)\1{2,}")


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """textlens' `fold` (lower-case, accent-free, apostrophes unified, ligatures opened) with letter floods
    shortened ("trèèès" -> "tres"), as reviews write them.

    Cached: the word, character and negation featurisers all fold the same text."""
    return _REPEAT.sub(r"\1\1", fold_words(text))


def tokens(text: str) -> list[str]:
    """Folded word and punctuation tokens; elided forms ("n'", "l'") become the bare letter."""
    return _TOKEN.findall(fold(text))


def mark_negation(toks: list[str]) -> list[str]:
    """Prefix words in the scope of a French negation with `neg_`.

    Scope: from "ne"/"n'" up to the negator, and up to NEGATION_WINDOW words after a negator,
    stopping at punctuation or a contrast word. "plus" negates only after "ne" ("n'est plus").
    """
    if _SCOPE_OPENERS.isdisjoint(toks):  # most clauses: nothing to mark
        return list(toks)
    out: list[str] = []
    pending = False  # seen "ne", waiting for pas/plus/jamais...
    left = 0
    for tok in toks:
        if tok in _CLAUSE_END or tok[0] in "!?" or tok in ("mais", "cependant", "pourtant", "et"):
            pending, left = False, 0
            out.append(tok)
        elif tok in NEGATORS or (tok == "plus" and pending):
            out.append(tok)
            pending, left = False, NEGATION_WINDOW
        elif tok in ("ne", "n"):
            out.append(tok)
            pending, left = True, 0
        elif pending or left > 0:
            out.append("neg_" + tok)
            left = left - 1 if left > 0 else 0
        else:
            out.append(tok)
    return out


def last_contrast_clause(folded: str) -> str:
    """The part of the (folded) text after its last contrast marker, or '' when there is none."""
    last = None
    for last in CONTRAST.finditer(folded):
        pass
    return folded[last.end():] if last is not None else ""


def word_tokens(folded: str) -> tuple[list[str], list[str], bool]:
    """What the word n-grams see in a folded text: its negation-marked tokens; the same followed by "|"
    and the `fin_`-marked tokens of the clause after the last contrast marker; and whether a negation
    opener occurs (when not, the tokens are unmarked)."""
    toks = _TOKEN.findall(folded)
    negated = not _SCOPE_OPENERS.isdisjoint(toks)
    marked = mark_negation(toks) if negated else toks
    tail = last_contrast_clause(folded)
    if not tail:
        return marked, marked, negated
    fin = ["fin_" + t for t in mark_negation(_TOKEN.findall(tail)) if t not in _CLAUSE_END]
    return marked, [*marked, "|", *fin], negated


def preprocess(text: str) -> str:
    """The word tokens of `text` as one string (for reading and tests): folded, negation-marked,
    contrast clause repeated."""
    return " ".join(word_tokens(fold(text))[1])


# Clause boundaries on the original text (offsets kept): sentence punctuation, semicolons, line breaks
# and contrast connectives. Commas are not boundaries: "le prix, franchement, est trop élevé".
_CLAUSE_SPLIT = re.compile(
    r"[.!?;…]+\s*|\n+|\s*\b(?:mais|cependant|par contre|toutefois|n[ée]anmoins|pourtant|en revanche|sauf que|"
    r"alors que|tandis que|malgr[ée]|bien que|m[êe]me si|h[ée]las|malheureusement|dommage)\b",
    re.IGNORECASE,
)


_CONCESSIVE = re.compile(r"(?:malgr[ée]|bien que|m[êe]me si|quoique|certes)\b", re.IGNORECASE)


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the clauses of `text`: the units whose polarity may differ.

    A contrast connective starts a new clause and belongs to it ("mais impossible de les joindre").
    """
    return list(_clauses(text))


@functools.lru_cache(maxsize=65536)
def _clauses(text: str) -> tuple[tuple[int, int], ...]:
    """Cached: a review, its passages and its aspects' clauses are split more than once per batch."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        is_connective = m.group().strip()[:1].isalpha()
        end = m.start() if is_connective else m.end()
        if text[start:end].strip():
            spans.append(_strip(text, start, end))
        start = m.start() if is_connective else m.end()
        if is_connective:
            start = m.start() + (len(m.group()) - len(m.group().lstrip()))
    if text[start:].strip():
        spans.append(_strip(text, start, len(text)))
    out: list[tuple[int, int]] = []
    for a, b in spans:  # "Malgré un bon prix, service nul": a leading concession ends at its comma
        comma = text.find(",", a, b)
        if comma > 0 and _CONCESSIVE.match(text, a) and text[comma + 1 : b].strip() and _opens_sentence(text, a):
            out += [(a, comma), _strip(text, comma + 1, b)]
        else:
            out.append((a, b))
    return tuple(out)


def _opens_sentence(text: str, a: int) -> bool:
    before = text[:a].rstrip()
    return not before or before[-1] in ".!?;\n"


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b
