"""Which press passages make topic units: continuations glued back, page furniture left out (and counted).

Press pages pasted from the web keep their hard line breaks ("a bâti une bonne partie de" / "sa prospérité..."),
their datelines ("Publié le 19 09 2022 | Mis à jour le 06 11 2024"), legal and cookie lines and the site's slogan.
Clustered as passages they became topics of sentence fragments and page furniture (about half the press topics of
the first keyphrase labels, issue #22). Ingestion already removes the furniture its rule list knows
(`textlens.ingest.furniture`); this module judges passages once more, as topic units: a passage is furniture when
that rule list says so, when it is a byline/dateline/legal line, when dates and numbers leave almost no words, or
when the same text stands among the first or last `EDGE_UNITS` units of at least `REPEATED_DOCS` documents (a site's
slogan or menu) and does not end as a sentence does (a sentence repeated across documents, as syndicated copy or
a standard disclaimer-free lead is, stays a unit).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

REPEATED_DOCS = 3  # the same passage in this many documents is the site's, not the article's...
EDGE_UNITS = 2  # ... when it stands among the first or last units of each (headers and footers: slogans, menus)
# and reads as a heading, not a sentence (no final stop): a sentence repeated across documents is content
MAX_GLUED = 4  # passages glued into one unit at most (a cut line is rarely cut more than that)
# press units are chunks: consecutive kept passages of a document joined up to this many words (about a paragraph)
CHUNK_WORDS = 80
MIN_CHUNKS = 100  # fewer chunks than this (a handful of pages): sentence units, or too few units to find topics
# a passage ends a sentence (or a heading list item) when its last visible character is one of these
_SENTENCE_END = re.compile(r"[.!?…:;»\"”)\]]\s*$")
_CONTINUES = re.compile(r"^[a-zà-ÿœæ(]")  # the next line opens in lower case: the same sentence goes on
# short lines of bylines and datelines (at the start of the line or of a "|" / "•" field), of page and issue
# numbers, legal and consent notices, calls to click or subscribe
_DATELINE = re.compile(r"(^|[|•]\s*)\W*(publi[ée]e?|mise? à jour|post[ée]e?|modifi[ée]e?|dernière modification)\b",
                       re.IGNORECASE)
_NOTICE = re.compile(
    r"\b(n° ?\d+ du|page ?: ?\d+|cliquez (ici|sur)|abonnez-vous|inscrivez-vous|newsletter|"
    r"(utilisation|gestion|paramétrage|réglage) des cookies|politique de (gestion des |protection des )?données "
    r"personnelles|politique de confidentialité|mentions légales|tous droits réservés|droits de reproduction|"
    r"crédits? photos?|"
    r"lire (aussi|la suite)|partager (sur|cet)|article réservé)\b", re.IGNORECASE)
_COOKIES = re.compile(r"\bcookies?\b", re.IGNORECASE)
_CONSENT = re.compile(r"\b(en poursuivant|vous acceptez|accepter|paramétrer|gérer vos|réglage des)", re.IGNORECASE)
_NOTICE_MAX_WORDS = 25  # longer passages that mention cookies or a date of publication are prose
_WORD = re.compile(r"[^\W\d_]{3,}")  # words of at least 3 letters (no digits)


@dataclass
class UnitSelection:
    """Press units chosen from passages, and what was not kept (reported with the fit, never dropped silently)."""

    texts: list[str] = field(default_factory=list)
    passage_ids: list[list[int]] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    too_short: int = 0
    furniture: int = 0
    glued: int = 0
    chunked: int = 0  # units joined to the one before them into a chunk (`chunk_words`)


def is_furniture_unit(text: str) -> bool:
    """True for a passage that is page furniture: the ingestion rule list's lines, short notices (bylines,
    datelines, legal/consent lines, "cliquez ici") and lines where dates and numbers leave fewer than 2 words."""
    from textlens.analysis.segment import fold
    from textlens.ingest.furniture import is_furniture_line
    from textlens.topics.representation import empty_nouns

    if is_furniture_line(text):
        return True
    if len(text.split()) <= _NOTICE_MAX_WORDS and (_DATELINE.search(text) or _NOTICE.search(text) or
                                                    (_COOKIES.search(text) and _CONSENT.search(text))):
        return True
    if not any(ch.isdigit() for ch in text):
        return False
    calendar = empty_nouns()
    return sum(fold(w) not in calendar for w in _WORD.findall(text)) < 2  # "Vendredi 4 janvier, 10 h 05."


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def select_passages(rows: Sequence[tuple[int, str, str]], min_words: int, chunk_words: int | None = None
                    ) -> UnitSelection:
    """Units from `rows` (passage id, document id, text), in document order: a passage cut by a line break is glued
    to the lines that continue it (up to `MAX_GLUED`), then furniture units (`is_furniture_unit`, or the same text
    in `REPEATED_DOCS` documents) and units shorter than `min_words` are left out and counted; with `chunk_words`,
    the units kept are then joined to the ones after them in the same document while the chunk stays within that
    many words.

    Why chunks: a sentence alone seldom says its subject (a quote, a figure, a question), and topics of single press
    sentences gathered the sentences of a few pages or of none (issue #22: a third of the press topics a catch-all);
    a paragraph-sized chunk carries its subject while a page of several subjects still gives several units
    (BERTopic's advice for long documents: split them into paragraphs)."""
    out = UnitSelection()
    groups: list[tuple[list[int], str, str]] = []  # (passage ids, document, text)
    for pid, doc, text in rows:
        text = text.strip()
        if groups:
            ids, prev_doc, prev = groups[-1]
            if prev_doc == doc and len(ids) < MAX_GLUED and prev and not _SENTENCE_END.search(prev) \
                    and _CONTINUES.match(text):
                groups[-1] = (ids + [pid], doc, f"{prev} {text}")
                out.glued += 1
                continue
        groups.append(([pid], doc, text))
    position: list[int] = []  # of each group within its document, and from its end
    from_end: list[int] = []
    for i, (_, doc, _) in enumerate(groups):
        position.append(position[-1] + 1 if i and groups[i - 1][1] == doc else 0)
    for i in range(len(groups) - 1, -1, -1):
        from_end.append(from_end[-1] + 1 if from_end and groups[i + 1][1] == groups[i][1] else 0)
    from_end.reverse()
    edge = [p < EDGE_UNITS or e < EDGE_UNITS for p, e in zip(position, from_end)]
    docs_of: dict[str, set[str]] = {}
    for (_, doc, text), at_edge in zip(groups, edge):
        if at_edge and not _SENTENCE_END.search(text):
            docs_of.setdefault(_key(text), set()).add(doc)
    repeated = Counter({k: len(v) for k, v in docs_of.items()})
    for ids, doc, text in groups:
        if len(text.split()) < min_words:
            out.too_short += len(ids)
        elif repeated[_key(text)] >= REPEATED_DOCS or is_furniture_unit(text):
            out.furniture += len(ids)
        elif chunk_words and out.doc_ids and out.doc_ids[-1] == doc and \
                len(out.texts[-1].split()) + len(text.split()) <= chunk_words:
            out.texts[-1] = f"{out.texts[-1]} {text}"
            out.passage_ids[-1] = out.passage_ids[-1] + ids
            out.chunked += 1
        else:
            out.texts.append(text)
            out.passage_ids.append(ids)
            out.doc_ids.append(doc)
    return out
