"""Language identification: which documents can be analysed as French.

lingua's fast (low-accuracy) mode costs ~0.4 ms per short text, and our corpora are mostly
French; a cheap test on French-only function words settles the clear cases first, and lingua
(restricted to the ~10 languages customer corpora in France actually contain, built once) decides
the rest. Short or ambiguous texts default to French when French is plausible: a four-word review
("Un service lamentable.") carries too little signal to overrule the corpus language.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

LANGUAGES = ("fr", "en", "de", "es", "it", "pt", "nl", "ar", "pl", "ro")
SAMPLE_CHARS = 1500  # language is decided on the beginning of long texts
MIN_WORDS = 3  # fewer words: too little signal to overrule the corpus language
MIN_CONFIDENCE = 0.95

# Frequent French words that are rare in the other candidate languages.
_FRENCH_WORDS = frozenset(
    "les est et pas une je très tres pour avec nous vous sont mais ils elle leur cette été aux du des au qui "
    "sur dans mon ma sont ont fait bien rien tout cela ça chez depuis être avoir mes nos votre vos aussi "
    "jamais toujours encore comme après plus moins".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def _looks_french(words: list[str]) -> bool:
    hits = [w for w in words if w in _FRENCH_WORDS]
    return len(words) >= 4 and len(set(hits)) >= 2 and len(hits) >= 0.12 * len(words)


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text`'s language ("fr" for empty, short or ambiguous French-plausible text)."""
    sample = text[:SAMPLE_CHARS]
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 2 or _looks_french(words):
        return "fr"
    from lingua import Language

    detector = _detector()
    found = detector.detect_language_of(sample)
    if found is None or found == Language.FRENCH:
        return "fr"
    # A non-French verdict of the fast model: kept only when it is nearly certain, since its
    # confidence on short French texts with typos or brand names can reach 0.6-0.9 ("Merci la macif !!").
    confidences = {c.language: c.value for c in detector.compute_language_confidence_values(sample)}
    top = max(confidences, key=confidences.get)
    if top == Language.FRENCH or confidences[top] < MIN_CONFIDENCE or len(words) < MIN_WORDS:
        return "fr"
    return top.iso_code_639_1.name.lower()
