"""Is a number written without a cue word a personal reference? A small learned model (issue #18).

Why a model here: numbers of 5+ digits with no cue word before them ("n°", "contrat", "dossier"…) are the masker's
least reliable structured decision. Hand rules for them were written round after round from the errors of the
annotated reviews and kept missing the next round's formats (dates with spaces, "09 2021", "071217", a date glued to
the next count "11/2014 1"). The features below describe the *format and context* of a number (digit count, groups,
separators, whether its groups read as a valid date, the word before it, its line), never specific values; a
logistic regression trained on every 5+-digit number of the tune part of `scripts/data/pii_gold.jsonl`
(`scripts/train_pii_numbers.py`) weighs them. The masker consults it only to veto a cue-less number the rules would
mask, at the threshold chosen by out-of-fold scores on the tune part.

The weights are a JSON file (`models/pii_numbers/number_model.json`, a few KB): scoring is a dot product in plain
Python, so ingest never imports scikit-learn.
"""
from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from textlens.errors import ModelError
from textlens.resources import model_path

log = logging.getLogger(__name__)

MODEL_FILE = ("pii_numbers", "number_model.json")
_GROUP_SPLIT = re.compile(r"[ ./-]+")
# Words that put a date right after them ("le 21 09 2021", "depuis le", "du … au …").
_DATE_WORDS = {"le", "du", "au", "depuis", "date", "dates", "jusqu'au", "entre", "dès", "des", "avant", "après",
               "apres", "ce", "en", "et", "vers", "fin", "début", "debut", "mi", "jour", "nuit", "matin",
               "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "expire", "échéance",
               "echeance", "effet", "né", "née", "naissance"}
_REFERENCE_WORDS = re.compile(
    r"(?i:n°|num(?:é|e)ro|r(?:é|e)f|contrat|police|dossier|sinistre|client|adh(?:é|e)r|soci(?:é|e)taire|devis|"
    r"matricule|identifiant|code|compte)")
_AMOUNT_AFTER = re.compile(r"^\s?(?:[,.]\d+\s?)?(?:€|eur|euros?|e\b|km|kms|\$|%)", re.I)


def _year(value: str) -> bool:
    return len(value) == 4 and value[:2] in ("19", "20")


def _day(value: str) -> bool:
    return value.isdigit() and 1 <= len(value) <= 2 and 1 <= int(value) <= 31


def _month(value: str) -> bool:
    return value.isdigit() and 1 <= len(value) <= 2 and 1 <= int(value) <= 12


def _year_any(value: str) -> bool:
    return _year(value) or len(value) == 2 and value.isdigit()


def compact_date(digits: str) -> bool:
    """Digits that read as a date written without separators: DDMMYY, DDMMYYYY or YYYYMMDD."""
    if len(digits) == 6:
        return _day(digits[:2]) and _month(digits[2:4])
    if len(digits) == 8:
        return _day(digits[:2]) and _month(digits[2:4]) and _year(digits[4:]) or \
            _year(digits[:4]) and _month(digits[4:6]) and _day(digits[6:])
    return False


def grouped_date(groups: list[str]) -> bool:
    """Groups that read as a date: day month year, month year, year month (day)."""
    if len(groups) == 3:
        return _day(groups[0]) and _month(groups[1]) and _year_any(groups[2]) or \
            _year(groups[0]) and _month(groups[1]) and _day(groups[2])
    if len(groups) == 2:
        return _month(groups[0]) and _year(groups[1]) or _year(groups[0]) and _month(groups[1])
    return False


def number_features(text: str, start: int, end: int) -> dict[str, float]:
    """Format and context features of the number `text[start:end]` (names are stable: they key the weights)."""
    raw = text[start:end]
    digits = re.sub(r"\D", "", raw)
    letters = re.sub(r"[^A-Za-z]", "", raw)
    groups = [g for g in _GROUP_SPLIT.split(raw) if g]
    numeric_groups = [g for g in groups if g.isdigit()]
    before = text[max(0, start - 40):start]
    words_before = re.findall(r"[\w'’°]+", before.lower())
    previous_word = words_before[-1].replace("’", "'") if words_before else ""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    n = len(digits)
    features = {
        "bias": 1.0,
        "digits_5": float(n == 5), "digits_6": float(n == 6), "digits_7": float(n == 7), "digits_8": float(n == 8),
        "digits_9_10": float(n in (9, 10)), "digits_11_plus": float(n >= 11),
        "has_letters": float(bool(letters)),
        "starts_with_letters": float(raw[:1].isalpha()),
        "groups_2": float(len(groups) == 2), "groups_3_plus": float(len(groups) >= 3),
        "sep_space": float(" " in raw), "sep_slash": float("/" in raw), "sep_dot": float("." in raw),
        "sep_dash": float("-" in raw),
        "short_last_group": float(len(groups) >= 2 and len(groups[-1]) <= 2),
        "zero_lead": float(digits[:1] == "0"),
        "date_compact": float(not letters and compact_date(digits)),
        "date_groups": float(not letters and grouped_date(numeric_groups)),
        # a date followed by a stray count ("11/2014 1 accrochage"): the date is the groups but the last
        "date_then_count": float(not letters and len(numeric_groups) >= 3 and len(numeric_groups[-1]) <= 2
                                 and grouped_date(numeric_groups[:-1])),
        "year_group": float(any(_year(g) for g in numeric_groups)),
        "date_word_before": float(previous_word in _DATE_WORDS),
        "reference_word_before": float(bool(_REFERENCE_WORDS.search(" ".join(words_before[-4:])))),
        "paren_before": float(before.rstrip(" ").endswith("(")),
        "colon_before": float(before.rstrip(" ").endswith(":")),
        "alone_on_line": float(line.strip(" \t.,;:-") == raw),
        "line_start": float(not text[line_start:start].strip()),
        "amount_after": float(bool(_AMOUNT_AFTER.match(text[end:end + 10]))),
        "capital_word_before": float(bool(re.search(r"\b[A-Z][A-Za-z]*\W{0,3}$", before))),
    }
    return features


@dataclass(frozen=True)
class NumberModel:
    """Logistic-regression weights over `number_features`, and the veto threshold chosen on the tune part."""

    weights: dict[str, float]
    threshold: float

    def probability(self, features: dict[str, float]) -> float:
        """P(a personal reference) for one number's features."""
        z = sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def keeps(self, text: str, start: int, end: int) -> bool:
        """False when the model vetoes masking this cue-less number (its probability is below the threshold)."""
        return self.probability(number_features(text, start, end)) >= self.threshold

    def to_json(self) -> dict[str, object]:
        return {"weights": self.weights, "threshold": self.threshold}

    @classmethod
    def from_file(cls, path: Path) -> "NumberModel":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls({str(k): float(v) for k, v in data["weights"].items()}, float(data["threshold"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"{path}: not a number model ({exc})") from exc


@lru_cache(maxsize=1)
def number_model() -> NumberModel | None:
    """The shipped model, or None (the rules alone decide) when its file is missing."""
    path = model_path(*MODEL_FILE)
    if not path.is_file():
        log.warning("%s is missing: cue-less numbers are decided by the rules alone", path)
        return None
    return NumberModel.from_file(path)
