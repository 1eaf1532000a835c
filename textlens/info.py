"""`textlens info` and `textlens show`: what is in a store, and what was skipped and why."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textlens.store import Corpus


def _pairs(conn, sql: str) -> dict[str, int]:
    return {("unknown" if k is None else str(k)): int(v) for k, v in conn.execute(sql).fetchall()}


def corpus_info(db: str | Path, list_skipped: bool = False) -> dict[str, Any]:
    """Counts of a store as plain data (rendered as a table or printed as JSON by the CLI)."""
    with Corpus.open(db, readonly=True) as corpus:
        c = corpus.conn
        last_run = c.execute("SELECT id, started_at, finished_at, status, args FROM runs ORDER BY id DESC LIMIT 1"
                             ).fetchone()
        run_counts: dict[str, int] = {}
        if last_run is not None:
            run_counts = _pairs(c, f"SELECT status, COUNT(*) FROM ingest_log WHERE run_id={int(last_run[0])}"
                                   " GROUP BY status")
        # An input's current state is its latest log line; skipped inputs stay listed until they ingest.
        latest = """SELECT l.source, l.row, l.status, l.reason FROM ingest_log l
                    JOIN (SELECT source, IFNULL(row, -1) r, MAX(id) m FROM ingest_log
                          WHERE status != 'warning' GROUP BY source, IFNULL(row, -1)) x ON x.m = l.id"""
        skipped_rows = c.execute(f"SELECT source, row, reason FROM ({latest}) WHERE status='skipped'"
                                 " ORDER BY source, row").fetchall()
        reasons: dict[str, int] = {}
        for r in skipped_rows:
            key = _reason_kind(r[2])
            reasons[key] = reasons.get(key, 0) + 1
        data: dict[str, Any] = {
            "store": str(db),
            "documents": corpus.count(),
            "by_kind": _pairs(c, "SELECT kind, COUNT(*) FROM documents GROUP BY kind ORDER BY 2 DESC"),
            "by_year": _pairs(c, "SELECT year, COUNT(*) FROM documents GROUP BY year ORDER BY year"),
            "by_year_kind": [dict(r) for r in c.execute(
                "SELECT year, kind, COUNT(*) AS n FROM documents GROUP BY year, kind ORDER BY year, kind")],
            "by_language": _pairs(c, "SELECT language, COUNT(*) FROM documents GROUP BY language ORDER BY 2 DESC"),
            "year_source": _pairs(c, "SELECT year_source, COUNT(*) FROM documents GROUP BY year_source ORDER BY 2 DESC"),
            "sources": _pairs(c, "SELECT source, COUNT(*) FROM documents GROUP BY source ORDER BY 2 DESC LIMIT 50"),
            "duplicates": int(c.execute("SELECT COUNT(*) FROM documents WHERE duplicate_of IS NOT NULL").fetchone()[0]),
            "passages": corpus.count("passages"),
            "analyses": _pairs(c, "SELECT analyzer, COUNT(*) FROM analysis_state GROUP BY analyzer"),
            "topics": corpus.count("topics"),
            "last_run": None if last_run is None else {
                "id": last_run[0], "status": last_run[3], "inputs": sum(
                    v for k, v in run_counts.items() if k != "warning"), **run_counts},
            "skipped": len(skipped_rows),
            "skipped_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            "warnings": int(c.execute("SELECT COUNT(*) FROM ingest_log WHERE status='warning'").fetchone()[0]),
        }
        if list_skipped:
            data["skipped_inputs"] = [{"source": r[0], "row": r[1], "reason": r[2]} for r in skipped_rows]
        return data


def _reason_kind(reason: str | None) -> str:
    """Group similar reasons ("empty text (row 12)" and "empty text (row 40)") for the summary table."""
    if not reason:
        return "unknown"
    head = reason.split(":")[0].split("(")[0].strip()
    return head[:80] or reason[:80]


def render_info(data: dict[str, Any], console) -> None:
    from rich.table import Table

    console.print(f"[bold]{data['store']}[/]: {data['documents']} documents, {data['passages']} passages, "
                  f"{data['duplicates']} flagged duplicates, {data['topics']} topics", highlight=False)
    if data["last_run"]:
        lr = data["last_run"]
        parts = ", ".join(f"{k} {v}" for k, v in lr.items() if k not in ("id", "status", "inputs"))
        console.print(f"last run #{lr['id']} ({lr['status']}): {lr['inputs']} inputs — {parts}", highlight=False)
    for title, key in (("kind", "by_kind"), ("language", "by_language"), ("dated by", "year_source"),
                       ("analysis", "analyses")):
        table = Table(title=None, show_header=True, header_style="bold")
        table.add_column(title)
        table.add_column("documents", justify="right")
        for k, v in data[key].items():
            table.add_row(k, str(v))
        console.print(table)
    years = Table(show_header=True, header_style="bold")
    years.add_column("year")
    kinds = sorted({r["kind"] for r in data["by_year_kind"]})
    for k in kinds:
        years.add_column(k, justify="right")
    by_year: dict[Any, dict[str, int]] = {}
    for r in data["by_year_kind"]:
        by_year.setdefault(r["year"], {})[r["kind"]] = r["n"]
    for year, counts in by_year.items():
        years.add_row("unknown" if year is None else str(year), *[str(counts.get(k, 0)) for k in kinds])
    console.print(years)
    console.print(f"skipped inputs: {data['skipped']}; warnings: {data['warnings']}", highlight=False)
    for reason, n in data["skipped_reasons"].items():
        console.print(f"  {n:>6}  {reason}", highlight=False, markup=False)
    for item in data.get("skipped_inputs", []):
        loc = f"{item['source']}:{item['row']}" if item["row"] is not None else item["source"]
        console.print(f"  {loc}: {item['reason']}", highlight=False, markup=False)


def render_document(rec: dict[str, Any], console) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    head = Table.grid(padding=(0, 2))
    for key in ("id", "kind", "title", "date", "year", "year_source", "year_evidence", "language", "duplicate_of",
                "source", "row"):
        if rec.get(key) is not None:
            head.add_row(f"[bold]{key}[/]", escape(str(rec[key])))
    if rec.get("sentiment"):
        head.add_row("[bold]sentiment[/]", f"{rec['sentiment'].get('label')} ({rec['sentiment'].get('score')})")
    for key in ("themes", "aspects", "topics"):
        if rec.get(key):
            head.add_row(f"[bold]{key}[/]", escape(", ".join(
                f"{t.get('label') or t['id']}" + (f" [{t['polarity']}]" if t.get("polarity") else "")
                + f" {t['score']:.2f}" for t in rec[key])))
    if rec.get("emotions") or rec.get("intents") or rec.get("effort"):  # verbatims (textlens.cx)
        head.add_row("[bold]emotions[/]", escape(", ".join(f"{e['label']}:{e['intensity']}" for e in rec["emotions"])))
        head.add_row("[bold]intents[/]", escape(", ".join(i["label"] for i in rec["intents"])))
        head.add_row("[bold]effort[/]", escape(str((rec.get("effort") or {}).get("level", ""))))
    if rec.get("entities"):
        head.add_row("[bold]entities[/]", escape("; ".join(f"{e['name']} ({e['type']}, {e['count']})"
                                                         for e in rec["entities"][:30])))
    for w in rec.get("warnings") or []:
        head.add_row("[bold yellow]warning[/]", escape(w))
    console.print(head)
    for f in rec.get("figures") or []:
        console.print(f"  [cyan]{escape(f['value'])}[/] {escape(f.get('about') or '')}"
                      + (f" — {escape(f['source'])}" if f.get("source") else ""), highlight=False)
    if rec.get("text"):
        console.print(Panel(escape(rec["text"][:4000]), title="text"))
