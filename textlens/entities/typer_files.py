"""Where the press entity model (`textlens.entities.typer`) is found: its own light module, so an analyzer that
only resolves the model file (planning a run, computing its key) imports neither spaCy nor numpy."""
from __future__ import annotations

from pathlib import Path


MODEL_FILE = "press_entities.json.gz"  # gzip when the name ends in .gz (the shipped model: 5x smaller)
MODEL_ENV = "TEXTLENS_PRESS_ENTITIES"  # a model file, or "off" for the rules alone


def shipped_model_path() -> Path:
    from textlens.resources import model_path

    return model_path("entities_press", MODEL_FILE)


def resolve_model(option: str | None = None) -> str | None:
    """The press entity model file in force: the option, else $TEXTLENS_PRESS_ENTITIES, else the shipped one;
    "off" (either way) keeps the rules alone."""
    from textlens.resources import model_in_force

    path = model_in_force(option, MODEL_ENV, shipped_model_path(), "press entity model")
    return str(path) if path else None
