"""Issue #20's rule, checked once over the whole package: SQL lives in `textlens/store/` and nowhere else.

An AST scan of every module of `textlens/` outside the store: no string constant (f-string parts included) that reads
as SQL, no call that runs SQL (`execute`, `executemany`, `executescript`, `select_in`, `read_sql*`), none that hands
out a fragment of it (the filters' WHERE clause) or passes one (`iter_documents(where=...)`, `has_rows(table, where)`).
Docstrings may name a statement; code may not hold one. The scan also runs on a made-up module, so it cannot pass by
recognising nothing. The store, in turn, never imports the query layer above it (`textlens.query`)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "textlens"
STORE = PACKAGE / "store"

# SQL as this code base writes it (keywords in capitals, so prose such as "select the documents from" is not SQL):
# a statement, or the clauses a fragment is made of; lower-case SQL is still caught where it is run or passed
SQL_TEXT = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|(INSERT|REPLACE)\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|"
    r"VIRTUAL\s+TABLE|TRIGGER|VIEW)|DROP\s+(TABLE|INDEX)|ALTER\s+TABLE|PRAGMA\s+\w+|JOIN\s+\w+\s+(\w+\s+)?ON\b|"
    r"WHERE\s+\w+(\.\w+)?\s*(=|!=|IN\b|IS\b|>|<|LIKE\b)|GROUP\s+BY\s+\w|ORDER\s+BY\s+[\w.]+(\s+(ASC|DESC))?\s*(,|$|LIMIT))",
    )
# calls that run SQL on a connection or a Corpus
DB_CALLS = {"execute", "executemany", "executescript", "select_in", "read_sql_query", "read_sql", "read_sql_table"}
# calls that hand out SQL text built from the query filters (a caller outside the store would splice it in)
SQL_FRAGMENT_CALLS = {"where_sql", "doc_sql", "where_clause", "doc_id_select", "selected_documents_where",
                      "item_filter_sql", "period_sql", "period_condition"}


def _docstring_nodes(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def sql_findings(source: str) -> list[tuple[int, str]]:
    """(line, what) of every SQL-looking string constant and every call that runs, builds or passes SQL."""
    tree = ast.parse(source)
    docstrings = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                and SQL_TEXT.search(node.value):
            found.append((node.lineno, "SQL text: " + " ".join(node.value.split())[:60]))
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in DB_CALLS:
                found.append((node.lineno, f"runs SQL: .{name}()"))
            elif name in SQL_FRAGMENT_CALLS:
                found.append((node.lineno, f"SQL fragment: {name}()"))
            elif name == "iter_documents" and any(k.arg == "where" for k in node.keywords):
                found.append((node.lineno, "passes SQL: iter_documents(where=...)"))
            elif name == "has_rows" and (node.keywords or any(
                    isinstance(a, ast.JoinedStr) or (isinstance(a, ast.Constant) and isinstance(a.value, str))
                    for a in node.args[1:])):
                found.append((node.lineno, "passes SQL: has_rows(table, where)"))
    return sorted(found)


# the data-access modules that moved into the store (issue #20): their old homes must not come back
MOVED = {"textlens/topics/edits_store.py": "textlens/store/topic_edits.py",
         "textlens/ingest/pii_store.py": "textlens/store/pii.py", "textlens/cx/store.py": "textlens/store/cx.py",
         "textlens/dynamics/access.py": "textlens/store/drivers.py"}


def _modules_outside_the_store() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if STORE not in p.parents]


def test_no_sql_anywhere_in_the_package_outside_the_store():
    offenders = [f"{path.relative_to(ROOT).as_posix()}:{line}: {what}"
                 for path in _modules_outside_the_store()
                 for line, what in sql_findings(path.read_text(encoding="utf-8"))]
    assert not offenders, "SQL belongs in textlens/store/:\n" + "\n".join(offenders)


def test_the_data_access_modules_live_in_the_store():
    for old, new in MOVED.items():
        assert not (ROOT / old).exists(), f"{old} is back; its SQL lives in {new}"
        assert (ROOT / new).exists(), new


def test_the_scan_covers_the_package():
    """A wrong root would make the scan above pass on nothing."""
    scanned = {p.relative_to(PACKAGE).as_posix() for p in _modules_outside_the_store()}
    assert {"query.py", "export.py", "trends.py", "report/context.py", "cli/__init__.py", "cx/stats.py"} <= scanned
    assert not any(name.startswith("store/") for name in scanned)


def test_the_scan_finds_each_form_it_forbids():
    code = '''
def f(corpus, conn, ids, where, filters, ctx):
    """Select the documents from the store (prose: allowed)."""
    conn.execute("SELECT id FROM documents")
    corpus.select_in("DELETE FROM mentions WHERE doc_id IN ({marks})", ids)
    corpus.iter_documents(where="d.kind = ?")
    sql = f"UPDATE topics SET label = ? WHERE {where}"
    pd.read_sql_query(sql, conn)
    clause, params = where_clause(filters, alias="d")
    ctx.has_rows("doc_themes", "taxonomy != 'aspects'")
    part = f"d.kind IN (SELECT DISTINCT kind FROM documents) ORDER BY {where}"
    note = "select the documents from the store, then update the report"
    ctx.has_rows("topics")
    has_rows(corpus, table)
    upsert = "INSERT OR REPLACE INTO corpus_stats(name, value, at) VALUES (?, 'true', ?)"
    again = "REPLACE INTO corpus_stats(name, value) VALUES (?, ?)"
    long = """
        SELECT COUNT(*) FROM passages"""
'''
    found = sql_findings(code)
    assert [line for line, _ in found] == [4, 4, 5, 5, 6, 7, 8, 9, 10, 11, 15, 16, 17], found
    assert sum(what.startswith("SQL text") for _, what in found) == 7, found
    assert not sql_findings('x = "Select the documents from one year, ordered by date, then group by kind"\n')


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
    return out


def _imports_query_layer(module: str) -> bool:
    return module == "textlens.query" or module.startswith("textlens.query.")


def test_the_store_never_imports_the_query_layer():
    """Not even under TYPE_CHECKING: the store reads filters through `store.filters.FilterValues`."""
    offenders = [f"{path.relative_to(ROOT).as_posix()}:{line}: imports {module}"
                 for path in sorted(STORE.glob("*.py"))
                 for line, module in _imports(ast.parse(path.read_text(encoding="utf-8")))
                 if _imports_query_layer(module)]
    assert not offenders, "\n".join(offenders)
    assert _imports_query_layer("textlens.query") and not _imports_query_layer("textlens.query_store")
    made_up = ast.parse("if TYPE_CHECKING:\n    from textlens.query import Filters\nimport os\n")
    assert [line for line, module in _imports(made_up) if _imports_query_layer(module)] == [2, 2]
