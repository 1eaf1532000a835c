"""The vocabularies every part of textlens shares, declared once: document kinds, entity types, sentiment labels,
periods, the sparse-period threshold, and the one `fold` that makes words comparable.

Why one module: these lists were spelt out in several places (entity types in the knowledge base and in the
query filters, sentiment labels in four modules, `MIN_DOCS` as a literal in the CLI) and three `fold` functions
disagreed on "œ", so "coeur" matched "cœur" in the sentiment features but not in search, topics or entities.
Standard library only: every module may import it at no cost.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# ---- documents -----------------------------------------------------------------------------------------------
KINDS = ("editorial", "article", "verbatim")  # what a document is: press opinion, press news, a customer's words
PRESS_KINDS = ("article", "editorial")  # the kinds written by the trade press (themes model, tone, signals)

# ---- entities ------------------------------------------------------------------------------------------------
ENTITY_TYPES = ("PERSON", "VENDOR", "COMPANY", "RESEARCH_FIRM", "INSTITUTION", "MEDIA", "STUDY", "LABEL", "LOCATION")
ORG_TYPES = ("VENDOR", "COMPANY", "RESEARCH_FIRM", "INSTITUTION", "MEDIA")  # the entity types that are organisations
BRAND_TYPES = ("VENDOR", "COMPANY")  # organisations whose names are brands (what reviews are about)
# the order a report lists entity types in: the field's organisations first, then people and places
ENTITY_REPORT_ORDER = ("VENDOR", "COMPANY", "RESEARCH_FIRM", "STUDY", "INSTITUTION", "LABEL", "MEDIA", "PERSON",
                       "LOCATION")

# ---- sentiment -----------------------------------------------------------------------------------------------
SENTIMENT_LABELS = ("positive", "negative", "neutral", "mixed")  # a document's or passage's sentiment label
# the three classes the sentiment models score, in the order of their probability columns (1-2, 3, 4-5 stars)
SENTIMENT_CLASSES = ("negative", "neutral", "positive")
SENTIMENT_SCALE = ("negative", "mixed", "neutral", "positive")  # the labels from worst to best, as charts stack them

# ---- time ----------------------------------------------------------------------------------------------------
PERIODS = ("year", "quarter", "month")  # the periods trends and comparisons group dates by
MIN_DOCS = 5  # a period with fewer documents is marked sparse: shown, not over-interpreted

# ---- outputs -------------------------------------------------------------------------------------------------
STDOUT = "-"  # the output name (`--out -`) that means standard output, for the CLI and the report writers alike

# ---- word keys -----------------------------------------------------------------------------------------------
_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"}
_LIGATURES = {"œ": "oe", "æ": "ae"}
# the accented letters of French folded as NFKD + dropping combining marks would, plus apostrophes and ligatures:
# one C-speed pass folds most French text, the general Unicode decomposition runs only when something is left
_FRENCH = str.maketrans({**{ch: unicodedata.normalize("NFKD", ch)[0] for ch in "àâäáãåéèêëíìîïóòôöõúùûüçñÿý"},
                         **_APOSTROPHES, **_LIGATURES})
_OPEN_LIGATURES = str.maketrans(_LIGATURES)
_MEMO_MAX_CHARS = 64  # words and names are memoised, whole texts are not (they rarely repeat)


def fold(text: str) -> str:
    """Lower-case, accent-free form with every apostrophe written "'" and the ligatures opened ("cœur" ->
    "coeur", as French is often typed): the key for matching words, never for display.

    Called for every token by several entity rules (~1.6M calls per 10k reviews): ASCII text takes a
    short path and short strings are memoised (words repeat)."""
    if text.isascii():
        return text.lower().replace("`", "'")
    if len(text) <= _MEMO_MAX_CHARS:
        return _fold_word(text)
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    text = text.lower().translate(_FRENCH)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_OPEN_LIGATURES)


_fold_word = lru_cache(maxsize=1 << 16)(_fold_unicode)


@lru_cache(maxsize=1)
def french_stemmer():  # noqa: ANN201 - snowballstemmer has no public type
    """Snowball's French stemmer (one per process: building it compiles its tables)."""
    import snowballstemmer

    return snowballstemmer.stemmer("french")
