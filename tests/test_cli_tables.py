"""CLI tables a French analyst reads in an 80-column terminal (issue #22).

Every query command runs on the demo corpus with COLUMNS=80: no line may be wider, and every year, count and share
of its csv output must appear whole in the table (or its column be named in the "left out" note). Headers and
messages are French by default on a French corpus, English with --lang en or $TEXTLENS_LANG; csv/json never change.
"""
from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from textlens.cli import app
from textlens.cli.render import Col, column_bounds, fit_columns, format_value

WIDTH = 80

# command -> csv columns whose values must be in the table, with the kind the table writes them as and, for columns
# that may be left out for width, their French header (then the note under the table must name it instead)
COMMANDS = [
    (["trends"], {"period": "year", "docs": "num"}),
    (["trends", "--by", "5y"], {"period": "period", "docs": "num"}),
    (["trends", "offshoring", "technology_automation", "--by", "5y", "--evidence"], {"period": "period"}),
    (["trends", "--terms", "--by", "5y"], {"period": "period"}),
    (["trends", "offshoring", "--associations"], {"n": "num", "lift": ("num", "lift")}),
    (["trends", "-d", "entity", "--by", "5y", "--unit", "sentence"], {"period": "period", "docs": "num"}),
    (["trends", "-d", "aspect", "--by", "quarter", "--kind", "verbatim"], {"period": "period", "docs": "num"}),
    (["themes"], {"docs": "num", "share": "pct", "ci_low": ("pct", "bas"), "ci_high": ("pct", "haut")}),
    (["themes", "--aspects"], {"docs": "num", "share": "pct", "ci_low": ("pct", "bas"), "ci_high": ("pct", "haut")}),
    (["topics"], {"id": "num", "docs": "num", "size": ("num", "taille")}),
    (["entities"], {"docs": "num", "mentions": "num", "first_year": "year", "last_year": "year"}),
    (["entities", "--by", "year", "--type", "VENDOR"], {"period": "period", "docs": "num"}),
    (["figures"], {"year": "year"}),
    (["figures", "--about", "appels"], {"year": "year"}),
    (["sentiment", "--kind", "verbatim"], {
        "period": "period", "n": "num", "neg_share": "pct", "pos_share": "pct", "neg_low": ("pct", "nég. bas"),
        "neg_high": ("pct", "nég. haut"), "pos_low": ("pct", "pos. bas"), "pos_high": ("pct", "pos. haut"),
        "mixed": ("num", "mitigés"), "neutral": ("num", "neutres")}),
    (["sentiment", "--kind", "verbatim", "--by", "quarter"], {"period": "period", "n": "num"}),
    (["sentiment", "--drivers"], {"neg_docs": "num", "share_of_negatives": "pct",
                                  "share_of_positives": ("pct", "% des positifs"), "ratio": ("num", "ratio"),
                                  "aspect_negative": ("num", "jugé négatif")}),
    (["sentiment", "--aspect", "price"], {"period": "period", "n": "num"}),
    (["search", "délocalisation"], {"doc_id": "text", "year": "year"}),  # long ids: the date shrinks to its year
    (["search", "attente", "--kind", "verbatim"], {"doc_id": "text", "year": "year"}),
]


def _invoke(args: list[str], db, **env):
    result = CliRunner().invoke(app, [*args, "--db", str(db)], env={"COLUMNS": str(WIDTH), **env})
    assert result.exit_code == 0, (args, result.output)
    return result


def _left_out(table: str) -> set[str]:
    """The headers named by the note under a table as left out for width."""
    found = re.search(r"colonnes masquées faute de largeur : (.*?) \(--wide", " ".join(table.split()))
    return set(found.group(1).split(", ")) if found else set()


def _intact(value: str, text: str) -> bool:
    """`value` appears in `text` with nothing cut on either side (no digit or ellipsis glued to it)."""
    return re.search(rf"(?<![\w…]){re.escape(value)}(?![\w…])", text) is not None


@pytest.mark.parametrize("args,checked", COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_tables_fit_80_columns_with_every_number_whole(demo_db, args, checked):
    table = _invoke(args, demo_db).stdout
    assert table.strip(), args
    too_wide = [line for line in table.splitlines() if cell_len(line) > WIDTH]
    assert not too_wide, "\n".join(too_wide)
    if args[0] != "search":  # search contexts are cut on purpose; nothing else may be cut next to a digit
        assert not re.search(r"\d…|…\d", table), table
    csv_text = _invoke([*args, "--format", "csv"], demo_db).stdout
    data = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False)
    assert len(data) > 0
    left_out = _left_out(table)
    for column, how in checked.items():
        kind, header = how if isinstance(how, tuple) else (how, None)
        if header in left_out:
            continue
        for raw in data[column].unique():
            if raw == "":
                continue
            value = raw if kind in ("text", "period") else float(raw)
            shown = format_value(int(value) if kind == "year" else value, kind, "fr")
            assert _intact(shown, table), (args, column, raw, shown)


def test_left_out_columns_are_named_and_wide_shows_them(demo_db):
    narrow = _invoke(["themes"], demo_db).stdout
    assert "colonnes masquées faute de largeur : passage le plus typique (--wide pour tout afficher)" \
        in " ".join(narrow.split())
    assert "passage le plus typique" not in narrow.splitlines()[0]
    wide = _invoke(["themes", "--wide"], demo_db).stdout
    assert "passage le plus typique" in wide.splitlines()[0]
    assert "masquées" not in wide
    full = pd.read_csv(io.StringIO(_invoke(["themes", "--format", "csv"], demo_db).stdout))
    assert full["top_passage"].notna().all()  # the data left out of the table is in the csv


def test_french_by_default_english_on_request_and_csv_json_unchanged(demo_db):
    french = _invoke(["sentiment", "--kind", "verbatim"], demo_db).stdout
    assert "tonalité par année" in french and "négatifs" in french and "intervalles de Wilson à 95 %" in french
    assert re.search(r"\d+ %", french) and not re.search(r"\d%", french)
    for english in (_invoke(["sentiment", "--kind", "verbatim", "--lang", "en"], demo_db).stdout,
                    _invoke(["sentiment", "--kind", "verbatim"], demo_db, TEXTLENS_LANG="en").stdout):
        assert "sentiment per year" in english and "negative" in english and "95% Wilson intervals" in english
        assert re.search(r"\d%", english)
    assert "tonalité" not in english
    for fmt in ("csv", "json"):
        assert _invoke(["themes", "--format", fmt], demo_db).stdout == \
            _invoke(["themes", "--format", fmt, "--lang", "en"], demo_db).stdout
    machine = pd.read_csv(io.StringIO(_invoke(["themes", "--format", "csv"], demo_db).stdout))
    assert {"theme", "docs", "share", "ci_low", "ci_high"} <= set(machine.columns)
    empty = _invoke(["search", "zzzzzz"], demo_db)
    assert "aucun passage ne correspond à 'zzzzzz'" in empty.output
    assert "no passage matches 'zzzzzz'" in _invoke(["search", "zzzzzz", "--lang", "en"], demo_db).output


def test_fitting_drops_least_important_first_and_never_shrinks_numbers():
    spec = [Col("year", "year", "year", priority=0), Col("label", "label", priority=0),
            Col("low", "low", "pct", priority=3, group="ci"), Col("high", "high", "pct", priority=3, group="ci"),
            Col("passage", "passage", priority=4, wrap=False, min_width=20)]
    cells = [["2004", "2019"], ["Délocalisation et offshore", "Emploi"], ["12 %", "4 %"], ["35 %", "20 %"],
             ["un long passage " * 10, "court"]]
    bounds = [column_bounds(c, c.header, v) for c, v in zip(spec, cells)]
    assert bounds[0] == (4, 4) and bounds[2][0] == 4  # numbers: never below their widest value
    assert bounds[1][0] == len("Délocalisation")  # wrapped text keeps its longest word whole
    assert bounds[4][0] == 20
    roomy = fit_columns(bounds, [c.priority for c in spec], 300, [c.group for c in spec])
    assert roomy.dropped == [] and roomy.widths == [b[1] for b in bounds]
    fit = fit_columns(bounds, [c.priority for c in spec], 50, [c.group for c in spec])
    assert fit.dropped == [4] and fit.total() <= 50  # the passage goes first
    tight = fit_columns(bounds, [c.priority for c in spec], 30, [c.group for c in spec])
    assert tight.dropped == [2, 3, 4]  # both bounds of the interval go together
    assert tight.widths[0] == 4 and tight.total() <= 30
    assert fit_columns(bounds, [c.priority for c in spec], None).dropped == []  # --wide


def test_french_numbers_and_dates_in_cells():
    assert format_value(12345, "num", "fr") == "12\u202f345"
    assert format_value(12345, "num", "en") == "12,345"
    assert format_value(2004.0, "year", "fr") == "2004"  # a year never gets a thousands separator
    assert format_value(0.0004, "p", "fr") == "<0,001"
    assert format_value(0.1234, "pct", "fr") == "12\u202f%"
    assert format_value(1.823, "num", "fr") == "1,82"
    assert format_value("2019-04-15", "date", "fr") == "15/04/2019"
    assert format_value("2019-04", "date", "fr") == "04/2019"
    assert format_value("2019-04-15", "date", "en") == "2019-04-15"
    assert format_value(float("nan"), "num", "fr") == ""
    assert format_value("12", "num", "fr") == "12" and format_value("n/a", "num", "fr") == "n/a"


def test_export_to_standard_output(demo_db, tmp_path):
    runner = CliRunner()
    as_jsonl = runner.invoke(app, ["export", "--db", str(demo_db), "--out", "-"])
    assert as_jsonl.exit_code == 0, as_jsonl.output
    records = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert not (tmp_path / "-").exists()
    file_out = tmp_path / "all.jsonl"
    runner.invoke(app, ["export", "--db", str(demo_db), "--out", str(file_out)])
    assert records == [json.loads(line) for line in file_out.read_text(encoding="utf-8").splitlines()]
    assert len(records) > 500
    as_csv = runner.invoke(app, ["export", "--db", str(demo_db), "--format", "csv", "-o", "-"])
    assert as_csv.exit_code == 0
    df = pd.read_csv(io.StringIO(as_csv.stdout))
    assert len(df) == len(records) and df["id"].tolist() == [r["id"] for r in records]
    as_parquet = runner.invoke(app, ["export", "--db", str(demo_db), "--format", "parquet", "--out", "-"])
    assert as_parquet.exit_code == 0  # not a terminal here: the bytes go to the pipe
    assert as_parquet.stdout_bytes[:4] == b"PAR1"
    assert pd.read_parquet(io.BytesIO(as_parquet.stdout_bytes))["id"].tolist() == df["id"].tolist()


def test_parquet_to_a_terminal_is_refused_with_a_clear_message(tmp_path):
    """Binary Parquet would garble a terminal: `--out -` then stops and says how to redirect it."""
    import os
    import pty
    import subprocess
    import sys

    from query_fixtures import build

    db = build(tmp_path / "syn.db")
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "textlens.cli", "export", "--db", str(db), "--format",
                               "parquet", "--out", "-", "--lang", "en"], stdout=follower, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 1
    assert "--out - writes binary Parquet: redirect the output" in " ".join(proc.stderr.split())
    assert not (tmp_path / "-").exists()
