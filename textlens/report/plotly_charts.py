"""Chart specs -> plotly figure JSON for the HTML report.

Every string that reaches plotly (names, categories, hover text, titles) is HTML-escaped first:
plotly renders a subset of HTML in labels (<a href>, <b>, <br>), so corpus text must never be
taken as markup. `customdata` carries the evidence id of each point for the click handler.
"""
from __future__ import annotations

import html
import math
from typing import Any

from textlens.i18n import fmt_pct
from textlens.report.model import Chart, Series

PALETTE = ["#1f4e79", "#c55a11", "#2e7d32", "#7b1fa2", "#00838f", "#ad1457", "#5d4037", "#546e7a", "#9e9d24",
           "#283593", "#d84315", "#00695c"]
SENTIMENT_COLORS = {"negative": "#c0392b", "mixed": "#e69b22", "neutral": "#a0a7ad", "positive": "#2e8b57"}
FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def esc(value: Any) -> str:
    """Text for a plotly label: plotly parses <tags> in labels, so < > & are escaped (quotes are inert there
    and plotly would show &quot; literally)."""
    return html.escape("" if value is None else str(value), quote=False)


LABEL_MAX = 42


def labels(values: list[Any]) -> list[str]:
    """Escaped category labels, long ones shortened (kept distinct) so the plot area keeps its room."""
    full = ["" if v is None else str(v) for v in values]
    short = [v if len(v) <= LABEL_MAX else v[: LABEL_MAX - 1].rstrip() + "…" for v in full]
    if len(set(short)) < len(set(full)):
        short = full
    return [esc(v) for v in short]


def _color(series: Series, i: int) -> str:
    """Sentiment series keep their colour whatever language names them (`color_key`)."""
    return SENTIMENT_COLORS.get(series.color_key or series.name, PALETTE[i % len(PALETTE)])


def bar_color(series: Series) -> str:
    """Drivers chart: red for the negative series, green for the positive one."""
    key = series.color_key or series.name
    return "#c0392b" if "negative" in key else "#2e8b57" if "positive" in key else PALETTE[0]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _num(values: list[Any] | None) -> list[float | None] | None:
    if values is None:
        return None
    out = []
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            out.append(None)
            continue
        out.append(None if math.isnan(f) else f)
    return out


def _band_and_line(s: Series, color: str, xaxis: str = "x", yaxis: str = "y", legend: bool = True
                   ) -> list[dict[str, Any]]:
    x = [esc(v) for v in s.x]
    traces: list[dict[str, Any]] = []
    if s.low is not None and s.high is not None:
        # hoveron "points": a filled band must not catch the hover (and so the click) of the points inside it
        traces.append({"type": "scatter", "x": x, "y": _num(s.high), "mode": "lines", "line": {"width": 0},
                       "hoverinfo": "skip", "hoveron": "points", "showlegend": False, "xaxis": xaxis,
                       "yaxis": yaxis})
        traces.append({"type": "scatter", "x": x, "y": _num(s.low), "mode": "lines", "line": {"width": 0},
                       "fill": "tonexty", "fillcolor": _rgba(color, 0.18), "hoverinfo": "skip",
                       "hoveron": "points", "showlegend": False, "xaxis": xaxis, "yaxis": yaxis})
    symbols = ["circle-open" if sp else "circle" for sp in (s.sparse or [False] * len(s.x))]
    traces.append({
        "type": "scatter", "x": x, "y": _num(s.y), "mode": "lines+markers", "name": esc(s.name),
        "line": {"color": color, "width": 2}, "marker": {"color": color, "size": 7, "symbol": symbols},
        "customdata": list(s.ev) if s.ev else None, "text": [esc(h) for h in s.hover] if s.hover else None,
        "hovertemplate": "%{text}<extra></extra>" if s.hover else None, "showlegend": legend,
        "xaxis": xaxis, "yaxis": yaxis, "connectgaps": False,
    })
    return [{k: v for k, v in t.items() if v is not None} for t in traces]


def _base_layout(chart: Chart, height: int) -> dict[str, Any]:
    return {
        "height": height, "margin": {"l": 60, "r": 20, "t": 20, "b": 50}, "font": {"family": FONT, "size": 12,
                                                                                    "color": "#2b2f36"},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "hovermode": "closest",
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"family": FONT}},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
    }


def _axis(title: str = "", percent: bool = False, **extra: Any) -> dict[str, Any]:
    ax = {"title": {"text": esc(title), "font": {"size": 11}} if title else None, "gridcolor": "#eceff3",
          "zeroline": False, "linecolor": "#c9ced6", "tickfont": {"size": 10}, "automargin": True}
    if percent:
        ax["tickformat"] = ".0%"
    ax.update(extra)
    return {k: v for k, v in ax.items() if v is not None}


def _sankey(chart: Chart) -> dict[str, Any]:
    """Plotly Sankey of `lineage_chart`: series 0 the nodes, series 1 the links (x source, low target); chart.x
    and chart.z[0] place the nodes (column of their period, stacked within it)."""
    nodes, links = chart.series
    node_color = [PALETTE[i % len(PALETTE)] for i in range(len(chart.y))]
    data = [{
        "type": "sankey", "arrangement": "fixed",  # fixed: nodes stay in their period's column and take clicks
        "node": {"label": labels(chart.y), "x": chart.x, "y": chart.z[0] if chart.z else None, "pad": 8,
                 "thickness": 14, "color": node_color,
                 "customdata": list(nodes.ev or []), "line": {"width": 0}},
        "link": {"source": list(links.x), "target": list(links.low or []), "value": list(links.y),
                 "customdata": list(links.ev or []), "label": [esc(h) for h in (links.hover or [])],
                 "hovertemplate": "%{label}<extra></extra>", "color": "rgba(31,78,121,0.25)"},
    }]
    layout = _base_layout(chart, chart.height or 420)
    layout["margin"] = {"l": 10, "r": 10, "t": 10, "b": 10}
    return {"data": data, "layout": layout}


# plotly's decimal mark and thousands separator per report language (French: 12,5 and 12 345)
SEPARATORS = {"fr": ",\u202f", "en": ".,"}


def figure(chart: Chart, lang: str = "en") -> dict[str, Any]:
    """The plotly {data, layout} of a chart spec, numbers on axes written the way `lang` writes them."""
    if chart.kind == "sankey":
        return _sankey(chart)
    fig = {"lines": _lines, "facets": _facets, "stacked": _stacked, "hbar": _hbar, "heatmap": _heatmap,
           "scatter": _scatter}[chart.kind](chart)
    fig["layout"]["separators"] = SEPARATORS.get(lang, SEPARATORS["en"])
    if lang == "fr":
        _french_percent_ticks(fig, chart)
    return fig


def _french_percent_ticks(fig: dict[str, Any], chart: Chart) -> None:
    """Percent axes as '40 %': plotly's number locale has no percent sign setting, so the ticks are spelt out."""
    if chart.kind == "stacked":
        top = 1.0
    else:
        values = [v for s in chart.series for v in (_num(s.high) or []) + (_num(s.y) or []) if v is not None]
        values += [v for row in chart.z for v in row if v is not None]
        top = min(1.0, max(values or [1.0]) * 1.08)
    step = next((st for st in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if top / st <= 6), 0.25)
    ticks = [round(i * step, 4) for i in range(int(top / step + 1e-9) + 1)]
    spelt = {"tickvals": ticks, "ticktext": [fmt_pct(v, "fr") for v in ticks]}
    axes = [a for k, a in fig["layout"].items() if k.startswith(("xaxis", "yaxis"))]
    axes += [t["colorbar"] for t in fig["data"] if isinstance(t.get("colorbar"), dict)]
    for axis in axes:
        if axis.get("tickformat") == ".0%":
            del axis["tickformat"]
            axis.update(spelt)


def _lines(chart: Chart) -> dict[str, Any]:
    data = []
    for i, s in enumerate(chart.series):
        data += _band_and_line(s, _color(s, i))
    layout = _base_layout(chart, chart.height or 380)
    layout["xaxis"] = _axis(chart.x_title, type="category")
    layout["yaxis"] = _axis(chart.y_title, chart.percent, rangemode="tozero")
    return {"data": data, "layout": layout}


def _facets(chart: Chart) -> dict[str, Any]:
    n = len(chart.series)
    cols = 3 if n > 4 else max(1, min(n, 2))
    rows = math.ceil(n / cols)
    gap_x, gap_y = 0.06, 0.34 / max(rows, 1) if rows > 1 else 0.0
    width = (1 - gap_x * (cols - 1)) / cols
    height_frac = (1 - gap_y * (rows - 1)) / rows
    layout = _base_layout(chart, chart.height or (70 + 190 * rows))
    layout["margin"] = {"l": 50, "r": 15, "t": 30, "b": 35}
    layout["showlegend"] = False
    annotations, data = [], []
    all_x = list(dict.fromkeys(str(x) for s in chart.series for x in s.x))
    ymax = max([v for s in chart.series for v in (_num(s.high) or _num(s.y) or []) if v is not None] or [1.0])
    for i, s in enumerate(chart.series):
        r, c = divmod(i, cols)
        k = "" if i == 0 else str(i + 1)
        x0 = c * (width + gap_x)
        y1 = 1 - r * (height_frac + gap_y)
        layout[f"xaxis{k}"] = _axis(type="category", domain=[x0, x0 + width], anchor=f"y{k}",
                                    categoryorder="array", categoryarray=[esc(x) for x in all_x],
                                    showticklabels=r == rows - 1 or i + cols >= n, tickangle=-45)
        layout[f"yaxis{k}"] = _axis(percent=chart.percent, domain=[y1 - height_frac, y1], anchor=f"x{k}",
                                    range=[0, min(1.0, ymax * 1.08) if chart.percent else ymax * 1.08],
                                    showticklabels=c == 0)
        data += _band_and_line(s, PALETTE[0], f"x{k}", f"y{k}", legend=False)
        annotations.append({"text": f"<b>{labels([s.name])[0]}</b>", "x": x0 + width / 2, "y": y1, "xref": "paper",
                            "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 12}})
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


def _bar(s: Series, color: str, horizontal: bool = False) -> dict[str, Any]:
    """A bar trace; categories on y when horizontal. Clicks carry the evidence id (customdata)."""
    cats, values = (labels(s.x), _num(s.y)) if horizontal else ([esc(v) for v in s.x], _num(s.y))
    t = {"type": "bar", "name": esc(s.name), "marker": {"color": color},
         **({"orientation": "h", "y": cats, "x": values} if horizontal else {"x": cats, "y": values})}
    if s.ev:
        t["customdata"] = list(s.ev)
    if s.hover:
        t["text"] = [esc(h) for h in s.hover]
        t["hovertemplate"] = "%{text}<extra></extra>"
        t["textposition"] = "none"
    if s.low is not None and s.high is not None:  # interval as error bars around each value
        y, low, high = _num(s.y), _num(s.low), _num(s.high)
        t["error_x" if horizontal else "error_y"] = {
            "type": "data", "symmetric": False, "color": "#5f6b7a", "thickness": 1.2, "width": 3,
            "array": [None if v is None or h is None else h - v for v, h in zip(y, high)],
            "arrayminus": [None if v is None or lo is None else v - lo for v, lo in zip(y, low)]}
    return t


def _stacked(chart: Chart) -> dict[str, Any]:
    data = [_bar(s, _color(s, i)) for i, s in enumerate(chart.series)]
    layout = _base_layout(chart, chart.height or 340)
    layout["barmode"] = "stack"
    layout["bargap"] = 0.25
    layout["legend"] = {"orientation": "h", "y": -0.2, "x": 0, "traceorder": "normal"}
    layout["showlegend"] = len(chart.series) > 1
    layout["xaxis"] = _axis(chart.x_title, type="category")
    layout["yaxis"] = _axis(chart.y_title, chart.percent, **({} if chart.percent else {"tickformat": ",d"}))
    return {"data": data, "layout": layout}


def _hbar(chart: Chart) -> dict[str, Any]:
    data = [_bar(s, bar_color(s), horizontal=True) for s in chart.series]
    layout = _base_layout(chart, chart.height or 320)
    layout["margin"] = {"l": 10, "r": 20, "t": 10, "b": 40}
    layout["barmode"] = "group"
    layout["bargap"] = max(0.3, 0.75 - 0.1 * max((len(s.x) for s in chart.series), default=0))
    layout["showlegend"] = len(chart.series) > 1
    layout["legend"] = {"orientation": "h", "y": -0.25 if (chart.height or 320) < 300 else -0.12, "x": 0}
    top = max([v for s in chart.series for v in (_num(s.y) or []) if v is not None] or [0])
    values = [v for s in chart.series for v in (_num(s.y) or []) if v is not None]
    counts = all(float(v).is_integer() for v in values)
    small = {} if chart.percent or top > 6 or not counts else {"dtick": 1, "tick0": 0}  # counts: no 0.5 ticks
    layout["xaxis"] = _axis(chart.x_title, chart.percent, rangemode="tozero", **small)
    layout["yaxis"] = _axis(type="category", automargin=True, autorange="reversed" if len(chart.series) == 1
                            else True)
    if len(chart.series) == 1:  # leaderboards: biggest first
        layout["yaxis"]["autorange"] = "reversed"
    return {"data": data, "layout": layout}


def _heatmap(chart: Chart) -> dict[str, Any]:
    data = [{
        "type": "heatmap", "x": labels(chart.x), "y": labels(chart.y), "z": chart.z,
        "customdata": chart.ev2d, "text": [[esc(h) for h in row] for row in chart.hover2d],
        "hovertemplate": "%{text}<extra></extra>", "colorscale": [[0, "#f4f7fb"], [0.35, "#9ecae1"],
                                                                   [1, "#08306b"]],
        "zmin": 0, "zmax": max([v for row in chart.z for v in row if v is not None] or [1]), "xgap": 1, "ygap": 1,
        "colorbar": {"thickness": 10, "tickformat": ".0%" if chart.percent else None, "outlinewidth": 0},
    }]
    data[0]["colorbar"] = {k: v for k, v in data[0]["colorbar"].items() if v is not None}
    layout = _base_layout(chart, chart.height or 400)
    layout["margin"] = {"l": 10, "r": 10, "t": 10, "b": 50}
    layout["xaxis"] = _axis(chart.x_title, type="category", showgrid=False, tickangle=-45)
    layout["yaxis"] = _axis(type="category", autorange="reversed", showgrid=False)
    return {"data": data, "layout": layout}


# maps colour one trace per topic: more distinct colours than PALETTE (dozens of topics are common)
MAP_PALETTE = PALETTE + ["#e377c2", "#17becf", "#bcbd22", "#8c564b", "#ff7f0e", "#1f77b4", "#9467bd", "#d62728",
                         "#2ca02c", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5"]


def _scatter(chart: Chart) -> dict[str, Any]:
    """Points (one trace per series, e.g. per topic: the legend toggles them); hover lines are given
    separated by newlines and escaped one by one; clicks carry the evidence id."""
    data = []
    for i, s in enumerate(chart.series):
        grey = s.name.startswith("(")  # "(non classé)": the outliers, drawn faint
        t = {"type": "scattergl" if len(s.x) > 3000 else "scatter", "mode": "markers", "name": esc(s.name),
             "x": _num(s.x), "y": _num(s.y),
             "marker": {"size": 5, "opacity": 0.35 if grey else 0.8,
                        "color": "#9aa3ad" if grey else MAP_PALETTE[i % len(MAP_PALETTE)]}}
        if s.ev:
            t["customdata"] = list(s.ev)
        if s.hover:
            t["text"] = ["<br>".join(esc(line) for line in h.split("\n")) for h in s.hover]
            t["hovertemplate"] = "%{text}<extra></extra>"
        data.append(t)
    layout = _base_layout(chart, chart.height or 560)
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1, "font": {"size": 10}}
    layout["margin"] = {"l": 20, "r": 10, "t": 10, "b": 20}
    layout["xaxis"] = _axis(showticklabels=False, showgrid=False)
    layout["yaxis"] = _axis(showticklabels=False, showgrid=False)
    return {"data": data, "layout": layout}
