"""The self-contained HTML report: Jinja2 (autoescape on) + plotly.js inline + data as escaped JSON.

Safety rules (the report is mailed to clients; corpus text is untrusted):
- every corpus string is rendered by Jinja2 with autoescape, or by the page script with textContent;
- data reaches the page as JSON in <script type="application/json"> with <, >, &, U+2028 and U+2029
  escaped, so no corpus string can close the script element or start markup;
- no href or src is ever built from corpus values;
- a Content-Security-Policy allows only the report's own inline scripts (by hash) and no network.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
from typing import Any

from textlens.i18n import DEFAULT_LANG, fmt_number, fmt_pct, t
from textlens.report.model import Chart, ReportData, Table
from textlens.report.words import header_text, plotly_locale, quality_name, value_text
from textlens.resources import package_path
from textlens.vocab import KINDS

TEMPLATES = package_path("report", "templates")
ASSETS = package_path("report", "assets")

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, default=json_default, allow_nan=False)
    return "".join(_JSON_ESCAPES.get(ch, ch) for ch in text)


def json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar
        v = value.item()
        return None if isinstance(v, float) and math.isnan(v) else v
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def json_clean(value: Any) -> Any:
    """NaN/inf -> None recursively (JSON has no NaN)."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: json_clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return json_clean(value.item())
    return value


def _significant(value: float, lang: str) -> str:
    """Three significant digits, with the language's decimal mark."""
    text = f"{value:.3g}"
    return text.replace(".", ",") if lang == "fr" else text


def format_value(value: Any, fmt: str | None, lang: str = "en") -> str:
    """Display form of one table cell, numbers written the way `lang` writes them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    try:
        if fmt == "pct":
            return fmt_pct(float(value), lang, 1)
        if fmt == "int":
            return fmt_number(int(value), lang).replace(",", "\u202f")
        if fmt == "float":
            return _significant(float(value), lang) if abs(float(value)) < 1000 else fmt_number(float(value), lang)
        if fmt == "p":
            return "<" + fmt_number(0.001, lang, 3) if float(value) < 0.001 else fmt_number(float(value), lang, 3)
        if fmt == "year":
            return str(int(value))
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, float):
        return _significant(value, lang)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def cell_text(column: Any, value: Any, fmt: str | None, lang: str, words: dict[str, dict[str, str]] | None = None
              ) -> str:
    """A table cell as a reader sees it: machine words translated (the table's own `words` first), numbers
    formatted."""
    own = (words or {}).get(str(column))
    if own is not None and isinstance(value, str) and value in own:
        return own[value]
    return format_value(value_text(column, value, lang), fmt, lang)


def table_view(table: Table, evidence: list[Any], lang: str = "en") -> dict[str, Any]:
    """Rows of display strings for the template (raw values stay in the DataFrame for XLSX/JSON)."""
    df = table.df
    cols = [c for c in (table.html_columns or df.columns) if c != table.evidence_col and c in df.columns]
    fmts = {c: table.format_of(c) for c in cols}
    limit = table.max_rows_html if table.max_rows_html > 0 else 0
    shown = df.head(limit) if limit else df.iloc[0:0]
    rows = []
    for rec in shown.to_dict("records"):
        cells = [{"text": cell_text(c, rec[c], fmts[c], lang, table.words),
                  "num": fmts[c] in ("pct", "int", "float", "p"),
                  "long": isinstance(rec[c], str) and len(rec[c]) > 80} for c in cols]
        ev = None
        if table.evidence_col:
            eid = rec.get(table.evidence_col)
            if eid is not None and not (isinstance(eid, float) and math.isnan(eid)):
                ev = evidence[int(eid)]
        rows.append({"cells": cells, "evidence": ev})
    return {"name": table.name, "title": table.title, "description": table.description,
            "columns": [header_text(c, lang) for c in cols],
            "rows": rows, "total": len(df), "shown": len(shown), "has_evidence": bool(table.evidence_col),
            "hidden": limit == 0, "compact": table.compact}


def chart_payload(chart: Chart, lang: str = "en") -> dict[str, Any]:
    from textlens.report.plotly_charts import figure

    fig = figure(chart, lang)
    return {"id": chart.id, "data": json_clean(fig["data"]), "layout": json_clean(fig["layout"])}


def _script_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


def render_html(report: ReportData) -> str:
    """The whole report as one HTML string (about 5 MB, most of it plotly.js)."""
    import jinja2
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    lang = report.meta.get("lang", DEFAULT_LANG)
    env.globals["table_view"] = lambda t: table_view(t, report.evidence, lang)
    env.globals["fmt"] = lambda value, fmt: format_value(value, fmt, lang)
    env.globals["t"] = lambda key, **fields: t(key, lang, **fields)
    env.globals["header"] = lambda column: header_text(column, lang)
    env.globals["quality_name"] = lambda key: quality_name(key, lang)
    charts = [chart_payload(c, lang) for s in report.sections for c in _section_charts(s)]
    evidence = [{"id": e.id, "title": e.title, "passages": e.passages} for e in report.evidence]
    data_json = safe_json(json_clean({"charts": charts, "evidence": evidence,
                                  "locale": {"name": lang, "format": plotly_locale(lang)},
                                  "words": {"chart_error": t("report.ui.chart_error", lang),
                                            "kind": {k: t(f"report.kind.{k}", lang) for k in sorted(KINDS)}}}))
    plotly_js = get_plotlyjs()
    app_js = (ASSETS / "report.js").read_text(encoding="utf-8")
    css = (ASSETS / "report.css").read_text(encoding="utf-8")
    csp = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
           f"script-src {_script_hash(plotly_js)} {_script_hash(app_js)}; base-uri 'none'; form-action 'none'")
    # The scripts are our own files, inserted verbatim (Markup) so their hashes match the CSP.
    return env.get_template("report.html.j2").render(
        report=report, meta=report.meta, lang=lang, sections=report.sections, kpis=report.kpis,
        warnings=report.warnings,
        data_json=Markup(data_json), plotly_js=Markup(plotly_js),
        app_js=Markup(app_js), css=Markup(css), csp=csp)


def _section_charts(section: Any) -> list[Chart]:
    return list(section.charts) + list(section.extra.get("boards", []))
