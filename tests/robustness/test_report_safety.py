"""HTML/JavaScript in corpus text, titles, entity names and metadata is escaped in the HTML report
(`textlens report --db DB --out PATH --format html`); headless Chromium confirms that no corpus script runs."""
from __future__ import annotations

import csv
import sqlite3

import pytest

from conftest import textlens

PAYLOADS = {
    "script": "<script>window.__pwned='script'</script>",
    "img": "<img src=x onerror=\"window.__pwned='img'\">",
    "attr": "\" onmouseover=\"window.__pwned='attr'\" x=\"",
    "textarea": "</textarea><svg onload=\"window.__pwned='svg'\"></svg>",
    "close_script": "</script><script>window.__pwned='close'</script>",
    "js_link": "<a href=\"javascript:window.__pwned='link'\">cliquez</a>",
    "style": "</style><body onload=\"window.__pwned='body'\">",
}
SENTENCE = ("Le service client de la société {p} Assurances a répondu en 2019 après une attente de 40 minutes ; "
            "selon une étude Ipsos, 62 % des clients sont déçus.")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("xss")
    path = base / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "date", "titre", "texte", "canal"])
        for i, (name, p) in enumerate(PAYLOADS.items()):
            for k in range(3):
                w.writerow([f"x{name}{k}", f"20{15 + k}-0{k + 1}-1{i}", f"Titre {p}", SENTENCE.format(p=p), p])
    db = base / "x.db"
    proc = textlens("run", path, "--db", db, "--quiet", "--no-topics")  # every default analysis: more report sections
    assert proc.returncode == 0, proc.stderr[-2000:]
    con = sqlite3.connect(db)
    try:  # an entity whose very name is hostile (extractors may not produce one from the text)
        doc = con.execute("SELECT id FROM documents LIMIT 1").fetchone()[0]
        cols = [r[1] for r in con.execute("PRAGMA table_info(mentions)")]
        row = {"doc_id": doc, "entity": PAYLOADS["img"], "type": "COMPANY", "text": PAYLOADS["script"],
               "start": 0, "end": 5}
        row = {k: v for k, v in row.items() if k in cols}
        con.execute(f"INSERT INTO mentions({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
        con.commit()
    finally:
        con.close()
    out = base / "report.html"
    proc = textlens("report", "--db", db, "--out", out, "--format", "html")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_payloads_are_escaped_in_the_html(report):
    html = report.read_text(encoding="utf-8")
    for name, p in PAYLOADS.items():
        assert p not in html, name
    for raw in ("<script>window.__pwned", "onerror=\"window", "<svg onload", "href=\"javascript:",
                "<body onload", "</textarea><svg"):
        assert raw not in html, raw


def test_no_corpus_script_runs_in_chromium(report):
    pytest.importorskip("websocket", reason="websocket-client drives Chromium")
    from textlens.report.browser import find_chromium, inspect_report

    if find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    page = inspect_report(report)
    assert page.pwned is None
    assert page.injected.get('img[src="x"]', 0) == 0 and page.injected.get("[onerror]", 0) == 0
    assert page.injected.get("[onload]", 0) == 0 and page.injected.get('a[href^="javascript"]', 0) == 0
    assert "window.__pwned" in page.text  # the payloads are shown as text, not dropped
