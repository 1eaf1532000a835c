"""One home for shared vocabularies and one `fold` (issue #20), checked on behaviour and mechanically."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from textlens import vocab
from textlens.vocab import fold

ROOT = Path(__file__).resolve().parents[1] / "textlens"

# Sites still spelling a shared vocabulary out (none left: every module imports textlens.vocab).
NOT_YET_REPLACED: set[tuple[str, str]] = set()


@pytest.mark.parametrize("text, folded", [
    ("Cœur de métier", "coeur de metier"), ("L’ŒUVRE d‘art", "l'oeuvre d'art"), ("Ex æquo", "ex aequo"),
    ("Élodie à Montluçon", "elodie a montlucon"), ("ﬁnal ²", "final 2"), ("Ça´va", "ca'va"),
    ("plain `ascii`", "plain 'ascii'"), ("x" * 80 + "É", "x" * 80 + "e"),
])
def test_fold_is_lower_case_accent_free_with_apostrophes_and_ligatures_unified(text, folded):
    assert fold(text) == folded


def test_every_fold_of_textlens_agrees_with_the_one():
    from textlens.analysis.segment import fold as segment_fold
    from textlens.entities.kb import fold as kb_fold
    from textlens.sentiment.text import fold as sentiment_fold

    for word in ("cœur", "Œuvre", "l’Économie", "naïveté", "CAF", "trop"):
        assert segment_fold(word) == kb_fold(word) == sentiment_fold(word) == fold(word)
    assert sentiment_fold("trèèèès") == "trees"  # reviews' letter floods shortened on top of the fold


def test_the_vocabularies_are_the_ones_modules_use():
    from textlens.document import KINDS
    from textlens.entities.kb import ENTITY_TYPES
    from textlens.sentiment import LABELS
    from textlens.sentiment.labels import CLASSES

    assert KINDS is vocab.KINDS and ENTITY_TYPES is vocab.ENTITY_TYPES
    assert LABELS is vocab.SENTIMENT_LABELS and CLASSES is vocab.SENTIMENT_CLASSES
    assert set(vocab.PRESS_KINDS) < set(vocab.KINDS) and set(vocab.ORG_TYPES) < set(vocab.ENTITY_TYPES)
    assert set(vocab.BRAND_TYPES) < set(vocab.ORG_TYPES)
    assert set(vocab.SENTIMENT_CLASSES) < set(vocab.SENTIMENT_LABELS)


def test_topics_take_their_kinds_and_brand_types_from_vocab():
    from textlens.topics.corpus import GROUPS
    from textlens.topics.representation import BRAND_TYPES

    assert GROUPS["press"][0] is vocab.PRESS_KINDS and BRAND_TYPES is vocab.BRAND_TYPES


def _literal_sites() -> set[tuple[str, str]]:
    """(module, vocabulary) for every tuple/list/set literal in textlens/ equal to one of vocab's lists."""
    lists = {name: value for name, value in vars(vocab).items()
             if name.isupper() and isinstance(value, tuple) and len(value) >= 2}
    found = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "vocab.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                values = tuple(e.value for e in node.elts)
                for name, value in lists.items():
                    if len(values) == len(value) and set(values) == set(value):
                        found.add((rel, name))
    return found


def test_no_module_spells_a_shared_vocabulary_again():
    assert _literal_sites() - NOT_YET_REPLACED == set()


def test_one_fold_definition():
    defined = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
               for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(node, ast.FunctionDef) and node.name == "fold"]
    # sentiment.text.fold is the one fold plus letter floods; ingest/pii.py is another engineer's (listed to the lead)
    assert sorted(defined) == ["ingest/pii.py", "sentiment/text.py", "vocab.py"]
