"""Per-document analyses. Each is imported only when a run needs it."""
from textlens.analysis.base import AnalysisInput, Analyzer, load_analyzer, register, registered

# Order matters: sentiment reads the aspects that themes wrote for the same batch.
register("entities", "textlens.entities.analyzer:EntityAnalyzer")
register("themes", "textlens.themes.analyzer:ThemeAnalyzer")
register("sentiment", "textlens.sentiment.analyzer:SentimentAnalyzer")
register("cx", "textlens.cx.analyzer:CxAnalyzer")

__all__ = ["AnalysisInput", "Analyzer", "load_analyzer", "register", "registered"]
