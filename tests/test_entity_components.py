"""The entity components follow spaCy's component style (issue #20): one per module, declared `assigns` /
`requires`, a `score` for `Language.evaluate`, no per-document state on the component, word lists in the lexicon."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENTITIES = Path(__file__).resolve().parents[1] / "textlens" / "entities"
COMPONENT_MODULES = {"kb_ruler.py": "KBRuler", "resolver.py": "EntityResolver", "facts.py": "FactExtractor",
                     "typer.py": "EntityTyper"}


def test_factories_declare_what_they_assign_and_require():
    from spacy.language import Language

    import textlens.entities.components  # noqa: F401  (registers the factories)
    import textlens.entities.facts  # noqa: F401
    import textlens.entities.typer  # noqa: F401

    ruler = Language.get_factory_meta("textlens_kb_ruler")
    resolver = Language.get_factory_meta("textlens_entity_resolver")
    facts = Language.get_factory_meta("textlens_facts")
    assert "doc.spans" in ruler.assigns
    assert "doc.spans" in resolver.requires and {"doc.ents", "doc.spans"} <= set(resolver.assigns)
    assert "doc.spans" in facts.requires and "doc._.figures" in facts.assigns
    assert resolver.default_score_weights["ents_f"] == 1.0
    assert "doc.spans" in Language.get_factory_meta("textlens_entity_typer").requires


@pytest.mark.parametrize("module, cls", COMPONENT_MODULES.items())
def test_components_keep_no_per_document_state(module, cls):
    """Only `__init__` sets attributes on a component: a document's facts travel in local values (DocContext)."""
    tree = ast.parse((ENTITIES / module).read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    for method in (m for m in node.body if isinstance(m, ast.FunctionDef) and m.name != "__init__"):
        for sub in ast.walk(method):
            targets = sub.targets if isinstance(sub, ast.Assign) else [getattr(sub, "target", None)]
            for target in targets:
                assert not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                            and target.value.id == "self"), f"{cls}.{method.name} sets self.{target.attr}"


def _words(node: ast.AST) -> list[ast.expr]:
    """The string elements of a set/tuple/list literal, or the string values of a dict literal."""
    if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
        elements = node.elts
    elif isinstance(node, ast.Dict):
        elements = node.values
    else:
        return []
    return [e for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def test_component_modules_hold_no_module_level_word_sets():
    """Word sets live in textlens.entities.lexicon, not beside the code that reads them."""
    for module in ("kb_ruler.py", "resolver.py", "candidates.py", "selection.py", "context.py", "names.py",
                   "spans.py", "components.py"):
        tree = ast.parse((ENTITIES / module).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and node.targets[0].id != "__all__" and len(_words(node.value)) > 3:
                raise AssertionError(f"{module}:{node.lineno} defines a word list: move it to lexicon.py")


def test_resolver_scores_itself_and_is_stateless_across_documents():
    from spacy.training import Example

    from textlens.entities.pipeline import build_nlp, prepare

    nlp = build_nlp("fast")
    first = "La CNIL a sanctionné Free. L'Association française de la relation client (AFRC) publie une étude."
    second = "Teleperformance recrute à Lille."
    alone = [(e.text, e.label_) for e in nlp(prepare(second)).ents]
    docs = list(nlp.pipe([prepare(first), prepare(second)]))
    assert [(e.text, e.label_) for e in docs[1].ents] == alone  # nothing of the first text leaks into the second
    assert ("AFRC", "INSTITUTION") in [(e.text, e.label_) for e in docs[0].ents]
    # a reference with the same entities scores 1.0; one entity fewer there makes ours less precise
    reference = nlp(prepare(first))
    example = Example(nlp.make_doc(prepare(first)), reference)
    scores = nlp.evaluate([example])
    assert scores["ents_f"] == 1.0 and scores[f"spans_{'textlens_kb'}_f"] == 1.0
    reference.ents = list(reference.ents)[:-1]
    assert nlp.get_pipe("textlens_entity_resolver").score([Example(nlp(prepare(first)), reference)])["ents_p"] < 1.0
