"""The knowledge base: size, types, aliases, name eras, lookups (no spaCy model needed)."""
from __future__ import annotations

from pathlib import Path

import pytest

from textlens.entities.kb import ENTITY_TYPES, KBError, load_kb, name_key, read_kb_file


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_kb_is_broad_and_typed(kb):
    assert len(kb) >= 400
    counts = kb.by_type()
    assert set(counts) == set(ENTITY_TYPES)
    for etype in ("VENDOR", "COMPANY", "RESEARCH_FIRM", "INSTITUTION", "MEDIA", "LOCATION"):
        assert counts[etype] >= 40, etype
    for name, ent in kb.entities.items():
        assert ent.type in ENTITY_TYPES
        assert name == ent.name


@pytest.mark.parametrize("alias, canonical, etype", [
    ("Association française de la relation client", "AFRC", "INSTITUTION"),
    ("caisse d'allocations familiales", "Caisses d'allocations familiales", "INSTITUTION"),
    ("TNS-Sofres", "TNS Sofres", "RESEARCH_FIRM"),
    ("Téléperformance", "Teleperformance", "VENDOR"),
    ("label social", "Label de Responsabilité Sociale", "LABEL"),
    ("Etats-Unis", "États-Unis", "LOCATION"),
    ("Les Échos", "Les Echos", "MEDIA"),
])
def test_lookup_by_alias_accent_and_case(kb, alias, canonical, etype):
    ent = kb.lookup(alias)
    assert ent is not None and ent.name == canonical and ent.type == etype


def test_name_eras(kb):
    assert kb.lineage("SP2C") == ["SP2C", "Les Pros de l'Expérience Client"]
    assert kb.lineage("ANPE") == ["ANPE", "Pôle emploi", "France Travail"]
    assert kb.current_name("Sitel") == "Foundever"
    assert kb.current_name("Pôle emploi", 2005) == "ANPE"
    assert kb.current_name("GDF Suez", 2010) == "GDF Suez"
    assert kb.current_name("Gaz de France", 2016) == "Engie"


def test_fuzzy_small_spelling(kb):
    assert kb.fuzzy("Teleperfomance").name == "Teleperformance"
    assert kb.fuzzy("Zorglub Industries") is None


def test_name_key_normalises():
    assert name_key("L'Institut  national de la Relation-Client*") == name_key("institut national de la relation client")
    assert name_key("Les Echos") == name_key("les échos")


def test_bad_kb_file_is_reported(tmp_path: Path):
    bad = tmp_path / "kb.yaml"
    bad.write_text("VENDORS:\n  - Foo\n", encoding="utf-8")
    with pytest.raises(KBError, match="unknown entity type section 'VENDORS'"):
        read_kb_file(bad)
    bad.write_text("VENDOR:\n  - {name: Foo, colour: red}\n", encoding="utf-8")
    with pytest.raises(KBError, match="unknown keys"):
        read_kb_file(bad)


def test_user_kb_extends_default(tmp_path: Path):
    from textlens.entities.kb import DEFAULT_KB

    extra = tmp_path / "mine.yaml"
    extra.write_text("VENDOR:\n  - {name: Zorglub Contact, aliases: [Zorglub]}\n", encoding="utf-8")
    kb = load_kb((DEFAULT_KB, extra))
    assert kb.lookup("zorglub").type == "VENDOR"
    assert kb.lookup("AFRC") is not None


def test_variants_merge_across_documents(tmp_path: Path):
    from collections import Counter

    from textlens.entities.canon import merge_variants, variant_groups
    from textlens.store import Corpus

    groups = variant_groups(Counter({"Plexitel": 5, "PLEXITEL": 1, "Pléxitel": 2, "Zorglub": 1}))
    assert groups["PLEXITEL"] == groups["Pléxitel"] == "Plexitel"
    assert groups["Zorglub"] == "Zorglub"
    with Corpus.open(tmp_path / "t.db") as corpus:
        with corpus.transaction() as c:
            c.executemany(
                "INSERT INTO mentions(doc_id, entity, type, text) VALUES (?,?,?,?)",
                [("d1", "Plexitel", "VENDOR", "Plexitel"), ("d2", "Plexitel", "VENDOR", "Plexitel"),
                 ("d3", "PLEXITEL", "VENDOR", "PLEXITEL"), ("d3", "AFRC", "INSTITUTION", "AFRC")],
            )
        assert merge_variants(corpus) == 1
        names = {r[0] for r in corpus.conn.execute("SELECT entity FROM mentions")}
        assert names == {"Plexitel", "AFRC"}
