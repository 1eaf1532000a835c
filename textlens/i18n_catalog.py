"""The message catalogs read and looked up, below `textlens.errors` (standard library only).

Why a module of its own: `textlens.i18n` refuses an unknown language with an `InputError`, and an error's
message (`MissingExtraError.message`) is itself translated; both reach the catalogs here, so neither module
imports the other (no import cycle). Callers pass a language of `LANGS`: `textlens.i18n` checks it.
"""
from __future__ import annotations

import functools
import logging
import tomllib
from importlib import resources

log = logging.getLogger(__name__)

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"


@functools.lru_cache(maxsize=None)
def merged_catalog(lang: str) -> dict[str, str]:
    """All strings of `lang`, merged from every catalog file (later files never silently override: logged)."""
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


def translate(key: str, lang: str, **fields: object) -> str:
    """The text of `key` in `lang` (a language of `LANGS`), else in the other language, else the key itself."""
    other = "en" if lang == "fr" else "fr"
    text = merged_catalog(lang).get(key) or merged_catalog(other).get(key) or key
    return text.format(**fields) if fields else text
