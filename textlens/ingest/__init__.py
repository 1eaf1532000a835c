"""Ingestion: files, folders and tables -> clean, dated, language-tagged `Document`s (or `Skipped` reasons).

Public API used by the pipeline: `read_inputs(paths, IngestOptions(...))`, `Deduplicator`,
`detect_language`, `parse_publication_date`. Heavy libraries are imported lazily.
"""
from textlens.ingest.dating import DateInfo, parse_date_value, parse_publication_date, resolve_date
from textlens.ingest.dedup import Deduplicator
from textlens.ingest.language import detect_language
from textlens.ingest.readers import IngestOptions, read_inputs

__all__ = [
    "DateInfo", "Deduplicator", "IngestOptions", "detect_language", "parse_date_value", "parse_publication_date",
    "read_inputs", "resolve_date",
]
