"""Markdown (+ PNG charts), XLSX and JSON forms of a report: the same tables as the HTML page.

JSON and Markdown can go to standard output (`out="-"`): JSON as is, Markdown without its PNG charts
(they need a folder next to a file), which the Markdown then says.
"""
from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from textlens.errors import InputError
from textlens.i18n import DEFAULT_LANG, t
from textlens.report.html import cell_text, json_clean, json_default, render_html
from textlens.report.model import Chart, ReportData, Table
from textlens.report.words import header_text
from textlens.vocab import STDOUT  # "-": standard output, one definition for the CLI and the writers

MD_MAX_ROWS = 60
XLSX_MAX_CELL = 32767  # Excel's limit per cell


# ---- JSON -----------------------------------------------------------------------------------------
def table_records(table: Table) -> list[dict[str, Any]]:
    return [json_clean(r) for r in table.df.astype(object).where(table.df.notna(), None).to_dict("records")]


def report_json(report: ReportData) -> dict[str, Any]:
    """Every table (all rows), the chart specs, the evidence passages and the report's metadata."""
    return json_clean({
        "meta": report.meta,
        "kpis": dict(report.kpis),
        "warnings": report.warnings,
        "sections": [{"id": s.id, "title": s.title, "empty": s.empty, "privacy": s.extra.get("privacy", []),
                      "tables": [t.name for t in s.tables],
                      "charts": [c.id for c in s.charts] + [c.id for c in s.extra.get("boards", [])]}
                     for s in report.sections],
        "tables": {t.name: {"title": t.title, "description": t.description, "columns": [str(c) for c in t.df.columns],
                            "rows": table_records(t)} for t in report.tables()},
        "charts": [asdict(c) for s in report.sections for c in [*s.charts, *s.extra.get("boards", [])]],
        "evidence": [asdict(e) for e in report.evidence],
    })


def write_json(report: ReportData, out: str | Path) -> Path:
    """The report as JSON in `out` (or on standard output when `out` is "-")."""
    return write_text(json.dumps(report_json(report), ensure_ascii=False, indent=1, default=json_default,
                                 allow_nan=False), out)


def write_text(text: str, out: str | Path) -> Path:
    """Write a text report to the file `out`, or to standard output when `out` is "-"."""
    if str(out) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return Path(STDOUT)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def write_html(report: ReportData, out: str | Path) -> Path:
    """The page in the file `out`, or on standard output when `out` is "-"."""
    return write_text(render_html(report), out)


def _lang(report: ReportData) -> str:
    return report.meta.get("lang", DEFAULT_LANG)


# ---- XLSX -----------------------------------------------------------------------------------------
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", name)[:31] or "sheet"
    candidate, i = base, 2
    while candidate.lower() in used:
        suffix = f"_{i}"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(candidate.lower())
    return candidate


def _xlsx_value(value: Any) -> Any:
    """A value openpyxl can store as data (never as a formula), with illegal characters made visible."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > XLSX_MAX_CELL:
            value = value[: XLSX_MAX_CELL - 40] + " … [cut: longer than an Excel cell]"
    if not isinstance(value, (str, int, float, bool)):
        value = str(value)
    return value


def _write_sheet(ws: Any, header: list[str], rows: list[list[Any]], wrap_cols: set[int] = frozenset(),
                 formats: dict[int, str] | None = None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([str(h) for h in header])
    for row in rows:
        ws.append([_xlsx_value(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text that starts with "=" stays text (no formula injection)
                cell.data_type = "s"
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for j, h in enumerate(header, start=1):
        lengths = [len(str(h))] + [len(str(r[j - 1])) for r in rows[:500] if r[j - 1] is not None]
        width = min(max(lengths) + 2, 80)
        ws.column_dimensions[get_column_letter(j)].width = max(width, 8)
        fmt = (formats or {}).get(j - 1)
        if j - 1 in wrap_cols or fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if j - 1 in wrap_cols:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if fmt == "pct":
                    cell.number_format = "0.0%"
                elif fmt == "float":
                    cell.number_format = "0.000"
                elif fmt == "p":
                    cell.number_format = "0.0000"


def write_xlsx(report: ReportData, out: str | Path) -> Path:
    """One sheet per table (named by the table's id, stable for scripts; headers in the report's language),
    with an 'about' sheet first (filters, figures, warnings, list of sheets)."""
    from openpyxl import Workbook

    if str(out) == STDOUT:
        raise InputError(t("report.cli.stdout_binary", _lang(report)))
    lang = _lang(report)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    about = wb.active
    about.title = t("report.xlsx.about", lang)
    used = {about.title.lower()}
    tables = report.tables()
    names = [_sheet_name(tb.name, used) for tb in tables]
    rows: list[list[Any]] = [[t(f"report.xlsx.{key}", lang), value] for key, value in (
        ("report", report.meta["title"]), ("generated", report.meta.get("generated_text", report.meta["generated"])),
        ("store", report.meta["store"]), ("filters", report.meta.get("filters_text", report.meta["filters"])),
        ("periods", report.meta["by"]))]
    rows += [[t(f"report.kpi.{k}", lang), v] for k, v in report.kpis]
    rows += [[t("report.xlsx.warning", lang), w] for w in report.warnings]
    rows += [[t("report.xlsx.sheet", lang, name=n), f"{tb.title}: {tb.description}".rstrip(": ")]
             for n, tb in zip(names, tables)]
    _write_sheet(about, [t("report.xlsx.item", lang), t("report.xlsx.value", lang)], rows, wrap_cols={1})
    about.column_dimensions["B"].width = 100
    for name, table in zip(names, tables):
        ws = wb.create_sheet(name)
        df = table.df
        header = [header_text(c, lang) for c in df.columns]
        body = df.astype(object).where(df.notna(), None).values.tolist()
        wrap = {i for i, c in enumerate(df.columns) if df[c].map(lambda v: isinstance(v, str) and len(v) > 60).any()}
        formats = {i: table.formats[c] for i, c in enumerate(df.columns) if c in table.formats}
        _write_sheet(ws, header, body, wrap, formats)
    wb.save(out)
    return out


# ---- Markdown -------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f]+")


def md_escape(value: Any) -> str:
    """Cell/paragraph text that Markdown renderers show literally (no links, HTML or table breaks)."""
    text = _BREAKING_SPACE.sub(" ", str(value)).strip()  # no-break spaces stay: "12,5 %", "Points clés :"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_table(table: Table, max_rows: int = MD_MAX_ROWS, lang: str = "en") -> list[str]:
    cols = list(table.df.columns)
    lines = ["| " + " | ".join(md_escape(header_text(c, lang)) for c in cols) + " |",
             "| " + " | ".join("---:" if table.format_of(c) in ("int", "pct", "float", "p") else "---"
                               for c in cols) + " |"]
    for rec in table.df.head(max_rows).to_dict("records"):
        cells = []
        for c in cols:
            v = rec[c]
            if c == table.evidence_col and v is not None and not (isinstance(v, float) and math.isnan(v)):
                cells.append(f"E{int(v)}")
            else:
                cells.append(md_escape(cell_text(c, v, table.format_of(c), lang, table.words)))
        lines.append("| " + " | ".join(cells) + " |")
    if len(table.df) > max_rows:
        lines.append("")
        lines.append(f"*{t('report.md.rows_shown', lang, shown=max_rows, total=len(table.df))}*")
    return lines


def _colon(lang: str) -> str:
    """A colon after a label: French puts a no-break space before it."""
    return "\u00a0:" if lang == "fr" else ":"


def write_markdown(report: ReportData, out: str | Path) -> Path:
    """report.md plus one PNG per chart in `<stem>_files/` next to it; on standard output ("-") no charts
    (a note says so where they would be)."""
    lang = _lang(report)
    to_stdout = str(out) == STDOUT
    assets = None
    if not to_stdout:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        assets = out.with_name(out.stem + "_files")
        assets.mkdir(exist_ok=True)
    meta = report.meta
    lines = [f"# {md_escape(meta['title'])}", "",
             md_escape(t("report.md.generated", lang, date=meta.get("generated_text", meta["generated"]),
                         store=meta["store"], filters=meta.get("filters_text", meta["filters"]), by=meta["by"])),
             "", " · ".join(f"**{md_escape(v)}** {t(f'report.kpi.{k}', lang)}" for k, v in report.kpis), ""]
    if to_stdout:
        lines += [f"> {md_escape(t('report.md.no_charts', lang))}", ""]
    click = t("report.md.click_word", lang)
    cited: list[int] = []
    for s in report.sections:
        lines += [f"## {md_escape(s.title)}", "", md_escape(s.intro), ""]
        if s.empty:
            lines += [f"> {md_escape(s.empty)}", ""]
            continue
        if s.extra.get("highlights"):
            lines += [f"**{t('report.highlight.title', lang)}{_colon(lang)}**", ""]
            lines += [f"- {md_escape(h)}" for h in s.extra["highlights"]] + [""]
        lines += [f"> {md_escape(p)}" for p in s.extra.get("privacy", [])] + ([""] if s.extra.get("privacy") else [])
        lines += [f"> {md_escape(n)}" for n in s.notes] + ([""] if s.notes else [])
        if s.id == "method" and report.warnings:
            lines += [f"**{t('report.method.careful', lang)}{_colon(lang)}**", ""]
            lines += [f"- {md_escape(w)}" for w in report.warnings] + [""]
        for c in [*s.charts, *s.extra.get("boards", [])] if assets is not None else []:
            png = assets / f"{c.id}.png"
            render_png(c, png, lang)
            lines += [f"![{md_escape(c.title)}]({assets.name}/{png.name})", ""]
            note = " ".join(x for x in re.split(r"(?<=\.)\s+", c.note) if x and not x.startswith(click))
            if note:
                lines += [f"*{md_escape(note)}*", ""]
        for table in s.tables:
            if table.max_rows_html == 0:
                continue
            lines += [f"### {md_escape(table.title)}", ""]
            if table.description:
                lines += [md_escape(table.description), ""]
            lines += (md_table(table, lang=lang) if len(table.df) else [t("report.ui.none", lang)]) + [""]
            if table.evidence_col:
                cited += [int(v) for v in table.df[table.evidence_col].head(MD_MAX_ROWS) if v is not None and v == v]
    if cited:
        lines += [f"## {t('report.evidence.heading', lang)}", "", t("report.evidence.md_intro", lang), ""]
        for eid in dict.fromkeys(cited):
            e = report.evidence[eid]
            lines += [f"**E{eid}** — {md_escape(e.title)}", ""]
            for p in e.passages:
                where = " · ".join(md_escape(x) for x in (p.get("doc_id"), p.get("date"), p.get("title")) if x)
                lines.append(f"- {md_escape(p.get('passage', ''))} ({where})")
            lines.append("")
    return write_text("\n".join(lines) + "\n", out)


def render_png(chart: Chart, path: Path, lang: str = "en") -> Path:
    """The chart drawn with matplotlib (same data as the plotly version; French: 12 % and 12,5 on axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from textlens.report.plotly_charts import PALETTE, SENTIMENT_COLORS, bar_color

    def color(series: Any, i: int) -> str:
        return SENTIMENT_COLORS.get(series.color_key or series.name, PALETTE[i % len(PALETTE)])

    def t(value: Any) -> str:  # corpus text is not mathtext: "$" stays a dollar sign
        return str(value).replace("$", r"\$")

    def percent() -> Any:  # 12 % in French (narrow no-break space), 12% in English
        return matplotlib.ticker.PercentFormatter(1.0, decimals=0, symbol="\u202f%" if lang == "fr" else "%")

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    if chart.kind == "sankey":
        from textlens.report.dynamics import sankey_png

        fig = sankey_png(chart, plt)
    elif chart.kind == "facets":
        n = len(chart.series)
        cols = 3 if n > 4 else max(1, min(n, 2))
        rows = math.ceil(n / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.3 * rows + 0.4), sharey=True, squeeze=False)
        for i, s in enumerate(chart.series):
            ax = axes[i // cols][i % cols]
            x = list(range(len(s.x)))
            y = [math.nan if v is None else v for v in s.y]
            if s.low is not None and s.high is not None:
                ax.fill_between(x, [math.nan if v is None else v for v in s.low],
                                [math.nan if v is None else v for v in s.high], color=PALETTE[0], alpha=0.18, lw=0)
            ax.plot(x, y, color=PALETTE[0], marker="o", ms=3, lw=1.5)
            ax.set_title(t(s.name), fontsize=9)
            step = max(1, len(x) // 6)
            ax.set_xticks(x[::step], [t(v) for v in s.x][::step], rotation=45, fontsize=7)
            if chart.percent:
                ax.yaxis.set_major_formatter(percent())
        for j in range(n, rows * cols):
            axes[j // cols][j % cols].axis("off")
    elif chart.kind == "heatmap":
        import numpy as np

        z = np.array([[math.nan if v is None else v for v in row] for row in chart.z], dtype=float)
        fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(chart.x) + 3), max(2.5, 0.3 * len(chart.y) + 1)))
        im = ax.imshow(z, aspect="auto", cmap="Blues", vmin=0)
        ax.set_yticks(range(len(chart.y)), [t(v) for v in chart.y], fontsize=7)
        ax.set_xticks(range(len(chart.x)), [t(v) for v in chart.x], rotation=90, fontsize=7)
        bar = fig.colorbar(im, ax=ax, fraction=0.03)
        if chart.percent:
            bar.ax.yaxis.set_major_formatter(percent())
    elif chart.kind == "scatter":
        fig, ax = plt.subplots(figsize=(8, 5.5))
        for i, s in enumerate(chart.series):
            ax.scatter(s.x, s.y, s=6, alpha=0.35 if s.name.startswith("(") else 0.8,
                       color="#9aa3ad" if s.name.startswith("(") else color(s, i), label=t(s.name))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=6, markerscale=2, frameon=False, loc="center left", bbox_to_anchor=(1, 0.5))
    elif chart.kind == "hbar":
        labels = [t(v) for v in chart.series[0].x]
        fig, ax = plt.subplots(figsize=(7, max(1.8, 0.32 * len(labels) * len(chart.series) + 0.8)))
        h = 0.8 / len(chart.series)
        for i, s in enumerate(chart.series):
            pos = [k + i * h for k in range(len(labels))]
            c = bar_color(s)
            ax.barh(pos, [0 if v is None else v for v in s.y], height=h, color=c, label=t(s.name))
        ax.set_yticks([k + h * (len(chart.series) - 1) / 2 for k in range(len(labels))], labels, fontsize=8)
        if len(chart.series) == 1:
            ax.invert_yaxis()
        else:
            ax.legend(fontsize=7)
        if chart.percent:
            ax.xaxis.set_major_formatter(percent())
    else:  # lines, stacked
        fig, ax = plt.subplots(figsize=(8, 3.2))
        xs = list(dict.fromkeys(str(v) for s in chart.series for v in s.x))
        bottom = [0.0] * len(xs)
        for i, s in enumerate(chart.series):
            vals = dict(zip((str(v) for v in s.x), s.y))
            y = [vals.get(x) for x in xs]
            if chart.kind == "stacked":
                yy = [0.0 if v is None else float(v) for v in y]
                ax.bar(range(len(xs)), yy, bottom=bottom, color=color(s, i), label=t(s.name))
                bottom = [b + v for b, v in zip(bottom, yy)]
            else:
                ax.plot(range(len(xs)), [math.nan if v is None else v for v in y], marker="o", ms=3,
                        color=color(s, i), label=t(s.name))
        step = max(1, len(xs) // 12)
        ax.set_xticks(list(range(len(xs)))[::step], xs[::step], rotation=45, fontsize=7)
        if len(chart.series) > 1:
            ax.legend(fontsize=7, ncol=min(4, len(chart.series)), frameon=False)
        if chart.percent:
            ax.yaxis.set_major_formatter(percent())
        ax.set_ylabel(t(chart.y_title))
    fig.suptitle(t(chart.title), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
