"""textlens."""
