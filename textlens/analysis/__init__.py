"""Per-document analyses. Each is imported only when a run needs it."""
from textlens.analysis.base import AnalysisInput, Analyzer, load_analyzer, register, registered, run_order

# Runs follow each analysis' `requires` (sentiment after themes, whose aspects it reads), else the order asked for.
register("entities", "textlens.entities.analyzer:EntityAnalyzer")
register("themes", "textlens.themes.analyzer:ThemeAnalyzer")
register("sentiment", "textlens.sentiment.analyzer:SentimentAnalyzer")
register("cx", "textlens.cx.analyzer:CxAnalyzer")
register("terms", "textlens.dynamics.term_counts:TermCountAnalyzer")

__all__ = ["AnalysisInput", "Analyzer", "load_analyzer", "register", "registered", "run_order"]
