"""Chart and table builders shared by the report's sections: facet sizes, a prevalence table, an items x
periods heatmap with evidence per cell, a section that names the analysis to run when its table is empty."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textlens.report.context import ReportContext
from textlens.report.model import Chart, Section, Table
from textlens.report.words import period_name, period_text

if TYPE_CHECKING:
    import pandas as pd

# Facet and heatmap sizes keep the page readable; the XLSX/JSON tables hold every row.
MAX_FACETS = 12
MAX_HEATMAP_ROWS = 20


def records_of(df: "pd.DataFrame", col: str) -> list[Any]:
    """A column's values with NaN as None (JSON null: a gap in a chart, not a zero)."""
    return [None if (isinstance(v, float) and v != v) else v for v in df[col].tolist()]


def new_section(ctx: ReportContext, sid: str, needs: str, analysis: str) -> Section:
    """A section (words report.<sid>.title/intro) that says which analysis to run when the table it needs is empty."""
    sec = Section(sid, ctx.t(f"report.{sid}.title"), ctx.t(f"report.{sid}.intro"))
    if not ctx.has_rows(needs):
        sec.empty = ctx.t("report.empty.no_analysis", what=ctx.t(f"report.analysis.{analysis}"), analysis=analysis)
    return sec


def prevalence_table(ctx: ReportContext, name: str, title: str, prev: "pd.DataFrame") -> Table:
    return Table(name, title, prev, ctx.t("report.prevalence.desc"),
                 formats={"n": "int", "total": "int", "share": "pct", "ci_low": "pct", "ci_high": "pct"},
                 max_rows_html=0)


def heatmap(ctx: ReportContext, chart_id: str, title: str, dimension: str, prev: "pd.DataFrame", order: list[str],
             labels: dict[str, str], counts: bool = False) -> Chart:
    """Items x periods; cells hold the share of documents (or their number with `counts`)."""
    periods = sorted({str(p) for p in prev["period"]})
    shown = {p: period_text(p, ctx.lang) for p in periods}
    z, ev2d, hover2d = [], [], []
    for item in order:
        rows = prev[prev["item"] == item]
        by_period = {str(r.period): r for r in rows.itertuples()}
        zr, er, hr = [], [], []
        label = labels.get(item, item)
        for p in periods:
            r = by_period.get(p)
            if r is None or not r.n:
                zr.append(0 if r is not None else None)
                er.append(None)
                hr.append(ctx.t("report.heatmap.hover_none", label=label, period=shown[p]))
                continue
            zr.append(int(r.n) if counts else float(r.share))
            er.append(ctx.trend_evidence(dimension, item, label, r.period))
            hr.append(ctx.t("report.heatmap.hover", label=label, period=shown[p], n=ctx.num(r.n),
                            total=ctx.num(r.total), share=ctx.pct(float(r.share))))
        z.append(zr)
        ev2d.append(er)
        hover2d.append(hr)
    return Chart(chart_id, title, "heatmap", x=[shown[p] for p in periods], y=[labels.get(i, i) for i in order],
                 z=z, ev2d=ev2d, hover2d=hover2d, x_title=period_name(ctx.period(dimension), ctx.lang),
                 percent=not counts, note=ctx.t("report.heatmap.note"),
                 height=max(260, 60 + 26 * len(order)))


def flat_scalars(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat_scalars(v, key + "."))
        elif isinstance(v, (int, float, str, bool)) or v is None:
            out[key] = v
    return out
