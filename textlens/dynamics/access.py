"""The drivers feature's reads, now in the data-access layer (`textlens.store.drivers`, `.evidence`, `.trends`).

Kept as names only, so the modules importing them from here keep working while issue #20's moves are merged;
new code imports from `textlens.store`."""
from textlens.store.drivers import (
    DOCUMENT_FIELDS,
    document_fields,
    document_origins,
    document_sentiments,
    language_counts,
    passage_sentiments,
    selected_documents_sql,
    selected_documents_where,
    selected_metadata,
)
from textlens.store.evidence import first_passages
from textlens.store.evidence import passage_docs_texts as passage_texts
from textlens.store.trends import aspect_polarities

__all__ = ["DOCUMENT_FIELDS", "aspect_polarities", "document_fields", "document_origins", "document_sentiments",
           "first_passages", "language_counts", "passage_sentiments", "passage_texts", "selected_documents_sql",
           "selected_documents_where", "selected_metadata"]
