"""Which candidate mentions the entity resolver keeps: known conflicts settled (`arbitrate`), then the best
non-overlapping candidates by priority and length (`select`), their edges trimmed (`trim`)."""
from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

from textlens.entities import lexicon as lx
from textlens.entities.candidates import Cand
from textlens.entities.kb import fold
from textlens.entities.spans import is_cap


def arbitrate(doc: Doc, cands: list[Cand]) -> list[Cand]:
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
            if not all(is_cap(t) or t.is_punct or fold(t.text) in lx.NAME_CONNECTORS for t in span):
                continue
            for k, kc in kb1:
                if kc.etype == "LOCATION" and kc.start in (c.start, c.end - 1):
                    drop.add(k)
    # a person candidate overlapping a multi-word KB name loses ("Pierre Audoin Consultants")
    kept = [c for k, c in enumerate(cands) if k not in drop]
    kbm = [c for c in kept if c.source in ("kb", "rule") and c.end - c.start >= 2]
    return [c for c in kept if not (c.source == "person" and any(m.start < c.end and c.start < m.end for m in kbm))]


def select(doc: Doc, cands: list[Cand]) -> list[Cand]:
    """Greedy by priority then length; lower-priority candidates are trimmed around chosen ones."""
    taken = [False] * len(doc)
    chosen: list[Cand] = []
    order = sorted(cands, key=lambda c: (-c.priority, -(c.end - c.start), c.start))
    for c in order:
        pieces = free_pieces(c.start, c.end, taken)
        if not pieces:
            continue
        if len(pieces) == 1 and pieces[0] == (c.start, c.end):
            keep = [c]
        elif c.source in ("kb", "acronym", "rule"):
            continue  # never cut a known name
        else:
            keep = [Cand(a, b, c.etype, None, c.source, c.priority, c.label) for a, b in pieces]
        for k in keep:
            trimmed = trim(doc, k)
            if trimmed is None:
                continue
            chosen.append(trimmed)
            for x in range(trimmed.start, trimmed.end):
                taken[x] = True
    return chosen


def trim(doc: Doc, c: Cand) -> Cand | None:
    """A found (not known) name without the articles, elisions, punctuation and connectors at its edges, and cut
    at a line break (a statistical entity across lines glued a menu or a caption to the text)."""
    if c.source in ("kb", "rule", "acronym"):
        return c
    s, e = c.start, c.end
    while s < e and (fold(doc[s].text) in lx.ELISIONS or fold(doc[s].text) in lx.ARTICLES or doc[s].is_punct
                     or doc[s].is_space or doc[s].text in {"'", "’"}):
        s += 1
    while e > s and (doc[e - 1].is_punct or doc[e - 1].is_space or fold(doc[e - 1].text) in lx.NAME_CONNECTORS):
        e -= 1
    if s >= e:
        return None
    for k in range(s, e):
        if doc[k].is_space or "\n" in doc[k].text:
            e = k
            break
    if s >= e:
        return None
    return Cand(s, e, c.etype, c.canonical, c.source, c.priority, c.label, c.kb)


def free_pieces(start: int, end: int, taken: list[bool]) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    cur: Any = None
    for i in range(start, end):
        if not taken[i]:
            cur = (cur[0], i + 1) if cur else (i, i + 1)
        elif cur:
            pieces.append(cur)
            cur = None
    if cur:
        pieces.append(cur)
    return pieces
