"""French sentiment for customer verbatims and press sentences: labels, scores, aspect polarity.

    from textlens.sentiment import load_model
    model = load_model()                                   # models/sentiment/sentiment.pkl.gz
    model.predict(["Prix correct mais impossible de les joindre"])       # review domain
    model.predict(["Le marché a progressé de 4 %."], domain="article")   # press sentences
    model.aspects("Prix correct mais impossible de les joindre", {"price": [(0, 4)]})

The committed model is pure scikit-learn (word + character n-grams): no torch, no download.
Heavy imports happen inside functions so `import textlens.sentiment` stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textlens.sentiment.predict import SentimentModel

from textlens.vocab import SENTIMENT_LABELS as LABELS  # re-exported


def load_model(path: Any = None) -> "SentimentModel":
    """The sentiment model at `path` (default: $TEXTLENS_SENTIMENT_MODEL or the committed one), cached per path."""
    from textlens.sentiment.predict import SentimentModel

    key = str(path or "")
    if key not in _CACHE:
        _CACHE[key] = SentimentModel.load(path)
    return _CACHE[key]


_CACHE: dict[str, "SentimentModel"] = {}


def __getattr__(name: str) -> Any:
    if name in ("SentimentModel", "Prediction", "ModelError"):
        from textlens.sentiment import predict

        return getattr(predict, name)
    if name == "SentimentAnalyzer":
        from textlens.sentiment.analyzer import SentimentAnalyzer

        return SentimentAnalyzer
    raise AttributeError(name)


__all__ = ["LABELS", "ModelError", "Prediction", "SentimentAnalyzer", "SentimentModel", "load_model"]
