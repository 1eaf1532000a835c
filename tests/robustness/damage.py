"""A malformed-input corpus, generated: every kind of damage users' exports show, with the outcome we promise.

Each `Damage` writes its input(s) into a folder and says, per input unit (a table row or a whole file), whether
textlens must store it (optionally with a warning matching `reason`) or skip it with a reason matching `reason`.
All text is written here for the tests.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

GOOD = "Le service client m'a répondu rapidement et le conseiller était aimable, je suis satisfait."
GOOD2 = "Attente interminable au téléphone, personne ne m'a rappelé et le remboursement traîne encore."
ARTICLE = ("La relation client face à l'intelligence artificielle\n\n"
           "Publié le 12 mars 2019\n\n"
           + " ".join(["Les centres de contacts français investissent dans les outils conversationnels pour "
                       "réduire le temps d'attente et améliorer la satisfaction des clients."] * 6))


@dataclass
class Expect:
    source: str  # file name relative to the corpus folder
    row: int | None  # table row (1-based, header excluded) or None for a whole file
    status: str  # "stored" | "skipped"
    reason: str | None = None  # regex the skip reason (or a warning of the stored doc) must match


@dataclass
class Damage:
    kind: str
    build: object  # (folder: Path) -> list[Expect]


def _csv_text(rows: list[list[str]], delimiter: str = ",", header=("id", "date", "texte")) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    if header:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _one_row_csv(name: str, raw_row: str, status: str, reason: str | None = None, extra_good: bool = True):
    """A CSV whose row 1 carries the damage (written raw) and row 2 is a good row that must survive it."""
    def build(folder: Path) -> list[Expect]:
        body = "id,date,texte\n" + raw_row + ("\n" if not raw_row.endswith("\n") else "")
        out = [Expect(name, 1, status, reason)]
        if extra_good:
            body += f'{Path(name).stem}_ok,2020-01-02,"{GOOD2} ({name})"\n'
            out.append(Expect(name, 2, "stored"))
        (folder / name).write_text(body, encoding="utf-8")
        return out
    return build


def _file(name: str, data: bytes | str, status: str, reason: str | None = None):
    def build(folder: Path) -> list[Expect]:
        p = folder / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        return [Expect(name, None, status, reason)]
    return build


def _custom(fn):
    return fn


def _no_text_column(folder: Path) -> list[Expect]:
    (folder / "no_text_col.csv").write_text(_csv_text([["1", "a"], ["2", "b"]], header=("numero", "produit")))
    return [Expect("no_text_col.csv", r, "skipped", r"no text column.*numero, produit") for r in (1, 2)]


def _unbalanced_quote(folder: Path) -> list[Expect]:
    # the quote opened in row 2 never closes: row 2 and everything after it is one unreadable row
    (folder / "unbalanced.csv").write_text(f'id,texte\na,"{GOOD}"\nb,"{GOOD2}\nc,"{GOOD}"\n', encoding="utf-8")
    return [Expect("unbalanced.csv", 1, "stored"), Expect("unbalanced.csv", 2, "skipped", r"unbalanced quote|unreadable")]


def _utf16(folder: Path) -> list[Expect]:
    (folder / "utf16.csv").write_bytes(codecs.BOM_UTF16_LE + _csv_text([["u1", "2019", GOOD]]).encode("utf-16-le"))
    return [Expect("utf16.csv", 1, "stored")]


def _cp1252_semicolon(folder: Path) -> list[Expect]:
    (folder / "cp1252.csv").write_bytes(_csv_text([["c1", "03/04/2018", GOOD]], delimiter=";").encode("cp1252"))
    return [Expect("cp1252.csv", 1, "stored")]


def _bom_crlf(folder: Path) -> list[Expect]:
    text = _csv_text([["b1", "2017-05-06", GOOD], ["b2", "2017-05-07", GOOD2]]).replace("\n", "\r\n")
    (folder / "bom_crlf.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    return [Expect("bom_crlf.csv", 1, "stored"), Expect("bom_crlf.csv", 2, "stored")]


def _cr_only(folder: Path) -> list[Expect]:
    text = _csv_text([["r1", "2016", GOOD], ["r2", "2016", GOOD2]]).replace("\n", "\r")
    (folder / "cr_only.csv").write_text(text, encoding="utf-8", newline="")
    return [Expect("cr_only.csv", 1, "stored"), Expect("cr_only.csv", 2, "stored")]


def _header_only(folder: Path) -> list[Expect]:
    (folder / "header_only.csv").write_text("id,date,texte\n")
    return [Expect("header_only.csv", None, "skipped", r"without any data row")]


def _empty_csv(folder: Path) -> list[Expect]:
    (folder / "empty.csv").write_bytes(b"")
    return [Expect("empty.csv", None, "skipped", r"empty")]


def _jsonl(folder: Path) -> list[Expect]:
    lines = [json.dumps({"id": "j1", "texte": GOOD}), "{not json", "[1, 2, 3]", json.dumps({"texte": {"a": 1}}),
             json.dumps({"autre": "pas de texte"})]
    (folder / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [Expect("mixed.jsonl", 1, "stored"), Expect("mixed.jsonl", 2, "skipped", r"invalid JSON on line 2"),
            Expect("mixed.jsonl", 3, "skipped", r"JSON list, not an object"),
            Expect("mixed.jsonl", 4, "skipped", r"JSON dict, not text"),
            Expect("mixed.jsonl", 5, "skipped", r"no text column")]


def _broken_symlink(folder: Path) -> list[Expect]:
    os.symlink(folder / "does_not_exist.txt", folder / "dangling.txt")
    return [Expect("dangling.txt", None, "skipped", r"cannot read file|No such file")]


def _html_only_furniture(folder: Path) -> list[Expect]:
    html = ("<html><head><title>x</title><script>alert(1)</script></head><body><nav>Accueil | Contact</nav>"
            "<script>var a = 1;</script></body></html>")
    (folder / "furniture_only.html").write_text(html, encoding="utf-8")
    return [Expect("furniture_only.html", None, "skipped", r"no text")]


DAMAGES: list[Damage] = [
    # ---- one damaged row in a CSV (row 1), followed by a good row that must survive it ----
    Damage("empty text cell", _one_row_csv("empty_cell.csv", "e1,2020-01-01,", "skipped", r"empty text.*texte")),
    Damage("whitespace-only text", _one_row_csv("blank_cell.csv", 'w1,2020-01-01,"   \t  "', "skipped", r"empty text")),
    Damage("only control/zero-width characters", _one_row_csv(
        "control_cell.csv", "z1,2020-01-01,\x01\x02\u200b\u200b\x7f", "skipped", r"no readable text|empty text")),
    Damage("too many fields (unquoted separators)", _one_row_csv(
        "too_many.csv", f"t1,2020,{GOOD},extra,more", "skipped", r"malformed row \(line 2\): \d+ fields, header has 3")),
    Damage("too few fields", _one_row_csv("too_few.csv", "f1", "skipped", r"malformed row.*1 fields")),
    Damage("trailing empty fields", _one_row_csv("trailing.csv", f'x1,2020,"{GOOD}",,', "stored",
                                                 r"empty extra field")),
    Damage("unparseable date", _one_row_csv("bad_date.csv", f'd1,pas de date,"{GOOD}"', "stored",
                                            r"unparseable date")),
    Damage("impossible date", _one_row_csv("impossible_date.csv", f'd2,2019-13-45,"{GOOD}"', "stored",
                                           r"unparseable date")),
    Damage("future date", _one_row_csv("future_date.csv", f'd3,2999-01-01,"{GOOD}"', "stored", r"unparseable date")),
    Damage("duplicate id", _one_row_csv("dup_id.csv", f'dup_id_ok,2020,"{GOOD} (bis)"', "stored", None)),
    Damage("empty id", _one_row_csv("empty_id.csv", f',2020,"{GOOD}"', "stored", r"empty id")),
    Damage("NUL bytes in a cell", _one_row_csv("nul.csv", f'n1,2020,"{GOOD[:20]}\x00\x00{GOOD[20:]}"', "stored")),
    Damage("embedded newlines in a quoted cell", _one_row_csv("newlines.csv", f'l1,2020,"{GOOD}\n\n{GOOD2}"',
                                                              "stored")),
    Damage("HTML markup in a verbatim", _one_row_csv("markup.csv", f'h1,2020,"<b>{GOOD}</b><br/>"', "stored")),
    Damage("mojibake (double-encoded UTF-8)", _one_row_csv(
        "mojibake.csv", f'm1,2020,"{GOOD.encode("utf-8").decode("cp1252", errors="replace")}"', "stored")),
    Damage("very long line (300k characters)", _one_row_csv("long_line.csv", f'g1,2020,"{(GOOD + " ") * 3300}"',
                                                             "stored")),
    Damage("only punctuation and emoji", _one_row_csv("emoji.csv", 'p1,2020,"!!! 😡😡😡 ???"', "stored")),
    Damage("doubled quotes inside a cell", _one_row_csv("quotes.csv", f'q1,2020,"Il a dit ""non"" : {GOOD}"',
                                                        "stored")),
    Damage("non-French text", _one_row_csv(
        "english.csv", 'en1,2020,"The call centre kept me waiting for an hour and nobody ever called me back."',
        "stored", r"language en")),
    Damage("exact duplicate text", _one_row_csv("dup_text.csv", f'dt1,2020,"{GOOD2}"', "stored")),
    Damage("unknown kind value", _custom(lambda folder: (
        (folder / "bad_kind.csv").write_text(f'id,kind,texte\nk1,tweet,"{GOOD}"\n', encoding="utf-8"),
        [Expect("bad_kind.csv", 1, "stored", r"unknown kind 'tweet'")])[1])),
    Damage("duplicate column names", _custom(lambda folder: (
        (folder / "dup_cols.csv").write_text(f'id,texte,note,note\nc1,"{GOOD}",1,2\n', encoding="utf-8"),
        [Expect("dup_cols.csv", 1, "stored", r"duplicate column name 'note'")])[1])),
    # ---- whole-table damage ----
    Damage("no text column", _no_text_column),
    Damage("unbalanced quote", _unbalanced_quote),
    Damage("UTF-16 with BOM", _utf16),
    Damage("cp1252 with semicolons", _cp1252_semicolon),
    Damage("UTF-8 BOM and CRLF", _bom_crlf),
    Damage("old Mac CR line endings", _cr_only),
    Damage("header without data rows", _header_only),
    Damage("empty CSV file", _empty_csv),
    Damage("JSONL: invalid line, array, nested text, no text key", _jsonl),
    Damage("corrupt xlsx", _file("corrupt.xlsx", b"PK\x03\x04not really a zip", "skipped", r"cannot open xlsx")),
    Damage("corrupt parquet", _file("corrupt.parquet", b"PAR1garbage", "skipped", r"cannot open parquet")),
    # ---- whole-file damage ----
    Damage("empty text file", _file("empty.txt", b"", "skipped", r"empty file")),
    Damage("whitespace-only text file", _file("blank.txt", b" \n\t\n", "skipped", r"whitespace only")),
    Damage("PNG saved as .txt", _file("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "skipped",
                                      r"PNG image")),
    Damage("PDF saved as .txt", _file("doc.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "skipped", r"PDF")),
    Damage("random binary bytes", _file("random.md", bytes((i * 37 + 11) % 256 for i in range(4096)), "skipped",
                                        r"binary|undecodable")),
    Damage("unsupported extension", _file("notes.docx", b"PK\x03\x04", "skipped", r"unsupported file type \.docx")),
    Damage("plain JSON instead of JSONL", _file("data.json", b"[]", "skipped", r"JSON Lines")),
    Damage("truncated UTF-8 (cut mid-character)", _file("truncated.txt", (ARTICLE + " é").encode("utf-8")[:-1],
                                                        "stored")),
    Damage("cp1252 text file", _file("latin.txt", ARTICLE.encode("cp1252"), "stored", r"decoded as")),
    Damage("UTF-8 file with a few stray cp1252 bytes", _file(
        "stray.txt", ARTICLE.encode("utf-8") + " d\xe9j\xe0".encode("latin-1"), "stored", r"undecodable")),
    Damage("HTML saved as .txt", _file("page.txt", f"<!DOCTYPE html><html><body><p>{ARTICLE}</p></body></html>",
                                       "stored", r"HTML source in a text file")),
    Damage("HTML page with only scripts and menus", _html_only_furniture),
    Damage("broken markdown front matter", _file("front.md", f"---\ntitle: [unclosed\n{ARTICLE}", "stored")),
    Damage("dangling symlink", _broken_symlink),
]


def build_corpus(folder: Path) -> tuple[list[tuple[str, Expect]], int]:
    """Write every damage into `folder`; returns [(damage kind, expectation)] and the number of input units."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for d in DAMAGES:
        for e in d.build(folder):
            out.append((d.kind, e))
    return out, len(out)
