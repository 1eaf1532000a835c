"""What every report section is built with: the report options and the context (store, filters, language, the
evidence registry shared by all sections, chosen periods).

Its own module so that section modules (textlens.report.drivers, .dynamics, .topic_map, textlens.cx.report) and the
assembly in textlens.report.data depend on it, rather than on each other."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from textlens import i18n
from textlens.report.model import Evidence
from textlens.report.words import period_text

if TYPE_CHECKING:
    import pandas as pd

    from textlens.query import Filters
    from textlens.store import Corpus

LEADERBOARD_TOP = 10


@dataclass
class Options:
    """What to put in a report (defaults suit a mailed overview)."""

    by: str = "auto"  # year | quarter | month | Ny, or auto: per dimension, years or N-year spans
    evidence_limit: int = 3  # passages per chart point / table row
    top_entities: int = LEADERBOARD_TOP
    title: str | None = None  # default: "Rapport textlens" / "textlens report"
    lang: str | None = None  # fr | en; default: the language of most analysed documents (French unless English)
    compare_by: str | None = "auto"  # segment comparison column; auto: the first low-cardinality metadata column


@dataclass
class ReportContext:
    corpus: "Corpus"
    filters: "Filters"
    options: Options
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _ev_index: dict[tuple, int] = field(default_factory=dict)
    _item_cache: dict[tuple, dict[str, Any]] = field(default_factory=dict)
    _indexes: dict[tuple, Any] = field(default_factory=dict)
    periods: dict[str, str] = field(default_factory=dict)
    period_labels: dict[str, str] = field(default_factory=dict)  # periods key -> its words in the report language
    lang: str = i18n.DEFAULT_LANG

    def t(self, key: str, **fields: Any) -> str:
        """Report words in the report's language (catalog textlens/data/i18n/report.toml)."""
        return i18n.t(key, self.lang, **fields)

    def pct(self, share: float | None, digits: int = 0) -> str:
        return i18n.fmt_pct(share, self.lang, digits)

    def num(self, value: float | int | None, digits: int = 0) -> str:
        return i18n.fmt_number(value, self.lang, digits)

    def period(self, dimension: str | None, kind: str | None = None) -> str:
        """The period of a dimension's trends: the one asked for, or with `auto` the shortest of year, 2y,
        3y, 5y, 10y whose median period holds at least trends.MIN_DOCS documents (sparse archives read
        better in spans of years; verbatims usually stay yearly)."""
        if self.options.by != "auto":
            return self.options.by
        names = {"theme": "themes", "aspect": "aspects", "entity": "entities", "topic": "topics"}
        name = names.get(dimension or "", "documents")
        key = name + (f" ({kind}s)" if kind else "")
        if key not in self.periods:
            self.period_labels[key] = self.t(f"report.dim.{name}") + (
                f" ({self.t(f'report.kinds.{kind}')})" if kind else "")
            from statistics import median

            from textlens import trends

            f = replace(self.filters, kind=kind) if kind else self.filters
            years = [int(y) for y in trends.eligible_documents(self.corpus, dimension, "year", f).table["period"]]
            chosen = "10y"
            for by, span in (("year", 1), ("2y", 2), ("3y", 3), ("5y", 5)):
                if not years:
                    chosen = "year"
                    break
                counts = {b: 0 for b in range(min(years) // span, max(years) // span + 1)}
                for y in years:
                    counts[y // span] += 1
                if median(counts.values()) >= trends.MIN_DOCS:
                    chosen = by
                    break
            self.periods[key] = chosen
        return self.periods[key]

    def evidence_id(self, key: tuple) -> int | None:
        """The id of evidence already registered under `key` (None if none): lets a section skip the query."""
        return self._ev_index.get(key)

    def add_evidence(self, key: tuple, title: str, passages: "pd.DataFrame | list[dict[str, Any]]") -> int | None:
        """Register the passages behind one value; returns its evidence id (None when there are none)."""
        if key in self._ev_index:
            return self._ev_index[key]
        rows = passages.to_dict("records") if hasattr(passages, "to_dict") else list(passages)
        if not rows:
            return None
        eid = len(self.evidence)
        self.evidence.append(Evidence(eid, title, [passage_record(r) for r in rows]))
        self._ev_index[key] = eid
        return eid

    def trend_evidence(self, dimension: str, item: str, label: str, period: Any = None,
                       filters: "Filters | None" = None, extra: str = "", by: str | None = None) -> int | None:
        f = filters or self.filters
        by = by or self.period(dimension)
        key = ("trend", dimension, item, None if period is None else str(period), repr(f), by)
        if key in self._ev_index:
            return self._ev_index[key]
        best = self._item_evidence(dimension, item, f, by)
        df = best["all"] if period is None else best["periods"].get(str(period))
        title = label + (f" — {period_text(period, self.lang)}" if period is not None else "") + (
            f" ({extra})" if extra else "")
        return self.add_evidence(key, title, [] if df is None else df)

    def evidence_index(self, dimension: str, filters: "Filters", by: str) -> Any:
        """One `trends.EvidenceIndex` per dimension, filters and period: the tables it reads are
        loaded once for all the items of a report."""
        from textlens import trends

        key = (dimension, repr(filters), by)
        if key not in self._indexes:
            self._indexes[key] = trends.EvidenceIndex(self.corpus, dimension, filters, by)
        return self._indexes[key]

    def _item_evidence(self, dimension: str, item: str, filters: "Filters", by: str) -> dict[str, Any]:
        """Evidence of one item for the whole series and each of its periods: each cut to the best
        passages (`per_period`), so no text is fetched for rows the report would not show."""
        key = (dimension, item, repr(filters), by)
        if key not in self._item_cache:
            limit = self.options.evidence_limit
            full = self.evidence_index(dimension, filters, by).evidence(item, limit=None, per_period=limit)
            self._item_cache[key] = {
                "all": full.head(limit),
                "periods": {str(p): g.head(limit) for p, g in full.groupby(full["period"].astype(str), sort=False)},
            }
        return self._item_cache[key]

    def has_rows(self, table: str) -> bool:
        """Whether a store table holds rows (a section whose analysis did not run says so instead)."""
        from textlens.store.report import has_rows

        return has_rows(self.corpus, table)


def passage_record(r: dict[str, Any]) -> dict[str, Any]:
    return {"doc_id": r.get("doc_id"), "date": as_str(r.get("date")), "period": as_str(r.get("period")),
            "passage_id": as_int(r.get("passage_id")), "passage": r.get("passage") or r.get("text") or "",
            "score": as_float(r.get("score")), "title": r.get("title"), "source": r.get("source")}


def as_str(v: Any) -> str | None:
    return None if v is None or (isinstance(v, float) and v != v) else str(v)


def as_int(v: Any) -> int | None:
    try:
        return None if v is None or v != v else int(v)
    except (TypeError, ValueError):
        return None


def as_float(v: Any) -> float | None:
    try:
        return None if v is None or v != v else round(float(v), 4)
    except (TypeError, ValueError):
        return None
