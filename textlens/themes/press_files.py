"""Where the shipped press theme model lives, in a module that imports nothing heavy: planning a run resolves the
model file in force (its path is part of the analysis key) without loading scikit-learn, as entities/typer_files.py
does for the press entity model."""
from __future__ import annotations

from pathlib import Path

MODEL_FILE = "press_themes.json.gz"


def shipped_model_path() -> Path:
    from textlens.resources import model_path

    return model_path("themes_press", MODEL_FILE)
