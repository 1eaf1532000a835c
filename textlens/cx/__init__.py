"""Customer-experience analyses of verbatims (issue #18): emotions with intensity, customer effort, intents.

The label names are those of the shared annotation scheme (docs/annotation/cx_scheme.md) and must not change:
the annotated file `scripts/data/cx_labels.jsonl`, the store and the export all use them.
"""
from __future__ import annotations

EMOTIONS = ("joy", "gratitude", "anger", "frustration", "fear", "sadness", "surprise")
INTENTS = ("complaint", "question", "churn", "praise", "suggestion", "escalation")
EFFORT_LEVELS = ("hard", "neutral", "easy")
INTENSITIES = (1, 2, 3)
# Valence of each emotion for the emotional temperature: positive emotions warm, negative ones cool; surprise
# can go either way, so it does not move the temperature.
VALENCE = {"joy": 1.0, "gratitude": 1.0, "surprise": 0.0, "anger": -1.0, "frustration": -1.0, "fear": -1.0,
           "sadness": -1.0}


def effort_level(effort: int) -> str:
    """The 3-level effort of an annotated -2..+2 score: -2, -1 -> hard; 0 -> neutral; +1, +2 -> easy."""
    return "hard" if effort < 0 else "easy" if effort > 0 else "neutral"


__all__ = ["EMOTIONS", "INTENTS", "EFFORT_LEVELS", "INTENSITIES", "VALENCE", "effort_level", "resolve_label"]


def resolve_label(what: str, value: str) -> str:
    """The label id of `value` for `what` ("emotion" or "intent"): the id or its French/English name, any case,
    with or without accents ("colère" -> anger). Raises InputError (a ValueError) listing the known labels."""
    from textlens.analysis.segment import fold
    from textlens.errors import InputError
    from textlens.i18n import t

    labels = EMOTIONS if what == "emotion" else INTENTS
    key = fold(value.strip())
    for label in labels:
        names = {label, t(f"cx.{what}.{label}", "fr"), t(f"cx.{what}.{label}", "en")}
        words = {fold(w.strip()) for n in names for w in n.split("/")}
        if key in {fold(n) for n in names} | words:
            return label
    raise InputError(f"unknown {what} {value!r}; known: {', '.join(labels)}")
