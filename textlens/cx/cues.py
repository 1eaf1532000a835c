"""Explicit cues of emotion, intensity, effort and intent, counted per text from `textlens/data/cx_cues.toml`.

Why: a few hundred annotated reviews are too few for n-grams alone to learn that "!!!", capitals, an emoji or
"UFC-Que Choisir" matter; counting such cues gives the model dense, general features. The word lists are data
(editable without code); the trained model decides how much each category weighs.
"""
from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from textlens.errors import ConfigError
from textlens.sentiment.text import fold

CUES_FILE = "cx_cues.toml"
_CAPS_WORD = re.compile(r"\b[A-ZÀ-ÖØ-Þ]{3,}\b")
_WORD = re.compile(r"\w+")
# the intensity signals that are not word lists: punctuation floods, capitals, emojis
SHAPE_FEATURES = ("exclamations", "exclamation_runs", "questions", "caps_words", "caps_share", "emoji_positive",
                  "emoji_negative", "log_words")


@dataclass(frozen=True)
class CueSet:
    """The compiled cue lists: one regex per (section, category), over folded text (emojis over raw text)."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]  # ("emotion.joy", regex), ...
    emoji_positive: re.Pattern[str]
    emoji_negative: re.Pattern[str]
    digest: str

    @property
    def names(self) -> list[str]:
        """Feature names, in the column order of `features`."""
        return [name for name, _ in self.patterns] + [f"shape.{s}" for s in SHAPE_FEATURES]

    def counts(self, text: str) -> dict[str, int]:
        """How often each category's cues occur in `text` (for explanations and tests)."""
        folded = fold(text)
        return {name: len(rx.findall(folded)) for name, rx in self.patterns}

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """(n, len(names)) dense features: log(1 + count) per category, then the shape features."""
        out = np.zeros((len(texts), len(self.patterns) + len(SHAPE_FEATURES)), dtype=np.float32)
        k = len(self.patterns)
        for i, text in enumerate(texts):
            folded = fold(text)
            for j, (_, rx) in enumerate(self.patterns):
                n = len(rx.findall(folded))
                if n:
                    out[i, j] = math.log1p(n)
            out[i, k:] = self.shape(text)
        return out

    def shape(self, text: str) -> list[float]:
        """Punctuation, capitals and emojis: the intensity signals that word n-grams lose (folding lower-cases)."""
        words = _WORD.findall(text)
        caps = len(_CAPS_WORD.findall(text))
        return [
            math.log1p(text.count("!")),
            math.log1p(len(re.findall(r"!{2,}", text))),
            math.log1p(text.count("?")),
            math.log1p(caps),
            caps / max(len(words), 1),
            math.log1p(len(self.emoji_positive.findall(text))),
            math.log1p(len(self.emoji_negative.findall(text))),
            math.log1p(len(words)) / 6.0,
        ]


def _alternation(words: Sequence[str], bounded: bool = True) -> re.Pattern[str]:
    body = "|".join(f"(?:{w})" for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)" if bounded else f"(?:{body})")


@functools.lru_cache(maxsize=4)
def load_cues(path: str | None = None) -> CueSet:
    """The cue lists of `path`, by default the packaged `textlens/data/cx_cues.toml`.

    Raises ValueError naming the file and the category when a pattern is not a valid regular expression."""
    import hashlib

    raw, where = read_cue_file(path, CUES_FILE)
    data = tomllib.loads(raw)
    patterns = []
    for section in ("emotion", "intent", "effort"):
        for category, words in data.get(section, {}).items():
            patterns.append((f"{section}.{category}", compile_words(words, where, f"{section}.{category}")))
    intensity = data.get("intensity", {})
    for category in ("intensifiers", "strong"):
        patterns.append((f"intensity.{category}", compile_words(intensity.get(category, []), where, category)))
    emoji_pos = compile_words(intensity.get("emoji_positive", []), where, "emoji_positive", bounded=False)
    emoji_neg = compile_words(intensity.get("emoji_negative", []), where, "emoji_negative", bounded=False)
    return CueSet(tuple(patterns), emoji_pos, emoji_neg, hashlib.sha1(raw.encode()).hexdigest()[:12])


def read_cue_file(path: str | None, packaged: str) -> tuple[str, str]:
    """(text, name for messages) of the cue file `path`, or of the packaged `textlens/data/<packaged>`."""
    if path is None:
        return (resources.files("textlens") / "data" / packaged).read_text(encoding="utf-8"), packaged
    with open(path, encoding="utf-8") as fh:
        return fh.read(), path


def compile_words(words: Sequence[str], where: str, category: str, bounded: bool = True) -> re.Pattern[str]:
    if not words:
        return re.compile(r"(?!x)x")  # matches nothing
    try:
        return _alternation([fold(w) if bounded else w for w in words], bounded)
    except re.error as exc:
        raise ConfigError(f"{where}: category {category!r} has an invalid pattern ({exc})") from exc
