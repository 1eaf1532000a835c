"""Issue #20's rule "no SQL outside textlens/store/", checked mechanically on the modules moved so far (queries, info,
export, topic discovery and edits, entity spellings, customer-experience statistics): no SQL text in their string
constants and no direct database call. The other modules join `CHECKED` as their SQL moves into the store."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = (
    "textlens/query.py", "textlens/info.py", "textlens/export.py", "textlens/topics/corpus.py",
    "textlens/topics/edits.py", "textlens/entities/canon.py", "textlens/cx/stats.py",
)
# `Filters.where_sql` / `doc_sql` hand the store's WHERE clause to callers whose SQL has not moved yet (trends, report,
# dynamics): delete them, and this exemption, once those callers use textlens.store.filters themselves
DELEGATES = {"textlens/query.py": {"where_sql", "doc_sql"}}
# the data-access modules that moved into the store (issue #20): their old homes must not come back
MOVED = {"textlens/topics/edits_store.py": "textlens/store/topic_edits.py",
         "textlens/ingest/pii_store.py": "textlens/store/pii.py", "textlens/cx/store.py": "textlens/store/cx.py"}
SQL_TEXT = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)"
    r"|DROP\s+TABLE|WHERE\s+\w+(\.\w+)?\s*(=|IN\b|IS\b|>|<))")
# calls that run SQL, or take a fragment of it, on a connection or a Corpus
DB_CALLS = {"execute", "executemany", "executescript", "select_in", "read_sql_query", "read_sql"}
# calls that hand out SQL text built from the query filters (a caller outside the store would splice it in)
SQL_FRAGMENT_CALLS = {"where_sql", "doc_sql", "where_clause", "doc_id_select"}


def sql_findings(source: str) -> list[tuple[int, str]]:
    """(line, what) of every SQL-looking string constant (f-string parts included) and database call in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            found.append((node.lineno, "SQL text: " + " ".join(node.value.split())[:60]))
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in DB_CALLS:
                found.append((node.lineno, f"database call .{name}()"))
            elif name in SQL_FRAGMENT_CALLS:
                found.append((node.lineno, f"SQL fragment {name}()"))
            if name == "iter_documents" and any(k.arg == "where" for k in node.keywords):
                found.append((node.lineno, "iter_documents(where=...)"))
    return sorted(found)


def _lines_of(tree: ast.AST, functions: set[str]) -> set[int]:
    return {line for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name in functions
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                lines.add(first.lineno)
    return lines


def test_the_moved_modules_hold_no_sql():
    offenders = []
    for rel in CHECKED:
        source = (ROOT / rel).read_text(encoding="utf-8")
        tree = ast.parse(source)
        # prose may name a statement; code may not run one
        allowed = _docstring_lines(tree) | _lines_of(tree, DELEGATES.get(rel, set()))
        offenders += [f"{rel}:{line}: {what}" for line, what in sql_findings(source) if line not in allowed]
    assert not offenders, "SQL belongs in textlens/store/:\n" + "\n".join(offenders)


def test_the_data_access_modules_live_in_the_store():
    for old, new in MOVED.items():
        assert not (ROOT / old).exists(), f"{old} is back; its SQL lives in {new}"
        assert (ROOT / new).exists(), new


def test_the_sql_check_finds_what_it_looks_for():
    """The scan above would pass on anything if it recognised nothing: it must see each form it forbids, and not
    flag ordinary prose."""
    code = '''
def f(corpus, conn, ids, where):
    conn.execute("SELECT id FROM documents")
    corpus.select_in("DELETE FROM mentions WHERE doc_id IN ({marks})", ids)
    corpus.iter_documents(where="d.kind = ?")
    sql = f"UPDATE topics SET label = ? WHERE {where}"
    pd.read_sql_query(sql, conn)
    note = "select the documents from the store, then update the report"
    clause, params = filters.where_sql(alias="d")
'''
    found = sql_findings(code)
    assert [line for line, _ in found] == [3, 3, 4, 4, 5, 6, 7, 9], found
    assert sum(what.startswith("SQL text") for _, what in found) == 3, found
