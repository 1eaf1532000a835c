"""The report's entities section: leaderboards per type, a timeline of the most cited, and the themes x entities
associations with the passages of each pair."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textlens.report.builders import MAX_HEATMAP_ROWS, heatmap, new_section
from textlens.report.context import ReportContext, as_int
from textlens.report.model import Chart, Section, Series, Table
from textlens.report.words import type_name
from textlens.store import items as store_items
from textlens.vocab import ENTITY_REPORT_ORDER

if TYPE_CHECKING:
    import pandas as pd

# leaderboards: the actors of the field first, places last
TYPE_ORDER = ENTITY_REPORT_ORDER


def entities_section(ctx: ReportContext) -> Section:
    from textlens import trends

    sec = new_section(ctx, "entities", "mentions", "entities")
    if sec.empty:
        return sec
    overall = trends.entity_table(ctx.corpus, type=None, by=None, top=100000, filters=ctx.filters)
    if overall.empty:
        sec.empty = ctx.t("report.entities.none_selected")
        return sec
    boards = []
    present = overall.groupby("type")["docs"].sum().sort_values(ascending=False).index.tolist()
    types = [t for t in TYPE_ORDER if t in present] + [t for t in present if t not in TYPE_ORDER]
    for etype in types:
        top = overall[overall["type"] == etype].sort_values(["docs", "mentions"], ascending=False)
        top = top.head(ctx.options.top_entities)
        ev = [ctx.trend_evidence("entity", e, f"{e} ({type_name(etype, ctx.lang)})") for e in top["entity"]]
        boards.append(Chart(f"chart_entities_{len(boards)}", type_name(etype, ctx.lang, plural=True), "hbar",
                            [Series(ctx.t("report.word.documents"), top["entity"].tolist(),
                                    top["docs"].astype(int).tolist(), ev=ev,
                                    hover=[ctx.t("report.entities.hover", entity=e, docs=ctx.num(d),
                                                 mentions=ctx.num(m))
                                           for e, d, m in zip(top["entity"], top["docs"], top["mentions"])])],
                            x_title=ctx.t("report.word.documents"), height=70 + 26 * len(top)))
    sec.extra["boards"] = boards
    ranked = overall.sort_values(["docs", "mentions"], ascending=False).copy()
    top_names = ranked["entity"].head(MAX_HEATMAP_ROWS).tolist()
    # passages for the leaderboards and the timeline's entities (one store scan each); the XLSX/JSON
    # tables list every entity
    shown = set(top_names) | {e for b in boards for e in b.series[0].x}
    ranked["evidence_id"] = [ctx.trend_evidence("entity", e, f"{e} ({type_name(t, ctx.lang)})") if e in shown
                             else None
                             for e, t in zip(ranked["entity"], ranked["type"])]
    sec.tables.append(Table("entities", ctx.t("report.entities.table"), ranked, ctx.t("report.entities.desc"),
                            evidence_col="evidence_id", formats={"docs": "int", "mentions": "int"},
                            max_rows_html=100))
    prev = trends.prevalence(ctx.corpus, "entity", by=ctx.period("entity"), filters=ctx.filters, items=top_names).table
    if not prev.empty:
        order = [e for e in top_names if e in set(prev["item"])]
        sec.charts.append(heatmap(ctx, "chart_entity_timeline", ctx.t("report.entities.timeline"),
                                   "entity", prev, order, {}, counts=True))
        by_period = trends.entity_table(ctx.corpus, type=None, by=ctx.period("entity"), top=ctx.options.top_entities,
                                        filters=ctx.filters)
        sec.tables.append(Table("entities_per_period", ctx.t("report.entities.per_period"), by_period,
                                formats={"docs": "int", "mentions": "int"}, max_rows_html=0))
    if store_items.has_items(ctx.corpus, "theme"):
        assoc = trends.associations(ctx.corpus, dimension="theme", other="entity", filters=ctx.filters, top=30)
        if not assoc.empty:
            from textlens.query import theme_labels

            labels = theme_labels(ctx.corpus, "theme")
            assoc = assoc.copy()
            assoc.insert(1, "label", [labels.get(i, i) for i in assoc["item"]])
            assoc["evidence_id"] = _pair_evidence(ctx, assoc, labels)
            sec.charts.append(_association_heatmap(ctx, assoc))
            sec.tables.append(Table("theme_entity", ctx.t("report.assoc.title"), assoc, ctx.t("report.assoc.desc"),
                                    evidence_col="evidence_id",
                                    html_columns=["label", "other", "other_type", "n", "lift"],
                                    formats={"n": "int", "lift": "float", "pmi": "float"}))
    return sec


def _pair_evidence(ctx: ReportContext, assoc: "pd.DataFrame", labels: dict[str, str]) -> list[int | None]:
    """Passages of each (theme, entity) pair: the theme's passages in documents that name the entity
    (one evidence query per theme rather than per pair)."""
    by = ctx.period("theme")
    index = ctx.evidence_index("theme", ctx.filters, by)
    names = sorted(set(assoc["other"]))
    docs_of = store_items.entity_documents(ctx.corpus, names)
    out: dict[tuple[str, str], int | None] = {}
    for theme, pairs in assoc.groupby("item", sort=False):
        full = index.evidence(theme, limit=None)
        for other in pairs["other"]:
            rows = full[full["doc_id"].isin(docs_of[other])].head(ctx.options.evidence_limit)
            out[(theme, other)] = ctx.add_evidence(("pair", theme, other), f"{labels.get(theme, theme)} × {other}",
                                                   rows)
    return [out[(i, o)] for i, o in zip(assoc["item"], assoc["other"])]


def _association_heatmap(ctx: ReportContext, assoc: "pd.DataFrame") -> Chart:
    """Themes x entities: documents carrying both (the strongest pairs of the association table)."""
    themes = list(dict.fromkeys(assoc["label"]))
    ents = list(dict.fromkeys(assoc["other"]))[:MAX_HEATMAP_ROWS]
    cell = {(r.label, r.other): r for r in assoc.itertuples()}
    z, ev, hover = [], [], []
    for t in themes:
        row = [cell.get((t, e)) for e in ents]
        z.append([None if r is None else int(r.n) for r in row])
        ev.append([None if r is None else as_int(r.evidence_id) for r in row])
        hover.append([ctx.t("report.assoc.hover_none", theme=t, entity=e) if r is None else
                      ctx.t("report.assoc.hover", theme=t, entity=e, n=ctx.num(r.n), lift=ctx.num(r.lift, 2))
                      for e, r in zip(ents, row)])
    return Chart("chart_theme_entity", ctx.t("report.assoc.title"), "heatmap", x=ents, y=themes, z=z,
                 ev2d=ev, hover2d=hover, note=ctx.t("report.assoc.note"), height=max(240, 120 + 30 * len(themes)))
