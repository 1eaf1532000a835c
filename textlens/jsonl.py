"""Reading our own JSON-lines files (annotations, gold): one record per non-blank line, and a line that is not JSON
stops with the file and line named. Input tables in JSONL are read by `textlens.ingest.tables`, which reports bad
rows instead of stopping."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textlens.errors import InputError


def json_lines(path: str | Path, bad: str = "not JSON") -> Iterator[tuple[int, Any]]:
    """(line number, parsed value) of each non-blank line of `path`; a line that does not parse raises InputError
    "`path`:`line`: `bad` (the parser's reason)"."""
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: {bad} ({exc})") from exc
