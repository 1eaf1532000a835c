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


@dataclass
class MetadataEntries:
    """The metadata of the selected documents, parsed once: `ids` sorted, and per key (in order of first
    appearance, documents in id order) the (doc_id, value) pairs of the documents holding a non-null value."""

    ids: list[str]
    by_key: dict[str, list[tuple[str, Any]]]

    @property
    def keys(self) -> list[str]:
        return list(self.by_key)

    def frame(self) -> "pd.DataFrame":
        """(doc_id, key, value) rows, as a DataFrame."""
        import pandas as pd

        rows = [(d, k, v) for k, pairs in self.by_key.items() for d, v in pairs]
        rows.sort(key=lambda r: r[0])  # stable: a document's keys keep their order
        return pd.DataFrame(rows, columns=["doc_id", "key", "value"])


def json_each_value(value: Any) -> Any:
    """A parsed JSON value as SQLite's `json_each` gives it (the store's JSON semantics, kept from when the
    metadata was read in SQL): true/false as 1/0, arrays and objects as compact JSON text, integers beyond
    64 bits as reals; None (JSON null) stays None."""
    import json

    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and not -(2 ** 63) <= value < 2 ** 63:
        return float(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def parse_metadata(rows: list[tuple[str, str]]) -> MetadataEntries:
    """`MetadataEntries` of (doc_id, metadata JSON text) rows; a document whose metadata is not a JSON object
    is a clear error naming it (the store writes objects only)."""
    import json

    by_key: dict[str, list[tuple[str, Any]]] = {}
    ids = []
    rows = sorted(rows)
    try:  # one parse of every document's JSON: half the time of one parse per document
        parsed = json.loads("[" + ",".join(text or "{}" for _, text in rows) + "]")
        if len(parsed) != len(rows) or not all(type(m) is dict for m in parsed):
            parsed = None
    except ValueError:
        parsed = None  # one of them is not JSON: each is parsed alone below, and the culprit named
    for i, (doc_id, text) in enumerate(rows):
        ids.append(doc_id)
        try:
            meta = parsed[i] if parsed is not None else json.loads(text) if text else {}
        except ValueError as exc:
            raise QueryError(f"document {doc_id}: its metadata is not valid JSON ({exc})") from exc
        if not isinstance(meta, dict):
            raise QueryError(f"document {doc_id}: its metadata is not a JSON object ({text[:60]!r})")
        for key, value in meta.items():
            if value is not None:
                if type(value) is not str:  # most values are text, kept as they are
                    value = json_each_value(value)
                by_key.setdefault(key, []).append((doc_id, value))
    return MetadataEntries(ids, by_key)


def read_metadata(corpus: "Corpus", filters: Filters | None) -> MetadataEntries:
    """Metadata entries of the selected documents (raises QueryError when no document is selected)."""
    from textlens.store.drivers import selected_metadata

    filters = filters or Filters()
    entries = parse_metadata(selected_metadata(corpus, filters))
    if not entries.ids:
        raise QueryError(f"no French document matches the filters ({filters.describe()})" if filters.active()
                         else "the store holds no French document (run `textlens run PATH` first)")
    return entries


def numeric_columns(entries: MetadataEntries) -> list[str]:
    """Metadata keys whose values are (nearly all) numbers, most filled first (ties in key order)."""
    if not entries.by_key:
        return []
    is_number: dict[tuple[type, Any], bool] = {}  # a column repeats a few values ("4", "MAAF") thousands of times
    numeric = []
    for k in sorted(entries.by_key):
        count = 0
        for _, v in entries.by_key[k]:
            known = is_number.get((type(v), v))
            if known is None:
                known = is_number[(type(v), v)] = as_number(v) is not None
            count += known
        size = len(entries.by_key[k])
        if count / size >= NUMERIC_SHARE:
            numeric.append((size, str(k)))
    return [k for _, k in sorted(numeric, key=lambda x: -x[0])]


@dataclass
class ScoreColumn:
    """The numeric score of each usable document as a plain dict (doc_id -> value, in doc_id order): what
    `compare` reads, without building a pandas Series (importing pandas is a fifth of a `compare`)."""

    column: str
    values: dict[str, float]
    left_out: LeftOut


def score_column(corpus: "Corpus", column: str | None = None, filters: Filters | None = None,
                 entries: MetadataEntries | None = None) -> ScoreColumn:
    """The score of every selected document: `column`, or the first of SCORE_NAMES present and numeric.

    Raises QueryError naming the numeric columns available when none is found or `column` is unusable.
    `entries`: the selected documents' metadata when the caller has read it already (`read_metadata`).
    """
    entries = entries or read_metadata(corpus, filters)
    numeric = numeric_columns(entries)
    keys = entries.keys
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
    pairs = entries.by_key[column]
    number_of: dict[tuple[type, Any], float | None] = {}  # a score column holds a few distinct values
    numbers = []
    for _, v in pairs:
        key = (type(v), v)
        if key not in number_of:
            number_of[key] = as_number(v)
        numbers.append(number_of[key])
    good = sorted((d, x) for (d, _), x in zip(pairs, numbers) if x is not None)
    left_out = _left_out(corpus, entries.ids, pairs, numbers)
    if left_out.missing or left_out.invalid:
        log.info("score %s: %s", column, left_out.describe(column))
    return ScoreColumn(column, dict(good), left_out)


def score_values(corpus: "Corpus", column: str | None = None, filters: Filters | None = None,
                 entries: MetadataEntries | None = None) -> ScoreValues:
    """`score_column` with the values as a pandas Series (float, indexed by doc_id, sorted)."""
    import pandas as pd

    found = score_column(corpus, column, filters, entries)
    values = pd.Series(list(found.values.values()), index=list(found.values), dtype=float, name=found.column)
    return ScoreValues(found.column, values, found.left_out)


def _left_out(corpus: "Corpus", ids: list[str], pairs: list[tuple[str, Any]], numbers: list[float | None]
              ) -> LeftOut:
    from textlens.store.drivers import document_origins

    invalid_pairs = [p for p, x in zip(pairs, numbers) if x is None]
    origins = document_origins(corpus, [d for d, _ in invalid_pairs]) if invalid_pairs else {}
    invalid = [{"doc_id": d, "source": origins.get(d, ("?", None))[0], "row": origins.get(d, ("?", None))[1],
                "value": v} for d, v in invalid_pairs]
    return LeftOut(missing=len(set(ids) - {d for d, _ in pairs}), invalid=invalid)


def segment_values(corpus: "Corpus", column: str, filters: Filters | None = None,
                   entries: MetadataEntries | None = None) -> tuple["pd.Series", LeftOut]:
    """`segment_column` as a pandas Series named after the column (values as text, indexed by doc_id, sorted)."""
    import pandas as pd

    found = segment_column(corpus, column, filters, entries)
    return (pd.Series(list(found.values.values()), index=list(found.values), dtype=object, name=found.column),
            found.left_out)


@dataclass
class SegmentColumn:
    """Each selected document's segment (doc_id -> the value as text, in doc_id order) and the documents
    without one; `column` as the store spells it."""

    column: str
    values: dict[str, str]
    left_out: LeftOut


def segment_column(corpus: "Corpus", column: str, filters: Filters | None = None,
               entries: MetadataEntries | None = None) -> SegmentColumn:
    """Each selected document's segment (the metadata value as text) and the documents without one.

    `source`, `kind` and `year` fall back to the document's own fields when no metadata column has that
    name (a table read with a `source` column keeps that column's values). `entries` as in `score_column`.
    """
    from textlens.store.drivers import DOCUMENT_FIELDS, document_field_values

    entries = entries or read_metadata(corpus, filters)
    keys = entries.keys
    match = [k for k in keys if k == column] or [k for k in keys if fold(k) == fold(column)]
    pairs: list[tuple[str, Any]]
    if match:
        pairs = entries.by_key[match[0]]
        name = match[0]
    elif fold(column) in DOCUMENT_FIELDS:
        name = fold(column)
        pairs = document_field_values(corpus, filters or Filters(), name)
        if name == "source":  # a path: the file name is what a reader recognises
            pairs = [(d, str(v).replace("\\", "/").rsplit("/", 1)[-1]) for d, v in pairs]
    else:
        from textlens.query import suggest

        close = suggest(column, [*keys, *DOCUMENT_FIELDS])
        hint = f"did you mean: {', '.join(close)}?" if close else f"columns: {', '.join(keys) or 'none'}"
        raise QueryError(f"no metadata column {column!r} in the selected documents; {hint}")
    texts = [(d, str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()) for d, v in pairs]
    values = dict(sorted((d, v) for d, v in texts if v != ""))
    return SegmentColumn(name, values, LeftOut(missing=len(set(entries.ids) - set(values))))


def segment_columns(corpus: "Corpus", filters: Filters | None = None, max_values: int = MAX_SEGMENTS_AUTO,
                    min_coverage: float = 0.5) -> list[tuple[str, int, float]]:
    """Metadata columns that make good segments, best first: (name, distinct values, share of documents).

    Good: 2..`max_values` distinct values covering at least `min_coverage` of the documents, not numeric
    (a rating is a score, not a segment) and not date-like.
    """
    parsed = read_metadata(corpus, filters)
    ids, entries = parsed.ids, parsed.frame()
    if entries.empty or not ids:
        return []
    numeric = set(numeric_columns(parsed))
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
