"""The data-access layer: the only place in textlens where SQL is written.

`database` holds the schema, the connection rules and the `Corpus` handle; the other modules of this package hold
the typed reads and writes of one area each (documents, analyses, trends, queries, topics...). Everything above
this layer (pipeline, trends, queries, report, CLI) calls these functions and never writes SQL itself.
"""
from textlens.store.database import (
    ANALYSIS_TABLES,
    DOCUMENT_COLUMNS,
    SCHEMA_VERSION,
    Corpus,
    StoreError,
    connect,
)
from textlens.store.analyses import AnalysisStore  # the store an analysis is given
from textlens.store.filters import FilterValues, filtered_doc_ids, where_clause

__all__ = ["ANALYSIS_TABLES", "DOCUMENT_COLUMNS", "SCHEMA_VERSION", "AnalysisStore", "Corpus", "FilterValues",
           "StoreError", "connect", "filtered_doc_ids", "where_clause"]
