"""Streaming readers for tables (CSV/TSV, JSON Lines, Parquet, xlsx) and their column mapping.

Every reader yields one `TableRow` per data row, in file order, without loading the table: CSV and
JSONL line by line (csv module, so malformed rows are seen and reported with their number instead
of being dropped by a parser), Parquet by record batches, xlsx in openpyxl's read-only mode.
A problem with the whole file raises `TableError`; a problem with one row is `TableRow.error`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textlens.analysis.segment import fold
from textlens.errors import InputError
from textlens.ingest.clean import DecodeError, detect_encoding

MAX_CELL_CHARS = 5_000_000  # a larger cell is not a document but an accident (a whole file pasted in a cell)
SAMPLE_BYTES = 1 << 20

TEXT_NAMES = ("text", "texte", "avis", "verbatim", "verbatims", "commentaire", "commentaires", "comment",
              "comments", "contenu", "content", "message", "review", "body", "corps", "texte_avis")
DATE_NAMES = ("date", "date_publication", "date_de_publication", "publication_date", "datepublication",
              "published", "published_at", "publication", "created_at", "created", "date_creation",
              "date_avis", "pubdate", "datetime", "timestamp")
ID_NAMES = ("id", "identifiant", "uuid", "doc_id", "document_id", "review_id", "id_avis", "guid")
TITLE_NAMES = ("title", "titre", "headline", "sujet", "subject")
URL_NAMES = ("url", "link", "lien", "permalink")
KIND_NAMES = ("kind",)


class TableError(InputError):
    """The table as a whole cannot be read; the message names the reason."""


@dataclass
class TableRow:
    """One data row: `row` is 1-based (header excluded; the line number for JSONL)."""

    row: int
    record: dict[str, Any] | None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Columns:
    """Which column plays which role; `missing_text` explains why no text column was found."""

    text: str | None
    id: str | None = None
    date: str | None = None
    title: str | None = None
    url: str | None = None
    kind: str | None = None
    missing_text: str | None = None
    warnings: list[str] = field(default_factory=list)

    def roles(self) -> set[str]:
        return {c for c in (self.text, self.id, self.date, self.title, self.url, self.kind) if c}


def _norm(name: str) -> str:
    return fold(str(name)).strip().replace(" ", "_").replace("-", "_")


def _pick(columns: Sequence[str], explicit: str | None, names: Sequence[str], flag: str,
          warnings: list[str], fuzzy: bool = True) -> str | None:
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    if explicit:
        found = by_norm.get(_norm(explicit))
        if found is None:
            warnings.append(f"column {explicit!r} given by {flag} not found; available: {', '.join(map(str, columns))}")
        return found
    exact = next((by_norm[n] for n in names if n in by_norm), None)
    if exact is not None or not fuzzy:
        return exact
    # "Commentaire client", "date_avis": a known name as the first word of the column name
    return next((col for norm, col in by_norm.items() if norm.split("_")[0] in names), None)


def resolve_columns(columns: Sequence[str], text_col: str | None = None, id_col: str | None = None,
                    date_col: str | None = None, title_col: str | None = None) -> Columns:
    """Map roles to columns: explicit options first, else the usual names (case/accent-insensitive)."""
    warnings: list[str] = []
    text = _pick(columns, text_col, TEXT_NAMES, "--text-col", warnings)
    missing = None
    if text is None:
        missing = (warnings.pop(0) if text_col else
                   f"no text column (looked for {', '.join(TEXT_NAMES[:8])}...); available columns: "
                   f"{', '.join(map(str, columns)) or 'none'}; choose one with --text-col")
    return Columns(
        text=text,
        id=_pick(columns, id_col, ID_NAMES, "--id-col", warnings, fuzzy=False),  # "id_produit" is no doc id
        date=_pick(columns, date_col, DATE_NAMES, "--date-col", warnings),
        title=_pick(columns, title_col, TITLE_NAMES, "--title-col", warnings),
        url=_pick(columns, None, URL_NAMES, "", warnings),
        kind=_pick(columns, None, KIND_NAMES, "", warnings),
        missing_text=missing,
        warnings=warnings,
    )


def plain_value(value: Any) -> Any:
    """A JSON-friendly Python value for metadata (dates as ISO strings, NaN/empty as None)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "item") and not isinstance(value, (list, dict)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    return value


def _too_big(record: dict[str, Any]) -> str | None:
    for key, value in record.items():
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            return f"cell in column {key!r} has {len(value) / 1e6:.1f} M characters (limit {MAX_CELL_CHARS / 1e6:.0f} M)"
    return None


def _open_text(path: Path) -> io.TextIOWrapper:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if not sample.strip():
        raise TableError("empty file")
    try:
        encoding = detect_encoding(sample)
    except DecodeError as exc:
        raise TableError(str(exc)) from exc
    return open(path, encoding=encoding, errors="replace", newline="")


def _sniff_delimiter(head: str, default: str) -> str:
    """The delimiter that splits the header line into the most fields (ties: the extension's default).

    Only the header is looked at: data rows with quoted newlines and commas mislead csv.Sniffer.
    """
    first = next((line for line in head.splitlines() if line.strip()), "")
    best, best_n = default, 1
    for delim in (default, ",", ";", "\t", "|"):
        try:
            n = len(next(csv.reader([first], delimiter=delim)))
        except (csv.Error, StopIteration):
            continue
        if n > best_n:
            best, best_n = delim, n
    return best


def _unique_header(header: list[str]) -> tuple[list[str], list[str]]:
    seen: dict[str, int] = {}
    out, warnings = [], []
    for i, name in enumerate(header):
        name = (name or "").strip().lstrip("\ufeff") or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            new = f"{name}_{seen[name]}"
            warnings.append(f"duplicate column name {name!r} renamed {new!r}")
            name = new
        else:
            seen[name] = 1
        out.append(name)
    return out, warnings


def iter_csv(path: Path, delimiter: str | None = None) -> tuple[list[str], list[str], Iterator[TableRow]]:
    """(header, file warnings, rows) of a CSV/TSV file, streamed."""
    fh = _open_text(path)
    head = fh.read(64 * 1024)
    fh.seek(0)
    delim = delimiter or _sniff_delimiter(head, "\t" if path.suffix.lower() in (".tsv", ".tab") else ",")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(fh, delimiter=delim, strict=True)  # strict: unbalanced quotes are errors, not merges
    try:
        header = next((r for r in reader if any(c.strip() for c in r)), None)
    except csv.Error as exc:
        fh.close()
        raise TableError(f"cannot parse the header: {exc}") from exc
    if header is None:
        fh.close()
        raise TableError("empty table (no header row)")
    header, warnings = _unique_header(header)
    if "\ufffd" in head:
        warnings.append("undecodable bytes replaced by U+FFFD")

    def rows() -> Iterator[TableRow]:
        n = 0
        last_line = reader.line_num
        with fh:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    n += 1
                    first_line, last_line = last_line + 1, reader.line_num
                    where = f"line {first_line}" if first_line >= last_line else f"lines {first_line}-{last_line}"
                    hint = "; an unbalanced quote merged these lines" if "end of data" in str(exc) else ""
                    yield TableRow(n, None, f"unreadable CSV row ({where}): {exc}{hint}")
                    continue
                first_line, last_line = last_line + 1, reader.line_num
                if not cells or not any(c.strip() for c in cells) and len(cells) <= 1:
                    continue  # blank line: not a row
                n += 1
                where = f"line {first_line}" if first_line >= last_line else f"lines {first_line}-{last_line}"
                if len(cells) != len(header):
                    extra = cells[len(header):]
                    if len(cells) < len(header) or any(c.strip() for c in extra):
                        hint = ("; an unbalanced quote may have merged several lines into this row"
                                if last_line - first_line > 20 else "")
                        yield TableRow(n, None, f"malformed row ({where}): {len(cells)} fields, "
                                                f"header has {len(header)}{hint}")
                        continue
                row_warnings = []
                if len(cells) > len(header):
                    row_warnings.append(f"{len(cells) - len(header)} empty extra field(s) ignored ({where})")
                record = dict(zip(header, cells))
                big = _too_big(record)
                if big:
                    yield TableRow(n, None, big)
                    continue
                if any("\ufffd" in c for c in cells):
                    row_warnings.append("undecodable bytes replaced by U+FFFD")
                yield TableRow(n, record, None, row_warnings)

    return header, warnings, rows()


def iter_jsonl(path: Path) -> tuple[list[str], list[str], Iterator[TableRow]]:
    """JSON Lines: one object per line; the row number is the line number."""
    fh = _open_text(path)

    def rows() -> Iterator[TableRow]:
        with fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                if len(line) > MAX_CELL_CHARS:
                    yield TableRow(lineno, None, f"line {lineno} has {len(line) / 1e6:.1f} M characters "
                                                 f"(limit {MAX_CELL_CHARS / 1e6:.0f} M)")
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield TableRow(lineno, None, f"invalid JSON on line {lineno}: {exc.msg} (column {exc.colno})")
                    continue
                if not isinstance(obj, dict):
                    yield TableRow(lineno, None, f"line {lineno} is a JSON {type(obj).__name__}, not an object")
                    continue
                yield TableRow(lineno, {str(k): v for k, v in obj.items()})

    return [], [], rows()


def iter_parquet(path: Path, batch_rows: int) -> tuple[list[str], list[str], Iterator[TableRow]]:
    """Parquet read by record batches (bounded memory)."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError on corrupt files
        raise TableError(f"cannot open parquet file: {exc}") from exc
    header = list(pf.schema_arrow.names)

    def rows() -> Iterator[TableRow]:
        n = 0
        for batch in pf.iter_batches(batch_size=max(1, batch_rows)):
            for record in batch.to_pylist():
                n += 1
                big = _too_big(record)
                yield TableRow(n, None, big) if big else TableRow(n, record)

    return header, [], rows()


def iter_xlsx(path: Path) -> Iterator[tuple[str | None, list[str], list[str], Iterator[TableRow]]]:
    """Each non-empty worksheet as (sheet name or None if the only one, header, warnings, rows), streamed."""
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableError(f"cannot open xlsx workbook (corrupt or not an Excel .xlsx file): {exc}") from exc
    except Exception as exc:  # openpyxl raises its own InvalidFileException and others
        raise TableError(f"cannot open xlsx workbook: {exc}") from exc
    try:
        for ws in wb.worksheets:
            it = ws.iter_rows(values_only=True)
            header_cells = next((r for r in it if any(c is not None and str(c).strip() for c in r)), None)
            if header_cells is None:
                continue
            while header_cells and header_cells[-1] is None:
                header_cells = header_cells[:-1]
            header, warnings = _unique_header([str(c) if c is not None else "" for c in header_cells])

            def rows(it: Iterator[tuple[Any, ...]] = it, header: list[str] = header) -> Iterator[TableRow]:
                n = 0
                for cells in it:
                    if not any(c is not None and str(c).strip() for c in cells):
                        continue
                    n += 1
                    warnings_row = []
                    cells = list(cells)
                    names = list(header)
                    if len(cells) > len(header):
                        extra = [i for i, c in enumerate(cells[len(header):], start=len(header))
                                 if c is not None and str(c).strip()]
                        if extra:
                            warnings_row.append(f"{len(extra)} value(s) beyond the header kept as column_N")
                        names += [f"column_{i + 1}" for i in range(len(header), len(cells))]
                    record = {k: v for k, v in zip(names, cells + [None] * (len(names) - len(cells)))
                              if k in header or v is not None}
                    big = _too_big(record)
                    yield TableRow(n, None, big) if big else TableRow(n, record, None, warnings_row)

            yield (ws.title if len(wb.worksheets) > 1 else None), header, warnings, rows()
    finally:
        wb.close()
