"""Ingestion of the real seed articles (../shared) and of the bundled demo corpus."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from textlens.document import Document, Skipped
from textlens.ingest import IngestOptions, read_inputs
from textlens.ingest.furniture import is_real_sentence

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"

# Real article sentences (short prefixes) that must survive cleaning, per seed.
KEPT = {
    "000_b2be090125d9bf1f": ["«Peut mieux faire». Sans trop se tromper", "Ralph Hababou s'étonne",
                             "François Rouffiac, directeur de la rédaction"],
    "001_bbb3331dfde0b73c": ["Relation client : les centres d'appels au cœur des doléances",
                             "65 % des Français estiment", "La délocalisation des centres d'appels en question",
                             "*Etude réalisée par Internet du 12 novembre au 5 décembre 2013"],
    "002_06689c463ba44f3f": ["Publié par Florence Guernalec", "Quels ont été les faits marquants en 2012 ?",
                             "Le vrai gros enjeu sera de mieux développer"],
    "003_d744dff4cc1dfbb1": ["This article was written on 12 Avr 2002", "2002 : l'année de tous les dangers",
                             ">Une licence professionnelle de superviseurs", "Manuel JACQUINET",
                             "Directeur de la rédaction"],
    "004_c9c6754d44d5709c": ["mardi 1 avril 2008", "Les centres d'appels : la qualité et la quantité ?",
                             "C'est tant mieux, car il est temps.", "Nous savons leur démontrer"],
}
# Site furniture that must be gone (whole lines of the raw text).
GONE = {
    "000_b2be090125d9bf1f": ["Recherche", "Publié par le", "Lecture", "4 min", "• Imprimer", "@ (c) Marc Bertrand",
                             "S'abonner", "au magazine", "Se connecter", "Retour haut de page"],
    "001_bbb3331dfde0b73c": ["ÉconomieEntreprisesManagement", "2 min de lecture", "2747 articles",
                             "A propos de l'auteur", "A lire également", "Recevez nos prochains articles par e-mail",
                             "Abonnez-vous à notre newsletter", "Laisser un commentaire",
                             "PWP rapproche les spiritueux des marques lifestyle haut-de-gamme"],
    "002_06689c463ba44f3f": ["Pour gérer vos consentements :", "La rédaction vous recommande"],
    "003_d744dff4cc1dfbb1": ["Information", "Current post is tagged", ",", "Laisser un commentaire", "*"],
    "004_c9c6754d44d5709c": ["Powered By Blogger", "Aucun commentaire:"],
}


@pytest.fixture(scope="module")
def seed_docs(seeds_dir: Path) -> dict[str, Document]:
    items = list(read_inputs([seeds_dir]))
    assert all(isinstance(i, Document) for i in items), [i for i in items if isinstance(i, Skipped)]
    return {d.id: d for d in items}


def test_seed_ids_are_file_stems(seed_docs, seeds_dir):
    assert sorted(seed_docs) == sorted(p.stem for p in seeds_dir.glob("*.txt"))


def test_seed_furniture_removed_and_sentences_kept(seed_docs):
    for doc_id, doc in seed_docs.items():
        lines = {line.strip() for line in doc.text.split("\n")}
        for prefix in KEPT[doc_id]:
            assert prefix in doc.text, (doc_id, prefix)
        for furniture in GONE[doc_id]:
            assert furniture not in lines, (doc_id, furniture)
            assert furniture in doc.raw_text.replace("\u00a0", " ").replace("’", "'")  # kept for audit
        assert doc.text.strip() and doc.language == "fr"


def test_no_seed_article_sentence_lost(seed_docs):
    """Every real sentence before the end-of-page block (teasers, bios) is still in the clean text."""
    for doc in seed_docs.values():
        body = re.split(r"\n(?:A propos de l'auteur|2747 articles)\n", doc.raw_text.replace("’", "'"))[0]
        for line in body.split("\n"):
            if is_real_sentence(line):
                assert line.strip().replace("\u00a0", " ") in doc.text, line


def test_seed_dates(seed_docs):
    d3 = seed_docs["003_d744dff4cc1dfbb1"]
    assert (d3.year, d3.year_source, d3.date, d3.year_evidence) == (2002, "text", "2002-04-12", "12 Avr 2002")
    d4 = seed_docs["004_c9c6754d44d5709c"]
    assert (d4.year, d4.year_source, d4.year_evidence) == (2008, "text", "mardi 1 avril 2008")
    assert seed_docs["000_b2be090125d9bf1f"].year_source != "text"
    for doc_id in ("001_bbb3331dfde0b73c", "002_06689c463ba44f3f"):  # only cited years: inferred at most
        assert seed_docs[doc_id].year_source in (None, "inferred")


def test_seed_kinds_and_titles(seed_docs):
    assert seed_docs["000_b2be090125d9bf1f"].kind == "editorial"  # signed by the directeur de la rédaction
    assert seed_docs["003_d744dff4cc1dfbb1"].kind == "editorial"
    assert seed_docs["001_bbb3331dfde0b73c"].kind == "article"
    assert seed_docs["001_bbb3331dfde0b73c"].title == "Relation client : les centres d'appels au cœur des doléances"
    assert seed_docs["004_c9c6754d44d5709c"].title == "Les centres d'appels : la qualité et la quantité ?"


def _demo_gold() -> dict[str, dict]:
    gold = {}
    for f in sorted(DEMO.glob("gold_articles_*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                g = json.loads(line)
                gold[g["file"]] = g
    return gold


def test_demo_articles_dated_like_the_gold():
    gold = _demo_gold()
    if not gold:
        pytest.skip("demo gold not written yet")
    docs = [d for d in read_inputs([DEMO / "articles"]) if isinstance(d, Document)]
    by_file = {Path(d.source).name: d for d in docs}
    wrong = {f: (by_file[f].year, by_file[f].year_evidence, g["year"]) for f, g in gold.items()
             if f in by_file and by_file[f].year != g["year"]}
    assert not wrong
    assert all(by_file[f].year_source in ("text", "metadata", "filename") for f in gold if f in by_file)


def test_demo_folder_every_input_accounted_and_gold_files_ignored():
    items = list(read_inputs([DEMO], IngestOptions()))
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert not skipped, skipped[:5]
    sources = {Path(i.source).name for i in items}
    assert not any(s.startswith("gold_") for s in sources)  # excluded by corpora/demo/.textlensignore
    verbatims = [i for i in items if i.kind == "verbatim"]
    with open(DEMO / "verbatims.csv", encoding="utf-8", newline="") as fh:
        import csv

        assert len(verbatims) == sum(1 for _ in csv.DictReader(fh))
    assert all(v.year_source == "metadata" for v in verbatims)
    ids = [i.id for i in items]
    assert len(ids) == len(set(ids))
    assert [i.id for i in read_inputs([DEMO])] == ids  # deterministic, stable ids


def _lost_entities(docs: dict[str, Document], gold: dict[str, dict]) -> list[tuple[str, str]]:
    from textlens.analysis.segment import fold

    lost = []
    for key, g in gold.items():
        doc = docs[key]
        raw, clean = fold(doc.raw_text.replace("’", "'")), fold(doc.text)
        for names in g["entities"].values():
            lost += [(key, n) for n in names if fold(n) in raw and fold(n) not in clean]
    return lost


def test_cleaning_keeps_every_gold_entity(seed_docs, shared_dir):
    gold = {}
    for line in (shared_dir / "gold" / "seeds_gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            gold[g["id"]] = g
    assert not _lost_entities(seed_docs, gold)
    demo_gold = _demo_gold()
    demo = {Path(d.source).name: d for d in read_inputs([DEMO / "articles"]) if isinstance(d, Document)}
    assert not _lost_entities(demo, {f: g for f, g in demo_gold.items() if f in demo})
