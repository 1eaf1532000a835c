"""How extracted figures are compared with annotated key statistics (issue #16), shared by eval_press and
train_figures.

The gold scheme gives each key statistic as its `value` "as written" ("200 salariés", "1200", "12,5 %",
"la moitié", "entre 120 000 et 150 000"); annotators did not agree on where a value's span ends (with or
without its unit or noun, with "plus de"/"près de"), so a figure is found when an extracted figure of the same
text states the same number: both values are read by `textlens.entities.numbers.quantities` (digits with any
separator, number words, scales, proportions as percentages), and they match when they share a number with the
same percent-ness. Matching is one-to-one (an extracted figure finds at most one annotated one), so precision
is the share of extracted figures that match an annotated key statistic.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from textlens.entities.numbers import DIGITS, fold_accents, quantities, same_value


def _norm_text(value: str) -> str:
    return re.sub(r"\s+", "", fold_accents(value))


def values_match(gold: str, pred: str) -> bool:
    """True when the two written values state the same number (or, without a readable number, the same words)."""
    gq, pq = quantities(gold), quantities(pred)
    if not gq or not pq:
        return _norm_text(gold) == _norm_text(pred)
    return any(g.percent == p.percent and same_value(g.value, p.value) for g in gq for p in pq)


def match_figures(gold_values: Iterable[str], pred_values: Iterable[str]) -> tuple[int, int, int]:
    """(gold found, gold total, predictions) of one text, matching one-to-one in text order."""
    gold_values, pred_values = list(gold_values), list(pred_values)
    used = [False] * len(pred_values)
    found = 0
    for g in gold_values:
        for j, p in enumerate(pred_values):
            if not used[j] and values_match(g, p):
                used[j] = True
                found += 1
                break
    return found, len(gold_values), len(pred_values)


def strict_match(gold_values: Iterable[str], pred_values: Iterable[str]) -> tuple[int, int]:
    """The former measure: set of values as written, spaces ignored (found, total)."""
    squash = lambda v: str(v).replace(" ", "").replace("\u202f", "")  # noqa: E731
    g = {squash(v) for v in gold_values}
    return len(g & {squash(v) for v in pred_values}), len(g)


_PLAIN_NUMBER = re.compile(rf"(?<![\w.,])(?:{DIGITS})(?:\s?%|\s(?:millions?|milliards?)\b)?")


def plain_regex_values(text: str) -> list[str]:
    """The anchor: every number written with digits (with a following % or million/milliard kept), as a plain
    regex finds them."""
    return [m.group(0) for m in _PLAIN_NUMBER.finditer(text)]
