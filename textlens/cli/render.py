"""How the query commands render tables: in the reader's language, fitted to the terminal width.

A French analyst reads these tables in an ordinary 80-column terminal. Rich squeezes every column alike when a table
is too wide, which cut years to "200…" and p-values in half: the numbers a reader needs. So the width is decided
here, once for every command: each command declares its columns with a priority and a kind; numbers, years, dates
and shares are never shortened; text columns wrap or shorten down to a minimum that keeps their first word whole;
when that is still too wide, the least important columns are left out and a note names them and `--wide`.
csv/json output never comes through here: scripts keep the machine column names and values.
"""
from __future__ import annotations

import contextvars
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from textlens.i18n import DEFAULT_LANG, fmt_number, fmt_pct, t

#: kinds whose cells are never wrapped nor shortened (a reader needs every digit)
WHOLE_KINDS = ("num", "int", "year", "pct", "p", "date", "period", "whole")
#: separator and padding between two columns of the tables we draw (box line + one space each side)
COLUMN_GAP = 3
#: a text column is not made narrower than this (unless all its text is shorter)
TEXT_MIN = 12
#: a longer word may be broken over two lines (URLs, long ids): keeping it whole would crowd out other columns
WORD_MAX = 24


@dataclass(frozen=True)
class View:
    """The reader's choices for this command: language and whether to show every column whatever the width."""

    lang: str = DEFAULT_LANG
    wide: bool = False


_VIEW: contextvars.ContextVar[View] = contextvars.ContextVar("textlens_cli_view", default=View())


def current_view() -> View:
    return _VIEW.get()


def set_view(view: View) -> contextvars.Token:
    """Make `view` the one every table and message of this command uses (reset with the returned token)."""
    return _VIEW.set(view)


def reset_view(token: contextvars.Token) -> None:
    _VIEW.reset(token)


def tr(key: str, **fields: Any) -> str:
    """A CLI string (catalog `cli.toml`) in the current command's language."""
    return t(key, current_view().lang, **fields)


@dataclass(frozen=True)
class Col:
    """One table column: which data, which header, how to write its values, how important it is.

    `priority`: 0 is never left out; higher numbers are left out first when the terminal is too narrow.
    `wrap`: text wraps at word boundaries (False: one line, shortened with an ellipsis after `min_width`).
    `header` is a catalog key (`cli.col.<header>`) unless `raw_header` is set (a period name, an item id).
    Columns of one `group` (the two bounds of an interval) are left out together.
    """

    key: str
    header: str
    kind: str = "text"
    priority: int = 1
    min_width: int | None = None
    max_width: int | None = None
    wrap: bool = True
    style: str | None = None
    justify: str | None = None
    raw_header: bool = False
    group: str | None = None

    def title(self, lang: str) -> str:
        return self.header if self.raw_header else t(f"cli.col.{self.header}", lang)

    @property
    def whole(self) -> bool:
        return self.kind in WHOLE_KINDS


def as_col(spec: "Col | tuple") -> "Col":
    """A column given the older way, `(key, header already in the reader's language, kind, rich options)`."""
    if isinstance(spec, Col):
        return spec
    key, header, kind, opts = spec
    return Col(key, header, kind, raw_header=True, wrap=not opts.get("no_wrap", False),
               max_width=opts.get("max_width"), style=opts.get("style"), justify=opts.get("justify"))


def format_value(value: Any, kind: str = "text", lang: str = DEFAULT_LANG) -> str:
    """One cell as the reader sees it: French or English numbers, French dates, '' for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind in ("pct", "num", "int", "p") and not isinstance(value, (int, float)):
        try:  # a number that came as text (csv, json); anything else is shown as it is
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    if kind == "pct":
        return fmt_pct(float(value), lang)
    if kind == "year":
        return str(int(value)) if isinstance(value, (int, float)) else str(value)
    if kind in ("num", "int"):
        if isinstance(value, float) and not value.is_integer():
            text = f"{value:.3g}"
            return text.replace(".", ",") if lang == "fr" else text
        return fmt_number(int(value), lang)
    if kind == "p":
        text = "<0.001" if value < 0.001 else f"{value:.3f}"
        return text.replace(".", ",") if lang == "fr" else text
    if kind == "date":
        return format_date(str(value), lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def format_date(iso: str, lang: str = DEFAULT_LANG) -> str:
    """'2019-04-15' -> '15/04/2019' in French (ISO kept in English); partial dates keep what they state."""
    if lang != "fr":
        return iso
    parts = iso[:10].split("-")
    if len(parts) >= 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        return "/".join(reversed(parts))
    return iso


def _longest_word(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for w in text.split()), default=0)


def _first_word(text: str) -> int:
    from rich.cells import cell_len

    words = text.split()
    return cell_len(words[0]) if words else 0


@dataclass
class Fit:
    """The outcome of fitting: which columns stay (indices into the spec), their widths, which were left out."""

    kept: list[int]
    widths: list[int]
    dropped: list[int]

    def total(self) -> int:
        return sum(self.widths) + COLUMN_GAP * max(0, len(self.widths) - 1)


def column_bounds(col: Col, header: str, cells: Sequence[str]) -> tuple[int, int]:
    """(narrowest acceptable, natural) width of a column's content, headers included.

    Whole kinds (numbers, years, dates, shares) are as wide as their widest value; headers may wrap between words;
    wrapped text keeps its words whole; one-line text is shortened with an ellipsis down to its minimum width,
    which is at least its first word plus the ellipsis.
    """
    from rich.cells import cell_len

    natural = max([cell_len(header)] + [cell_len(c) for c in cells])
    head_min = _longest_word(header)
    if col.whole:
        return max([head_min] + [cell_len(c) for c in cells]), natural
    if col.max_width:
        natural = min(natural, max(col.max_width, head_min))
    wanted = col.min_width if col.min_width is not None else TEXT_MIN
    if col.wrap:  # wrapped text never breaks a word (up to WORD_MAX characters)
        word = min(max((_longest_word(c) for c in cells), default=0), WORD_MAX)
    else:  # one-line text keeps at least its first word before the ellipsis
        word = min(max((_first_word(c) for c in cells), default=0), WORD_MAX) + 1
    minimum = max(head_min, min(wanted, natural), word)
    return min(minimum, max(natural, head_min)), max(natural, head_min)


def fit_columns(bounds: Sequence[tuple[int, int]], priorities: Sequence[int], width: int | None,
                groups: Sequence[str | None] | None = None) -> Fit:
    """Choose the columns and widths that fit `width` (None: all columns at their natural width).

    Columns are left out by falling priority (the rightmost first among equals, with the rest of their group)
    until their minimum widths fit; the room left is shared among the shortenable columns in proportion to what
    they lack.
    """
    kept = list(range(len(bounds)))
    if width is None:
        return Fit(kept, [b[1] for b in bounds], [])
    groups = list(groups) if groups is not None else [None] * len(bounds)

    def need(cols: list[int]) -> int:
        return sum(bounds[i][0] for i in cols) + COLUMN_GAP * max(0, len(cols) - 1)

    dropped: list[int] = []
    droppable = sorted((i for i in kept if priorities[i] > 0), key=lambda i: (priorities[i], i), reverse=True)
    while need(kept) > width and droppable:
        victim = droppable[0]
        together = [i for i in droppable if i == victim or (groups[victim] and groups[i] == groups[victim])]
        for i in together:
            droppable.remove(i)
            kept.remove(i)
            dropped.append(i)
    natural = sum(bounds[i][1] for i in kept) + COLUMN_GAP * max(0, len(kept) - 1)
    if natural <= width:
        return Fit(kept, [bounds[i][1] for i in kept], sorted(dropped))
    room = width - need(kept)
    lack = {i: bounds[i][1] - bounds[i][0] for i in kept}
    total_lack = sum(lack.values()) or 1
    widths = []
    for i in kept:
        widths.append(bounds[i][0] + (lack[i] * max(room, 0)) // total_lack)
    return Fit(kept, widths, sorted(dropped))


def render_table(rows: Iterable[dict[str, Any]], spec: Sequence[Col], console, title: str | None = None) -> list[str]:
    """Print `rows` as a table fitted to the console; returns the headers of the columns left out (already noted)."""
    from rich.table import Table
    from rich.text import Text

    view = current_view()
    rows = list(rows)
    headers = [c.title(view.lang) for c in spec]
    cells = [[format_value(r.get(c.key), c.kind, view.lang) for r in rows] for c in spec]
    bounds = [column_bounds(c, h, col_cells) for c, h, col_cells in zip(spec, headers, cells)]
    fit = fit_columns(bounds, [c.priority for c in spec], None if view.wide else console.width,
                      [c.group for c in spec])
    # headers and titles may hold corpus words (labels, ids): Text, never read as markup
    table = Table(title=Text(title) if title else None, title_justify="left", show_edge=False, pad_edge=False,
                  header_style="bold")
    for i, w in zip(fit.kept, fit.widths):
        col = spec[i]
        shortened = not col.whole and not col.wrap
        # whole columns are at least as wide as their widest value, so only their header may wrap (between words)
        table.add_column(Text(headers[i]), width=w, no_wrap=shortened, overflow="ellipsis" if shortened else "fold",
                         style=col.style,
                         justify=col.justify or ("right" if col.kind in ("num", "int", "pct", "p") else "left"))
    for r in range(len(rows)):
        table.add_row(*[Text(cells[i][r]) for i in fit.kept])
    if view.wide and fit.total() > console.width:
        console = wider_console(console, fit.total())
    console.print(table)
    dropped = [headers[i] for i in fit.dropped]
    if dropped:
        note(console, tr("cli.note.dropped_columns", columns=", ".join(dropped)))
    return dropped


def wider_console(console, width: int):
    """A console like `console` but `width` wide: `--wide` tables are drawn whole, the terminal may wrap them."""
    from rich.console import Console

    return Console(file=console.file, width=width, soft_wrap=False, no_color=console.no_color,
                   force_terminal=console.is_terminal)


def note(console, text: str) -> None:
    """A dim line under a table, wrapped at the console width between words (never longer than the terminal)."""
    if text:
        console.print(text, style="dim", highlight=False, markup=False, soft_wrap=False)
