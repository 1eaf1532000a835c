"""The words a reader sees, in French or English.

Reports and CLI tables are read by French analysts about French corpora, so French is the default and English the
alternative. Strings live in data, not code: one TOML catalog per feature under ``textlens/data/i18n/`` (each with a
``[fr]`` and an ``[en]`` table of ``key = "text"``), so a feature adds its words in its own file. Keys missing in one
language fall back to the other, then to the key itself, so a forgotten translation shows up as readable text
instead of an error.
"""
from __future__ import annotations

import functools
import logging
import tomllib
from importlib import resources

from textlens.errors import InputError

log = logging.getLogger(__name__)

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"


@functools.lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """All strings of `lang`, merged from every catalog file (later files never silently override: logged)."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    merged: dict[str, str] = {}
    folder = resources.files("textlens") / "data" / "i18n"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        table = tomllib.loads(entry.read_text(encoding="utf-8")).get(lang, {})
        for key, text in table.items():
            if key in merged and merged[key] != text:
                log.warning("i18n key %r defined twice (%s)", key, entry.name)
            merged[key] = text
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **fields) -> str:
    """The text of `key` in `lang`, with `{field}` placeholders filled."""
    other = "en" if lang == "fr" else "fr"
    text = catalog(lang).get(key) or catalog(other).get(key) or key
    return text.format(**fields) if fields else text


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """12 345,6 in French, 12,345.6 in English; '' for missing values."""
    if value is None or value != value:  # None or NaN
        return ""
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def fmt_pct(share: float | None, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A share 0..1 as a percentage: '12,5 %' in French (narrow no-break space), '12.5%' in English."""
    if share is None or share != share:
        return ""
    number = fmt_number(100 * share, lang, digits)
    return f"{number}\u202f%" if lang == "fr" else f"{number}%"


def corpus_lang(language_counts: dict[str, int]) -> str:
    """Report language for a corpus: French unless most analysed documents are in English."""
    french = language_counts.get("fr", 0)
    english = language_counts.get("en", 0)
    return "en" if english > french else DEFAULT_LANG
