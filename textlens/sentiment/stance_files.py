"""Where the press tone (stance) model lives, in a module that imports nothing heavy: planning a run resolves the
model file in force (it is part of the sentiment analysis key) without loading scikit-learn, which the model class
itself needs."""
from __future__ import annotations

from pathlib import Path

MODEL_ENV = "TEXTLENS_PRESS_TONE"


def shipped_model_path() -> Path:
    from textlens.resources import model_path

    return model_path("press_tone", "press_tone.json")


def model_path() -> Path | None:
    """The stance model file in force: $TEXTLENS_PRESS_TONE, else the shipped one; None when off or not shipped."""
    from textlens.resources import model_in_force

    return model_in_force(None, MODEL_ENV, shipped_model_path(), "press tone model")
