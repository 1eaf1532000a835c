"""Plain records produced by the entity pipeline (what the analyzer turns into table rows)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class _Record:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass
class Mention(_Record):
    """One typed entity mention; `name` is the canonical name shared across documents."""

    name: str
    type: str
    text: str
    start: int  # character offsets in the analysed text
    end: int
    source: str = "kb"  # kb | rule | ner | acronym | study


@dataclass
class Study(_Record):
    """A study, survey, barometer or award cited in a document."""

    name: str
    conducted_by: list[str] = field(default_factory=list)
    commissioned_by: list[str] = field(default_factory=list)
    year: int | None = None
    scope: str | None = None
    sentence: str = ""
    start: int = 0
    end: int = 0


@dataclass
class Figure(_Record):
    """A statistic stated in the text: value as written, parsed number, unit, what it measures, source."""

    value: str
    number: float | None
    unit: str | None
    about: str
    source: str | None
    sentence: str
    start: int
    end: int


@dataclass
class Quote(_Record):
    """A direct quotation and its speaker when the text says who."""

    text: str
    speaker: str | None
    sentence: str
    start: int
    end: int


@dataclass
class DocEntities:
    """Everything the entity pipeline found in one text."""

    mentions: list[Mention] = field(default_factory=list)
    studies: list[Study] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def entities(self) -> list[dict[str, Any]]:
        """Document-level entity list in the export shape: name, type, count, mentions (surfaces)."""
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for m in self.mentions:
            g = groups.setdefault((m.name, m.type), {"name": m.name, "type": m.type, "count": 0, "mentions": []})
            g["count"] += 1
            if m.text not in g["mentions"]:
                g["mentions"].append(m.text)
        return sorted(groups.values(), key=lambda g: (-g["count"], g["type"], g["name"]))
