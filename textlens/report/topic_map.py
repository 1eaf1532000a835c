"""The report's topic map: documents/passages placed by the topic model's own reduction and coloured by topic.

Positions are stored at fit time (`topic_map`, a seeded sample of at most `topics.corpus.MAP_UNITS` units per
group), so the report only reads them. One chart per fitted group (press passages, reviews: they are fitted
apart and their maps do not share axes). Hovering shows the topic and the start of the text; clicking opens the
whole unit in the evidence panel, like every other chart of the report.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textlens.report.model import Chart, Section, Series, Table

if TYPE_CHECKING:
    from textlens.report.context import ReportContext

HOVER_CHARS = 160
HOVER_LINE = 60


def _wrap(text: str, width: int = HOVER_LINE) -> str:
    """Hover text on short lines (newline-separated; the chart renderer escapes each line)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line] if line else lines)


def topic_map_section(ctx: "ReportContext") -> Section:
    """The map section (an `empty` message when the store holds no map)."""
    from textlens.i18n import t
    from textlens.store import topic_edits as db
    from textlens.store.evidence import passage_docs_texts
    from textlens.store.items import topic_labels

    conn = ctx.corpus.conn
    lang = ctx.lang
    sec = Section("topic_map", t("topics.map.title", lang), t("topics.map.intro", lang))
    points = db.read_map(conn)
    stored = {g: sum(1 for p in points if p.group == g) for g in {p.group for p in points}}
    if points:
        selected = db.selected_doc_ids(conn, ctx.filters)
        points = [p for p in points if p.doc_id in selected]
    if not points:
        sec.empty = t("topics.map.empty", lang)
        return sec
    labels = {int(tid): label for tid, label in topic_labels(ctx.corpus).items()}
    outliers = t("topics.map.outliers", lang)
    passages = passage_docs_texts(ctx.corpus, sorted({p.passage_id for p in points if p.passage_id is not None
                                              and p.group.startswith("press")}))
    documents = db.document_texts(conn, sorted({p.doc_id for p in points if not p.group.startswith("press")}))
    stats = ctx.corpus.stat("topics", {}) or {}
    import pandas as pd

    sec.tables.append(Table(
        "topic_map_points", t("topics.map.table", lang),
        pd.DataFrame([{"group": p.group, "doc_id": p.doc_id, "passage_id": p.passage_id, "topic": p.topic_id,
                       "label": labels.get(p.topic_id, "") if p.topic_id >= 0 else "",  # data: no words added
                       "x": p.x, "y": p.y} for p in points]),
        t("topics.map.table_note", lang), formats={"x": "float", "y": "float"}, max_rows_html=0))
    for group in dict.fromkeys(p.group for p in points):
        series: dict[int, dict[str, list[Any]]] = {}
        shown = [p for p in points if p.group == group]
        for p in shown:
            text = passages.get(p.passage_id, (p.doc_id, ""))[1] if group.startswith("press") else \
                documents.get(p.doc_id, "")
            name = labels.get(p.topic_id, outliers) if p.topic_id >= 0 else outliers
            title = f"{t('topics.map.point', lang, topic=p.topic_id)} · {name}" if p.topic_id >= 0 else name
            ev = ctx.add_evidence(("topic_map", group, p.doc_id, p.passage_id), title,
                                  [{"doc_id": p.doc_id, "passage_id": p.passage_id, "passage": text}])
            snippet = text if len(text) <= HOVER_CHARS else text[: HOVER_CHARS - 1].rstrip() + "…"
            s = series.setdefault(p.topic_id, {"x": [], "y": [], "ev": [], "hover": []})
            s["x"].append(p.x)
            s["y"].append(p.y)
            s["ev"].append(ev)
            s["hover"].append(f"{title}\n{_wrap(snippet)}\n{p.doc_id}")
        order = sorted(series, key=lambda tid: (tid < 0, -len(series[tid]["x"]), tid))
        kind = group.split(":")[0]
        group_name = t(f"topics.map.group.{kind}", lang)
        note = t("topics.map.note", lang)
        total = (stats.get("groups", {}).get(group) or {}).get("units")
        if isinstance(total, int) and total > stored[group]:
            note += " " + t("topics.map.sampled", lang, shown=stored[group], total=total)
        sec.charts.append(Chart(
            f"chart_topic_map_{len(sec.charts)}", t("topics.map.chart", lang, group=group_name, n=len(shown)),
            "scatter", note=note, series=[Series(f"{tid} · {labels.get(tid, '')}" if tid >= 0 else outliers,
                                                 **series[tid]) for tid in order]))
    return sec
