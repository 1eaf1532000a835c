"""The report as plain data: sections of tables and charts plus the evidence passages behind them.

One `ReportData` feeds every writer (HTML, Markdown, XLSX, JSON), so all formats show the same numbers.
Charts are described here independently of the plotting library: plotly draws them for HTML,
matplotlib for Markdown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Series:
    """One line, bar group or facet of a chart; `ev[i]` is the evidence id of point i (or None)."""

    name: str
    x: list[Any]
    y: list[float | None]
    low: list[float | None] | None = None
    high: list[float | None] | None = None
    ev: list[int | None] | None = None
    sparse: list[bool] | None = None
    hover: list[str] | None = None  # plain text per point; escaped by the renderer
    color_key: str | None = None  # machine name that picks the colour (negative, article...) when `name` is translated


@dataclass
class Chart:
    """A chart spec. kind: lines (bands when low/high), facets (one small panel per series), stacked (bars),
    hbar (horizontal bars, one group per series), heatmap (x, y, z, ev2d), sankey (y node labels, x node columns,
    series[0] the nodes, series[1] the links: x source, low target, y value; see report/dynamics.py) or scatter
    (points of numeric x/y per series; hover lines separated by newlines)."""

    id: str
    title: str
    kind: str
    series: list[Series] = field(default_factory=list)
    x_title: str = ""
    y_title: str = ""
    percent: bool = False
    x: list[Any] = field(default_factory=list)  # heatmap columns
    y: list[str] = field(default_factory=list)  # heatmap rows
    z: list[list[float | None]] = field(default_factory=list)
    ev2d: list[list[int | None]] = field(default_factory=list)
    hover2d: list[list[str]] = field(default_factory=list)
    note: str = ""
    height: int | None = None


@dataclass
class Table:
    """A table of the report. `evidence_col` holds evidence ids (HTML shows a button, other formats the id);
    `formats` maps a column to pct | int | float | p (p-value) | year for display; columns named year or
    *_year default to year."""

    name: str
    title: str
    df: "pd.DataFrame"
    description: str = ""
    evidence_col: str | None = None
    formats: dict[str, str] = field(default_factory=dict)
    max_rows_html: int = 300  # 0: only in the data formats (XLSX/JSON)
    html_columns: list[str] | None = None  # the columns worth a reader's eye; data formats keep all
    # column -> {machine value: the reader's word}: display only, the data keep the machine values
    words: dict[str, dict[str, str]] = field(default_factory=dict)
    compact: bool = False  # small table: laid out side by side with others

    def format_of(self, column: str) -> str | None:
        return self.formats.get(column) or ("year" if column == "year" or str(column).endswith("_year") else None)


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str | None = None  # why the section has nothing to show (which analysis to run)
    extra: dict[str, Any] = field(default_factory=dict)  # section-specific blocks for the templates


@dataclass
class Evidence:
    """The passages behind one chart value or table row."""

    id: int
    title: str
    passages: list[dict[str, Any]]  # doc_id, date, title, source, passage, score


@dataclass
class ReportData:
    meta: dict[str, Any]
    kpis: list[tuple[str, str]]
    sections: list[Section]
    evidence: list[Evidence]
    warnings: list[str]

    def tables(self) -> list[Table]:
        """Every table of every section, in order, plus the evidence table."""
        from textlens import i18n

        lang = self.meta.get("lang", i18n.DEFAULT_LANG)
        out = [t for s in self.sections for t in s.tables]
        out.append(Table("evidence", i18n.t("report.evidence.table", lang), self.evidence_frame(),
                         i18n.t("report.evidence.table_desc", lang)))
        return out

    def evidence_frame(self) -> "pd.DataFrame":
        import pandas as pd

        rows = [{"evidence_id": e.id, "about": e.title, **{k: p.get(k) for k in
                 ("doc_id", "date", "title", "source", "passage", "score")}}
                for e in self.evidence for p in e.passages]
        return pd.DataFrame(rows, columns=["evidence_id", "about", "doc_id", "date", "title", "source", "passage",
                                           "score"])
