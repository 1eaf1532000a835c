"""Theme taxonomies: editable TOML files (one table per theme) validated into immutable records.

The two defaults ship in `textlens/data/taxonomies/`; users pass their own file with `--taxonomy FILE`.
Validation is strict and explains itself, because a typo in a key ("term" for "terms") would
otherwise silently give a theme with no evidence.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from textlens.errors import ConfigError
from textlens.resources import data_path

BUILTIN_DIR = data_path("taxonomies")
BUILTIN = ("editorial", "aspects")

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_THEME_KEYS = {"label", "description", "terms", "weak_terms", "exclude", "examples"}
_TERM_LISTS = ("terms", "weak_terms", "exclude")
_TOP_KEYS = {"meta", "themes", "scoring"}
_SCORING_KEYS = {"lex_weight", "emb_weight", "bias", "threshold", "doc_threshold", "min_words", "weak_weight",
                 "doc_support", "weak_cap"}


class TaxonomyError(ConfigError):
    """A taxonomy file that cannot be used; the message names the file, the theme and the problem."""


@dataclass(frozen=True)
class Scoring:
    """How lexical evidence and embedding similarity combine (calibrated on the development data).

    passage score = sigmoid(lex_weight * lexical_evidence + emb_weight * similarity_z + bias);
    a passage carries a theme when its score >= threshold, a document when its best passage
    score >= doc_threshold. `min_words`: shorter passages (headings, furniture) get no theme.
    """

    lex_weight: float = 3.0
    emb_weight: float = 1.0
    bias: float = -3.0
    threshold: float = 0.5
    doc_threshold: float = 0.5
    min_words: int = 1
    weak_weight: float = 0.5
    doc_support: float = 0.0  # how much the next best passages raise the document score (0: best passage only)
    weak_cap: float = 1.0  # most weak-term evidence counted in a passage without any strong term
    lexical_only: "Scoring | None" = None  # weights for the fast tier without embeddings ([scoring.lexical_only])


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    terms: tuple[str, ...] = ()
    weak_terms: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """A named set of themes, with where it came from and a hash of its exact content."""

    name: str
    themes: tuple[Theme, ...]
    source: str
    sha1: str
    scoring: Scoring = field(default_factory=Scoring)
    description: str = ""
    kinds: tuple[str, ...] = ()  # document kinds it applies to when passed by a user (empty: all)

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def __getitem__(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(f"taxonomy {self.name!r} has no theme {theme_id!r}; themes: {', '.join(self.ids)}")

    def __len__(self) -> int:
        return len(self.themes)


def builtin_path(name: str) -> Path:
    return BUILTIN_DIR / f"{name}.toml"


def load_taxonomy(spec: "str | Path | Taxonomy") -> Taxonomy:
    """Load a built-in taxonomy by name ("editorial", "aspects") or a user's TOML file by path."""
    if isinstance(spec, Taxonomy):
        return spec
    if isinstance(spec, str) and spec in BUILTIN:
        path = builtin_path(spec)
    else:
        path = Path(spec)
    if not path.exists():
        raise TaxonomyError(
            f"{path}: no such taxonomy file (built-in taxonomies: {', '.join(BUILTIN)})"
        )
    if path.is_dir():
        raise TaxonomyError(f"{path}: is a folder, expected a .toml taxonomy file")
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"{path}: not UTF-8 text ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: invalid TOML: {exc}") from exc
    return parse_taxonomy(data, source=str(path), sha1=hashlib.sha1(raw).hexdigest(), default_name=path.stem)


def parse_taxonomy(data: dict[str, Any], source: str = "<dict>", sha1: str | None = None,
                   default_name: str = "custom") -> Taxonomy:
    """Validate a decoded taxonomy; every problem found is reported at once."""
    problems: list[str] = []
    unknown = set(data) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level key(s) {sorted(unknown)} (expected [meta], [themes.ID], [scoring])")
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        problems.append("[meta] must be a table")
        meta = {}
    name = meta.get("name", default_name)
    if not isinstance(name, str) or not _ID.match(name):
        problems.append(f"meta.name {name!r} must be a lower-case identifier like 'editorial'")
    kinds = meta.get("kinds", [])
    from textlens.document import KINDS

    if isinstance(kinds, str):
        kinds = [kinds]
    if not isinstance(kinds, list) or any(k not in KINDS for k in kinds):
        problems.append(f"meta.kinds {kinds!r} must be a list of document kinds among {', '.join(KINDS)}")
        kinds = []
    themes_raw = data.get("themes")
    themes: list[Theme] = []
    if not isinstance(themes_raw, dict) or not themes_raw:
        problems.append("no themes: add at least one [themes.ID] table with label, description and terms")
        themes_raw = {}
    for tid, entry in themes_raw.items():
        where = f"theme {tid!r}"
        if not _ID.match(tid):
            problems.append(f"{where}: id must be lower-case letters, digits and underscores, starting with a letter")
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table ([themes.{tid}]) with label, description, terms...")
            continue
        bad = set(entry) - _THEME_KEYS
        if bad:
            problems.append(f"{where}: unknown key(s) {sorted(bad)}; allowed: {', '.join(sorted(_THEME_KEYS))}")
        values: dict[str, Any] = {}
        for key in ("label", "description"):
            v = entry.get(key)
            if not isinstance(v, str) or not v.strip():
                problems.append(f"{where}: '{key}' must be a non-empty string")
                v = ""
            values[key] = v.strip()
        for key in (*_TERM_LISTS, "examples"):
            v = entry.get(key, [])
            if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
                problems.append(f"{where}: '{key}' must be a list of non-empty strings")
                v = []
            values[key] = tuple(x.strip() for x in v)
        if not values["terms"] and not values["examples"]:
            problems.append(f"{where}: needs 'terms' or 'examples' (nothing to recognise it by)")
        seen: dict[str, str] = {}
        for key in _TERM_LISTS:
            for term in values[key]:
                err = check_term(term)
                if err:
                    problems.append(f"{where}: {key} entry {term!r}: {err}")
                k = term.lower()
                if k in seen and key != "exclude":
                    problems.append(f"{where}: {term!r} listed twice (in {seen[k]} and {key})")
                seen.setdefault(k, key)
        themes.append(Theme(id=tid, **values))
    ids = [t.id for t in themes]
    sc = data.get("scoring", {})
    scoring = _parse_scoring(sc, "[scoring]", problems)
    if isinstance(sc, dict) and isinstance(sc.get("lexical_only"), dict):
        fast = _parse_scoring({**{k: v for k, v in sc.items() if k != "lexical_only"}, **sc["lexical_only"]},
                              "[scoring.lexical_only]", problems)
        scoring = replace(scoring, lexical_only=fast)
    if problems:
        raise TaxonomyError(f"{source}: invalid taxonomy:\n  - " + "\n  - ".join(problems))
    if sha1 is None:
        sha1 = hashlib.sha1(repr(sorted(data.items(), key=str)).encode()).hexdigest()
    assert len(set(ids)) == len(ids)  # TOML tables cannot repeat a key
    return Taxonomy(name=name, themes=tuple(themes), source=source, sha1=sha1, scoring=scoring,
                    description=str(meta.get("description", "")), kinds=tuple(kinds))


def _parse_scoring(sc: Any, where: str, problems: list[str]) -> Scoring:
    if not isinstance(sc, dict):
        problems.append(f"{where} must be a table")
        return Scoring()
    bad = set(sc) - _SCORING_KEYS - ({"lexical_only"} if where == "[scoring]" else set())
    if bad:
        problems.append(f"{where}: unknown key(s) {sorted(bad)}; allowed: {', '.join(sorted(_SCORING_KEYS))}")
    good: dict[str, Any] = {}
    for k, v in sc.items():
        if k in _SCORING_KEYS:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                problems.append(f"{where}: {k} must be a number")
            else:
                good[k] = int(v) if k == "min_words" else float(v)
    for k in ("threshold", "doc_threshold"):
        if k in good and not 0.0 < good[k] < 1.0:
            problems.append(f"{where}: {k} must be between 0 and 1")
    for k in ("doc_support", "weak_weight", "weak_cap", "min_words"):
        if k in good and good[k] < 0:
            problems.append(f"{where}: {k} must not be negative")
    return Scoring(**good)


def check_term(term: str) -> str | None:
    """Why a term cannot be used, or None."""
    if term.startswith("re:"):
        try:
            re.compile(term[3:])
        except re.error as exc:
            return f"bad regular expression ({exc})"
        if not term[3:]:
            return "empty regular expression"
        return None
    body = term[1:] if term.startswith("=") else term
    if not re.search(r"\w", body):
        return "has no letters or digits"
    if re.search(r"\*\w|\*\*|(?:^|\s)\*", body):
        return "'*' is only allowed at the end of a word (\"recrut*\")"
    return None
