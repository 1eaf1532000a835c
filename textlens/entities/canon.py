"""Corpus-level canonicalisation of names the knowledge base does not know.

Within a document the resolver already unifies names; across documents "Plexitel", "PLEXITEL" and
"Pléxitel" written by different journalists are one actor. After a run, `merge_variants` gives every
such group the spelling used most often (ties: alphabetical), so counts and trends are not split.
It is deterministic for a given corpus, whatever the order documents were analysed in.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from textlens.entities.kb import load_kb, name_key
from textlens.store.entities import mention_name_counts, rename_entity

if TYPE_CHECKING:
    from textlens.store import Corpus


def variant_groups(names: Counter, threshold: float = 92.0) -> dict[str, str]:
    """Map each name to its group's canonical spelling (same key, or fuzzy >= threshold and same initial)."""
    from rapidfuzz import fuzz

    by_key: dict[str, list[str]] = defaultdict(list)
    for n in names:
        by_key[name_key(n)].append(n)
    keys = sorted(by_key, key=lambda k: (-sum(names[n] for n in by_key[k]), k))
    parent: dict[str, str] = {}
    for k in keys:
        if k in parent:
            continue
        parent[k] = k
        for other in keys:
            if other in parent or len(k) < 6 or len(other) < 6 or other[0] != k[0]:
                continue
            if fuzz.ratio(k, other) >= threshold:
                parent[other] = k
    groups: dict[str, list[str]] = defaultdict(list)
    for k, root in parent.items():
        groups[root].extend(by_key[k])
    out: dict[str, str] = {}
    for members in groups.values():
        best = sorted(members, key=lambda n: (-names[n], n))[0]
        for n in members:
            out[n] = best
    return out


def merge_variants(corpus: "Corpus") -> int:
    """Rewrite `mentions.entity` of non-KB names to their group's spelling; returns rows changed."""
    kb = load_kb()
    by_type: dict[str, Counter] = defaultdict(Counter)
    for row in mention_name_counts(corpus.conn):
        if kb.lookup(row.entity) is None:
            by_type[row.type][row.entity] += row.mentions
    changed = 0
    with corpus.transaction() as conn:
        for etype, names in by_type.items():
            if etype == "STUDY":
                continue
            for name, canonical in variant_groups(names).items():
                if name != canonical:
                    changed += rename_entity(conn, name, canonical, etype)
    return changed
