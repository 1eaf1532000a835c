"""Report sections of textlens.dynamics: signal alerts, topic lineage (Sankey) and press vs customers.

Hooked into `report.data.assemble` by one call; every number comes from textlens.dynamics, every chart mark
and table row carries the evidence id of its passages. Words go through textlens.i18n.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from textlens.report.model import Chart, Section, Series, Table

if TYPE_CHECKING:
    import pandas as pd

    from textlens.report.context import ReportContext

log = logging.getLogger(__name__)

MAX_ALERTS = 60
MAX_LINEAGE_TOPICS = 12  # per period in the Sankey (the largest; the JSON/XLSX tables hold every topic)


def _lang(ctx: "ReportContext") -> str:
    return ctx.lang  # the report's language, as resolved once for every section


def dynamics_sections(ctx: "ReportContext") -> list[Section]:
    """The three sections, each saying why when it has nothing to show."""
    return [_signals(ctx), _lineage(ctx), _divergence(ctx)]


# ---- signals ---------------------------------------------------------------------------------------------
def _signals(ctx: "ReportContext") -> Section:
    from textlens.dynamics import signals as sg
    from textlens.i18n import t
    from textlens.query import theme_labels
    from textlens.store.items import has_items

    lang = _lang(ctx)
    sec = Section("signals", t("signals.title", lang), t("signals.intro", lang))
    rule = sg.SignalRule()
    frames = []
    for dim in ("theme", "aspect"):
        if not has_items(ctx.corpus, dim):
            continue
        by = ctx.period(dim)
        df = sg.signals(ctx.corpus, dim, by, ctx.filters, rule=rule).table
        if df.empty:
            continue
        labels = theme_labels(ctx.corpus, dim)
        alerts = sg.alerts(df).head(MAX_ALERTS)
        alerts = alerts.assign(dimension=dim, by=by, label=alerts["item"].map(lambda i: labels.get(i, i)))
        alerts["evidence_id"] = [ctx.trend_evidence(dim, r.item, r.label, r.period, by=by)
                                 for r in alerts.itertuples()]
        frames.append(alerts)
        check = sg.anticipation(df).frame()
        if not check.empty:
            sec.tables.append(Table(f"signals_validation_{dim}", f"{t('signals.validation', lang)} ({dim}, {by})",
                                    check, "; ".join(f"{k}: {t(f'signals.outcome.{k}', lang)}" for k in sg.OUTCOMES),
                                    formats={"precision": "pct", "base_rate": "pct", "ci_low": "pct",
                                             "ci_high": "pct", "ratio": "float", "p_value": "p",
                                             "flagged": "int", "hits": "int"},
                                    html_columns=["outcome", "flags", "flagged", "precision", "base_rate", "ratio",
                                                  "p_value"]))
    if not frames:
        sec.empty = t("signals.none", lang)
        return sec
    import pandas as pd

    alerts = pd.concat(frames, ignore_index=True)
    sec.tables.insert(0, Table("signal_alerts", t("signals.alerts", lang), alerts,
                               t("signals.rule", lang, lookback=rule.lookback, min_history=rule.min_history,
                                 alpha=rule.alpha, min_n=rule.min_n, quantile=rule.low_quantile),
                               evidence_col="evidence_id",
                               formats={"share": "pct", "ci_low": "pct", "ci_high": "pct", "lookback_share": "pct",
                                        "growth": "float", "q_value": "p", "p_value": "p", "n": "int",
                                        "total": "int", "low_cut": "pct"},
                               html_columns=["dimension", "period", "label", "status", "n", "total", "share",
                                             "ci_low", "ci_high", "lookback_share", "growth", "q_value"]))
    return sec


# ---- lineage ---------------------------------------------------------------------------------------------
def _lineage(ctx: "ReportContext") -> Section:
    from textlens.dynamics.lineage import topic_lineage
    from textlens.i18n import t

    lang = _lang(ctx)
    sec = Section("lineage", t("lineage.title", lang), t("lineage.intro", lang))
    if not ctx.has_rows("topics"):
        sec.empty = t("lineage.none", lang)
        return sec
    by = ctx.options.by if ctx.options.by != "auto" else "5y"
    try:
        lin = topic_lineage(ctx.corpus, by=by, group="verbatim" if ctx.filters.kind == "verbatim" else "press",
                            filters=ctx.filters)
    except Exception as exc:  # an encoder that cannot load must not cost the rest of the report
        log.warning("topic lineage not computed: %s", exc)
        ctx.warnings.append(f"Topic lineage not computed: {exc}")
        sec.empty = t("lineage.none", lang)
        return sec
    if not lin.topics:
        sec.empty = t("lineage.none", lang)
        return sec
    chart = lineage_chart(ctx, lin, by)
    if chart.series[1].x:
        sec.charts.append(chart)
    else:  # a Sankey with nodes and no flow has nothing to draw (plotly.js fails on it): say so instead
        sec.notes.append(t("lineage.no_links", lang))
    links, topics = lin.links_frame(), lin.topics_frame()
    links["event"] = links["event"].map(lambda e: t(f"lineage.event.{e}", lang))
    sec.tables.append(Table("lineage_links", t("lineage.links", lang), links, t("lineage.rule", lang,
                                                                             threshold=lin.threshold),
                            formats={"similarity": "float", "term_overlap": "float"}))
    sec.tables.append(Table("lineage_topics", t("lineage.topics", lang),
                            topics.assign(terms=topics["terms"].map(", ".join)),
                            formats={"size": "int", "share": "pct"}, max_rows_html=0))
    return sec


def lineage_chart(ctx: "ReportContext", lin: Any, by: str) -> Chart:
    """Sankey: one column per period, one node per topic (the largest per period), links sized by the smaller
    topic's share; clicking a link shows passages of both topics, a node its own."""
    from textlens.i18n import t

    lang = _lang(ctx)
    keep: set[str] = set()
    for p in lin.periods:
        ranked = sorted((x for x in lin.topics if x.period == p), key=lambda x: -x.size)
        keep |= {x.key for x in ranked[:MAX_LINEAGE_TOPICS]}
    nodes = [x for x in lin.topics if x.key in keep]
    index = {x.key: i for i, x in enumerate(nodes)}
    present = [p for p in lin.periods if any(x.period == p for x in nodes)]
    col = {p: i for i, p in enumerate(present)}
    node_ev = [ctx.add_evidence(("lineage_node", by, x.key), f"{x.period} · {x.label}", x.representatives)
               for x in nodes]
    link_rows = []
    for k in lin.links:
        if k.source in index and k.target in index:
            a, b = nodes[index[k.source]], nodes[index[k.target]]
            ev = ctx.add_evidence(("lineage_link", by, k.source, k.target),
                                  f"{a.period} · {a.label} → {b.period} · {b.label}",
                                  [*a.representatives[:2], *b.representatives[:2]])
            link_rows.append({"source": index[k.source], "target": index[k.target],
                              "value": round(100 * min(a.share, b.share), 2), "ev": ev,
                              "hover": f"{t(f'lineage.event.{k.event}', lang)} · {a.label} → {b.label} · "
                                       f"{t('lineage.similarity', lang)} {k.similarity:.2f} · "
                                       f"{t('lineage.terms', lang)} {k.term_overlap:.2f}"})
    span = max(len(present) - 1, 1)
    heights: dict[str, float] = {}  # nodes stacked in their period's column, largest first, sized by share
    y_pos = []
    for x in nodes:
        total = sum(max(n.share, 0.02) for n in nodes if n.period == x.period)
        start = heights.get(x.period, 0.0)
        size = max(x.share, 0.02)
        heights[x.period] = start + size
        y_pos.append(round(0.02 + 0.96 * (start + size / 2) / total, 4))
    chart = Chart("chart_topic_lineage", t("lineage.title", lang), "sankey",
                  x=[round(0.01 + 0.98 * col[x.period] / span, 4) for x in nodes],
                  y=[x.label for x in nodes], z=[y_pos],  # the column says the period (hover and passages too)
                  note=t("lineage.rule", lang, threshold=lin.threshold),
                  height=max(420, 34 * max((sum(x.period == p for x in nodes) for p in present), default=1)))
    chart.series = [Series("nodes", [x.period for x in nodes], [x.share for x in nodes], ev=node_ev,
                           hover=[f"{x.period} · {x.label} · {x.size} · {', '.join(x.terms[:6])}" for x in nodes]),
                    Series("links", [r["source"] for r in link_rows], [r["value"] for r in link_rows],
                           low=[r["target"] for r in link_rows], ev=[r["ev"] for r in link_rows],
                           hover=[r["hover"] for r in link_rows])]
    return chart


# ---- press vs customers ------------------------------------------------------------------------------------
def _divergence(ctx: "ReportContext") -> Section:
    from textlens.dynamics import divergence as dv
    from textlens.i18n import t

    lang = _lang(ctx)
    sec = Section("divergence", t("divergence.title", lang), t("divergence.intro", lang))
    by = ctx.period(None)
    df = dv.divergence(ctx.corpus, by, ctx.filters, lang=lang).table
    if df.empty:
        sec.empty = t("divergence.none", lang)
        return sec
    ev = dv.gap_evidence(ctx.corpus, df, by, ctx.filters, limit=ctx.options.evidence_limit)
    ev_id: dict[tuple[str, str, str], int | None] = {}
    for (subject, period, side), g in ev.groupby(["subject", ev["period"].astype(str), "side"], sort=False):
        ev_id[(subject, period, side)] = ctx.add_evidence(("divergence", by, subject, period, side),
                                                          f"{subject} — {period} ({t(f'divergence.{side}', lang)})", g)
    for subject, g in df.groupby("subject", sort=False):
        series = []
        for side, prefix in (("press", "press"), ("customers", "customer")):
            series.append(Series(
                t(f"divergence.{side}", lang), [str(p) for p in g["period"]], g[f"{prefix}_share"].tolist(),
                g[f"{prefix}_low"].tolist(), g[f"{prefix}_high"].tolist(),
                [ev_id.get((subject, str(p), side)) for p in g["period"]],
                hover=[f"{t(f'divergence.{side}', lang)} — {p}: {n}/{tot} ({s:.0%}), q = {q:.3g}"
                       for p, n, tot, s, q in zip(g["period"], g[f"{prefix}_n"], g[f"{prefix}_total"],
                                                 g[f"{prefix}_share"], g["q_value"])]))
        sec.charts.append(Chart(f"chart_divergence_{subject}", str(g["label"].iloc[0]), "lines", series,
                                x_title=str(by), y_title=t("share", lang), percent=True, height=280,
                                note="" if sec.charts else t("divergence.rule", lang)))  # said once
    # tables keep the mapping's own (French) subject labels, as theme tables keep the taxonomy's: their rows are
    # data, the same whatever the report's language; the charts above carry the reader's language
    taxonomy_label = {s.id: s.label("fr") for s in dv.load_subjects()}
    df = df.assign(label=df["subject"].map(taxonomy_label).fillna(df["label"]))
    gaps = dv.largest_gaps(df, 10)
    sec.tables.append(_gap_table(ctx, gaps, ev_id, lang))
    sec.tables.append(Table("divergence", t("divergence.title", lang), df, t("divergence.rule", lang),
                            formats={c: "pct" for c in df.columns if c.endswith(("_share", "_low", "_high"))}
                            | {"gap": "float", "z": "float", "p_value": "p", "q_value": "p"}, max_rows_html=0))
    return sec


def _gap_table(ctx: "ReportContext", gaps: "pd.DataFrame", ev_id: dict, lang: str) -> Table:
    """The largest significant gaps, each with the passages of both sides (one evidence entry)."""
    from textlens.i18n import t

    rows = gaps.copy()
    ids = []
    for r in rows.itertuples():
        both = [p for side in ("press", "customers") if ev_id.get((r.subject, str(r.period), side)) is not None
                for p in ctx.evidence[ev_id[(r.subject, str(r.period), side)]].passages]
        ids.append(ctx.add_evidence(("divergence_gap", r.subject, str(r.period)), f"{r.label} — {r.period}", both))
    rows["evidence_id"] = ids
    return Table("divergence_gaps", t("divergence.title", lang) + " — " + t("divergence.difference", lang), rows,
                 t("divergence.rule", lang), evidence_col="evidence_id",
                 formats={"press_share": "pct", "customer_share": "pct", "gap": "float", "q_value": "p"},
                 html_columns=["period", "label", "press_share", "customer_share", "gap", "q_value", "leans"])


def sankey_png(chart: Chart, plt: Any) -> Any:
    """The lineage drawn with matplotlib for the Markdown report: topics as dots in period columns, links as
    lines whose width follows the link's value."""
    nodes, links = chart.series
    fig, ax = plt.subplots(figsize=(9, max(3.0, 0.28 * len(chart.y))))
    rank: dict[float, int] = {}
    pos = []
    for x in chart.x:
        rank[x] = rank.get(x, -1) + 1
        pos.append((x, -rank[x]))
    top = max(links.y or [1.0])
    for s, tgt, v in zip(links.x, links.low or [], links.y):
        (x0, y0), (x1, y1) = pos[int(s)], pos[int(tgt)]
        ax.plot([x0, x1], [y0, y1], color="#1f4e79", alpha=0.35, lw=1 + 6 * float(v) / top)
    ax.scatter([p[0] for p in pos], [p[1] for p in pos], s=18, color="#c55a11", zorder=3)
    for (x, y), label in zip(pos, chart.y):
        ax.annotate(str(label).replace("$", r"\$")[:38], (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points")
    ax.axis("off")
    return fig
