"""No original personal value reaches the store, the search index, exports, topic terms or the report (issue #18).

Built from reviews and an article we wrote (tests/fixtures/pii: invented people, numbers and addresses), through
the user's path: `run` with every default analysis and topic discovery, then export and report.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from textlens.ingest.pii import MASKER_VERSION

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pii"
# Every personal value of reviews.csv (verbatims, masked by default), as written there.
ORIGINALS = [
    "Sidonie", "4471093825", "06 47 83 29 15", "ambroise.kerlidou@exemple-mail.fr", "kerlidou", "884107",
    "FK-284-QZ", "Hortensias", "3000 6000 0112", "4970 1012 3456 7893", "Barnabé", "Quéméneur", "Ysolde",
    "Eulalie", "Brossardeau", "55820931", "01 84 26 37 95", "Anatole", "Vercoutère",
]
# Words of the same values as the search index tokenizes them (accents folded by FTS5 anyway).
INDEX_TOKENS = ["sidonie", "kerlidou", "hortensias", "barnabe", "quemeneur", "ysolde", "eulalie", "brossardeau",
                "anatole", "vercoutere", "4471093825", "55820931"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "textlens.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=900)


@pytest.fixture(scope="module")
def masked_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from textlens.ingest import IngestOptions
    from textlens.pipeline import run

    db = tmp_path_factory.mktemp("pii") / "pii.db"
    summary = run([FIXTURES / "reviews.csv"], db, IngestOptions(text_col="texte"), workers=1)
    assert summary.stored == 24 and summary.skipped == 0
    assert summary.pii["PERSON"] >= 7 and summary.pii["EMAIL"] == 2  # text and the "auteur" metadata column
    return db


def _leaks(text: str, values: list[str] = ORIGINALS) -> list[str]:
    low = text.lower()
    return [v for v in values if v.lower() in low]


def test_no_original_in_any_table_of_the_store(masked_store):
    conn = sqlite3.connect(masked_store)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert {"documents", "passages", "mentions", "topics", "pii_masked"} <= set(tables)
    checked = 0
    for table in tables:
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            for value in row:
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "ignore")
                if isinstance(value, str):
                    checked += 1
                    assert not _leaks(value), f"{table}: {_leaks(value)} in {value[:200]!r}"
    assert checked > 100
    raw = [r[0] for r in conn.execute("SELECT raw_text FROM documents")]
    assert any("[PRÉNOM]" in r for r in raw) and any("[EMAIL]" in r for r in raw)  # raw_text masked too


def test_search_index_holds_no_original(masked_store):
    conn = sqlite3.connect(masked_store)
    for token in INDEX_TOKENS:
        n = conn.execute("SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?", (f'"{token}"',)).fetchone()[0]
        assert n == 0, token
    # the index itself works on the masked text
    assert conn.execute("SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH 'remboursement'").fetchone()[0] > 0


def test_exports_topics_and_reports_hold_no_original(masked_store, tmp_path):
    for fmt, name in (("jsonl", "out.jsonl"), ("csv", "out.csv")):
        res = _cli("export", "--db", str(masked_store), "--format", fmt, "--out", str(tmp_path / name), "--with-text",
                   cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert not _leaks(text) and "[N° CONTRAT]" in text
    conn = sqlite3.connect(masked_store)
    terms = " ".join(r[0] + " " + r[1] for r in conn.execute("SELECT terms, representatives FROM topics"))
    assert not _leaks(terms)
    for out in ("report.html", "report.json"):
        res = _cli("report", "--db", str(masked_store), "--out", str(tmp_path / out), cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        text = (tmp_path / out).read_text(encoding="utf-8")
        assert not _leaks(text), _leaks(text)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    method = next(s for s in report["sections"] if s["id"] == "method")
    assert any("masquées à l'ingestion dans les verbatims" in line for line in method["privacy"])
    assert "masquées à l&#39;ingestion" in (tmp_path / "report.html").read_text(encoding="utf-8") or \
        "masquées à l'ingestion" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_info_says_what_was_masked(masked_store, tmp_path):
    res = _cli("info", "--db", str(masked_store), "--format", "json", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    pii = json.loads(res.stdout)["pii"]
    assert pii["setting"] == {"verbatims": True, "articles": False, "originals_kept": False,
                              "masker_version": MASKER_VERSION}
    assert pii["masked"]["PERSON"] >= 7 and pii["masked"]["IBAN"] == 1 and pii["documents"] >= 14
    res = _cli("info", "--db", str(masked_store), cwd=tmp_path)
    assert "Données personnelles masquées" in res.stdout and "noms de personnes" in res.stdout


def test_changing_the_masking_option_re_ingests_and_keep_is_recorded(tmp_path):
    from textlens.ingest import IngestOptions
    from textlens.pipeline import ingest
    from textlens.store import Corpus

    db = tmp_path / "keep.db"
    src = [FIXTURES / "reviews.csv"]

    def raw_of(doc_id: str) -> str:
        with Corpus.open(db) as c:
            return c.conn.execute("SELECT raw_text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]

    with Corpus.open(db) as corpus:
        first = ingest(corpus, src, IngestOptions(text_col="texte"))
        again = ingest(corpus, src, IngestOptions(text_col="texte"))
        assert first.stored == 24 and again.stored == again.updated == 0 and again.ingested == 24
        kept = ingest(corpus, src, IngestOptions(text_col="texte", keep_pii=True))
    assert kept.ingested == 24 and "Sidonie" in raw_of("r01")
    with Corpus.open(db) as corpus:
        text = corpus.conn.execute("SELECT text FROM documents WHERE id = 'r01'").fetchone()[0]
        assert "Sidonie" not in text  # only the kept original holds the value
        setting = json.loads(corpus.conn.execute("SELECT value FROM meta WHERE key = 'pii_masking'").fetchone()[0])
        assert setting["originals_kept"] is True
        ingest(corpus, src, IngestOptions(text_col="texte"))  # back to the default: originals must go
    assert "Sidonie" not in raw_of("r01") and "[PRÉNOM]" in raw_of("r01")
    with Corpus.open(db) as corpus:
        off = ingest(corpus, src, IngestOptions(text_col="texte", mask_pii=False))
        assert off.updated >= 14  # texts changed: re-analysed with their originals
        assert "Sidonie" in corpus.conn.execute("SELECT text FROM documents WHERE id = 'r01'").fetchone()[0]


def test_articles_are_masked_only_on_request_and_public_figures_stay(tmp_path):
    from textlens.ingest import IngestOptions
    from textlens.pipeline import ingest
    from textlens.store import Corpus

    article = [FIXTURES / "public_article.txt"]
    with Corpus.open(tmp_path / "a.db") as corpus:
        ingest(corpus, article, IngestOptions(kind="article"))
        plain = corpus.conn.execute("SELECT text FROM documents").fetchone()[0]
    assert "Clothilde Marzagan" in plain and "02 99 41 58 73" in plain
    with Corpus.open(tmp_path / "b.db") as corpus:
        summary = ingest(corpus, article, IngestOptions(kind="article", mask_articles=True))
        masked = corpus.conn.execute("SELECT text FROM documents").fetchone()[0]
    assert "Marzagan" not in masked and "02 99 41 58 73" not in masked and "Valadier" not in masked
    assert "Emmanuel Macron" in masked and "Bruno Le Maire" in masked  # public figures are not personal data
    assert summary.pii == {"PERSON": 2, "PHONE": 1}
