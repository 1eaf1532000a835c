"""The words a reader sees, in French or English.

Reports and CLI tables are read by French analysts about French corpora, so French is the default and English the
alternative. Strings live in data, not code: one TOML catalog per feature under ``textlens/data/i18n/`` (each with a
``[fr]`` and an ``[en]`` table of ``key = "text"``), so a feature adds its words in its own file. Keys missing in one
language fall back to the other, then to the key itself, so a forgotten translation shows up as readable text
instead of an error.
"""
from __future__ import annotations

from textlens.errors import InputError
from textlens.i18n_catalog import DEFAULT_LANG, LANGS, merged_catalog, translate

__all__ = ["DEFAULT_LANG", "LANGS", "catalog", "corpus_lang", "fmt_number", "fmt_pct", "t"]


def catalog(lang: str) -> dict[str, str]:
    """All strings of `lang`; an unknown language is the user's input error."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return merged_catalog(lang)


def t(key: str, lang: str = DEFAULT_LANG, **fields: object) -> str:
    """The text of `key` in `lang`, with `{field}` placeholders filled."""
    catalog(lang)  # checks the language
    return translate(key, lang, **fields)


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
