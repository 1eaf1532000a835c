"""Models, components and vocabularies hold no SQL (issue #20: SQL lives in textlens/store/ only)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "textlens"
SQL = re.compile(r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|REPLACE|WITH)\b", re.IGNORECASE)
# entities/canon.py and embeddings/cache.py move into textlens/store/ in other branches of this refactor
OTHERS = {"entities/canon.py", "embeddings/cache.py"}


def _modules() -> list[Path]:
    paths = [ROOT / "vocab.py", ROOT / "topics" / "model.py", ROOT / "topics" / "clustering.py",
             ROOT / "topics" / "representation.py", ROOT / "ingest" / "date_model.py"]
    for folder in ("themes", "entities", "embeddings"):
        paths += sorted((ROOT / folder).glob("*.py"))
    return [p for p in paths if p.relative_to(ROOT).as_posix() not in OTHERS]


def test_no_sql_string_in_models_and_components():
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value) \
                    and re.search(r"\b(?:FROM|INTO|SET|TABLE|VALUES)\b", node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
    assert len(_modules()) > 20
