"""Bad and unusual inputs written by the tests: every file/row becomes a Document or a Skipped with a reason."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from textlens.document import Document, Skipped
from textlens.ingest import IngestOptions, read_inputs

ARTICLE = (
    "Centres d'appels : le grand retour en France\n\n"
    "Publié le 18 octobre 2012 à 13:54\n\n"
    "Les opérateurs télécoms rapatrient une partie de leurs appels depuis le Maroc et la Tunisie. "
    "Le ministre a reçu les dirigeants des principaux opérateurs pour leur demander des engagements chiffrés.\n\n"
    "Les prestataires installés en province espèrent en profiter, mais les donneurs d'ordre restent attentifs "
    "aux prix et refusent pour l'instant de payer davantage.\n"
)


def _items(*paths, **options):
    return list(read_inputs([str(p) for p in paths], IngestOptions(**options)))


def _by_row(items):
    return {i.row: i for i in items}


def test_text_files_in_every_encoding(tmp_path):
    (tmp_path / "utf8.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes(ARTICLE.encode("utf-8-sig"))
    (tmp_path / "u16le.txt").write_bytes(ARTICLE.encode("utf-16"))  # with BOM
    (tmp_path / "u16be.txt").write_bytes(b"\xfe\xff" + ARTICLE.encode("utf-16-be"))
    (tmp_path / "cp1252.txt").write_bytes(ARTICLE.replace("à", "à").encode("cp1252"))
    (tmp_path / "crlf.txt").write_bytes(ARTICLE.replace("\n", "\r\n").encode("utf-8"))
    (tmp_path / "mojibake.txt").write_text(ARTICLE.encode("utf-8").decode("cp1252", errors="replace"),
                                           encoding="utf-8")
    items = _items(tmp_path)
    assert all(isinstance(i, Document) for i in items), items
    texts = {i.id: i.text for i in items}
    assert len(set(texts.values())) == 1, texts  # the same clean text whatever the encoding
    doc = items[0]
    assert doc.title == "Centres d'appels : le grand retour en France"
    assert (doc.date, doc.year_source) == ("2012-10-18", "text")
    assert "\r" not in doc.text and "Maroc" in doc.text
    assert any("decoded as" in w for w in _by_id(items)["cp1252"].warnings)


def _by_id(items):
    return {i.id: i for i in items if isinstance(i, Document)}


def test_unreadable_files_are_skipped_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("  \n\n \t\n")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    (tmp_path / "random.txt").write_bytes(bytes((i * 7919) % 256 for i in range(4000)))
    (tmp_path / "undecodable.txt").write_bytes(bytes(0x80 + (i * 37) % 128 for i in range(3000)))
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4 ...")
    (tmp_path / "notes.json").write_text("{}")
    (tmp_path / "furniture.txt").write_text("S'abonner\nSe connecter\nRetour haut de page\n")
    (tmp_path / ".hidden.txt").write_text(ARTICLE)
    items = _items(tmp_path, tmp_path / "missing_folder")
    reasons = {Path(i.source).name: i.reason for i in items}
    assert all(isinstance(i, Skipped) for i in items)
    assert reasons["empty.txt"] == "empty file"
    assert "empty" in reasons["blank.md"]
    assert "PNG" in reasons["image.txt"]
    assert "binary" in reasons["random.txt"] or "undecodable" in reasons["random.txt"]
    assert reasons["undecodable.txt"].startswith("undecodable bytes")
    assert reasons["doc.pdf"].startswith("unsupported file type .pdf")
    assert "JSON Lines" in reasons["notes.json"]
    assert "furniture" in reasons["furniture.txt"]
    assert reasons["missing_folder"] == "no such file or directory"
    assert ".hidden.txt" not in reasons


def test_textlensignore_and_stem_collisions(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "b").mkdir()
    (corpus / "a" / "edito.txt").write_text(ARTICLE)
    (corpus / "b" / "edito.txt").write_text(ARTICLE.replace("Maroc", "Sénégal"))
    (corpus / "b" / "README.md").write_text("# Notes\n\nCe dossier contient des éditos.")
    (corpus / "gold_a.jsonl").write_text('{"file": "edito.txt", "year": 2012}\n')
    (corpus / ".textlensignore").write_text("# annotations\ngold_*.jsonl\nb/README.md\n")
    items = _items(corpus, corpus / "a" / "edito.txt")  # the second path is already in the first
    assert [i.id for i in items] == ["a/edito", "b/edito"]
    assert all(isinstance(i, Document) for i in items)
    assert [i.id for i in _items(f"{corpus}/")] == ["a/edito", "b/edito"]


def test_csv_malformed_rows_are_reported_with_their_number(tmp_path):
    f = tmp_path / "avis.csv"
    f.write_text(
        "id,date,note,avis\n"
        'a1,2021-03-01,5,"Conseiller très aimable, dossier réglé en deux jours."\n'
        "a2,2021-03-02,1\n"  # missing field
        "a3,2021-03-03,2,Trop cher,en plus\n"  # extra field with a value
        'a4,2021-03-04,4,"Rapide et efficace, je recommande",\n'  # extra empty field: kept
        "a5,2021-03-05,3,\n"  # empty text cell
        "\n"  # blank line: not a row
        'a1,2021-03-06,2,"Attente interminable au téléphone, aucun rappel."\n'  # duplicate id
        'a7,pas une date,4,"Bon accueil en agence."\n',
        encoding="utf-8",
    )
    items = _by_row(_items(f))
    assert sorted(items) == [1, 2, 3, 4, 5, 6, 7]
    assert isinstance(items[1], Document) and items[1].kind == "verbatim" and items[1].id == "a1"
    assert items[1].metadata == {"note": "5"} and items[1].date == "2021-03-01"
    assert isinstance(items[2], Skipped) and "3 fields, header has 4" in items[2].reason and "line 3" in items[2].reason
    assert isinstance(items[3], Skipped) and "5 fields" in items[3].reason
    assert isinstance(items[4], Document) and "empty extra field" in items[4].warnings[0]
    assert isinstance(items[5], Skipped) and items[5].reason == "empty text in column 'avis'"
    dup = items[6]
    assert isinstance(dup, Document) and dup.id == "a1#2"
    assert any("duplicate id 'a1'" in w and "avis.csv:1" in w for w in dup.warnings)
    assert items[7].year_source is None and any("unparseable date" in w for w in items[7].warnings)


def test_missing_text_column_skips_every_row_with_the_columns(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text("id;date;score\n1;2021-01-01;3\n2;2021-01-02;4\n", encoding="utf-8")
    items = _items(f)
    assert len(items) == 2 and all(isinstance(i, Skipped) for i in items)
    assert "no text column" in items[0].reason and "id, date, score" in items[0].reason
    items = _items(f, text_col="comment")
    assert "'comment'" in items[0].reason and "--text-col" in items[0].reason
    docs = _items(f, text_col="SCORE", kind="verbatim")  # explicit, case-insensitive
    assert [d.text for d in docs] == ["3", "4"]


def test_tsv_cp1252_semicolon_and_explicit_columns(tmp_path):
    f = tmp_path / "verbatims.tsv"
    f.write_bytes("ref\tquand\tremarque\nx1\t12/03/2019\tTrès déçu du délai\n".encode("cp1252"))
    [doc] = _items(f, text_col="remarque", id_col="ref", date_col="quand")
    assert (doc.id, doc.text, doc.date, doc.year_source) == ("x1", "Très déçu du délai", "2019-03-12", "metadata")
    g = tmp_path / "semi.csv"
    g.write_text("Identifiant;Texte;Date_Publication\n7;Service client injoignable;2018\n", encoding="utf-8-sig")
    [doc] = _items(g)
    assert (doc.id, doc.year, doc.row, doc.source) == ("7", 2018, 1, str(g))


def test_rows_without_id_get_stable_ids_and_long_rows_are_articles(tmp_path):
    f = tmp_path / "press.csv"
    long_text = " ".join([ARTICLE.replace("\n", " ")] * 2)
    f.write_text("titre,texte\n" + "\n".join(f'"Titre {i}","{long_text}"' for i in range(3)), encoding="utf-8")
    items = _items(f)
    assert [i.id for i in items] == ["press:1", "press:2", "press:3"]
    assert {i.kind for i in items} == {"article"} and items[0].title == "Titre 0"
    assert [i.id for i in _items(f)] == ["press:1", "press:2", "press:3"]


def test_jsonl_fields_metadata_and_invalid_lines(tmp_path):
    f = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "j1", "text": ARTICLE, "title": "Titre", "date": "2012-10-18", "url": "https://a.fr/x",
                    "kind": "editorial", "source": "Les Echos", "auteur": "A. B."}),
        "{not json",
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "j4", "contenu": "Très bon suivi de mon dossier sinistre."}),
        json.dumps({"id": "j5", "score": 3}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _by_row(_items(f))
    assert sorted(items) == [1, 2, 3, 5, 6]
    j1 = items[1]
    assert (j1.id, j1.kind, j1.title, j1.url, j1.year_source) == ("j1", "editorial", "Titre", "https://a.fr/x",
                                                                   "metadata")
    assert j1.metadata == {"source": "Les Echos", "auteur": "A. B."}
    assert "invalid JSON on line 2" in items[2].reason
    assert "not an object" in items[3].reason
    assert items[5].text.startswith("Très bon suivi") and items[5].kind == "verbatim"
    assert isinstance(items[6], Skipped) and "no text column" in items[6].reason


def test_parquet_and_xlsx(tmp_path):
    import openpyxl
    import pandas as pd

    df = pd.DataFrame({"id": ["p1", "p2", "p3"], "text": ["Très bien", None, "Attente trop longue"],
                       "date": pd.to_datetime(["2020-01-02", "2020-02-03", "2020-03-04"]), "rating": [5, 1, 2]})
    df.to_parquet(tmp_path / "t.parquet")
    items = _by_row(_items(tmp_path / "t.parquet", chunk_rows=2))
    assert items[1].date == "2020-01-02" and items[1].metadata == {"rating": 5}
    assert isinstance(items[2], Skipped) and "empty text" in items[2].reason
    assert items[3].id == "p3"

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "avis"
    ws.append(["Verbatim", "Date", "Canal"])
    ws.append(["Conseillère très à l'écoute", None, "téléphone"])
    ws.append([None, None, "mail"])
    ws.append(["Bon rapport qualité prix", "2022-05-01", "web", "note en marge"])
    wb.create_sheet("vide")
    wb.save(tmp_path / "book.xlsx")
    items = _by_row(_items(tmp_path / "book.xlsx"))
    assert items[1].text == "Conseillère très à l'écoute" and items[1].metadata == {"Canal": "téléphone"}
    assert items[1].source == f"{tmp_path / 'book.xlsx'}#avis" and items[1].id == "book:avis:1"
    assert isinstance(items[2], Skipped) and "empty text in column 'Verbatim'" in items[2].reason
    assert items[3].metadata["column_4"] == "note en marge" and items[3].year == 2022

    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a real workbook")
    [bad] = _items(tmp_path / "broken.xlsx")
    assert isinstance(bad, Skipped) and "cannot open xlsx" in bad.reason and bad.row is None


def test_huge_cell_is_skipped(tmp_path, monkeypatch):
    from textlens.ingest import tables

    monkeypatch.setattr(tables, "MAX_CELL_CHARS", 1000)
    f = tmp_path / "big.csv"
    f.write_text("text\n" + "x" * 2000 + "\nPetit avis correct\n", encoding="utf-8")
    items = _by_row(_items(f))
    assert isinstance(items[1], Skipped) and "limit" in items[1].reason
    assert isinstance(items[2], Document)


def test_non_french_documents_are_kept_and_flagged(tmp_path):
    f = tmp_path / "mixed.csv"
    f.write_text(
        "text\n"
        '"Overall very happy with the insurer, their service has been exceptional compared to others."\n'
        '"El servicio de atención al cliente fue muy malo y nunca me devolvieron el dinero."\n'
        '"Service client injoignable, délais interminables."\n'
        '"Merci la macif !!"\n',
        encoding="utf-8",
    )
    items = _items(f)
    assert [i.language for i in items] == ["en", "es", "fr", "fr"]
    assert items[0].warnings == ["language en: not analysed as French"]
    assert items[2].warnings == []


def test_html_page_main_text_metadata_and_furniture(tmp_path):
    page = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
    <title>Bloctel : ruée des consommateurs | Le Mag</title>
    <meta property="article:published_time" content="2016-06-13T09:00:00+02:00">
    <link rel="canonical" href="https://mag.example/2016/06/13/bloctel"></head><body>
    <header><p><a href="/abo">S'abonner</a> | <a href="/login">Se connecter</a></p>
    <nav><ul><li>Accueil</li><li>Études</li></ul></nav></header>
    <article><h1>Bloctel : ruée des consommateurs</h1>
    <p>Le service d'opposition au démarchage téléphonique a enregistré plus d'un million d'inscriptions
    en quelques jours, selon le ministère de l'Économie qui salue un succès immédiat.</p>
    <p>Les centres d'appels spécialisés dans la vente à distance redoutent une baisse de leur activité et
    demandent un délai pour adapter leurs fichiers de prospection.</p></article>
    <div class="share">Imprimer · Envoyer · Partager</div>
    <footer><a href="#">Retour haut de page</a> · Mentions légales</footer></body></html>"""
    (tmp_path / "bloctel.html").write_text(page, encoding="utf-8")
    [doc] = _items(tmp_path / "bloctel.html")
    assert doc.title == "Bloctel : ruée des consommateurs"
    assert (doc.date, doc.year_source) == ("2016-06-13", "metadata")
    assert doc.url == "https://mag.example/2016/06/13/bloctel"
    assert "un million d'inscriptions" in doc.text and "adapter leurs fichiers" in doc.text
    for furniture in ("S'abonner", "Retour haut de page", "Mentions légales", "Imprimer"):
        assert furniture not in doc.text
    assert "<p>" in doc.raw_text


def test_markdown_front_matter(tmp_path):
    (tmp_path / "note.md").write_text(
        "---\ntitle: Le chatbot, nouveau conseiller\ndate: 2017-03-02\nauteur: Léa\n---\n\n"
        "# Le chatbot, nouveau conseiller\n\nLes **assistants virtuels** arrivent dans les [centres](http://x) "
        "de contacts des banques et des assureurs, qui promettent une réponse immédiate à toute heure.\n",
        encoding="utf-8")
    [doc] = _items(tmp_path / "note.md")
    assert (doc.title, doc.date, doc.year_source) == ("Le chatbot, nouveau conseiller", "2017-03-02", "metadata")
    assert doc.metadata == {"auteur": "Léa"}
    assert "Les assistants virtuels arrivent dans les centres de contacts" in doc.text and "**" not in doc.text


def test_kind_option_and_validation(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    assert _items(tmp_path, kind="editorial")[0].kind == "editorial"
    with pytest.raises(ValueError, match="unknown kind"):
        IngestOptions(kind="blog")


def test_unbalanced_quote_is_reported_not_silently_merged(tmp_path):
    f = tmp_path / "quotes.csv"
    rows = "\n".join(f"r{i},Avis numéro {i} correct" for i in range(3, 30))
    f.write_text(f'id,text\nr1,Bon contact\nr2,"Guillemet jamais fermé\n{rows}\n', encoding="utf-8")
    items = _items(f)
    assert isinstance(items[0], Document)
    [bad] = items[1:]
    assert isinstance(bad, Skipped) and "lines 3-30" in bad.reason and "unbalanced quote" in bad.reason
    g = tmp_path / "stray.csv"
    g.write_text('id,text\nr1,"Bien"mais cher\nr2,"Très ""bon"" accueil"\n', encoding="utf-8")
    items = _by_row(_items(g))
    assert isinstance(items[1], Skipped) and "line 2" in items[1].reason
    assert items[2].text == 'Très "bon" accueil'



def test_html_source_saved_as_txt(tmp_path):
    (tmp_path / "page.txt").write_text(
        "<!DOCTYPE html><html><head><title>Titre</title></head><body><article><h1>Titre</h1>"
        f"<p>{ARTICLE.splitlines()[4]}</p></article></body></html>", encoding="utf-8")
    [doc] = _items(tmp_path / "page.txt")
    assert "<p>" not in doc.text and "rapatrient une partie" in doc.text
    assert any("HTML source" in w for w in doc.warnings)


def test_column_name_variants_and_tables_without_rows(tmp_path):
    f = tmp_path / "crm.csv"
    f.write_text("ID client;Commentaire client;Date avis;Canal\n12;Conseiller injoignable;03/02/2020;tel\n",
                 encoding="utf-8")
    [doc] = _items(f)
    assert (doc.id, doc.text, doc.date, doc.metadata) == ("crm:1", "Conseiller injoignable", "2020-02-03",
                                                          {"ID client": "12", "Canal": "tel"})
    (tmp_path / "header_only.csv").write_text("id,text\n", encoding="utf-8")
    [empty] = _items(tmp_path / "header_only.csv")
    assert isinstance(empty, Skipped) and empty.reason == "table without any data row"


def _cells():
    from hypothesis import strategies as st

    pieces = st.sampled_from(list("abcé ,;\"'\n\r\t«»’\u00a0") + ["Très bien", "Déçu", "\r\n"])
    return st.lists(pieces, max_size=15).map("".join)


def test_every_csv_row_comes_out_exactly_once(tmp_path_factory):
    """Property: whatever the cells (quotes, delimiters, newlines, blanks), one output per written row."""
    import csv as _csv

    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.tuples(_cells(), _cells()), min_size=1, max_size=12))
    def check(rows):
        folder = tmp_path_factory.mktemp("prop")
        f = folder / "t.csv"
        with open(f, "w", encoding="utf-8", newline="") as fh:
            w = _csv.writer(fh)
            w.writerow(["id", "text"])
            w.writerows([(f"r{i}", text) for i, (_, text) in enumerate(rows)])
        items = _items(f)
        assert [i.row for i in items] == list(range(1, len(rows) + 1))
        for item, (_, text) in zip(items, rows):
            if isinstance(item, Skipped):
                assert not text.strip() or not normalize(text), (text, item.reason)
            else:
                assert item.id == f"r{item.row - 1}" and item.text

    from textlens.ingest.clean import normalize_text as normalize

    check()
