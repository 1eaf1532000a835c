"""`textlens signals`, `textlens divergence` and `textlens topics --lineage` on the demo corpus."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from textlens.cli import app
from textlens.store import Corpus


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _json(runner: CliRunner, *args: str) -> dict:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_signals_lists_only_tested_significant_alerts_with_evidence_and_validation(runner, demo_db):
    out = _json(runner, "signals", "--db", str(demo_db), "-d", "aspect", "--by", "quarter", "--evidence",
                "--validate", "--format", "json")
    assert out["rule"]["lookback"] == 4 and "Fisher" in out["test"]
    for row in out["signals"]:
        assert row["status"] in ("weak", "strong")
        assert row["q_value"] < 0.05 and row["n"] >= 3 and row["share"] > row["lookback_share"]
    alerts = {(r["item"], r["period"]) for r in out["signals"]}
    assert {(e["item"], e["period"]) for e in out["evidence"]} <= alerts
    assert all(e["passage"] for e in out["evidence"])
    rates = out["validation"]["rates"]
    assert {r["outcome"] for r in rates} == {"next_above_current", "next_above_lookback",
                                            "next_significantly_above_lookback"}
    assert all(r["base_pairs"] == out["validation"]["pairs"] for r in rates)
    every = _json(runner, "signals", "--db", str(demo_db), "-d", "aspect", "--by", "quarter", "--all",
                  "--format", "json")
    assert {r["status"] for r in every["signals"]} >= {"noise", "untested"}
    table = runner.invoke(app, ["signals", "--db", str(demo_db), "-d", "aspect", "--by", "quarter", "--all",
                                "--lang", "en"])
    assert table.exit_code == 0 and "past share" in table.stdout and "Fisher" in table.stdout


def test_divergence_compares_periods_holding_both_kinds(runner, demo_db):
    out = _json(runner, "divergence", "--db", str(demo_db), "--by", "5y", "--evidence", "--format", "json")
    rows = out["divergence"]
    assert rows and {r["subject"] for r in rows} == {"staff", "service_quality", "digital", "contracts_rules"}
    with Corpus.open(demo_db, readonly=True) as c:
        verbatim_years = {y for (y,) in c.conn.execute("SELECT DISTINCT year FROM documents WHERE kind='verbatim'")}
    for r in rows:
        start, end = map(int, r["period"].split("-"))
        assert any(start <= y <= end for y in verbatim_years if y)
        assert r["press_share"] == pytest.approx(r["press_n"] / r["press_total"])
        assert r["press_low"] <= r["press_share"] <= r["press_high"]
        assert (r["leans"] != "") == (r["q_value"] < 0.05)
    for gap in out["largest_gaps"]:
        sides = {e["side"] for e in out["evidence"] if e["subject"] == gap["subject"]}
        assert sides == {"press", "customers"}
    bad = runner.invoke(app, ["divergence", "--db", str(demo_db), "--mapping", "/no/such/file.toml"])
    assert bad.exit_code != 0 and "cannot read the shared-subject mapping" in bad.output


def test_topics_lineage_links_consecutive_periods_above_the_threshold(runner, demo_db):
    out = _json(runner, "topics", "--db", str(demo_db), "--lineage", "--format", "json")
    assert out["periods"] and out["topics"]
    period_index = {p: i for i, p in enumerate(out["periods"])}
    for link in out["links"]:
        assert link["similarity"] >= out["threshold"]
        assert period_index[link["target"].split("#")[0]] == period_index[link["source"].split("#")[0]] + 1
    assert {e["event"] for e in out["events"]} <= {"continuation", "split", "merge", "birth", "death"}
    assert all(t["representatives"] and t["terms"] for t in out["topics"])
