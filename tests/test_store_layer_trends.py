"""Issue #20, the trends/report/dynamics part: no SQL outside textlens/store/ in these modules, one rule for the
rows of aspects (two tables) and one order for evidence passages.

The SQL check is an AST scan: string constants (f-string parts included) that read like SQL, and calls that run
SQL (`execute`, `read_sql_query`, `select_in`...). It is run on a made-up module too, so it cannot pass by
finding nothing."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
# the modules of the trends, the report and the dynamics' data access that issue #20 moved off SQL
CHECKED = [
    "textlens/trends.py", "textlens/trends_stats.py", "textlens/trends_prevalence.py", "textlens/trends_evidence.py",
    "textlens/trends_tables.py", "textlens/dynamics/access.py", "textlens/dynamics/dimensions.py",
    "textlens/report/data.py", "textlens/report/context.py", "textlens/report/builders.py",
    "textlens/report/overview.py", "textlens/report/themes.py", "textlens/report/topics.py",
    "textlens/report/entities.py", "textlens/report/figures.py", "textlens/report/sentiment.py",
    "textlens/report/method.py", "textlens/report/model_cards.py",
]
# `over_represented_terms` is being rewritten for speed by another change, which moves it (with its one SQL
# statement) out of trends.py; until then it is the one function this scan leaves alone
EXEMPT_FUNCTIONS = {("textlens/trends.py", "over_represented_terms")}
SQL_WORDS = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE|"
                       r"JOIN\s+\w+|WHERE\s+\w+\s*(=|!=|IN\b|IS\b)|GROUP\s+BY|ORDER\s+BY)", re.S)
SQL_CALLS = {"execute", "executemany", "executescript", "read_sql_query", "read_sql", "select_in"}


def sql_found(source: str, rel: str = "") -> list[str]:
    """Lines of `source` holding an SQL-looking string or a call that runs SQL (outside exempt functions)."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (rel, node.name) in EXEMPT_FUNCTIONS:
            skip.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if line in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WORDS.search(node.value):
            found.append(f"{rel}:{line}: SQL text {node.value[:60]!r}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in SQL_CALLS:
                found.append(f"{rel}:{line}: runs SQL ({name})")
            if name == "iter_documents" and any(k.arg == "where" for k in node.keywords):
                found.append(f"{rel}:{line}: passes a WHERE clause")
            if name == "has_rows" and any(isinstance(a, (ast.Constant, ast.JoinedStr)) for a in node.args[1:]):
                found.append(f"{rel}:{line}: passes a WHERE clause to has_rows")
    return found


def test_the_scan_finds_sql_where_there_is_some():
    made_up = '''
def f(corpus, ids, x):
    rows = corpus.conn.execute("SELECT id FROM documents WHERE year = ?", (x,))
    more = list(corpus.select_in("SELECT doc_id FROM mentions WHERE doc_id IN ({marks})", ids))
    part = f"d.kind IN (SELECT DISTINCT kind FROM documents) ORDER BY {x}"
    ctx.has_rows("doc_themes", "taxonomy != 'aspects'")
    return corpus.iter_documents(where="kind = 'verbatim'")
'''
    found = sql_found(made_up)
    assert len([f for f in found if "SQL text" in f]) == 3, found
    assert len([f for f in found if "runs SQL" in f]) == 2, found
    assert len([f for f in found if "WHERE clause" in f]) == 2, found
    assert not sql_found('x = "Select the documents from one year, ordered by date"\nprint(x)\n')


def test_no_sql_outside_the_store_in_trends_report_and_dynamics_access():
    offenders = []
    for rel in CHECKED:
        offenders += sql_found((ROOT / rel).read_text(encoding="utf-8"), rel)
    assert not offenders, "\n".join(offenders)


# ---- the aspect rule: two tables, read once ---------------------------------------------------------------
@pytest.fixture()
def aspects_in_two_tables(tmp_path):
    """A store whose aspects come from both analyses: the sentiment's doc_aspects and themes' 'aspects' taxonomy."""
    from textlens.store import Corpus

    corpus = Corpus.open(tmp_path / "a.db")
    with corpus.transaction() as c:
        for i, (kind, year) in enumerate([("verbatim", 2020), ("verbatim", 2021), ("verbatim", 2021)]):
            c.execute("INSERT INTO documents(id, source, kind, raw_text, text, year, content_hash, ingested_at,"
                      " updated_at) VALUES (?, 's.csv', ?, 't', 't', ?, ?, 0, 0)", (f"d{i}", kind, year, f"h{i}"))
        c.executemany("INSERT INTO doc_aspects(doc_id, aspect_id, polarity, score) VALUES (?,?,?,?)",
                      [("d0", "price", "negative", 0.4), ("d1", "price", None, 0.9)])
        c.executemany("INSERT INTO doc_themes(doc_id, theme_id, taxonomy, score) VALUES (?,?,?,?)",
                      [("d0", "price", "aspects", 0.7), ("d2", "claims", "aspects", 0.5),
                       ("d2", "claims_theme", "editorial", 0.5)])
    yield corpus
    corpus.close()


def test_aspect_rows_combine_both_tables_once_per_document(aspects_in_two_tables):
    from textlens.store.items import aspect_ids, aspect_rows, has_items, present_items
    from textlens.query import Filters

    rows = aspect_rows(aspects_in_two_tables).sort_values(["doc_id", "item"]).reset_index(drop=True)
    assert rows[["doc_id", "item"]].values.tolist() == [["d0", "price"], ["d1", "price"], ["d2", "claims"]]
    assert rows.loc[rows["doc_id"] == "d0", "score"].item() == pytest.approx(0.7)  # the best of the two scores
    assert sorted(aspect_ids(aspects_in_two_tables)) == ["claims", "price"]
    assert has_items(aspects_in_two_tables, "aspect") and has_items(aspects_in_two_tables, "theme")
    # the report's list of aspects used to read doc_aspects alone and missed "claims"
    assert present_items(aspects_in_two_tables, "aspect", Filters()) == ["price", "claims"]


def test_the_aspect_filter_keeps_documents_of_either_table(aspects_in_two_tables):
    from textlens.store.items import aspect_filter_sql

    condition, placeholders = aspect_filter_sql("d")
    kept = {aspect: [r[0] for r in aspects_in_two_tables.conn.execute(
        f"SELECT d.id FROM documents d WHERE {condition} ORDER BY d.id", [aspect] * placeholders)]
        for aspect in ("price", "claims")}
    assert kept == {"price": ["d0", "d1"], "claims": ["d2"]}


# ---- one order for evidence --------------------------------------------------------------------------------
def test_evidence_passages_are_ranked_by_score_then_document_then_passage():
    from textlens.trends import rank_passages

    hits = pd.DataFrame({"passage_id": [5, 3, 9, 1, 2], "doc_id": ["b", "b", "a", "c", "a"],
                         "score": [0.5, 0.5, 0.5, 0.9, 0.1]})
    assert rank_passages(hits)["passage_id"].tolist() == [1, 9, 3, 5, 2]
