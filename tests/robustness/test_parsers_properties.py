"""Property-based tests (hypothesis) of every parser that sees raw input: decoding, furniture removal,
French dates, table readers. No exception may escape, and every row comes out stored or reported."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from textlens.document import Document, Skipped
from textlens.ingest import IngestOptions, parse_date_value, parse_publication_date, read_inputs
from textlens.ingest.clean import DecodeError, decode_bytes, normalize_text
from textlens.ingest.furniture import RepeatedLines, remove_furniture

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])

WORDS = ["le", "client", "conseiller", "a", "répondu", "très", "rapidement", "à", "ma", "réclamation", "après",
         "l'attente", "interminable", "du", "service", "après-vente", "était", "aimable", "et", "compétent",
         "mais", "le", "remboursement", "n'est", "toujours", "pas", "arrivé", "depuis", "trois", "semaines",
         "l'été", "dernier", "où", "naïf", "cœur", "garçon", "Hélène", "Zoé", "façon", "déçu", "«", "»", "—", "€"]


@st.composite
def french_text(draw, min_words: int = 3, max_words: int = 60) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=min_words, max_size=max_words))
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", ", ", ". ", "\n", "\n\n"]), min_size=len(words),
                         max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps)).strip()


# ---- encodings -------------------------------------------------------------------------------------------------

@SETTINGS
@given(text=french_text(min_words=8), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_text_in_any_supported_encoding_decodes_back(text, encoding):
    data = text.encode(encoding)
    decoded, used, warnings = decode_bytes(data)
    assert decoded.lstrip("\ufeff") == text, (encoding, used, warnings)


@SETTINGS
@given(data=st.binary(max_size=3000))
@example(b"\x00" * 10)
@example(b"\xff\xfe")
@example(codecs.BOM_UTF8 + b"\xff\xff\xff")
def test_any_bytes_decode_or_are_reported(data):
    try:
        text, encoding, warnings = decode_bytes(data)
    except DecodeError as exc:
        assert str(exc)  # the message is the skip reason shown to the user
        return
    assert isinstance(text, str) and text.strip() and encoding
    if "\ufffd" in text and "\ufffd" not in data.decode(encoding, errors="ignore"):
        assert any("undecodable" in w for w in warnings)


@SETTINGS
@given(text=st.text(max_size=400))
def test_normalize_never_raises_and_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\x00" not in once and "\r" not in once


# ---- boilerplate removal ---------------------------------------------------------------------------------------

FURNITURE = ["Accueil", "Contact", "Mentions légales", "Partager sur Facebook", "Lire aussi", "Newsletter",
             "Tous droits réservés © 2021", "Accueil > Actualités > Relation client", "Publicité", "Menu",
             "Se connecter", "S'abonner", "Accepter les cookies", "Suivez-nous", "Imprimer", "| Twitter | LinkedIn"]

SENTENCE_WORDS = [w for w in WORDS if w not in ("«", "»", "—", "€")]


@st.composite
def real_sentence(draw) -> str:
    words = draw(st.lists(st.sampled_from(SENTENCE_WORDS), min_size=14, max_size=40))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


@SETTINGS
@given(sentence=real_sentence(), before=st.lists(st.sampled_from(FURNITURE), max_size=8),
       after=st.lists(st.sampled_from(FURNITURE), max_size=8), noise=st.text(max_size=200))
def test_furniture_removal_never_removes_a_long_real_sentence(sentence, before, after, noise):
    text = "\n".join(before + [sentence] + after)
    cleaned = remove_furniture(text)
    assert sentence in cleaned.text
    # learned repeated lines: the furniture repeats across the folder, the sentence appears once
    others = ["\n".join(before + after + [f"Article numéro {i} sur la relation client et ses enjeux."])
              for i in range(5)]
    repeated = RepeatedLines().fit(others + [text])
    assert sentence in remove_furniture(text, repeated).text
    remove_furniture(noise)  # arbitrary text never raises
    remove_furniture(noise, repeated)


# ---- French dates ----------------------------------------------------------------------------------------------

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]
MONTHS_ABBR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]

# (rendering, precision of what it states)
FORMATS = [
    (lambda d: f"{d.day} {MONTHS_FR[d.month - 1]} {d.year}", "day"),
    (lambda d: f"{'1er' if d.day == 1 else d.day} {MONTHS_FR[d.month - 1]} {d.year}", "day"),
    (lambda d: f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS_FR[d.month - 1]} {d.year}", "day"),
    (lambda d: f"{d.day} {MONTHS_ABBR[d.month - 1]} {d.year}", "day"),
    (lambda d: f"{d.day} {MONTHS_FR[d.month - 1].upper()} {d.year}", "day"),
    (lambda d: f"{d.day} {MONTHS_FR[d.month - 1]} {d.year} à 14h30", "day"),
    (lambda d: f"{d:%d/%m/%Y}", "day"),
    (lambda d: f"{d:%d.%m.%Y}", "day"),
    (lambda d: f"{d:%d-%m-%Y}", "day"),
    (lambda d: f"{d.day}/{d.month}/{d.year}", "day"),
    (lambda d: f"{d:%Y-%m-%d}", "day"),
    (lambda d: f"{d:%Y/%m/%d}", "day"),
    (lambda d: f"{MONTHS_EN[d.month - 1]} {d.day}, {d.year}", "day"),
    (lambda d: f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}", "day"),
    (lambda d: f"{MONTHS_FR[d.month - 1]} {d.year}", "month"),
    (lambda d: f"{d:%Y-%m}", "month"),
]
DATES = st.dates(min_value=dt.date(1980, 1, 1), max_value=dt.date.today())


def _iso(d: dt.date, precision: str) -> str:
    return d.isoformat() if precision == "day" else f"{d:%Y-%m}"


@SETTINGS
@given(d=DATES, fmt=st.integers(0, len(FORMATS) - 1), body=french_text(min_words=20),
       cue=st.sampled_from(["Publié le ", "Paru le ", "Mis en ligne le ", "", "Par Marie Dupont | "]))
def test_dates_in_every_supported_format_parse_back(d, fmt, body, cue):
    render, precision = FORMATS[fmt]
    written = render(d)
    assume(not (cue.startswith("Par") and precision == "month"))
    text = f"La relation client en question\n{cue}{written}\n\n{body}"
    info = parse_publication_date(text)
    assert (info.date, info.year, info.source) == (_iso(d, precision), d.year, "text"), (text[:120], info)
    meta = parse_date_value(written)
    assert meta is not None and (meta.date, meta.year, meta.source) == (_iso(d, precision), d.year, "metadata")


YEARLIKE = re.compile(r"(?:19|20)\d\d")


@SETTINGS
@given(text=st.one_of(st.text(max_size=600), french_text(max_words=120),
                      st.lists(st.one_of(st.sampled_from(WORDS + MONTHS_FR + WEEKDAYS + ["le", "Publié", "/", "-"]),
                                         st.integers(0, 3000).map(str)), max_size=60).map(" ".join)))
def test_text_without_a_date_expression_is_never_dated_by_text(text):
    assume(not YEARLIKE.search(text))  # every date expression we read states a year
    info = parse_publication_date(text)
    assert info.source != "text" and info.year is None


# ---- table readers ---------------------------------------------------------------------------------------------

CELL = st.text(alphabet=st.one_of(st.sampled_from(list('abcdé ,;|\t"\'\n\r\x00«»')), st.characters(codec="utf-8")), max_size=30)


@st.composite
def table(draw):
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        text = draw(st.one_of(CELL, french_text(), st.just(""), st.just("   ")))
        if draw(st.integers(0, 20)) == 0:
            text = "x" * draw(st.integers(100_000, 300_000))  # a very long line
        rows.append([f"r{i}", text, draw(CELL)])
    return rows


@SETTINGS
@given(rows=table(), delimiter=st.sampled_from([",", ";", "\t", "|"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
       lineterminator=st.sampled_from(["\n", "\r\n"]), bom=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-16"]))
def test_csv_rows_are_each_stored_or_reported(tmp_path_factory, rows, delimiter, quoting, lineterminator, bom,
                                              encoding):
    # csv.writer leaves a bare CR unquoted when the line terminator is "\n" (QUOTE_MINIMAL): that file has
    # more physical rows than written ones for any reader, so it is not a one-row-per-row table.
    assume(not (quoting == csv.QUOTE_MINIMAL and lineterminator == "\n"
                and any("\r" in cell for row in rows for cell in row)))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=lineterminator)
    w.writerow(["id", "texte", "note"])
    w.writerows(rows)
    prefix = codecs.BOM_UTF8 if bom and encoding == "utf-8" else b""
    data = prefix + buf.getvalue().encode(encoding)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(data)
    out = list(read_inputs([path], IngestOptions()))
    assert all(isinstance(x, (Document, Skipped)) for x in out)
    if len(out) == 1 and isinstance(out[0], Skipped) and out[0].row is None:
        # the whole file refused: only for what really looks binary (many NULs), with a reason
        assert "binary" in out[0].reason and data.count(b"\x00") > 2, out[0]
        return
    assert [x.row for x in out] == list(range(1, len(rows) + 1)), [(x.row, getattr(x, "reason", "")) for x in out]
    for x, (rid, text, _) in zip(out, rows):
        if isinstance(x, Document):
            assert x.id == rid and x.text == normalize_text(text) or x.text in normalize_text(text)
        else:
            assert x.reason and not normalize_text(text), (x.reason, text[:50])


@SETTINGS
@given(lines=st.lists(st.one_of(
    st.dictionaries(st.sampled_from(["id", "texte", "date", "x"]),
                    st.one_of(st.text(max_size=40), st.integers(), st.none(), st.lists(st.integers(), max_size=2))),
    st.text(max_size=40)), min_size=1, max_size=15))
def test_jsonl_lines_are_each_stored_or_reported(tmp_path_factory, lines):
    raw = [json.dumps(x) if isinstance(x, dict) else x.replace("\n", " ").replace("\r", " ") for x in lines]
    path = tmp_path_factory.mktemp("jsonl") / "t.jsonl"
    path.write_text("\n".join(raw) + "\n", encoding="utf-8")
    out = list(read_inputs([path], IngestOptions()))
    expected = [i for i, line in enumerate(raw, start=1) if line.strip()]
    if not expected:
        assert len(out) == 1 and isinstance(out[0], Skipped) and out[0].row is None
        return
    if len(out) == 1 and isinstance(out[0], Skipped) and out[0].row is None:
        assert "binary" in out[0].reason or "empty" in out[0].reason
        return
    assert [x.row for x in out] == expected
    assert all(isinstance(x, Document) or x.reason for x in out)
