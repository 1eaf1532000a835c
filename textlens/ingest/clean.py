"""Bytes -> readable Unicode text: encoding detection, mojibake repair and normalisation.

Inputs come from survey tools, CRM exports and copy-pasted web pages, so the same corpus mixes
UTF-8, UTF-8 with BOM, UTF-16 and cp1252. UTF-8 is tried first (it almost never decodes other
encodings by accident); charset-normalizer is asked next, restricted to the Western encodings a
French corpus actually uses, because on short French texts its unrestricted guess is often wrong
(cp1250, big5...). ftfy then repairs double-encoded text ("Ã©" -> "é").
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from textlens.errors import InputError

# Encodings a French corpus realistically uses, in order of preference for ties.
WESTERN_ENCODINGS = ["cp1252", "latin_1", "iso8859_15", "mac_roman", "cp850"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Magic numbers of formats users commonly rename or drop into a text folder by mistake.
_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (docx/xlsx/odt?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (doc/xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3", "an SQLite database"),
)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\u00a0\u2007\u202f\u2000-\u200a\u3000]")
_TRAILING_WS = re.compile(r"[ \t]+\n")
_MANY_BLANKS = re.compile(r"\n{3,}")
_APOSTROPHES = re.compile("[\u2019\u2018\u02bc\u2032`]")  # regex subs: much faster than str.translate
_DOUBLE_QUOTES = re.compile("[\u201c\u201d\u201e\u201f]")
_LINE_BREAKS = re.compile("[\r\u2028\u2029\x85]")
# Text that may hold mojibake (a UTF-8 lead byte read as cp1252/latin-1 followed by a continuation
# byte), HTML entities, ligatures, full-width forms or terminal escapes: only those go through ftfy.
_NEEDS_FTFY = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039"
    "\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178]"
    r"|&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});|[\ufb00-\ufb06\uff01-\uff5e]|\x1b\[|\ufffd"
)


class DecodeError(InputError):
    """Bytes that are not text we can read; the message is shown to the user as the skip reason."""


def sniff_binary(data: bytes) -> str | None:
    """Why `data` looks binary (for the skip message), or None when it may be text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"binary content: looks like {what}, not text"
    head = data[:8192]
    if not head:
        return None
    if b"\x00" in head:
        # UTF-16/32 without BOM has NULs in every other byte; anything else with NULs is binary.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        half = len(head) / 2
        utf16 = (odd > 0.4 * half and even < 0.05 * half) or (even > 0.4 * half and odd < 0.05 * half)
        # A few NULs in text (a CRM export with a stray \0 in one cell) are dropped by normalize_text;
        # only many of them mean binary, else one bad cell would cost a whole table.
        if not utf16 and head.count(0) > max(2, 0.01 * len(head)):
            return "binary content (NUL bytes), not text"
        if utf16:
            return None
    controls = sum(1 for b in head if 0 < b < 32 and b not in (9, 10, 12, 13))
    # a share of the head, and more than a stray few: two control bytes in a 20-byte table are one bad cell
    if controls > max(16, 0.05 * len(head)):
        return "binary content (control bytes), not text"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:8192]
    if b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) / 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None  # a few stray NULs in 8-bit text


def detect_encoding(sample: bytes, complete: bool = False) -> str:
    """Name of the encoding of `sample` (a whole file, `complete`, or its first megabytes); DecodeError if none fits.

    A truncated multi-byte character at the end of a partial sample is tolerated for UTF-8/16; at the
    end of a whole file it is a cp1252 letter ("... à").
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}.get(name, "utf-32")
    reason = sniff_binary(sample)
    if reason:
        raise DecodeError(reason)
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        # valid but for a cut multi-byte character at the end: UTF-8 when other UTF-8 letters show it
        # (a truncated copy); a whole file whose only non-ASCII byte ends it is a cp1252 letter ("... à")
        if not complete or sample.isascii() or _decodes_utf8(sample) or not sample[:-3].isascii():
            return "utf-8"
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few stray bytes (a truncated copy, one pasted cp1252 character): still UTF-8.
    # A cp1252 text read as UTF-8 fails on nearly every accented letter instead.
    lenient = sample.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    accented = sum(1 for ch in lenient if ord(ch) > 127) - bad
    if accented >= 10 * bad:
        return "utf-8"
    if _is_french_cp1252(sample):
        return "cp1252"
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample, cp_isolation=WESTERN_ENCODINGS).best()
    if best is None:
        best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise DecodeError("undecodable bytes: not UTF-8/UTF-16 and no known encoding fits")
    return best.encoding


# what a French text written in cp1252 contains beyond ASCII: letters, quotes, dashes, euro, degree, nbsp
_FRENCH_CP1252 = frozenset("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»‘’“”–—…€°\xa0")


def _is_french_cp1252(sample: bytes) -> bool:
    """Every non-ASCII byte is a French letter or sign in cp1252 (the usual legacy Windows export):
    charset detection on a short text with two accents may otherwise pick cp850 ("dÚþu" for "déçu")."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(ch in _FRENCH_CP1252 for ch in text if ord(ch) > 127)


def _decodes_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Decode a whole file: (text, encoding, warnings). Raises DecodeError for empty/binary/undecodable input."""
    if not data.strip():
        raise DecodeError("empty file" if not data else "empty file (whitespace only)")
    encoding = detect_encoding(data, complete=True)
    warnings: list[str] = []
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        text = data.decode(encoding, errors="replace")
        bad = text.count("\ufffd")
        if bad > max(10, len(text) // 100):
            raise DecodeError(f"undecodable bytes: {bad} invalid {encoding} sequences ({exc.reason})") from exc
        warnings.append(f"{bad} undecodable byte sequence(s) replaced by U+FFFD")
    if not text.replace("\ufeff", "").replace("\x00", "").strip():
        raise DecodeError("empty file (nothing but a byte-order mark or blanks once decoded)")
    if encoding not in ("utf-8", "utf-8-sig", "ascii", "utf-16", "utf-32"):
        warnings.append(f"decoded as {encoding}")
    if _CONTROL.search(text) and len(_CONTROL.findall(text)) > 0.05 * len(text):
        raise DecodeError(f"binary content: too many control characters once decoded as {encoding}")
    return text, encoding, warnings


def normalize_text(text: str) -> str:
    """Readable, NFC-normalised text that spaCy's French tokenizer handles well (idempotent).

    Removing a character (soft hyphen, control) can uncover mojibake that ftfy then repairs, so
    texts that still look suspicious are normalised again until nothing changes.
    """
    out = _normalize_once(text)
    for _ in range(3):
        if not _NEEDS_FTFY.search(out):
            break
        again = _normalize_once(out)
        if again == out:
            break
        out = again
    return out


def _normalize_once(text: str) -> str:
    """One pass of `normalize_text`.

    ftfy fixes mojibake, HTML entities, curly double quotes and line breaks (CRLF -> LF); we map
    typographic apostrophes to ' (French elision then tokenizes correctly), keep « », turn
    non-breaking and exotic spaces into plain spaces and drop zero-width characters.
    """
    text = _CONTROL.sub("", text)  # first: a control character between two bytes of mojibake hides it from ftfy
    if _NEEDS_FTFY.search(text):
        import ftfy

        text = ftfy.fix_text(text, normalization="NFC")
    else:  # fast path (most rows): what ftfy would do on text without mojibake/entities
        text = _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n"))
    if not text.isascii():
        text = _APOSTROPHES.sub("'", text)
        text = _DOUBLE_QUOTES.sub('"', text)
        text = _SPACES.sub(" ", text)
        text = _ZERO_WIDTH.sub("", text)
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_WS.sub("\n", text)
    text = _MANY_BLANKS.sub("\n\n", text)
    return text.strip()


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(?<!\w)(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_MD_FENCE = re.compile(r"^\s*(```|~~~).*$", re.M)
_MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$", re.M)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Markdown YAML front matter (simple `key: value` lines) and the body after it."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "-")):
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return meta, text[m.end():]


def markdown_to_text(text: str) -> str:
    """Markdown markup -> plain prose (headings, links, emphasis, fences); the words are kept."""
    text = _MD_FENCE.sub("", text)
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPH.sub(r"\2", text)
    return text
