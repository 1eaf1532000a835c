"""Corpus-level reads and rewrites of entity mentions (`textlens.entities.canon`: one spelling per actor)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class NameCount:
    """How many mentions carry canonical name `entity` with type `type`."""

    entity: str
    type: str
    mentions: int


def mention_name_counts(conn: sqlite3.Connection) -> list[NameCount]:
    """Mentions per (canonical name, type)."""
    return [NameCount(r[0], r[1], int(r[2])) for r in conn.execute(
        "SELECT entity, type, COUNT(*) FROM mentions GROUP BY entity, type")]


def rename_entity(conn: sqlite3.Connection, name: str, canonical: str, entity_type: str) -> int:
    """Give the mentions of `name` with type `entity_type` the spelling `canonical`; returns the rows changed
    (call inside a transaction)."""
    return conn.execute("UPDATE mentions SET entity=? WHERE entity=? AND type=?",
                        (canonical, name, entity_type)).rowcount
