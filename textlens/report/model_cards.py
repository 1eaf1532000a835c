"""The evaluation lines of the shipped models' cards (models/*/MODEL_CARD.md), for the report's method section."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_METRIC_LINE = re.compile(r"(accuracy|f1|precision|recall|macro|micro|coherence|npmi|diversity|outlier)", re.I)


def model_cards(root: Path | None = None) -> list[dict[str, Any]]:
    """Model cards under models/*/MODEL_CARD.md: name, title and the lines that state evaluation figures."""
    if root is None:
        from textlens.resources import models_dir

        root = models_dir()
    cards = []
    for path in sorted(root.glob("*/MODEL_CARD.md")) if root.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        title = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), path.parent.name)
        lines = [ln.strip().strip("|").strip() for ln in text.splitlines()
                 if _METRIC_LINE.search(ln) and not ln.lstrip().startswith("#") and set(ln.strip()) - set("|-: ")]
        cards.append({"model": path.parent.name, "title": title, "metrics": lines[:12]})
    return cards
