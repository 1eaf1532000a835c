"""`textlens info` and `textlens show`: what is in a store, and what was skipped and why."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textlens.i18n import DEFAULT_LANG, t
from textlens.store import Corpus
from textlens.store import info as store


def corpus_info(db: str | Path, list_skipped: bool = False) -> dict[str, Any]:
    """Counts of a store as plain data (rendered as a table or printed as JSON by the CLI)."""
    with Corpus.open(db, readonly=True) as corpus:
        c = corpus.conn
        last_run = store.last_run(c)
        run_counts = {} if last_run is None else store.run_status_counts(c, last_run.id)
        skipped = store.skipped_inputs(c)
        reasons: dict[str, int] = {}
        for item in skipped:
            key = _reason_kind(item.reason)
            reasons[key] = reasons.get(key, 0) + 1
        data: dict[str, Any] = {
            "store": str(db),
            "documents": corpus.count(),
            "by_kind": store.document_counts(c, "kind"),
            "by_year": store.document_counts(c, "year"),
            "by_year_kind": store.documents_by_year_kind(c),
            "by_language": store.document_counts(c, "language"),
            "year_source": store.document_counts(c, "year_source"),
            "sources": store.document_counts(c, "source"),
            "duplicates": store.duplicate_count(c),
            "passages": corpus.count("passages"),
            "analyses": store.analysis_counts(c),
            "topics": corpus.count("topics"),
            "last_run": None if last_run is None else {
                "id": last_run.id, "status": last_run.status, "inputs": sum(
                    v for k, v in run_counts.items() if k != "warning"), **run_counts},
            "skipped": len(skipped),
            "skipped_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            "warnings": store.warning_count(c),
            "pii": _pii_info(c),
        }
        if list_skipped:
            data["skipped_inputs"] = [{"source": r.source, "row": r.row, "reason": r.reason} for r in skipped]
        return data


def _pii_info(conn) -> dict[str, Any]:
    """Personal-data masking: the setting recorded in the store and the values masked per type."""
    from dataclasses import asdict

    from textlens.store.pii import read_status

    return asdict(read_status(conn))


def _reason_kind(reason: str | None) -> str:
    """Group similar reasons ("empty text (row 12)" and "empty text (row 40)") for the summary table."""
    if not reason:
        return "unknown"
    head = reason.split(":")[0].split("(")[0].strip()
    return head[:80] or reason[:80]


def render_info(data: dict[str, Any], console, lang: str = DEFAULT_LANG) -> None:
    """The counts of `corpus_info` as the CLI prints them, headers and sentences in `lang` (values stay as stored)."""
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]{escape(data['store'])}[/]" + escape(t(
        "cli.info.summary", lang, documents=data["documents"], passages=data["passages"],
        duplicates=data["duplicates"], topics=data["topics"])), highlight=False)
    if data["last_run"]:
        lr = data["last_run"]
        parts = ", ".join(f"{k} {v}" for k, v in lr.items() if k not in ("id", "status", "inputs"))
        console.print(t("cli.info.last_run", lang, id=lr["id"], status=lr["status"], inputs=lr["inputs"],
                        parts=parts), highlight=False, markup=False)
    for title, key in (("kind", "by_kind"), ("language", "by_language"), ("dated_by", "year_source"),
                       ("analysis", "analyses")):
        table = Table(title=None, show_header=True, header_style="bold")
        table.add_column(t(f"cli.info.{title}", lang))
        table.add_column(t("cli.col.documents", lang), justify="right")
        for k, v in data[key].items():
            table.add_row(k, str(v))
        console.print(table)
    years = Table(show_header=True, header_style="bold")
    years.add_column(t("cli.col.year", lang))
    kinds = sorted({r["kind"] for r in data["by_year_kind"]})
    for k in kinds:
        years.add_column(k, justify="right")
    by_year: dict[Any, dict[str, int]] = {}
    for r in data["by_year_kind"]:
        by_year.setdefault(r["year"], {})[r["kind"]] = r["n"]
    for year, counts in by_year.items():
        years.add_row("unknown" if year is None else str(year), *[str(counts.get(k, 0)) for k in kinds])
    console.print(years)
    if "pii" in data:
        from textlens.ingest.pii import status_lines
        from textlens.store.pii import MaskingStatus

        for line in status_lines(MaskingStatus(**data["pii"]), lang):
            console.print(line, highlight=False, markup=False, soft_wrap=False)  # prose: wrapped to the width
    console.print(t("cli.info.skipped", lang, skipped=data["skipped"], warnings=data["warnings"]), highlight=False)
    for reason, n in data["skipped_reasons"].items():
        console.print(f"  {n:>6}  {reason}", highlight=False, markup=False)
    for item in data.get("skipped_inputs", []):
        loc = f"{item['source']}:{item['row']}" if item["row"] is not None else item["source"]
        console.print(f"  {loc}: {item['reason']}", highlight=False, markup=False)


def render_document(rec: dict[str, Any], console, lang: str = DEFAULT_LANG) -> None:
    """One export record as the CLI shows it: field names in `lang`, values as stored (metadata included)."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    from textlens.cli.render import format_date

    def name(key: str) -> str:
        return escape(t(f"cli.field.{key}", lang))

    head = Table.grid(padding=(0, 2))
    for key in ("id", "kind", "title", "date", "year", "year_source", "year_evidence", "language", "duplicate_of",
                "source", "row"):
        if rec.get(key) is not None:
            value = format_date(str(rec[key]), lang) if key == "date" else str(rec[key])
            head.add_row(f"[bold]{name(key)}[/]", escape(value))
    if rec.get("metadata"):
        metadata = rec["metadata"] if isinstance(rec["metadata"], dict) else {"": rec["metadata"]}
        head.add_row(f"[bold]{name('metadata')}[/]", escape(", ".join(f"{k}: {v}" for k, v in metadata.items())))
    if rec.get("sentiment"):
        head.add_row(f"[bold]{name('sentiment')}[/]",
                     escape(f"{rec['sentiment'].get('label')} ({rec['sentiment'].get('score')})"))
    for key in ("themes", "aspects", "topics"):
        if rec.get(key):
            head.add_row(f"[bold]{name(key)}[/]", escape(", ".join(
                f"{x.get('label') or x['id']}" + (f" [{x['polarity']}]" if x.get("polarity") else "")
                + f" {x['score']:.2f}" for x in rec[key])))
    if rec.get("emotions") or rec.get("intents") or rec.get("effort"):  # verbatims (textlens.cx)
        head.add_row("[bold]emotions[/]", escape(", ".join(f"{e['label']}:{e['intensity']}" for e in rec["emotions"])))
        head.add_row("[bold]intents[/]", escape(", ".join(i["label"] for i in rec["intents"])))
        head.add_row("[bold]effort[/]", escape(str((rec.get("effort") or {}).get("level", ""))))
    if rec.get("entities"):
        head.add_row(f"[bold]{name('entities')}[/]", escape("; ".join(f"{e['name']} ({e['type']}, {e['count']})"
                                                                   for e in rec["entities"][:30])))
    for w in rec.get("warnings") or []:
        head.add_row(f"[bold yellow]{name('warning')}[/]", escape(w))
    console.print(head)
    for f in rec.get("figures") or []:
        console.print(f"  [cyan]{escape(f['value'])}[/] {escape(f.get('about') or '')}"
                      + (f" — {escape(f['source'])}" if f.get("source") else ""), highlight=False)
    if rec.get("text"):
        console.print(Panel(escape(rec["text"][:4000]), title=name("text")), soft_wrap=False)  # wrapped, not cut
