"""Score and segment columns: the numeric rating a driver explains and the column segments are cut by.

Both live in `documents.metadata` (the table columns that were not text, id, date or title). Documents
without a usable value are counted and named (file and row), never silently dropped.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textlens.analysis.segment import fold
from textlens.query import Filters, QueryError

if TYPE_CHECKING:
    import pandas as pd

    from textlens.store import Corpus

log = logging.getLogger(__name__)

# score columns recognised without --score, in this order of preference
SCORE_NAMES = ("rating", "note", "stars", "etoiles", "score", "nps", "csat", "satisfaction")
NUMERIC_SHARE = 0.9  # a column is numeric when at least this share of its values are numbers
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
MAX_SEGMENTS_AUTO = 12  # a column with more distinct values is not picked automatically for the report


@dataclass
class LeftOut:
    """Documents a query could not use, with where they came from (examples first)."""

    missing: int = 0  # no value in the column
    invalid: list[dict[str, Any]] = field(default_factory=list)  # doc_id, source, row, value

    def describe(self, column: str, examples: int = 3) -> str:
        parts = []
        if self.missing:
            parts.append(f"{self.missing} documents without {column!r}")
        if self.invalid:
            shown = "; ".join(f"{r['source']} row {r['row']} (doc {r['doc_id']}): {r['value']!r}"
                              for r in self.invalid[:examples])
            parts.append(f"{len(self.invalid)} documents whose {column!r} is not a number, e.g. {shown}")
        return ", ".join(parts)


@dataclass
class ScoreValues:
    """The numeric score of each usable document."""

    column: str
    values: "pd.Series"  # float, indexed by doc_id
    left_out: LeftOut


def as_number(value: Any) -> float | None:
    """A metadata value as a number: JSON numbers, and strings like "4", "4.5" or "4,5"; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value == value else None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value.strip().replace(",", "."))
    return None


def _entries(corpus: "Corpus", filters: Filters | None) -> tuple["pd.DataFrame", list[str]]:
    """Metadata entries of the selected documents, and the ids of those documents."""
    from textlens.dynamics.access import metadata_entries, selected_documents_sql

    filters = filters or Filters()
    sql, params = selected_documents_sql(filters)
    ids = [r[0] for r in corpus.conn.execute(sql + " ORDER BY d.id", params)]
    if not ids:
        raise QueryError(f"no French document matches the filters ({filters.describe()})" if filters.active()
                         else "the store holds no French document (run `textlens run PATH` first)")
    return metadata_entries(corpus, sql, params), ids


def numeric_columns(entries: "pd.DataFrame") -> list[str]:
    """Metadata keys whose values are (nearly all) numbers, most filled first."""
    if entries.empty:
        return []
    numeric = entries["value"].map(lambda v: as_number(v) is not None)
    stats = numeric.groupby(entries["key"]).agg(["mean", "size"])
    stats = stats[stats["mean"] >= NUMERIC_SHARE].sort_values("size", ascending=False)
    return [str(k) for k in stats.index]


def score_values(corpus: "Corpus", column: str | None = None, filters: Filters | None = None) -> ScoreValues:
    """The score of every selected document: `column`, or the first of SCORE_NAMES present and numeric.

    Raises QueryError naming the numeric columns available when none is found or `column` is unusable.
    """
    import pandas as pd

    entries, ids = _entries(corpus, filters)
    numeric = numeric_columns(entries)
    keys = list(dict.fromkeys(entries["key"])) if not entries.empty else []
    available = ", ".join(numeric) if numeric else "none"
    if column is None:
        by_folded = {fold(k): k for k in numeric}
        column = next((by_folded[n] for n in SCORE_NAMES if n in by_folded), None)
        if column is None:
            raise QueryError(f"no score column found (looked for {', '.join(SCORE_NAMES)}); give one with --score."
                             f" Numeric metadata columns of the selected documents: {available}")
    else:
        match = [k for k in keys if k == column] or [k for k in keys if fold(k) == fold(column)]
        if not match:
            raise QueryError(f"no metadata column {column!r} in the selected documents; numeric columns: "
                             f"{available}")
        column = match[0]
        if column not in numeric:
            raise QueryError(f"metadata column {column!r} is not numeric; numeric columns: {available}")
    rows = entries[entries["key"] == column]
    numbers = rows["value"].map(as_number)
    good = rows[numbers.notna()]
    values = pd.Series(numbers[numbers.notna()].to_numpy(dtype=float), index=good["doc_id"].to_numpy(), name=column)
    left_out = _left_out(corpus, ids, rows, numbers)
    if left_out.missing or left_out.invalid:
        log.info("score %s: %s", column, left_out.describe(column))
    return ScoreValues(column, values.sort_index(), left_out)


def _left_out(corpus: "Corpus", ids: list[str], rows: "pd.DataFrame", numbers: "pd.Series | None") -> LeftOut:
    from textlens.dynamics.access import document_origins

    invalid_rows = rows[numbers.isna()] if numbers is not None else rows.iloc[:0]
    origins = document_origins(corpus, invalid_rows["doc_id"].tolist()) if len(invalid_rows) else {}
    invalid = [{"doc_id": d, "source": origins.get(d, ("?", None))[0], "row": origins.get(d, ("?", None))[1],
                "value": v} for d, v in zip(invalid_rows["doc_id"], invalid_rows["value"])]
    return LeftOut(missing=len(set(ids) - set(rows["doc_id"])), invalid=invalid)


def segment_values(corpus: "Corpus", column: str, filters: Filters | None = None) -> tuple["pd.Series", LeftOut]:
    """Each selected document's segment (the metadata value as text) and the documents without one.

    `source`, `kind` and `year` fall back to the document's own fields when no metadata column has that
    name (a table read with a `source` column keeps that column's values).
    """
    import pandas as pd

    from textlens.dynamics.access import DOCUMENT_FIELDS, document_fields, selected_documents_sql

    entries, ids = _entries(corpus, filters)
    keys = list(dict.fromkeys(entries["key"])) if not entries.empty else []
    match = [k for k in keys if k == column] or [k for k in keys if fold(k) == fold(column)]
    if match:
        rows = entries[entries["key"] == match[0]][["doc_id", "value"]]
        name = match[0]
    elif fold(column) in DOCUMENT_FIELDS:
        name = fold(column)
        sql, params = selected_documents_sql(filters or Filters())
        fields_ = document_fields(corpus, sql, params)
        rows = fields_[["doc_id", name]].rename(columns={name: "value"}).dropna()
        if name == "source":  # a path: the file name is what a reader recognises
            rows["value"] = rows["value"].map(lambda v: str(v).replace("\\", "/").rsplit("/", 1)[-1])
    else:
        from textlens.query import suggest

        close = suggest(column, [*keys, *DOCUMENT_FIELDS])
        hint = f"did you mean: {', '.join(close)}?" if close else f"columns: {', '.join(keys) or 'none'}"
        raise QueryError(f"no metadata column {column!r} in the selected documents; {hint}")
    text = rows["value"].map(lambda v: str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
    keep = text != ""
    values = pd.Series(text[keep].to_numpy(), index=rows.loc[keep, "doc_id"].to_numpy(), name=name)
    return values.sort_index(), LeftOut(missing=len(set(ids) - set(values.index)))


def segment_columns(corpus: "Corpus", filters: Filters | None = None, max_values: int = MAX_SEGMENTS_AUTO,
                    min_coverage: float = 0.5) -> list[tuple[str, int, float]]:
    """Metadata columns that make good segments, best first: (name, distinct values, share of documents).

    Good: 2..`max_values` distinct values covering at least `min_coverage` of the documents, not numeric
    (a rating is a score, not a segment) and not date-like.
    """
    entries, ids = _entries(corpus, filters)
    if entries.empty or not ids:
        return []
    numeric = set(numeric_columns(entries))
    out = []
    for key, g in entries.groupby("key", sort=False):
        values = g["value"].astype(str)
        distinct = values.nunique()
        coverage = g["doc_id"].nunique() / len(ids)
        datelike = values.str.fullmatch(r"\d{4}([-/]\d{1,2}){0,2}").mean() > 0.5
        if key in numeric or datelike or not 2 <= distinct <= max_values or coverage < min_coverage:
            continue
        out.append((str(key), int(distinct), float(coverage)))
    return sorted(out, key=lambda t: (-t[2], t[1], t[0]))
