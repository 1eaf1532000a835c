"""Hand edits of discovered topics (rename, merge), kept in the store and replayed after every refit.

An analyst's label or merge must survive `textlens run` refitting the topics (new documents, a new version).
Each edit records the passages the edited topics held (`topic_edits.members`). After a refit, edits are replayed
in the order they were made, and a new topic takes an edit when it is **the same topic again by its members**:

    Jaccard(passages of the new topic, passages of the edited topic) >= MATCH_JACCARD (0.5),
    best-overlapping pairs first, each new topic matched at most once per edit.

Member overlap rather than centroid cosine because it needs nothing but the stored tables, and because a
topic whose members changed by more than half is no longer the topic the analyst named. An edit whose topic is
not found again is kept (it may match after a later refit) and reported as unmatched. A merge applies when at
least two of the merged topics are found again. Fitting the same corpus again gives the same topics, so every
edit applies again.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textlens.errors import InputError
from textlens.store import topic_edits as db

if TYPE_CHECKING:
    from textlens.store import Corpus

log = logging.getLogger(__name__)

MATCH_JACCARD = 0.5


class TopicEditError(InputError):
    """An edit that cannot be made; the message says which topic and why."""


@dataclass
class ReplaySummary:
    """What replaying the stored edits did after a fit."""

    applied: list[int] = field(default_factory=list)  # edit ids
    unmatched: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"applied": self.applied, "unmatched": self.unmatched}


def jaccard(a: set[int], b: set[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def match_topics(edited: list[set[int]], current: dict[int, set[int]], threshold: float = MATCH_JACCARD
                 ) -> dict[int, int]:
    """Index of each edited member set -> id of the current topic that is the same topic again (see module doc)."""
    pairs = sorted(((jaccard(members, now), i, tid) for i, members in enumerate(edited)
                    for tid, now in current.items()), key=lambda p: (-p[0], p[1], p[2]))
    out: dict[int, int] = {}
    taken: set[int] = set()
    for score, i, tid in pairs:
        if score < threshold:
            break
        if i not in out and tid not in taken:
            out[i] = tid
            taken.add(tid)
    return out


def _require_topic(corpus: "Corpus", topic_id: int) -> dict[str, Any]:
    row = db.topic_row(corpus.conn, topic_id)
    if row is None or topic_id < 0:
        known = db.topic_ids(corpus.conn)
        raise TopicEditError(f"{corpus.path}: no topic {topic_id} (topics are {_ranges(known) or 'none'})")
    return row


def _ranges(ids: list[int]) -> str:
    out, start, prev = [], None, None
    for i in ids + [None]:
        if start is not None and (i is None or i != prev + 1):
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if i is not None and start is None:
            start = i
        prev = i
    return ", ".join(out)


def rename_topic(corpus: "Corpus", topic_id: int, label: str) -> int:
    """Give topic `topic_id` the label `label` now and after every refit that finds it again; returns the edit id."""
    label = " ".join(label.split())
    if not label:
        raise TopicEditError("a topic label cannot be empty")
    _require_topic(corpus, topic_id)
    members = db.topic_members(corpus.conn).get(topic_id, set())
    with corpus.transaction() as conn:
        db.ensure_tables(conn)
        db.set_label(conn, topic_id, label)
        return db.add_edit(conn, "rename", label, [sorted(members)], time.time())


def merge_topics(corpus: "Corpus", topic_ids: list[int], label: str | None = None) -> int:
    """Merge topics into the smallest id (label: `label` or that topic's), now and after every refit that finds
    at least two of them again; returns the edit id."""
    ids = sorted(set(topic_ids))
    if len(ids) < 2:
        raise TopicEditError(f"a merge needs at least two different topics, got {topic_ids}")
    for tid in ids:
        _require_topic(corpus, tid)
    members = db.topic_members(corpus.conn)
    label = " ".join(label.split()) if label else None
    with corpus.transaction() as conn:
        db.ensure_tables(conn)
        edit = db.add_edit(conn, "merge", label, [sorted(members.get(t, set())) for t in ids], time.time())
        _merge(corpus, conn, ids, label)
    return edit


def _merge(corpus: "Corpus", conn: Any, ids: list[int], label: str | None) -> None:
    """Fold topics `ids[1:]` into `ids[0]` inside the caller's transaction (tables and topics over time)."""
    rows = [db.topic_row(conn, t) for t in ids]
    target = rows[0]
    total = sum(max(int(r["size"]), 1) for r in rows)
    weighted: dict[str, float] = {}
    for r in rows:
        share = max(int(r["size"]), 1) / total
        for term in r["terms"]:
            name, weight = (term[0], float(term[1])) if isinstance(term, list) else (str(term), 1.0)
            weighted[name] = weighted.get(name, 0.0) + share * weight
    n_terms = max(len(r["terms"]) for r in rows)
    terms = [[t, round(w, 6)] for t, w in sorted(weighted.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms]]
    reps = [rep for r in rows for rep in r["representatives"]][: max(5, len(target["representatives"]))]
    db.merge_rows(conn, ids[0], ids[1:], label or target["label"], terms, reps)
    over_time = corpus.stat("topics_over_time")
    if over_time:
        merged: dict[tuple, dict[str, Any]] = {}
        for r in over_time:
            if r.get("topic") in ids:
                key = (ids[0], r.get("period"), r.get("group"))
                if key in merged:
                    merged[key]["n"] += r["n"]
                    merged[key]["share"] = round(merged[key]["share"] + r["share"], 4)
                    continue
                r = {**r, "topic": ids[0], "label": label or target["label"]}
                merged[key] = r
            else:
                merged[(id(r),)] = r
        corpus.set_stat("topics_over_time", list(merged.values()))


def replay_edits(corpus: "Corpus", conn: Any) -> ReplaySummary:
    """Apply the stored edits, in order, to freshly fitted topics (see the module doc for the matching rule),
    inside the caller's transaction `conn` (the one that wrote the new topics)."""
    summary = ReplaySummary()
    for edit in db.list_edits(conn):
        found = match_topics([set(m) for m in edit.members], db.topic_members(conn))
        if edit.action == "rename" and found:
            db.set_label(conn, found[0], edit.label or "")
            summary.applied.append(edit.id)
        elif edit.action == "merge" and len(found) >= 2:
            _merge(corpus, conn, sorted(found.values()), edit.label)
            summary.applied.append(edit.id)
        else:
            summary.unmatched.append(edit.id)
    if summary.unmatched:
        log.info("%d topic edit(s) not matched by the new topics: %s", len(summary.unmatched), summary.unmatched)
    return summary
