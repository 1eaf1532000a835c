"""The report's method section: analyses run and their versions, embedding models, taxonomies, model cards,
stored corpus statistics, and the warnings they call for."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from textlens.report.builders import flat_scalars
from textlens.report.context import ReportContext
from textlens.report.model import Section, Table
from textlens.report.model_cards import model_cards
from textlens.store import report as store_report

if TYPE_CHECKING:
    import pandas as pd


def _taxonomy_table(ctx: ReportContext) -> "pd.DataFrame":
    """Label and description of every theme/aspect present in the store (built-in taxonomies)."""
    import pandas as pd

    rows = []
    present = store_report.taxonomy_items(ctx.corpus)
    try:
        from textlens.themes.taxonomy import load_taxonomy
    except ImportError:
        load_taxonomy = None
    known: dict[str, tuple[str, str, str]] = {}
    for name in ("editorial", "aspects"):
        if load_taxonomy is None:
            break
        try:
            tax = load_taxonomy(name)
        except Exception as exc:  # noqa: BLE001 - a broken taxonomy file is a warning here, not a failed report
            ctx.warnings.append(ctx.t("report.warn.taxonomy", name=name, error=exc))
            continue
        for t in tax.themes:
            known[t.id] = (name, t.label, t.description)
    for tid, taxonomy in sorted(present.items(), key=lambda kv: (kv[1], kv[0])):
        name, label, description = known.get(tid, (taxonomy, tid, ""))
        rows.append({"taxonomy": name, "id": tid, "label": label, "description": description})
    return pd.DataFrame(rows, columns=["taxonomy", "id", "label", "description"])


def method_section(ctx: ReportContext, sections: list[Section]) -> Section:
    import pandas as pd

    sec = Section("method", ctx.t("report.method.title"), ctx.t("report.method.intro"))
    from textlens.report.pii_section import privacy_lines

    sec.extra["privacy"] = privacy_lines(ctx.corpus.conn, ctx.lang)
    analyses = store_report.analysis_runs(ctx.corpus)
    sec.tables.append(Table("analyses", ctx.t("report.method.analyses"), analyses,
                            ctx.t("report.method.analyses_desc"),
                            formats={"documents": "int", "versions": "int"}))
    for r in analyses.itertuples():
        if r.versions > 1:
            ctx.warnings.append(ctx.t("report.warn.versions", analysis=r.analysis, n=ctx.num(r.versions)))
    embed = store_report.embedding_models(ctx.corpus)
    if not embed.empty:
        sec.tables.append(Table("embedding_models", ctx.t("report.method.embeddings"), embed,
                                formats={"dimensions": "int", "cached_vectors": "int"}))
    taxonomies = _taxonomy_table(ctx)
    if not taxonomies.empty:
        sec.tables.append(Table("taxonomies", ctx.t("report.method.taxonomies"), taxonomies,
                                ctx.t("report.method.taxonomies_desc"), max_rows_html=60))
    cards = model_cards()
    if cards:
        sec.tables.append(Table("model_cards", ctx.t("report.method.model_cards"), pd.DataFrame(
            [{"model": c["model"], "title": c["title"], "evaluation": " · ".join(c["metrics"])} for c in cards])))
    stats = []
    for name, value, _at in store_report.corpus_stat_rows(ctx.corpus):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = value
        flat = flat_scalars(decoded) if isinstance(decoded, dict) else {"value": decoded}
        for k, v in flat.items():
            stats.append({"statistic": name, "key": k, "value": v})
    if stats:
        sec.tables.append(Table("corpus_stats", ctx.t("report.method.stats"), pd.DataFrame(stats),
                                ctx.t("report.method.stats_desc"), max_rows_html=200))
        for s in stats:
            if s["statistic"] == "topics" and s["key"].endswith("outlier_share") and isinstance(s["value"],
                                                                                                (int, float)):
                if 0.2 < float(s["value"]) <= 1:
                    ctx.warnings.append(ctx.t("report.warn.outliers", share=ctx.pct(float(s["value"]))))
    for s in sections:
        if s.empty:
            ctx.warnings.append(ctx.t("report.warn.empty_section", title=s.title, reason=s.empty))
    return sec
