"""Search, filters and the query commands: real answers, clear messages, hostile input never escapes."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from query_fixtures import ARTICLES_PER_YEAR, OFF_SENT, OFFSHORING, TECH_SENT, build
from textlens.cli import app
from textlens.embeddings.base import Encoder
from textlens.query import (Filters, QueryError, doc_ids, parse_query, resolve_filters, resolve_items, search,
                            suggest)
from textlens.store import Corpus
from textlens.store.filters import doc_id_select

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    '"', '""', '"unclosed phrase', "(", ")", "((a", "a) OR (b", "NOT", "NOT délocalisation", "-", "*", "**", "a*b*",
    "AND OR NOT NEAR", "NEAR(a b, 2)", "text:maroc", "stems : x", "{text stems}: maroc", "^maroc", "maroc +",
    "'; DROP TABLE documents; --", "1 OR 1=1", "' OR ''='", "%", "_", "\\", "\x00", "maroc\x00", "😀", "🙂 maroc",
    "a" * 5000, "passages_fts MATCH 'x'", "bm25(passages_fts)", "délocalisation\u200b", "l'", "d'appels",
    "-maroc", "maroc -maroc", "OR maroc", "maroc OR", "\"centres d'appels\" AND (", "’", "«délocalisation»",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("query") / "syn.db")


@pytest.fixture(scope="module")
def corpus(db):
    with Corpus.open(db, readonly=True) as c:
        yield c


def test_search_is_accent_insensitive_and_stemmed(corpus):
    plain = search(corpus, "delocalisation")  # no accent in the query
    assert len(plain) > 0 and plain["match"].str.lower().eq("délocalisation").all()
    inflected = search(corpus, "délocalisations", Filters(limit=100))  # plural: same Snowball stem
    off_docs = sum(OFFSHORING.values()) + 1
    assert inflected["doc_id"].nunique() == off_docs
    assert set(inflected["passage"]) == {OFF_SENT}


def test_phrase_prefix_or_and_exclusion(corpus):
    assert len(search(corpus, '"centres d\'appels"', Filters(limit=100))) == sum(OFFSHORING.values()) + 1
    assert search(corpus, '"appels centres"').empty  # a phrase keeps its word order
    chat = search(corpus, "chat*", Filters(limit=3))
    assert chat["match"].eq("chatbots").all()
    either = search(corpus, "chatbots OR maroc", Filters(limit=200))
    assert set(either["passage"]) == {OFF_SENT, TECH_SENT}
    excluded = search(corpus, "salariés -maroc", Filters(limit=200))
    assert excluded.empty
    assert search(corpus, "délocalisation NOT teleperformance").empty
    parsed = parse_query('"service client" rembours* OR prix -attente')
    assert [[t.kind for t in g] for g in parsed.groups] == [["phrase"], ["prefix", "word"]]
    assert [t.words for t in parsed.excluded] == [("attente",)]


def test_kwic_puts_the_match_in_context(corpus):
    r = search(corpus, "maroc", Filters(limit=1)).iloc[0]
    assert r["match"] == "Maroc"
    assert (r["left"] + r["match"] + r["right"]) == r["passage"]
    long = search(corpus, "teleperformance", Filters(limit=1, year=2010)).iloc[0]
    assert long["match"] == "Teleperformance" and long["right"] == "."


def test_search_filters(corpus):
    res = search(corpus, "délocalisation", Filters(year=2011, limit=100))
    assert set(res["doc_id"]) == {f"a2011_{i}" for i in range(OFFSHORING[2011])}
    assert (res["year"] == 2011).all()
    res = search(corpus, "prix", Filters(kind="verbatim", sentiment="negative", limit=100))
    assert len(res) > 0 and res["passage"].str.contains("trop élevé").all()
    res = search(corpus, "arcep", Filters(entity="Arcep", theme="technology_automation", limit=100))
    assert len(res) > 0
    assert "dup" not in set(search(corpus, "marché", Filters(limit=1000))["doc_id"])  # duplicates excluded
    assert search(corpus, "prix", Filters(source="50%_off")).empty  # LIKE wildcards are literal
    assert len(search(corpus, "prix", Filters(source="AVIS.csv", limit=5))) == 5


def test_filters_doc_id_select_and_resolution(corpus):
    f = resolve_filters(corpus, Filters(theme="DELOCALISATION", entity="tp", aspect="prix", kind="Verbatim",
                                        type="vendor", sentiment="neg"))
    assert (f.theme, f.entity, f.aspect, f.kind, f.type, f.sentiment) == (
        "offshoring", "Teleperformance", "price", "verbatim", "VENDOR", "negative")
    sql, params = doc_id_select(Filters(year_from=2012, year_to=2013, theme="offshoring"))
    assert sql.startswith("SELECT d.id FROM documents d WHERE")
    ids = {r[0] for r in corpus.conn.execute(sql, params)}
    assert ids == {f"a{y}_{i}" for y in (2012, 2013) for i in range(OFFSHORING[y])}
    assert len(doc_ids(corpus, Filters(kind="article"))) == sum(ARTICLES_PER_YEAR.values()) + 2  # undated, English
    for bad, message in [(Filters(theme="delocalisasion"), "did you mean: offshoring"),
                         (Filters(entity="Teleperformanse"), "did you mean: Teleperformance"),
                         (Filters(aspect="prise"), "did you mean: price"),
                         (Filters(kind="blog"), "unknown kind"), (Filters(type="VENDEUR"), "VENDOR"),
                         (Filters(sentiment="angry"), "unknown sentiment"),
                         (Filters(year_from=2015, year_to=2010), "after"), (Filters(limit=0), "at least 1"),
                         (Filters(year=2010, year_from=2009), "either")]:
        with pytest.raises(QueryError, match=message):
            resolve_filters(corpus, bad)
    assert resolve_items(corpus, "entity", ["arcep", "TP"]) == ["Arcep", "Teleperformance"]
    # names no text of the store used, known to the knowledge base: an expansion, a former entity
    assert resolve_items(corpus, "entity", ["Autorité de régulation des communications électroniques et des postes"]
                         ) == ["Arcep"]
    with pytest.raises(QueryError, match="ART.*not mentioned.*renamed Arcep"):
        resolve_items(corpus, "entity", ["Autorité de régulation des télécommunications"])
    with pytest.raises(QueryError, match="AFRC.*not mentioned"):
        resolve_filters(corpus, Filters(entity="Association française de la relation client"))
    assert suggest("teleperf", ["Teleperformance", "Webhelp"]) == ["Teleperformance"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80) | st.sampled_from(HOSTILE))
def test_hostile_search_strings_never_raise_anything_but_query_error(corpus, query):
    try:
        res = search(corpus, query, Filters(limit=5))
    except QueryError as exc:
        assert str(exc)
    else:
        assert list(res.columns[:8]) == ["doc_id", "date", "source", "passage", "left", "match", "right", "score"]
    assert corpus.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0] > 0


def test_hostile_strings_through_the_cli(db):
    runner = CliRunner()
    for query in HOSTILE:
        if "\x00" in query:  # argv cannot carry NUL; the library test above covers it
            continue
        r = runner.invoke(app, ["search", "--db", str(db), "--", query])  # "--": "-maroc" is not an option
        assert r.exit_code in (0, 1), (query, r.output)
        assert r.exception is None or isinstance(r.exception, SystemExit), (query, r.exception)
        assert "Traceback" not in r.output
    with Corpus.open(db, readonly=True) as c:
        assert c.count() == sum(ARTICLES_PER_YEAR.values()) + 3 + 40


class BagOfWords(Encoder):
    """A deterministic stand-in encoder (hashed word counts) to test semantic ranking without a model."""

    model_id = "test-bow"
    dim = 256

    def _encode(self, texts, prompt, batch_size):
        from textlens.analysis.segment import stems

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for s in stems(t).split():
                out[i, sum(map(ord, s)) % self.dim] += 1.0
        return out


def test_semantic_search_ranks_by_similarity(corpus):
    res = search(corpus, "intelligence artificielle et chatbots", Filters(limit=3), semantic=True,
                 encoder=BagOfWords())
    assert list(res["passage"]) == [TECH_SENT] * 3
    assert res["score"].is_monotonic_decreasing and res["score"].iloc[0] > 0.5
    assert res["match"].str.lower().isin(["intelligence", "artificielle", "chatbots"]).all()
    # read-only store: nothing was written to the embedding cache
    assert corpus.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 0


COMMANDS = [
    ["search", "délocalisation"],
    ["trends"], ["trends", "offshoring", "technology", "--evidence"], ["trends", "--terms"],
    ["trends", "offshoring", "--associations"], ["trends", "-d", "entity", "--unit", "sentence"],
    ["trends", "-d", "aspect", "--by", "quarter", "--kind", "verbatim"],
    ["themes"], ["themes", "--aspects"], ["topics"], ["entities"], ["entities", "--by", "year", "--type", "VENDOR"],
    ["figures"], ["figures", "--about", "appels"], ["sentiment", "--kind", "verbatim", "--by", "quarter"],
    ["sentiment", "--drivers"], ["sentiment", "--theme", "offshoring"], ["sentiment", "--aspect", "price"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_query_command_in_every_format(db, args):
    runner = CliRunner()
    table = runner.invoke(app, [*args, "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert table.output.strip()
    as_json = runner.invoke(app, [*args, "--db", str(db), "--format", "json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.stdout)
    assert isinstance(data, (list, dict))
    as_csv = runner.invoke(app, [*args, "--db", str(db), "--format", "csv"])
    assert as_csv.exit_code == 0
    if as_csv.stdout.strip():
        assert len(pd.read_csv(io.StringIO(as_csv.stdout)).columns) >= 2


def test_cli_numbers_match_the_library(db, corpus):
    r = CliRunner().invoke(app, ["trends", "offshoring", "--db", str(db), "--format", "json"])
    data = json.loads(r.stdout)
    rows = {p["period"]: p for p in data["prevalence"]}
    assert {y: rows[y]["n"] for y in OFFSHORING} == OFFSHORING
    assert data["summary"][0]["direction"] == "falling"
    r = CliRunner().invoke(app, ["entities", "--db", str(db), "--format", "csv", "--type", "INSTITUTION"])
    df = pd.read_csv(io.StringIO(r.stdout))
    assert df["entity"].tolist() == ["Arcep"]


def test_cli_messages_for_unknown_names_and_empty_results(db):
    runner = CliRunner()
    r = runner.invoke(app, ["trends", "--theme", "offshorring", "--db", str(db)])
    assert r.exit_code == 1 and "did you mean: offshoring" in r.output
    r = runner.invoke(app, ["trends", "recrutment", "--db", str(db)])
    assert r.exit_code == 1 and "recruitment_skills" in r.output
    r = runner.invoke(app, ["search", "maroc", "--entity", "Webhelp", "--db", str(db)])
    assert r.exit_code == 1 and "'Webhelp' (Webhelp, VENDOR) is not mentioned" in r.output
    r = runner.invoke(app, ["search", "zzzzz", "--db", str(db), "--lang", "en"])
    assert r.exit_code == 0 and "no passage matches 'zzzzz'" in r.output
    r = runner.invoke(app, ["search", "maroc", "--db", str(db.parent / "missing.db")])
    assert r.exit_code == 1 and "no such store" in r.output


def test_queries_do_not_load_models(db):
    """A query process never imports torch, spaCy or sentence-transformers (fast start-up)."""
    code = (
        "import sys\n"
        "from textlens.cli import app\n"
        f"for args in {[c for c in COMMANDS]!r}:\n"
        f"    app([*args, '--db', {str(db)!r}, '--format', 'json'], standalone_mode=False)\n"
        "heavy = [m for m in ('torch', 'spacy', 'sentence_transformers', 'transformers', 'sklearn') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    # the most interactive command does not even need pandas/numpy
    code = ("import sys\nfrom textlens.cli import app\n"
            f"app(['search', 'maroc', '--db', {str(db)!r}, '--format', 'csv'], standalone_mode=False)\n"
            "print('LOADED', [m for m in ('pandas', 'numpy') if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout and "Maroc" in out.stdout


@pytest.fixture(scope="module")
def demo(demo_db):
    with Corpus.open(demo_db, readonly=True) as c:
        yield c


def test_demo_search_and_commands(demo, demo_db):
    res = search(demo, "délocalisation", Filters(limit=50))
    assert len(res) > 0
    assert res["match"].map(lambda m: m.lower().startswith("délocalis") or m.lower().startswith("delocalis")).all()
    assert res["date"].notna().any()
    phrase = search(demo, '"centre d\'appels" OR "centres d\'appels"', Filters(limit=5))
    assert len(phrase) > 0
    runner = CliRunner()
    for args in (["trends"], ["themes"], ["entities", "--top", "5"], ["sentiment", "--kind", "verbatim"],
                 ["topics"], ["figures", "--about", "appels"]):
        r = runner.invoke(app, [*args, "--db", str(demo_db)])
        assert r.exit_code == 0, (args, r.output)
