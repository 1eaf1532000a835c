"""The curated knowledge base of the customer-relations field: names, types, aliases, name eras.

Statistical NER does not know that Steria signs studies, that SP2C became "Les Pros de l'Expérience
Client" or that "Caisses d'allocations familiales" = CAF; a small curated list does, and it also gives
the evaluation and the exports one canonical name per entity.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from textlens.errors import ConfigError
from textlens.resources import data_path
from textlens.vocab import ENTITY_TYPES, fold  # re-exported: entity modules import both from here

DEFAULT_KB = data_path("entities_kb.yaml")
KB_ENV = "TEXTLENS_ENTITIES_KB"  # extra KB file(s), os.pathsep-separated, merged over the default

_ARTICLES = re.compile(r"^(?:(?:le|la|les|the|un|une|des|du|de la)\s+|(?:l|d|de l)'\s*)", re.IGNORECASE)


class KBError(ConfigError):
    """A knowledge-base file that cannot be used; the message names the file and the entry."""


def name_key(name: str) -> str:
    """Comparison key of a name: folded, no leading article, punctuation and spacing unified."""
    key = fold(name).strip()
    key = re.sub(r"[\u2010-\u2015\-_/]+", " ", key)
    key = re.sub(r"[.,;:!?\"«»()\[\]*]+", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    prev = None
    while prev != key:
        prev = key
        key = _ARTICLES.sub("", key).strip()
    return key.replace("'", " ").replace("  ", " ").strip()


def is_acronym(alias: str) -> bool:
    """SP2C, AFRC, CNIL: short, no lower-case letter; matched with exact case only."""
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and " " not in alias and len(alias) <= 8 and not any(c.islower() for c in letters)


@dataclass(frozen=True)
class KBEntity:
    """One entity (or one name era of a renamed entity)."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    strict: bool = False
    lowercase: bool = False
    since: int | None = None
    until: int | None = None
    formerly: tuple[str, ...] = ()
    renamed_to: str | None = None
    study_author: str | None = None
    alt_type: str | None = None
    alt_when: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.acronyms)

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)


@dataclass
class KnowledgeBase:
    """Entities by canonical name with a lookup index of every alias key."""

    entities: dict[str, KBEntity]
    fingerprint: str = ""
    _index: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for ent in self.entities.values():
            for alias in ent.names:
                bucket = self._index.setdefault(name_key(alias), [])
                if ent.name not in bucket:
                    bucket.append(ent.name)

    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, name: str) -> bool:
        return name in self.entities

    def get(self, name: str) -> KBEntity | None:
        return self.entities.get(name)

    def lookup(self, surface: str, etype: str | None = None) -> KBEntity | None:
        """Entity whose name/alias/acronym has the same key as `surface` (optionally of one type)."""
        names = self._index.get(name_key(surface), [])
        cands = [self.entities[n] for n in names]
        if etype:
            typed = [e for e in cands if e.type == etype or e.alt_type == etype or e.study_author == etype]
            cands = typed or []
        return cands[0] if cands else None

    def fuzzy(self, surface: str, etype: str | None = None, threshold: float = 92.0) -> KBEntity | None:
        """Closest entity for small spelling differences ("Teleperfomance"); None below `threshold`."""
        exact = self.lookup(surface, etype)
        if exact is not None:
            return exact
        key = name_key(surface)
        if len(key) < 6:
            return None
        from rapidfuzz import fuzz, process

        choices = self._fuzzy_choices(etype)
        hit = process.extractOne(key, list(choices), scorer=fuzz.ratio, score_cutoff=threshold)
        if hit is None:
            return None
        return self.entities[choices[hit[0]]]

    def _fuzzy_choices(self, etype: str | None) -> dict[str, str]:
        cache = self.__dict__.setdefault("_fuzzy_cache", {})
        if etype not in cache:
            cache[etype] = {
                k: names[0] for k, names in self._index.items()
                if len(k) >= 6 and (etype is None or self.entities[names[0]].type == etype)
            }
        return cache[etype]

    def lineage(self, name: str) -> list[str]:
        """All successive names of the entity `name` belongs to, oldest first (Sitel -> Foundever)."""
        ent = self.lookup(name)
        if ent is None:
            return [name]
        seen: list[str] = []
        # walk back to the oldest name, then forward
        cur, guard = ent, 0
        while cur.formerly and guard < 10:
            prev = self.lookup(cur.formerly[0])
            if prev is None or prev.name in seen or prev.name == cur.name:
                break
            cur, guard = prev, guard + 1
        guard = 0
        while cur is not None and cur.name not in seen and guard < 10:
            seen.append(cur.name)
            cur = self.lookup(cur.renamed_to) if cur.renamed_to else None
            guard += 1
        if ent.name not in seen:
            seen.append(ent.name)
        return seen

    def current_name(self, name: str, year: int | None = None) -> str:
        """The name the entity bore in `year` (its latest name when `year` is None)."""
        chain = self.lineage(name)
        if year is None:
            return chain[-1]
        for n in chain:
            e = self.entities.get(n)
            if e is not None and e.valid_in(year):
                return n
        return chain[-1]

    def by_type(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entities.values():
            out[e.type] = out.get(e.type, 0) + 1
        return out


def _entry(raw: Any, etype: str, path: Path) -> KBEntity:
    if isinstance(raw, str):
        raw = {"name": raw}
    if not isinstance(raw, dict) or not raw.get("name"):
        raise KBError(f"{path}: entry of {etype} without a name: {raw!r}")
    unknown = set(raw) - {f for f in KBEntity.__dataclass_fields__} - {"type"}
    if unknown:
        raise KBError(f"{path}: entry {raw['name']!r} has unknown keys {sorted(unknown)}")
    etype = raw.get("type", etype)
    for t in (etype, raw.get("alt_type"), raw.get("study_author")):
        if t is not None and t not in ENTITY_TYPES:
            raise KBError(f"{path}: entry {raw['name']!r} has unknown type {t!r} (known: {', '.join(ENTITY_TYPES)})")

    def tup(key: str) -> tuple[str, ...]:
        v = raw.get(key) or ()
        return (str(v),) if isinstance(v, str) else tuple(str(x) for x in v)

    return KBEntity(
        name=str(raw["name"]), type=etype, aliases=tup("aliases"), acronyms=tup("acronyms"),
        strict=bool(raw.get("strict", False)), lowercase=bool(raw.get("lowercase", False)),
        since=raw.get("since"), until=raw.get("until"), formerly=tup("formerly"),
        renamed_to=raw.get("renamed_to"), study_author=raw.get("study_author"),
        alt_type=raw.get("alt_type"), alt_when=raw.get("alt_when"),
    )


def read_kb_file(path: str | Path) -> list[KBEntity]:
    """Entries of one YAML file whose top-level keys are entity types."""
    import yaml

    path = Path(path)
    try:
        # libyaml's loader when PyYAML has it: ~10x faster on the 1,000-entry default file (every run reads it)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise KBError(f"{path}: cannot read knowledge base ({exc})") from exc
    if not isinstance(data, dict):
        raise KBError(f"{path}: expected a mapping of entity types to lists of entries")
    out = []
    for etype, entries in data.items():
        if etype not in ENTITY_TYPES:
            raise KBError(f"{path}: unknown entity type section {etype!r} (known: {', '.join(ENTITY_TYPES)})")
        for raw in entries or []:
            out.append(_entry(raw, etype, path))
    return out


def load_kb(paths: tuple[str | Path, ...] | None = None) -> KnowledgeBase:
    """The default KB merged with `paths` (or $TEXTLENS_ENTITIES_KB); later files override by name."""
    if paths is None:
        extra = os.environ.get(KB_ENV, "")
        paths = (DEFAULT_KB, *[p for p in extra.split(os.pathsep) if p])
    return _load_kb(tuple(str(p) for p in paths))


@lru_cache(maxsize=4)
def _load_kb(paths: tuple[str, ...]) -> KnowledgeBase:
    entities: dict[str, KBEntity] = {}
    digest = hashlib.sha1()
    for p in paths:
        digest.update(Path(p).read_bytes())
        for ent in read_kb_file(p):
            entities[ent.name] = ent
    return KnowledgeBase(entities, fingerprint=digest.hexdigest()[:12])
