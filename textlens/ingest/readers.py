"""`read_inputs`: files, folders and tables -> a stream of Document | Skipped, one per input row/file.

The walk is recursive, sorted and deterministic, so ids and duplicate flags are the same on every
run. Hidden files and files matched by a `.textlensignore` (gitignore syntax, in the folder given or
any sub-folder) are left out; any other file that cannot become a document comes out as a
`Skipped` with a reason, so nothing is ever silently lost.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from textlens.document import KINDS, Document, Skipped
from textlens.errors import InputError
from textlens.ingest.clean import DecodeError, decode_bytes, markdown_to_text, normalize_text, split_front_matter
from textlens.ingest.dating import DateInfo, resolve_date
from textlens.ingest.furniture import RepeatedLines, line_key, remove_furniture
from textlens.ingest.language import detect_language
from textlens.ingest.tables import (
    Columns, TableError, TableRow, iter_csv, iter_jsonl, iter_parquet, iter_xlsx, plain_value, resolve_columns,
)

TEXT_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
TABLE_SUFFIXES = {".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet", ".xlsx"}
UNSUPPORTED_HINTS = {
    ".xls": "save it as .xlsx or .csv", ".json": "use JSON Lines (.jsonl): one object per line",
    ".pdf": "extract its text first (e.g. pdftotext)", ".doc": "save it as .txt or .html",
    ".docx": "save it as .txt or .html", ".odt": "save it as .txt or .html",
}
IGNORE_FILE = ".textlensignore"
MAX_FILE_BYTES = 50_000_000  # one text/HTML file = one document; bigger ones are not articles
VERBATIM_MAX_WORDS = 80  # auto kind: shorter table texts are customer verbatims
KIND_SAMPLE_ROWS = 200  # a table's kind is decided on the median length of its first rows
KIND_SAMPLE_CHARS = 1_000_000  # ... or of its first rows up to this much text (memory: ~1 + 5 M characters)
REPEATED_CACHE_CHARS = 32_000_000  # folder texts kept between the two furniture passes
REPEATED_SAMPLE_FILES = 500  # files of a folder read to learn its repeated lines

_HTML_START = re.compile(r"^\ufeff?\s*(<!doctype html|<html[\s>])", re.I)
_EDITORIAL_HEAD = re.compile(
    r"\b(edito|editos|editorial|editoriaux)\b|^(le billet|billet d'humeur|chronique|tribune|point de vue|opinion)\b"
)
_EDITORIAL_SIGN = re.compile(
    r"\b(directeur|directrice|redacteur|redactrice)\s+(de la redaction|en chef|de la publication)\b"
)


@dataclass
class IngestOptions:
    """How to read the inputs; `strict` is for the caller (fail the run on any skipped input)."""

    kind: str = "auto"  # editorial|article|verbatim|auto
    text_col: str | None = None
    id_col: str | None = None
    date_col: str | None = None
    title_col: str | None = None
    strict: bool = False
    chunk_rows: int = 5000  # Parquet batch size; CSV/JSONL/xlsx are streamed row by row
    # Personal data (textlens.ingest.pii), applied by the pipeline before anything is stored: masked in
    # verbatims by default, in articles/editorials on request; keep_pii keeps the originals in raw_text.
    mask_pii: bool = True
    mask_articles: bool = False
    keep_pii: bool = False
    pii_rules: str = ""  # fingerprint of the masker's rules and word lists: a new list re-reads the inputs

    def __post_init__(self) -> None:
        if not self.pii_rules and (self.mask_pii or self.mask_articles):
            from textlens.ingest.pii import rules_fingerprint

            self.pii_rules = rules_fingerprint()
        if self.kind not in (*KINDS, "auto"):
            raise InputError(f"unknown kind {self.kind!r}: use one of {', '.join((*KINDS, 'auto'))}")
        if self.chunk_rows < 1:
            raise InputError("chunk_rows must be >= 1")


def guess_kind(text: str, title: str | None, table_row: bool) -> str:
    """auto kind: short table texts are verbatims; texts that sign as editorials are editorials."""
    if table_row and len(text.split()) < VERBATIM_MAX_WORDS:
        return "verbatim"
    lines = [x for x in text.split("\n") if x.strip()]
    head = [line_key(title)] if title else []
    head += [line_key(x) for x in lines[:6] if len(x.split()) <= 20]
    if any(_EDITORIAL_HEAD.search(x) and (len(x.split()) <= 6 or "edito" in x) for x in head):
        return "editorial"
    if any(len(x.split()) <= 10 and _EDITORIAL_SIGN.search(line_key(x)) for x in lines[-6:]):
        return "editorial"
    return "article"


# ---- walking --------------------------------------------------------------------------------


@dataclass
class _Input:
    path: Path  # real path on disk
    source: str  # as given by the user (joined with the relative path inside a folder)
    rel: str  # posix path relative to the folder given (or the file name)


def _ignore_spec(folder: Path) -> Any:
    f = folder / IGNORE_FILE
    if not f.is_file():
        return None
    import pathspec

    lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _walk(paths: Sequence[str | Path]) -> Iterator[_Input | Skipped]:
    for given in paths:
        root = Path(given)
        if root.is_file():
            yield _Input(root, str(given), root.name)
            continue
        if not root.is_dir():
            yield Skipped(str(given), None, "no such file or directory")
            continue
        specs: list[tuple[Path, Any]] = []
        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
            while errors:  # unreadable sub-folders are reported, not silently left out
                err = errors.pop(0)
                yield Skipped(str(err.filename or dirpath), None, f"cannot read folder: {err.strerror or err}")
            here = Path(dirpath)
            specs = [(d, s) for d, s in specs if here == d or d in here.parents]
            spec = _ignore_spec(here)
            if spec is not None:
                specs.append((here, spec))

            def ignored(p: Path, is_dir: bool) -> bool:
                for d, s in specs:
                    rel = p.relative_to(d).as_posix() + ("/" if is_dir else "")
                    if s.match_file(rel):
                        return True
                return False

            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not ignored(here / d, True))
            for name in sorted(filenames):
                p = here / name
                if name.startswith(".") or ignored(p, False):
                    continue
                rel = p.relative_to(root).as_posix()
                yield _Input(p, str(PurePosixPath(Path(given).as_posix()) / rel), rel)
        for err in errors:
            yield Skipped(str(err.filename or root), None, f"cannot read folder: {err.strerror or err}")


def _unsupported(inp: _Input) -> Skipped:
    suffix = inp.path.suffix.lower() or "(none)"
    hint = UNSUPPORTED_HINTS.get(suffix)
    return Skipped(inp.source, None, f"unsupported file type {suffix}" + (f": {hint}" if hint else ""))


# ---- ids --------------------------------------------------------------------------------------


class _Ids:
    """Unique, stable ids for one `read_inputs` call: duplicates get #2, #3... and a warning."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def claim(self, wanted: str, where: str, warnings: list[str]) -> str:
        if wanted not in self.first:
            self.first[wanted] = where
            return wanted
        k = 2
        while f"{wanted}#{k}" in self.first:
            k += 1
        new = f"{wanted}#{k}"
        self.first[new] = where
        warnings.append(f"duplicate id {wanted!r} at {where} (first used at {self.first[wanted]}); stored as {new!r}")
        return new


def _file_ids(inputs: list[_Input]) -> dict[str, str]:
    """File stem as id; when stems collide, the path inside the folder given (then the full source).

    Ids do not depend on how the folder was named on the command line unless that is the only way
    to tell two files apart, so re-ingesting `corpus/` or `./corpus` gives the same ids.
    """
    candidates = [
        lambda i: i.path.stem,
        lambda i: str(PurePosixPath(i.rel).with_suffix("")),
        lambda i: str(PurePosixPath(i.source).with_suffix("")),
        lambda i: i.source,
    ]
    ids: dict[str, str] = {}
    pending = list(inputs)
    for make in candidates:
        counts: dict[str, int] = {}
        for inp in pending:
            counts[make(inp)] = counts.get(make(inp), 0) + 1
        still = []
        for inp in pending:
            if counts[make(inp)] == 1 or make is candidates[-1]:
                ids[inp.source] = make(inp)
            else:
                still.append(inp)
        pending = still
    return ids


# ---- text files ------------------------------------------------------------------------------


@dataclass
class _Prepared:
    raw: str
    text: str
    title: str | None = None
    date: Any = None
    url: str | None = None
    metadata: dict[str, Any] | None = None
    warnings: list[str] | None = None


def _prepare_file(path: Path) -> _Prepared:
    """Decode and extract one text/markdown/HTML file (no furniture removal yet). Raises DecodeError/ValueError."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"file too large for one document ({size / 1e6:.0f} MB > {MAX_FILE_BYTES / 1e6:.0f} MB): "
                         "split it or provide a table")
    raw, _, warnings = decode_bytes(path.read_bytes())
    kind = TEXT_SUFFIXES[path.suffix.lower()]
    if kind != "html" and _HTML_START.match(raw):
        kind = "html"
        warnings.append("HTML source in a text file: extracted as a web page")
    if kind == "html":
        from textlens.ingest.html import extract_html

        page = extract_html(raw)
        meta = {k: v for k, v in page.metadata.items() if len(str(v)) < 500}
        if page.extractor != "trafilatura":
            warnings.append("main-text extractor found nothing: used the page's whole visible text")
        title = page.title and normalize_text(page.title)
        if page.author:
            meta["author"] = normalize_text(page.author)
        text = _with_byline(normalize_text(page.text), title, meta.get("author"))
        return _Prepared(raw, text, title, page.date, page.url, meta, warnings)
    text = normalize_text(raw)
    if kind == "markdown":
        front, body = split_front_matter(text)
        title = front.pop("title", None) or front.pop("titre", None)
        date = front.pop("date", None) or front.pop("date_publication", None)
        url = front.pop("url", None)
        author = front.get("author") or front.get("auteur")
        return _Prepared(raw, _with_byline(markdown_to_text(body).strip(), title, author), title, date, url, front,
                         warnings)
    return _Prepared(raw, text, warnings=warnings)


def _with_byline(text: str, title: str | None, author: str | None) -> str:
    """Put the page's author back as a "Par ..." line under the title when the extractor or the
    front matter took it out of the text: in .txt files bylines are text, and authors are entities."""
    if not author or author.lower() in text.lower():
        return text
    first, sep, rest = text.partition("\n")
    if title and first.strip() == title.strip():
        return f"{first}\nPar {author}{sep}{rest}"
    return f"Par {author}\n{text}"


class _FolderFurniture:
    """Two-pass furniture detection per source folder: learn repeated lines, then clean each file."""

    def __init__(self, inputs: list[_Input]):
        self.groups: dict[Path, list[_Input]] = {}
        for inp in inputs:
            self.groups.setdefault(inp.path.parent, []).append(inp)
        self.models: dict[Path, RepeatedLines | None] = {}
        self.cache: dict[Path, _Prepared | Exception] = {}

    def prepared(self, inp: _Input) -> _Prepared:
        got = self.cache.pop(inp.path, None)
        if got is None:
            got = self._try(inp.path)
        if isinstance(got, Exception):
            raise got
        return got

    @staticmethod
    def _try(path: Path) -> _Prepared | Exception:
        try:
            return _prepare_file(path)
        except (DecodeError, ValueError, OSError) as exc:
            return exc

    def repeated(self, inp: _Input) -> RepeatedLines | None:
        folder = inp.path.parent
        if folder not in self.models:
            group = self.groups.get(folder, [])
            if len(group) < 3:
                self.models[folder] = None
            else:
                budget = REPEATED_CACHE_CHARS
                texts = []
                for other in group[:REPEATED_SAMPLE_FILES]:  # site furniture shows up in any sample
                    got = self._try(other.path)
                    if isinstance(got, _Prepared):
                        texts.append(got.text)
                        budget -= len(got.raw) + len(got.text)
                    if budget > 0:
                        self.cache[other.path] = got
                model = RepeatedLines().fit(texts)
                self.models[folder] = model if model.hashes_ else None
        return self.models[folder]


def _language_warning(lang: str) -> list[str]:
    return [] if lang == "fr" else [f"language {lang}: not analysed as French"]


def _date_fields(info: DateInfo) -> dict[str, Any]:
    return {"date": info.date, "year": info.year, "year_source": info.source,
            "year_evidence": info.evidence, "year_confidence": info.confidence}


def _file_document(inp: _Input, doc_id: str, furniture: _FolderFurniture, options: IngestOptions
                   ) -> Document | Skipped:
    repeated = furniture.repeated(inp)  # first: its pass over the folder caches this file's text
    try:
        prep = furniture.prepared(inp)
    except (DecodeError, ValueError) as exc:
        return Skipped(inp.source, None, str(exc))
    except OSError as exc:
        return Skipped(inp.source, None, f"cannot read file: {exc.strerror or exc}")
    if not prep.text.strip():
        return Skipped(inp.source, None, "no text in file (empty once decoded and extracted)")
    cleaned = remove_furniture(prep.text, repeated)
    if not cleaned.text.strip():
        return Skipped(inp.source, None, "no text left after removing site furniture "
                                         f"({len(cleaned.removed)} furniture lines)")
    title = prep.title or cleaned.title
    warnings = list(prep.warnings or [])
    kind = options.kind if options.kind != "auto" else guess_kind(cleaned.text, title, table_row=False)
    info, date_warnings = resolve_date(prep.date, cleaned.text, title, inp.rel, prep.url)
    lang = detect_language(cleaned.text)
    return Document(
        id=doc_id, text=cleaned.text, raw_text=prep.raw, kind=kind, source=inp.source, row=None,
        title=title, **_date_fields(info), language=lang, url=prep.url, metadata=prep.metadata or {},
        warnings=warnings + date_warnings + _language_warning(lang),
    )


# ---- table rows ------------------------------------------------------------------------------


def _id_text(value: Any) -> str | None:
    value = plain_value(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _row_document(inp: _Input, source: str, trow: TableRow, cols: Columns, stem: str, ids: _Ids,
                  options: IngestOptions, table_kind: str | None = None) -> Document | Skipped:
    rec = trow.record or {}
    where = f"{source}:{trow.row}"
    value = plain_value(rec.get(cols.text)) if cols.text else None
    if isinstance(value, (dict, list)):
        return Skipped(source, trow.row, f"text in column {cols.text!r} is a JSON {type(value).__name__}, not text")
    raw = "" if value is None else str(value)
    if not raw.strip():
        return Skipped(source, trow.row, f"empty text in column {cols.text!r}")
    text = normalize_text(raw)
    if not text:
        return Skipped(source, trow.row, f"no readable text in column {cols.text!r}")
    warnings = list(trow.warnings)
    title = _id_text(rec.get(cols.title)) if cols.title else None
    url = _id_text(rec.get(cols.url)) if cols.url else None
    kind_value = _id_text(rec.get(cols.kind)) if cols.kind else None
    if options.kind != "auto":
        kind = options.kind
    elif kind_value and kind_value.lower() in KINDS:
        kind = kind_value.lower()
    else:
        if kind_value:
            warnings.append(f"unknown kind {kind_value!r} ignored (use {', '.join(KINDS)})")
        kind = "verbatim" if table_kind == "verbatim" else guess_kind(text, title, table_row=table_kind is None)
    if kind != "verbatim":
        text = remove_furniture(text).text or text
    wanted = _id_text(rec.get(cols.id)) if cols.id else None
    if cols.id and wanted is None:
        warnings.append(f"empty id in column {cols.id!r}: using the row number")
    doc_id = ids.claim(wanted or f"{stem}:{trow.row}", where, warnings)
    info, date_warnings = resolve_date(
        rec.get(cols.date) if cols.date else None, text if kind != "verbatim" else None, title,
        inp.rel, url, infer=kind != "verbatim",
    )
    lang = detect_language(text)
    roles = cols.roles()
    metadata = {k: plain_value(v) for k, v in rec.items() if k not in roles}
    return Document(
        id=doc_id, text=text, raw_text=raw, kind=kind, source=source, row=trow.row, title=title,
        **_date_fields(info), language=lang, url=url, metadata=metadata,
        warnings=warnings + date_warnings + _language_warning(lang),
    )


def _table_sheets(inp: _Input, options: IngestOptions) -> Iterator[tuple[str, list[str], list[str], Iterator[TableRow]]]:
    suffix = inp.path.suffix.lower()
    if suffix == ".xlsx":
        for name, header, warnings, rows in iter_xlsx(inp.path):
            yield (inp.source if name is None else f"{inp.source}#{name}"), header, warnings, rows
        return
    if suffix in (".jsonl", ".ndjson"):
        header, warnings, rows = iter_jsonl(inp.path)
    elif suffix == ".parquet":
        header, warnings, rows = iter_parquet(inp.path, options.chunk_rows)
    else:
        header, warnings, rows = iter_csv(inp.path)
    yield inp.source, header, warnings, rows


def _table_kind(rows: Iterator[TableRow], cols: Columns | None) -> tuple[Iterator[TableRow], str | None]:
    """Kind of a whole table from its first rows: a review export with some long reviews stays verbatims.

    Median text length of the first KIND_SAMPLE_ROWS rows < VERBATIM_MAX_WORDS -> "verbatim";
    otherwise "article" (rows may still be editorials). None when it cannot tell (JSONL, no text column).
    """
    if cols is None or cols.text is None:
        return rows, None
    head: list[TableRow] = []
    chars = 0
    for trow in rows:  # the sample also ends at KIND_SAMPLE_CHARS: 200 cells of 4 M characters held 0.8 GB
        head.append(trow)
        chars += len(str(trow.record.get(cols.text) or "")) if trow.record else 0
        if len(head) >= KIND_SAMPLE_ROWS or chars >= KIND_SAMPLE_CHARS:
            break
    lengths = sorted(len(str(t.record.get(cols.text) or "").split()) for t in head if t.record)
    kind = None
    if lengths:
        kind = "verbatim" if lengths[len(lengths) // 2] < VERBATIM_MAX_WORDS else "article"
    return _replay(head, rows), kind


def _replay(head: list[TableRow], rows: Iterator[TableRow]) -> Iterator[TableRow]:
    """The sampled rows then the rest; each sampled row is let go once yielded (a chained list kept them all)."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rows


def _table_items(inp: _Input, ids: _Ids, options: IngestOptions) -> Iterator[Document | Skipped]:
    produced = 0
    for item in _table_rows(inp, ids, options):
        produced += 1
        yield item
    if not produced:
        yield Skipped(inp.source, None, "table without any data row")


def _table_rows(inp: _Input, ids: _Ids, options: IngestOptions) -> Iterator[Document | Skipped]:
    stem = inp.path.stem
    try:
        for source, header, file_warnings, rows in _table_sheets(inp, options):
            sheet_stem = stem if source == inp.source else f"{stem}:{source.rsplit('#', 1)[1]}"
            by_keys: dict[tuple[str, ...], Columns] = {}
            fixed = resolve_columns(header, options.text_col, options.id_col, options.date_col, options.title_col) \
                if header else None
            pending = list(file_warnings) + (fixed.warnings if fixed else [])
            rows, table_kind = _table_kind(rows, fixed)
            for trow in rows:
                if trow.error:
                    yield Skipped(source, trow.row, trow.error)
                    continue
                cols = fixed
                if cols is None:  # JSONL: each object may have its own keys
                    keys = tuple(trow.record or ())
                    cols = by_keys.get(keys)
                    if cols is None:
                        cols = by_keys[keys] = resolve_columns(
                            keys, options.text_col, options.id_col, options.date_col, options.title_col)
                        if len(by_keys) > 1000:
                            by_keys.clear()
                if cols.text is None:
                    yield Skipped(source, trow.row, cols.missing_text or "no text column")
                    continue
                item = _row_document(inp, source, trow, cols, sheet_stem, ids, options, table_kind)
                if pending and isinstance(item, Document):
                    item.warnings[:0] = [f"{source}: {w}" for w in pending]
                    pending = []
                yield item
    except TableError as exc:
        yield Skipped(inp.source, None, str(exc))
    except OSError as exc:
        yield Skipped(inp.source, None, f"cannot read file: {exc.strerror or exc}")


# ---- entry point -----------------------------------------------------------------------------


def read_inputs(paths: Sequence[str | Path], options: IngestOptions | None = None) -> Iterator[Document | Skipped]:
    """Every document (or skipped input, with its reason) found in `paths`, in a deterministic order."""
    options = options or IngestOptions()
    if isinstance(paths, (str, Path)):
        paths = [paths]
    walked, seen = [], set()
    for w in _walk(paths):  # file names only: cheap even for big folders
        if isinstance(w, _Input):
            real = os.path.realpath(w.path)
            if real in seen:  # the same file reached twice (a folder and a file inside it)
                continue
            seen.add(real)
        walked.append(w)
    text_inputs = [w for w in walked if isinstance(w, _Input) and w.path.suffix.lower() in TEXT_SUFFIXES]
    file_ids = _file_ids(text_inputs)
    furniture = _FolderFurniture(text_inputs)
    ids = _Ids()
    for item in walked:
        if isinstance(item, Skipped):
            yield item
            continue
        suffix = item.path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            warnings: list[str] = []
            doc_id = ids.claim(file_ids[item.source], item.source, warnings)
            result = _file_document(item, doc_id, furniture, options)
            if isinstance(result, Document):
                result.warnings[:0] = warnings
            yield result
        elif suffix in TABLE_SUFFIXES:
            yield from _table_items(item, ids, options)
        else:
            yield _unsupported(item)
