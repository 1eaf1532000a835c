"""Where the learned aspect model lives, in a module that imports nothing heavy: planning a run resolves the model
file in force (its hash is part of the analysis key) without loading scikit-learn, as press_files.py does."""
from __future__ import annotations

from pathlib import Path

MODEL_ENV = "TEXTLENS_ASPECT_MODEL"
MODEL_FILE = "aspect_model.json.gz"


def shipped_model_path() -> Path:
    from textlens.resources import model_path

    return model_path("aspects", MODEL_FILE)


def resolve_aspect_model(option: str | None) -> Path | None:
    """The aspect model file in force: the option, else $TEXTLENS_ASPECT_MODEL, else the shipped one; "off" (either
    way) keeps the taxonomy alone for every aspect."""
    from textlens.resources import model_in_force

    return model_in_force(option, MODEL_ENV, shipped_model_path(), "aspect model")


POLARITY_ENV = "TEXTLENS_ASPECT_POLARITY"
POLARITY_FILE = "aspect_polarity.json"


def resolve_polarity_model() -> Path | None:
    """The aspect polarity model file in force: $TEXTLENS_ASPECT_POLARITY, else the shipped one; "off" keeps the
    rule of sentiment/aspects.py for every aspect."""
    from textlens.resources import model_in_force, model_path

    return model_in_force(None, POLARITY_ENV, model_path("aspects", POLARITY_FILE), "aspect polarity model")


def polarity_fingerprint() -> str:
    """What the sentiment analysis key adds for the aspect polarity model in force ("" without one)."""
    import hashlib

    path = resolve_polarity_model()
    return "" if path is None else "+aspect_polarity:" + hashlib.sha1(path.read_bytes()).hexdigest()[:12]
