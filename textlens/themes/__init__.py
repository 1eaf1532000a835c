"""Themes from a taxonomy (editorial themes of articles, aspects of customer verbatims).

    from textlens.themes import load_taxonomy, ThemeScorer
    scorer = ThemeScorer(load_taxonomy("aspects"))          # lexical only; pass an encoder for embeddings
    scorer.score(["impossible de les joindre, 40 min d'attente"])

Heavy libraries (embeddings, scikit-learn) load only when a scorer or classifier needs them.
"""
from textlens.themes.taxonomy import BUILTIN, Scoring, Taxonomy, TaxonomyError, Theme, load_taxonomy

__all__ = ["BUILTIN", "Scoring", "Taxonomy", "TaxonomyError", "Theme", "ThemeScorer", "ThemeAnalyzer",
           "ThemeClassifier", "load_taxonomy"]


def __getattr__(name: str):
    if name == "ThemeScorer":
        from textlens.themes.scoring import ThemeScorer

        return ThemeScorer
    if name == "ThemeAnalyzer":
        from textlens.themes.analyzer import ThemeAnalyzer

        return ThemeAnalyzer
    if name == "ThemeClassifier":
        from textlens.themes.classifier import ThemeClassifier

        return ThemeClassifier
    raise AttributeError(name)
